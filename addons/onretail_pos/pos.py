# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The settings of a cash register that the cashier screen follows"
from urllib.parse import urlsplit

from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    printer_url = fields.Char(
        "Printer Service",
        help="The address of the shop's printer service (onretail-iot), "
        "e.g. http://192.168.1.20:8070; empty to print with the browser.")
    printer_token = fields.Char(
        "Printer Token", strip=False,
        states={
            'invisible': ~Eval('printer_url'),
            'required': Bool(Eval('printer_url')),
            },
        help="The token of the printer service's configuration.")
    printer_name = fields.Char(
        "Printer", states={'invisible': ~Eval('printer_url')},
        help="The printer of the service for the receipts; empty for its "
        "first one.")
    receipt_header = fields.Text(
        "Receipt Header", translate=True,
        help="Printed above each receipt: the shop's name, address, tax "
        "number.")
    receipt_footer = fields.Text(
        "Receipt Footer", translate=True,
        help="Printed below each receipt, e.g. the return policy.")
    logo = fields.Binary("Logo", help="Printed at the top of each receipt.")
    cash_drawer = fields.Boolean(
        "Cash Drawer",
        help="Open the cash drawer through the receipt printer when a sale "
        "is paid in cash.")
    cashier_may_change_prices = fields.Boolean(
        "Cashier May Change Prices",
        help="Cashiers may change the price and the discount of a line.")
    payment_methods = fields.Many2Many(
        'sale.point-sale.point.payment.method', 'point', 'method',
        "Payment Methods",
        domain=[('company', '=', Eval('company', -1))],
        help="The payment methods the cashier screen offers; empty for "
        "all of the company.")
    pos_categories = fields.Many2Many(
        'sale.point-product.pos_category', 'point', 'category',
        "POS Categories",
        help="The product categories the cashier screen shows; empty for "
        "all.")
    cashiers = fields.Many2Many(
        'sale.point-res.user', 'point', 'user', "Cashiers",
        help="The users who may sell at this cash register; empty for all "
        "cashiers of the company.")

    @classmethod
    def default_cash_drawer(cls):
        return True

    @classmethod
    def default_cashier_may_change_prices(cls):
        return False

    @classmethod
    def validate_fields(cls, points, field_names):
        super().validate_fields(points, field_names)
        if 'printer_url' in field_names:
            for point in points:
                point.check_printer_url()

    def check_printer_url(self):
        if not self.printer_url:
            return
        url = urlsplit(self.printer_url)
        if url.scheme not in {'http', 'https'} or not url.netloc:
            raise ValidationError(gettext(
                    'onretail_pos.msg_printer_url_invalid',
                    point=self.rec_name, url=self.printer_url))

    def allowed_payment_methods(self):
        "The payment methods the cashier screen offers"
        Method = Pool().get('sale.point.payment.method')
        if self.payment_methods:
            return [m for m in self.payment_methods if m.active]
        return Method.search([('company', '=', self.company.id)])

    def shown_categories(self):
        "The POS categories the cashier screen shows at its top level"
        Category = Pool().get('product.pos_category')
        if self.pos_categories:
            return list(self.pos_categories)
        return Category.search([('parent', '=', None)])

    def allows_user(self, user):
        "Whether user may sell at this cash register"
        return (not self.cashiers or user in self.cashiers) and (
            self.company in user.companies)

    @classmethod
    def for_user(cls, user):
        "The cash registers user may sell at"
        return [p for p in cls.search([]) if p.allows_user(user)]


class POSPaymentMethod(ModelSQL):
    __name__ = 'sale.point-sale.point.payment.method'
    __string__ = "Cash Register - Payment Method"

    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
    method = fields.Many2One(
        'sale.point.payment.method', "Payment Method", required=True,
        ondelete='CASCADE')


class POSCategory(ModelSQL):
    __name__ = 'sale.point-product.pos_category'
    __string__ = "Cash Register - POS Category"

    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'product.pos_category', "POS Category", required=True,
        ondelete='CASCADE')


class POSUser(ModelSQL):
    __name__ = 'sale.point-res.user'
    __string__ = "Cash Register - Cashier"

    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
