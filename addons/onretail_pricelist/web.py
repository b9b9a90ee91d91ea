# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    website = fields.Many2One(
        'web.shop', "Website",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The web shop that offers the list to its customers.")

    def offered_in(self, shop):
        return not self.website or self.website == shop


class Shop(metaclass=PoolMeta):
    __name__ = 'web.shop'

    def get_price_list(self, party=None, selected=None, coupon_code=None):
        """The list of a cart: the coupon code's list, else the list the
        customer selected when selectable, else the shop's list"""
        pool = Pool()
        PriceList = pool.get('product.price_list')
        if coupon_code:
            price_list = PriceList.search_coupon(coupon_code, [
                    ('company', '=', self.company.id),
                    ])
            if (price_list and price_list.offered_in(self)
                    and price_list.allows('web', party)):
                return price_list
        if selected:
            price_list = PriceList(int(selected))
            if (price_list.shop_selectable and price_list.offered_in(self)
                    and price_list.company == self.company
                    and price_list.allows('web', party)):
                return price_list
        return self.sale_price_list

    def selectable_price_lists(self, party=None):
        "The lists the shop's customers may pick"
        pool = Pool()
        PriceList = pool.get('product.price_list')
        return [p for p in PriceList.search([
                    ('company', '=', self.company.id),
                    ('shop_selectable', '=', True),
                    ['OR',
                        ('website', '=', None),
                        ('website', '=', self.id),
                        ],
                    ])
            if p.allows('web', party)]

    def get_context(self):
        context = super().get_context()
        request = Transaction().context
        if not request.get('_non_sale_price'):
            price_list = self.get_price_list(
                selected=request.get('selected_price_list'),
                coupon_code=request.get('coupon_code'))
            if price_list:
                context['price_list'] = price_list.id
        return context


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    coupon_code = fields.Char(
        "Coupon Code", readonly=True,
        states={
            'invisible': ~Eval('coupon_code'),
            },
        help="The coupon code whose list prices the web shop cart.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['apply_coupon_code'] = RPC(readonly=False, instantiate=0)

    @fields.depends('web_shop')
    def _price_list_medium(self):
        if self.web_shop:
            return 'web'
        return super()._price_list_medium()

    @classmethod
    def apply_coupon_code(cls, sales, code):
        "Price the carts with the list of the coupon code, in any case"
        for sale in sales:
            price_list = sale.web_shop.get_price_list(
                sale.party, coupon_code=code) if sale.web_shop else None
            if (sale.state != 'draft' or not price_list
                    or not price_list.coupon_code):
                raise ValidationError(gettext(
                        'onretail_pricelist.msg_coupon_code_unknown',
                        code=code, sale=sale.rec_name))
            sale.coupon_code = price_list.coupon_code
            sale.price_list = price_list
            for line in sale.lines:
                if line.type == 'line' and line.product:
                    line.unit_price = line.compute_unit_price()
                    line.base_price = line.compute_base_price()
            sale.lines = sale.lines
        cls.save(sales)
