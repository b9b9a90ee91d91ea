# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.model import fields
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    price_list = fields.Many2One(
        'product.price_list', "Price List",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The prices of this cash register (shop or branch prices); "
        "a customer's own list replaces it when it allows the point of sale "
        "and the customer's country.")

    def get_price_list(self, customer=None, date=None):
        "The list that prices a sale to the customer at this register"
        if customer:
            with Transaction().set_context(company=self.company.id):
                price_list = customer.sale_price_list
            if price_list and price_list.allows('pos', customer, date):
                return price_list
        return self.price_list


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    customer = fields.Many2One(
        'party.party', "Customer",
        context={
            'company': Eval('company', -1),
            },
        states={
            'readonly': Eval('state') != 'open',
            },
        depends={'company'},
        help="The customer the sale is for, if known.")
    price_list = fields.Many2One(
        'product.price_list', "Price List", readonly=True,
        help="The list that prices the lines: the customer's or the "
        "register's.")

    @fields.depends('point', 'customer', 'date', 'lines',
        methods=['_reprice_lines'])
    def on_change_point(self):
        try:
            super().on_change_point()
        except AttributeError:
            pass
        self._reprice_lines()

    @fields.depends(methods=['on_change_point'])
    def on_change_customer(self):
        self.on_change_point()

    @fields.depends('point', 'customer', 'date', 'lines')
    def _reprice_lines(self):
        self.price_list = (
            self.point.get_price_list(self.customer, self.date)
            if self.point else None)
        for line in (self.lines or []):
            line.sale = self
            line.on_change_product()


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    public_price = fields.Numeric(
        "Public Price", digits=price_digits, readonly=True,
        help="The unit price before the discount of the list, with or "
        "without tax as the register shows prices.")
    discount_rate = fields.Function(fields.Numeric(
            "Discount", digits=(None, 4),
            states={
                'invisible': ~Bool(Eval('discount_rate')),
                }),
        'on_change_with_discount_rate')

    @fields.depends('quantity', 'sale', '_parent_sale.price_list',
        '_parent_sale.date', '_parent_sale.point', '_parent_sale.company',
        methods=['on_change_with_unit_price', 'on_change_with_amount',
            'on_change_with_discount_rate'])
    def on_change_product(self):
        super().on_change_product()
        public_price = self.unit_price
        price_list = self.sale.price_list if self.sale else None
        if self.product and price_list:
            self._apply_price_list(price_list)
            self.unit_price = self.on_change_with_unit_price()
            self.amount = self.on_change_with_amount()
        self.show_discount(public_price, price_list)

    def show_discount(self, public_price, price_list):
        "Show the public price and the discount when the list's policy says so"
        self.public_price = self.unit_price
        if (price_list and price_list.discount_policy == 'with_discount'
                and public_price is not None and self.unit_price is not None
                and public_price > self.unit_price):
            self.public_price = public_price
        self.discount_rate = self.on_change_with_discount_rate()

    @fields.depends(methods=['on_change_product'])
    def on_change_quantity(self):
        self.on_change_product()

    def _apply_price_list(self, price_list):
        price = self._price_list_price(price_list)
        if price is not None:
            self.set_prices(price, price_list.tax_included)

    def set_prices(self, price, tax_included):
        "Set the unit prices without and with tax from price, with tax or not"
        Tax = Pool().get('account.tax')
        date = self.sale.date
        if tax_included:
            self.unit_gross_price = price
            self.unit_list_price = round_price(
                Tax.reverse_compute(price, self.taxes, date=date))
        else:
            self.unit_list_price = price
            taxes = Tax.compute(self.taxes, price, 1, date=date)
            self.unit_gross_price = (
                price + sum(t['amount'] for t in taxes)).quantize(
                Decimal(1) / 10 ** self.__class__.unit_gross_price.digits[1])

    def _price_list_price(self, price_list):
        "The list's price of the product for the line's quantity, or None"
        Product = Pool().get('product.product')
        with Transaction().set_context(
                date=self.sale.date, company=self.sale.company.id):
            product = Product(self.product.id)
            return price_list.compute(
                product, abs(self.quantity or 0) or 1, product.sale_uom)

    @fields.depends('public_price', 'unit_price')
    def on_change_with_discount_rate(self, name=None):
        if not self.public_price or self.unit_price is None:
            return None
        rate = 1 - self.unit_price / self.public_price
        return rate.quantize(Decimal('0.0001')) if rate > 0 else None

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('discount_rate', 0) > 0, 'warning', ''),
                ['discount_rate']),
            ]
