# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cashier screen's sales: a cart priced in one call, and the checkout
that creates, pays and posts a sale in one idempotent transaction."""
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.modules.onretail_catalog.packaging import PackagingLineMixin
from trytond.modules.onretail_pricelist.batch import ProductData
from trytond.modules.product import round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .exceptions import CheckoutError


def to_decimal(value, record, field):
    "A number of the cart as Decimal; CheckoutError naming what is wrong"
    if value is None or value == '':
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CheckoutError(gettext(
                'onretail_pos.msg_cart_number_invalid',
                record=record, field=field, value=value))


_cart_cache = ContextVar('onretail_pos_cart_cache', default=None)


@contextmanager
def cart_cache():
    "Within, cart_cached computes each key once: for a cart's lines"
    token = _cart_cache.set({})
    try:
        yield
    finally:
        _cart_cache.reset(token)


def cart_cached(key, compute):
    cache = _cart_cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def pricing_cart():
    "Whether the cart is being priced for the screen, not checked out"
    return cart_cached('price from cart', bool)


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    client_id = fields.Char(
        "Client ID", readonly=True, strip=False,
        help="The id the cashier screen gave the sale, so that a repeated "
        "payment request never creates a second sale.")
    session = fields.Many2One(
        'sale.point.cash.session', "Session", readonly=True,
        ondelete='RESTRICT',
        domain=[('point', '=', Eval('point', -1))],
        help="The cash session the sale was paid in.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('client_id_unique', Unique(t, t.client_id),
                'onretail_pos.msg_sale_client_id_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.session, Index.Range()), where=t.session != Null))
        cls.__rpc__.update({
                'price_cart': RPC(),
                'checkout': RPC(readonly=False),
                'get_receipt': RPC(instantiate=0),
                'screen_return': RPC(),
                })

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('client_id')
        default.setdefault('session')
        return super().copy(sales, default=default)

    @classmethod
    def price_cart(cls, point_id, cart):
        """Price the cart of the cashier screen in one call: its lines with
        public price, discount and amount, the taxes and the total"""
        with without_check_access(), cart_cache():
            cart_cached('price from cart', lambda: True)
            sale = cls._from_cart(point_id, cart)
            return sale.priced_cart()

    @classmethod
    def checkout(cls, point_id, cart):
        """Create the sale of the cart with its payments, then process and
        post it, all in this transaction. A cart whose client_id has a sale
        already returns that sale: a repeated request creates nothing."""
        ModelAccess = Pool().get('ir.model.access')
        ModelAccess.check(cls.__name__, 'create')
        client_id = cart.get('client_id')
        if not client_id:
            raise CheckoutError(gettext('onretail_pos.msg_cart_client_id'))
        sales = cls.search([('client_id', '=', client_id)], limit=1)
        if sales:
            sale, = sales
            return sale.checkout_result()
        with without_check_access(), cart_cache():
            sale = cls._from_cart(point_id, cart)
            sale.client_id = client_id
            sale.employee = cls.default_employee()
            sale.session = sale.current_session()
            sale.save()
            sale.add_payments(cart.get('payments') or [])
            if sale.amount_to_pay:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_not_paid',
                        amount=sale.amount_to_pay, total=sale.total))
            cls.process([sale])
            cls.post([sale])
            return sale.checkout_result()

    @classmethod
    def _from_cart(cls, point_id, cart):
        "The unsaved sale of the cart at the cash register, its lines priced"
        pool = Pool()
        Party = pool.get('party.party')
        POS = pool.get('sale.point')
        point = POS(point_id)
        point.check_cashier()
        # The function fields that every line reads, set once
        sale = cls(point=point, company=point.company, state='open',
            currency=point.company.currency, lines=[], payments=[])
        sale.date = cls.default_date()
        sale.customer = (
            Party(cart['customer']) if cart.get('customer') else None)
        sale.on_change_point()
        lines = cart.get('lines') or []
        # One instance list: reading a field reads it for every product
        Packaging = pool.get('product.packaging')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        packagings = Packaging.browse(
            {v['packaging'] for v in lines if v.get('packaging')})
        products = Product.browse(
            {v['product'] for v in lines
                if v.get('product') and not v.get('packaging')}
            | {p.product.id for p in packagings})
        cart_cached('products', lambda: {p.id: p for p in products})
        # Each product reads its template on its own: read them together
        # into the transaction's cache
        templates = Template.browse({p.template.id for p in products})
        for template in templates[:1]:
            template.sale_uom
        # and the units that pricing reads of the products, from the first
        # product: each read covers the products after the one read
        for product in products[:1]:
            product.sale_uom, product.default_uom
        # What pricing reads of the products, read once for all
        with Transaction().set_context(company=point.company.id):
            cart_cached('product data', lambda: ProductData(products))
        sale.lines = [
            sale._line_from_cart(values, index)
            for index, values in enumerate(lines, 1)]
        return sale

    def _line_from_cart(self, values, index):
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        Packaging = pool.get('product.packaging')
        Product = pool.get('product.product')
        record = gettext('onretail_pos.msg_cart_line', index=index)
        line = Line(sale=self, company=self.company, currency=self.currency,
            sale_state=self.state, product=None, packaging=None,
            packaging_quantity=None, returned_line=None)
        quantity = to_decimal(values.get('quantity'), record, 'quantity')
        if values.get('returned_line'):
            line.copy_returned(Line(values['returned_line']), quantity)
            return line
        if values.get('packaging'):
            line.packaging = Packaging(values['packaging'])
            line.product = line.packaging.product
        else:
            line.product = cart_cached('products', dict).get(
                values['product']) or Product(values['product'])
        line.unit = line.product.sale_uom
        if line.packaging:
            line.packaging_quantity = float(quantity or 1)
            line.on_change_packaging_quantity()
        else:
            line.quantity = float(quantity or 1)
            line.on_change_product()
        line.set_cart_options(values, record)
        line.apply_cart_price(
            to_decimal(values.get('unit_price'), record, 'unit_price'),
            to_decimal(values.get('discount'), record, 'discount'))
        return line

    def current_session(self):
        "The open cash session of the register; the sale is paid in it"
        Session = Pool().get('sale.point.cash.session')
        sessions = Session.search([
                ('point', '=', self.point.id),
                ('state', '=', 'open'),
                ], limit=1)
        if not sessions:
            raise CheckoutError(gettext(
                    'onretail_pos.msg_session_not_open',
                    point=self.point.rec_name))
        return sessions[0]

    def add_payments(self, payments):
        """Pay the sale with the payments of the cart; cash given above the
        amount to pay comes back as change, a negative cash payment"""
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        records = [
            self._payment_from_cart(values, index)
            for index, values in enumerate(payments, 1)]
        records = [p for p in records if p.amount]
        Payment.save(records)
        change = -self.__class__(self.id).amount_to_pay
        if change > 0 and self.total >= 0:
            cash = [p for p in records if p.method.cash]
            if not cash or sum(p.amount for p in cash) < change:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_overpaid',
                        amount=change))
            Payment(sale=self, method=cash[0].method, amount=-change).save()

    def _payment_from_cart(self, values, index):
        pool = Pool()
        Method = pool.get('sale.point.payment.method')
        Payment = pool.get('sale.point.payment')
        record = gettext('onretail_pos.msg_cart_payment', index=index)
        method = Method(values['method'])
        if method not in self.point.allowed_payment_methods():
            raise CheckoutError(gettext(
                    'onretail_pos.msg_payment_method_not_allowed',
                    method=method.rec_name, point=self.point.rec_name))
        amount = to_decimal(values.get('amount'), record, 'amount')
        return Payment(sale=self, method=method,
            amount=self.currency.round(amount or 0))

    def priced_cart(self):
        """The figures of the cart that the cashier screen shows, with the
        name of the customer's list when it replaces the register's"""
        own_list = self.price_list and self.price_list != self.point.price_list
        return {
            'price_list': self.price_list.rec_name if own_list else None,
            'lines': [line.priced_cart_line() for line in self.lines],
            'taxes': self.tax_figures(),
            'total_tax': self.on_change_with_total_tax(),
            'total': self.on_change_with_total(),
            }

    def tax_figures(self):
        "Net, tax and gross per tax, with the lines without tax"
        by_tax = {}
        for key, tax in self._get_taxes().items():
            row = by_tax.setdefault(tax.tax.id, {
                    'tax': tax.tax.rec_name,
                    'net': Decimal(0), 'tax_amount': Decimal(0)})
            row['net'] += tax.base
            row['tax_amount'] += tax.amount
        untaxed = sum((line.untax_amount for line in self.lines
                if not line.taxes), Decimal(0))
        rows = list(by_tax.values())
        if untaxed:
            rows.append({'tax': gettext('onretail_pos.msg_without_tax'),
                    'net': untaxed, 'tax_amount': Decimal(0)})
        for row in rows:
            row['net'] = self.currency.round(row['net'])
            row['tax_amount'] = self.currency.round(row['tax_amount'])
            row['gross'] = row['net'] + row['tax_amount']
        return rows

    def checkout_result(self):
        "What the cashier screen shows once paid"
        amounts = [p.amount for p in self.payments]
        if self.total >= 0:
            paid = sum((a for a in amounts if a > 0), Decimal(0))
        else:
            paid = sum(amounts, Decimal(0))
        return {
            'id': self.id,
            'number': self.number,
            'total': self.total,
            'paid': paid,
            'change': paid - self.total,
            }

    @classmethod
    def screen_return(cls, point_id, number):
        "The lines of the sale of number that can still be returned"
        pool = Pool()
        POS = pool.get('sale.point')
        point = POS(point_id)
        point.check_cashier()
        with without_check_access():
            sales = cls.search([
                    ('number', '=', (number or '').strip()),
                    ('company', '=', point.company.id),
                    ('state', '=', 'posted'),
                    ], limit=1)
            if not sales:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_return_sale_unknown',
                        number=number))
            sale, = sales
            return sale.returnable()

    def returnable(self):
        lines = []
        for line in self.lines:
            returnable = line.quantity + sum(r.quantity for r in line.returns)
            if line.quantity > 0 and returnable > 0:
                lines.append({
                        'id': line.id, 'name': line.product.rec_name,
                        'quantity': line.quantity, 'returnable': returnable,
                        'unit_price': line.unit_price})
        return {
            'id': self.id, 'number': self.number, 'lines': lines,
            'payments': [p.screen_refund() for p in self.payments
                if p.amount > 0],
            }

    @classmethod
    def get_receipt(cls, sales):
        "The receipts of the sales as the printer service prints them"
        with without_check_access():
            return [sale.receipt() for sale in sales]

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
            label = payment.method.rec_name
            if payment.amount < 0 and self.total >= 0:
                label = gettext('onretail_pos.msg_receipt_change')
            payments.append({'label': label, 'amount': money(payment.amount)})
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
            'barcode': self.number,
            'footer': (point.receipt_footer or '').splitlines(),
            }


class POSSaleLine(PackagingLineMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'
    _packaging_flag = 'salable'

    returned_line = fields.Many2One(
        'sale.point.sale.line', "Returned Line", readonly=True,
        ondelete='RESTRICT',
        help="The line of an earlier sale that this line gives back.")
    returns = fields.One2Many(
        'sale.point.sale.line', 'returned_line', "Returns", readonly=True)

    @property
    def taxes(self):
        # The taxes of the cart's products are read for all at once
        products = cart_cached('products', dict)
        if self.product.id in products:
            taxes = cart_cached('product data', None).customer_taxes()[
                self.product.id]
            if taxes is not None:
                return taxes
        return super().taxes

    @fields.depends('product')
    def on_change_product(self):
        if not self._price_from_cart():
            super().on_change_product()

    def _price_from_cart(self):
        """Price the line as on_change_product does, from what the cart read
        for all its products at once; False when it takes Tryton's path.
        Only when pricing a cart: checkout creates the sale by Tryton's."""
        products = cart_cached('products', dict)
        if (not pricing_cart()
                or not self.product or self.product.id not in products):
            return False
        point, price_list = self.sale.point, self.sale.price_list
        # as sale_point's on_change_product
        prices = self.product._cart_sale_prices()
        gross = prices['gross'][self.product.id]
        net = prices['list'][self.product.id]
        self.unit_gross_price = self.unit_list_price = None
        if point.tax_included and gross is not None:
            self.set_prices(gross, tax_included=True)
        elif net is not None:
            self.set_prices(net, tax_included=False)
        self.unit_price = self.on_change_with_unit_price()
        # as onretail_pricelist's
        public_price = self.unit_price
        if price_list:
            self._apply_price_list(price_list)
            self.unit_price = self.on_change_with_unit_price()
        self.amount = self.on_change_with_amount()
        self.show_discount(public_price, price_list)
        return True

    def _price_list_price(self, price_list):
        products = cart_cached('products', dict)
        if self.product.id not in products:
            return super()._price_list_price(price_list)
        quantity = abs(self.quantity or 0) or 1
        uom = self.product.sale_uom
        prices = cart_cached(('list prices', price_list.id, quantity, uom.id),
            lambda: self._cart_list_prices(
                price_list, quantity, uom, products.values()))
        return prices[self.product.id]

    def _cart_list_prices(self, price_list, quantity, uom, products):
        "The list's prices of the cart's products of the unit at once"
        products = [p for p in products if p.sale_uom == uom]
        with Transaction().set_context(company=self.sale.company.id):
            return price_list.compute_batch(
                products, quantity, uom, pattern={'date': self.sale.date},
                data=cart_cached('product data', None))

    def set_cart_options(self, values, record):
        "Set what the cart's line chose besides product and quantity"

    def has_open_price(self):
        "Whether the cashier types the price of the line, as for a top-up"
        return False

    def apply_cart_price(self, unit_price, discount):
        """Apply the price or the discount the cashier typed, when the
        register allows it"""
        if unit_price is None and discount is None:
            return
        point = self.sale.point
        if self.has_open_price() and discount is None:
            self.public_price = None
            self.set_unit_price(unit_price)
            return
        if not point.cashier_may_change_prices:
            raise CheckoutError(gettext(
                    'onretail_pos.msg_price_change_not_allowed',
                    point=point.rec_name, product=self.product.rec_name))
        if discount is not None:
            if not (0 <= discount <= 1):
                raise CheckoutError(gettext(
                        'onretail_pos.msg_discount_invalid',
                        product=self.product.rec_name, discount=discount))
            base = self.public_price or self.unit_price or Decimal(0)
            unit_price = round_price(base * (1 - discount))
            self.public_price = base
        elif self.public_price is None or unit_price > self.public_price:
            self.public_price = unit_price
        self.set_unit_price(unit_price)

    def set_unit_price(self, unit_price):
        "Set the price in the register's mode: with or without tax"
        self.set_prices(unit_price, self.sale.point.tax_included)
        self.unit_price = self.on_change_with_unit_price()
        self.amount = self.on_change_with_amount()
        self.discount_rate = self.on_change_with_discount_rate()

    def copy_returned(self, original, quantity):
        "Give back quantity (a positive number) of the original line"
        if (original.sale.state != 'posted'
                or original.sale.company != self.sale.company):
            raise CheckoutError(gettext(
                    'onretail_pos.msg_return_not_posted',
                    sale=original.sale.rec_name))
        quantity = float(quantity if quantity is not None
            else original.quantity)
        returnable = original.quantity + sum(
            r.quantity for r in original.returns)
        if quantity <= 0 or quantity > returnable:
            raise CheckoutError(gettext(
                    'onretail_pos.msg_return_quantity',
                    line=original.rec_name, quantity=quantity,
                    returnable=returnable))
        self.returned_line = original
        self.product = original.product
        self.quantity = -quantity
        self.unit_list_price = original.unit_list_price
        self.unit_gross_price = original.unit_gross_price
        self.public_price = original.public_price
        self.unit_price = self.on_change_with_unit_price()
        self.amount = self.on_change_with_amount()
        self.discount_rate = self.on_change_with_discount_rate()

    @property
    def to_location(self):
        # The register's help says returns go to storage without a return
        # location; sale_point leaves them nowhere.
        location = super().to_location
        if location is None and self.quantity < 0:
            location = self.sale.point.storage_location
        return location

    def priced_cart_line(self):
        return {
            'product': self.product.id,
            'quantity': self.quantity,
            'packaging': self.packaging.id if self.packaging else None,
            'packaging_quantity': self.packaging_quantity,
            'public_price': self.public_price,
            'unit_price': self.unit_price,
            'discount_rate': self.discount_rate,
            'amount': self.amount,
            }

    def receipt_line(self, money):
        note = []
        if self.packaging:
            note.append('%g × %s' % (
                    self.packaging_quantity, self.packaging.rec_name))
        if self.discount_rate:
            note.append(gettext('onretail_pos.msg_receipt_discount',
                    public_price=money(self.public_price),
                    discount=('%.2f' % (self.discount_rate * 100)).rstrip(
                        '0').rstrip('.')))
        return {
            'name': self.product.rec_name,
            'quantity': '%g' % self.quantity,
            'unit_price': money(self.unit_price),
            'amount': money(self.amount),
            'note': ', '.join(note),
            }

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('returned_line')
        default.setdefault('returns')
        return super().copy(lines, default=default)


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'

    sale_total = fields.Function(
        fields.Numeric("Sale Total"), 'on_change_with_sale_total')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A return pays back with the method of its sale, not only cash
        cls.method.domain = [
            ('company', '=', Eval('company', -1)),
            If((Eval('amount', 0) < 0) & (Eval('sale_total', 0) >= 0),
                ('cash', '=', True),
                ()),
            ]

    @fields.depends('sale', '_parent_sale.total')
    def on_change_with_sale_total(self, name=None):
        return self.sale.total if self.sale else None

    def screen_refund(self):
        "How the cashier screen pays back to this payment"
        return {'method': self.method.id, 'name': self.method.rec_name,
            'amount': self.amount}
