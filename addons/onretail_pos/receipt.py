# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The receipt of a register sale, as the printer service prints it"
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.transaction import without_check_access

from . import boundary


class SaleReceiptMixin:
    "The receipt of a sale of the cash register"
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'get_receipt': RPC(instantiate=0),
                'screen_last_receipt': RPC(),
                })

    @classmethod
    def get_receipt(cls, sales):
        """The receipts of the sales as the printer service prints them, for
        a cashier of their registers who may read them"""
        cls.read([s.id for s in sales], ['id'])
        for point in {s.point for s in sales}:
            point.check_cashier()
        with without_check_access():
            return [sale.receipt() for sale in sales]

    @classmethod
    @boundary.arguments
    def screen_last_receipt(cls, point_id):
        """The receipt of the newest posted sale of the register's open cash
        session, None without one: Reprint works from any browser"""
        pool = Pool()
        POS = pool.get('sale.point')
        point = POS.screen_point(point_id)
        with without_check_access():
            sales = cls.search([
                    ('point', '=', point.id),
                    ('session.state', '=', 'open'),
                    ('state', '=', 'posted'),
                    ], order=[('id', 'DESC')], limit=1)
            return sales[0].receipt() if sales else None

    def receipt(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        point = self.point

        def money(amount):
            return lang.format_number(amount, digits=self.currency.digits)

        lines = []
        for line in self.lines:
            lines.append(line.receipt_line(money))
        totals = [{
                'label': gettext('onretail_pos.msg_receipt_total'),
                'amount': money(self.total)}]
        taxes = [{
                'label': gettext('onretail_pos.msg_receipt_tax',
                    tax=row['tax'], net=money(row['net'])),
                'amount': money(row['tax_amount'])}
            for row in self.tax_figures()]
        payments = []
        for payment in self.payments:
            label, amount = payment.method.rec_name, payment.amount
            if amount < 0 and self.total >= 0:
                # The label says what it is: the change given, not a debt
                label = gettext('onretail_pos.msg_receipt_change')
                amount = -amount
            payments.append({'label': label, 'amount': money(amount)})
        return {
            'logo': point.receipt_logo(),
            'header': (point.receipt_header or '').splitlines(),
            'title': gettext(
                'onretail_pos.msg_receipt_title', number=self.number or '',
                date=lang.strftime(self.date),
                point=point.rec_name),
            'lines': lines,
            'totals': totals,
            'taxes': taxes,
            'payments': payments,
            # What screen_return takes, scanned from the printed CODE128
            'barcode': self.number,
            'footer': (point.receipt_footer or '').splitlines(),
            }


class LineReceiptMixin:
    "The receipt line of a line of a register sale"
    __slots__ = ()

    def receipt_line(self, money):
        lang = Pool().get('ir.lang').get()
        note = []
        if self.packaging:
            note.append('%s × %s' % (
                    short_number(lang, self.packaging_quantity),
                    self.packaging.rec_name))
        if self.discount_rate:
            note.append(gettext('onretail_pos.msg_receipt_discount',
                    public_price=money(self.public_price),
                    discount=short_number(
                        lang, self.discount_rate * 100, digits=2)))
        note.extend(
            '%s +%s' % (o['name'], money(o['price_extra']))
            if o['price_extra'] else o['name']
            for o in self.option_figures())
        return {
            'name': self.screen_name(),
            'quantity': short_number(lang, self.quantity),
            'unit_price': money(self.unit_price),
            'amount': money(self.amount),
            'note': ', '.join(note),
            }


def short_number(lang, value, digits=4):
    """The value in the language's format, to digits decimals at most and
    without trailing zeros: 10, 1,5, 5,03"""
    text = lang.format_number(value, digits=digits, grouping=False)
    if lang.decimal_point in text:
        text = text.rstrip('0').rstrip(lang.decimal_point)
    return text
