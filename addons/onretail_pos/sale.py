# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cashier screen's sales: a cart priced in one call, and the checkout
that creates, pays and posts a sale in one idempotent transaction."""
from decimal import Decimal

from sql import Null
from sql.aggregate import Sum

from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.modules.onretail_catalog import (
    PackagingLineMixin, options_price_extra)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from . import boundary
from .cart import Cart
from .exceptions import CheckoutError
from .receipt import LineReceiptMixin, SaleReceiptMixin


CART_KEYS = {'client_id', 'customer', 'lines', 'payments', 'approval'}
# returnable is what the screen showed; the server counts again
LINE_KEYS = {'product', 'packaging', 'quantity', 'unit_price', 'discount',
    'returned_line', 'returnable', 'wallet_program', 'wallet_card',
    'options'}
MAX_OPTIONS = 20
PAYMENT_KEYS = {'method', 'amount', 'card', 'refund'}
APPROVAL_KEYS = {'login', 'password'}
MAX_PAYMENTS = 20


def write_lock(table, ids):
    """Lock the rows for what the transaction counts next. A write (that
    changes nothing) waits for another transaction that wrote them; on
    PostgreSQL that one's commit then restarts this transaction, which the
    server does on its own, so that the count reads what it committed. On
    SQLite the write takes the database's lock before the count."""
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update([table.id], [table.id],
            where=table.id.in_(list(ids))))


class POSSale(SaleReceiptMixin, metaclass=PoolMeta):
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
    return_approved_by = fields.Many2One(
        'res.user', "Return Approved by", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('return_approved_by')},
        help="The Retail Manager who approved the return of goods that no "
        "receipt shows.")

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
                'screen_return': RPC(),
                })

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('client_id')
        default.setdefault('session')
        default.setdefault('return_approved_by')
        return super().copy(sales, default=default)

    @classmethod
    def check_modification(cls, mode, sales, values=None, external=False):
        "Nothing posted is ever changed: a correction is a new document"
        super().check_modification(
            mode, sales, values=values, external=external)
        if mode in {'write', 'delete'}:
            for sale in sales:
                if sale.state == 'posted':
                    raise AccessError(gettext(
                            'onretail_pos.msg_sale_posted_modify',
                            sale=sale.rec_name))

    @classmethod
    @boundary.arguments
    def price_cart(cls, point_id, cart):
        """Price the cart of the cashier screen in one call: its lines with
        public price, discount and amount, the taxes and the total"""
        POS = Pool().get('sale.point')
        point = POS.screen_point(point_id)
        cart = Cart(point, cls.checked_cart(point, cart), pricing=True)
        with without_check_access(), cart.build():
            sale = cls._from_cart(cart)
            sale.check_cart_amounts()
            return sale.priced_cart()

    @classmethod
    @boundary.arguments
    def checkout(cls, point_id, cart):
        """Create the sale of the cart with its payments, then process and
        post it, all in this transaction. A cart whose client_id has a sale
        already returns that sale: a repeated request creates nothing."""
        POS = Pool().get('sale.point')
        point = POS.screen_point(point_id)
        cart = Cart(point, cls.checked_cart(point, cart, checkout=True))
        with without_check_access():
            sales = cls.search([('client_id', '=', cart.values['client_id'])],
                limit=1)
        if sales:
            sale, = sales
            if sale.point != point:
                boundary.refuse('msg_cart_client_id_used')
            with without_check_access():
                return sale.checkout_result()
        if not cart.values['lines']:
            boundary.refuse('msg_cart_empty')
        with without_check_access():
            cls.lock_checkout(point, cart)
        with without_check_access(), cart.build():
            sale = cls._from_cart(cart)
            sale.check_cart_amounts()
            sale.check_returns_without_receipt(cart.values['approval'])
            sale.client_id = cart.values['client_id']
            sale.employee = cls.default_employee()
            sale.session = sale.current_session()
            sale.lock_returned_lines()
            # Cards and refunds are checked before anything is written
            payments = sale.payments_from_cart(cart.values['payments'])
            sale.save()
            sale.cart_saved()
            sale.add_payments(payments)
            if sale.amount_to_pay:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_not_paid',
                        amount=sale.amount_to_pay, total=sale.total))
            cls.process([sale])
            cls.post([sale])
            return sale.checkout_result()

    @classmethod
    def lock_checkout(cls, point, cart):
        """Lock first what the checkout of cart locks on its way: the
        register's receipt numbers and the company's account move numbers.
        Tryton restarts the transaction to take a lock; met one by one, they
        made each checkout run three times in full."""
        pool = Pool()
        Date = pool.get('ir.date')
        Period = pool.get('account.period')
        Sequence = pool.get('ir.sequence.strict')
        with Transaction().set_context(company=point.company.id):
            period = Period.find(point.company, date=Date.today())
        Sequence.lock([point.sequence, period.move_sequence_used])

    @classmethod
    def cart_keys(cls):
        "The keys a cart may have; a module that adds one checks its value"
        return CART_KEYS

    @classmethod
    def cart_line_keys(cls):
        "The keys a line of a cart may have"
        return LINE_KEYS

    @classmethod
    def checked_cart(cls, point, cart, checkout=False):
        """The cart as the screen sent it, checked value by value: the
        lines, payments and customer with decimals and ids of records that
        exist; CheckoutError naming the first wrong value"""
        pool = Pool()
        Party = pool.get('party.party')
        record = gettext('onretail_pos.msg_cart')
        cart = boundary.mapping(cart, record, cls.cart_keys())
        lines = [
            cls._checked_line(point, values, index)
            for index, values in enumerate(boundary.sequence(
                    cart.get('lines'), record, point.cart_max_lines), 1)]
        payments = [
            cls._checked_payment(point, values, index)
            for index, values in enumerate(boundary.sequence(
                    cart.get('payments'), record, MAX_PAYMENTS), 1)]
        customer = boundary.identifier(
            cart.get('customer'), record, 'customer')
        if customer is not None:
            with without_check_access():
                if not Party.search([('id', '=', customer)]):
                    boundary.refuse('msg_cart_customer_unknown',
                        customer=customer)
        approval = cart.get('approval')
        if approval is not None:
            approval = boundary.mapping(approval,
                gettext('onretail_pos.msg_cart_approval'), APPROVAL_KEYS)
        cls._check_cart_records(lines)
        return {
            'client_id': (boundary.client_id(cart.get('client_id'))
                if checkout else None),
            'customer': customer,
            'lines': lines,
            'payments': payments,
            'approval': approval,
            }

    @classmethod
    def _checked_line(cls, point, values, index):
        record = gettext('onretail_pos.msg_cart_line', index=index)
        values = boundary.mapping(values, record, cls.cart_line_keys())
        maximum = point.cart_max_quantity
        line = {
            'record': record,
            'product': boundary.identifier(
                values.get('product'), record, 'product'),
            'packaging': boundary.identifier(
                values.get('packaging'), record, 'packaging'),
            'returned_line': boundary.identifier(
                values.get('returned_line'), record, 'returned_line'),
            'quantity': boundary.number(values.get('quantity'), record,
                'quantity', minimum=-maximum, maximum=maximum),
            'unit_price': boundary.number(values.get('unit_price'), record,
                'unit_price', minimum=0, maximum=point.cart_max_amount),
            'discount': boundary.number(values.get('discount'), record,
                'discount', minimum=0, maximum=1),
            'wallet_program': boundary.identifier(
                values.get('wallet_program'), record, 'wallet_program'),
            'wallet_card': boundary.text(
                values.get('wallet_card'), record, 'wallet_card', 64),
            'options': [boundary.identifier(o, record, 'options',
                    required=True)
                for o in boundary.sequence(
                    values.get('options'), record, MAX_OPTIONS)],
            }
        if line['quantity'] == 0:
            boundary.refuse('msg_cart_quantity_zero', record=record)
        if line['returned_line']:
            if line['product'] or line['packaging']:
                boundary.refuse('msg_cart_return_product', record=record)
            if line['quantity'] is not None and line['quantity'] < 0:
                boundary.refuse('msg_input_too_small', record=record,
                    field='quantity', value=line['quantity'], minimum=0)
        elif not (line['product'] or line['packaging']):
            boundary.refuse('msg_cart_line_product', record=record)
        return line

    @classmethod
    def _checked_payment(cls, point, values, index):
        record = gettext('onretail_pos.msg_cart_payment', index=index)
        values = boundary.mapping(values, record, PAYMENT_KEYS)
        maximum = point.cart_max_amount
        payment = {
            'record': record,
            'method': boundary.identifier(
                values.get('method'), record, 'method', required=True),
            'amount': boundary.number(values.get('amount'), record,
                'amount', minimum=-maximum, maximum=maximum, required=True),
            'card': boundary.text(values.get('card'), record, 'card', 64),
            'refund': boundary.identifier(
                values.get('refund'), record, 'refund'),
            }
        if payment['method'] not in {
                m.id for m in point.allowed_payment_methods()}:
            boundary.refuse('msg_payment_method_not_allowed',
                method=payment['method'], point=point.rec_name)
        return payment

    @classmethod
    def _check_cart_records(cls, lines):
        "Refuse the lines whose product, packaging or returned line is not"
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        Packaging = pool.get('product.packaging')
        Product = pool.get('product.product')
        checks = [
            ('product', Product, [('salable', '=', True)]),
            ('packaging', Packaging, [
                    ('salable', '=', True), ('product.salable', '=', True)]),
            ('returned_line', Line, []),
            ]
        with without_check_access():
            for key, Model, domain in checks:
                ids = {l[key] for l in lines if l[key]}
                if not ids:
                    continue
                found = {r.id for r in Model.search(
                        [('id', 'in', list(ids))] + domain)}
                for line in lines:
                    if line[key] and line[key] not in found:
                        boundary.refuse('msg_cart_record_unknown',
                            record=line['record'], field=key)

    @classmethod
    def _from_cart(cls, cart):
        """The unsaved sale of the checked cart at its cash register, its
        lines priced"""
        Party = Pool().get('party.party')
        point, values = cart.point, cart.values
        # The function fields that every line reads, set once
        sale = cls(point=point, company=point.company, state='open',
            currency=point.company.currency, lines=[], payments=[])
        cart.sale = sale
        sale.date = cls.default_date()
        sale.customer = (
            Party(values['customer']) if values['customer'] else None)
        sale.on_change_point()
        cart.read_products()
        sale.lines = [sale._line_from_cart(v) for v in values['lines']]
        sale.check_returned_quantities()
        return sale

    @property
    def cart(self):
        "The cart the sale is being built from, None once built"
        cart = Cart.building()
        return cart if cart and cart.sale is self else None

    def _line_from_cart(self, values):
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        Packaging = pool.get('product.packaging')
        record = values['record']
        line = Line(sale=self, company=self.company, currency=self.currency,
            sale_state=self.state, product=None, packaging=None,
            packaging_quantity=None, returned_line=None, public_price=None,
            options=[])
        quantity = values['quantity']
        if values['returned_line']:
            line.copy_returned(Line(values['returned_line']), quantity)
            return line
        if values['packaging']:
            line.packaging = Packaging(values['packaging'])
            line.product = line.packaging.product
        else:
            line.product = self.cart.product(values['product'])
        line.unit = line.product.sale_uom
        if line.packaging:
            line.packaging_quantity = float(quantity or 1)
            line.on_change_packaging_quantity()
        else:
            line.quantity = float(quantity or 1)
            line.on_change_product()
        line.check_cart_quantity(record)
        line.set_cart_options(values, record)
        line.set_product_options(values['options'], record)
        line.apply_cart_price(values['unit_price'], values['discount'])
        return line

    def cart_saved(self):
        "Record what the cart brought besides lines, once the sale is saved"

    def check_returned_quantities(self, returnable=None):
        """Refuse to return more of a sold line than is left of it, also
        when the cart returns it on several lines; returnable maps each
        sold line to what is left of it, as its returns read"""
        returned = {}
        for line in self.lines:
            if line.returned_line:
                original = line.returned_line
                returned[original] = returned.get(original, 0) - line.quantity
        for original, quantity in returned.items():
            left = (returnable[original.id] if returnable is not None
                else original.returnable_quantity())
            if quantity > left:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_return_quantity',
                        line=original.rec_name, quantity=quantity,
                        returnable=left))

    def lock_returned_lines(self):
        """Lock the sold lines the cart returns, then count again what is
        left of them as committed: two registers never return the same
        goods twice"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        originals = list({l.returned_line for l in self.lines
                if l.returned_line})
        if not originals:
            return
        table = Line.__table__()
        ids = [o.id for o in originals]
        write_lock(table, ids)
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.returned_line, Sum(table.quantity),
                where=table.returned_line.in_(ids),
                group_by=[table.returned_line]))
        returns = dict(cursor)
        self.check_returned_quantities({
                o.id: max(o.quantity + (returns.get(o.id) or 0), 0)
                for o in originals})

    def check_cart_amounts(self):
        "Refuse a line or a cart larger than the register allows"
        maximum = self.point.cart_max_amount
        for index, line in enumerate(self.lines, 1):
            if abs(line.amount or 0) > maximum:
                boundary.refuse('msg_cart_line_amount',
                    record=gettext('onretail_pos.msg_cart_line', index=index),
                    amount=line.amount, maximum=maximum,
                    point=self.point.rec_name)
        total = self.on_change_with_total()
        if abs(total) > maximum:
            boundary.refuse('msg_cart_amount', amount=total,
                maximum=maximum, point=self.point.rec_name)

    def check_returns_without_receipt(self, approval):
        """A line that gives goods back without a receipt needs a register
        that takes such returns and a Retail Manager's approval"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        lines = [l for l in self.lines
            if l.quantity < 0 and not l.returned_line]
        if not lines:
            return
        if not self.point.returns_without_receipt:
            boundary.refuse('msg_return_without_receipt',
                point=self.point.rec_name,
                product=lines[0].product.rec_name)
        if not approval:
            boundary.refuse('msg_return_approval_missing',
                product=lines[0].product.rec_name)
        login = boundary.text(approval.get('login'),
            gettext('onretail_pos.msg_cart_approval'), 'login', 100,
            required=True)
        password = boundary.text(approval.get('password'),
            gettext('onretail_pos.msg_cart_approval'), 'password', 1000,
            required=True)
        # Tryton's own login check, with its delay after wrong passwords
        try:
            user_id = User.get_login(login, {'password': password})
        except RateLimitException:
            boundary.refuse('msg_return_approval_refused')
        manager = ModelData.get_id('onretail_base', 'group_retail_admin')
        approved = False
        if user_id:
            with Transaction().set_user(user_id):
                approved = manager in User.get_groups()
        # Four eyes: a manager at the till does not approve her own return
        if not user_id or not approved or user_id == Transaction().user:
            boundary.refuse('msg_return_approval_refused')
        self.return_approved_by = user_id

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

    def payments_from_cart(self, payments):
        """The payments of the checked cart, unsaved. A sale is paid with
        positive amounts, its change computed here; a return is paid back
        with negative amounts; an even exchange takes none."""
        total = self.on_change_with_total()
        records = []
        for values in payments:
            amount = self.currency.round(values['amount'])
            if not amount:
                continue
            if (amount > 0) != (total > 0):
                boundary.refuse('msg_payment_sign', record=values['record'],
                    amount=amount, total=total)
            records.append(self._payment_from_cart(values, amount))
        return records

    def add_payments(self, payments):
        """Save the payments of the sale; cash given above the amount to
        pay comes back as change, a negative cash payment"""
        pool = Pool()
        Payment = pool.get('sale.point.payment')
        for payment in payments:
            payment.sale = self
        Payment.save(payments)
        change = -self.__class__(self.id).amount_to_pay
        if change > 0 and self.total >= 0:
            cash = [p for p in payments if p.method.cash]
            if not cash or sum(p.amount for p in cash) < change:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_overpaid',
                        amount=change))
            Payment(sale=self, method=cash[0].method, amount=-change).save()

    def _payment_from_cart(self, values, amount):
        pool = Pool()
        Method = pool.get('sale.point.payment.method')
        Payment = pool.get('sale.point.payment')
        return Payment(method=Method(values['method']), amount=amount)

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
        """Net, tax and gross per tax, with the lines without tax; the taxes
        as posting books them, so that they add up to the total"""
        by_tax = {}
        for tax in self.booked_taxes():
            row = by_tax.setdefault(tax.tax.id, {
                    'tax': tax.tax.description,
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

    def booked_taxes(self):
        """The taxes of _get_taxes as sale_point's get_tax_move_lines books
        them: the difference to the total tax, the lines' taxes rounded one
        by one, spread over them"""
        taxes = list(self._get_taxes().values())
        computed = sum((t.amount for t in taxes), Decimal(0))
        difference = self.on_change_with_total_tax() - computed
        if difference:
            remaining = difference
            for tax in taxes:
                if tax.amount:
                    if computed:
                        ratio = tax.amount / computed
                    else:
                        ratio = 1 / len(taxes)
                    value = self.currency.round(difference * ratio)
                    tax.amount += value
                    remaining -= value
            if remaining:
                for tax in taxes:
                    if tax.amount:
                        tax.amount += remaining
                        break
        return taxes

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
    @boundary.arguments
    def screen_return(cls, point_id, number):
        "The lines of the sale of number that can still be returned"
        pool = Pool()
        POS = pool.get('sale.point')
        point = POS.screen_point(point_id)
        number = boundary.text(number, gettext('onretail_pos.msg_receipt'),
            'number', 100, required=True)
        with without_check_access():
            sales = cls.search([
                    ('number', '=', number),
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
            returnable = line.returnable_quantity()
            if returnable > 0:
                lines.append({
                        'id': line.id, 'name': line.product.rec_name,
                        'quantity': line.quantity, 'returnable': returnable,
                        'unit_price': line.unit_price})
        return {
            'id': self.id, 'number': self.number, 'lines': lines,
            'payments': [p.screen_refund() for p in self.payments
                if p.amount > 0],
            }


class SaleChildMixin:
    "A line or a payment of a register sale"
    __slots__ = ()

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        "Nothing of a posted sale is ever changed, added or deleted"
        super().check_modification(
            mode, records, values=values, external=external)
        for record in records:
            if record.sale and record.sale.state == 'posted':
                raise AccessError(gettext(
                        'onretail_pos.msg_sale_posted_modify',
                        sale=record.sale.rec_name))


class POSSaleLine(SaleChildMixin, PackagingLineMixin, LineReceiptMixin,
        metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'
    _packaging_flag = 'salable'

    returned_line = fields.Many2One(
        'sale.point.sale.line', "Returned Line", readonly=True,
        ondelete='RESTRICT',
        help="The line of an earlier sale that this line gives back.")
    returns = fields.One2Many(
        'sale.point.sale.line', 'returned_line', "Returns", readonly=True)
    options = fields.Many2Many(
        'sale.point.sale.line-product.attribute.value', 'line', 'value',
        "Options", readonly=True,
        help="The options chosen at the register, for the attributes that "
        "never create a variant; their price extras are in the price.")

    @property
    def cart(self):
        "The cart the line is being built from, None once built"
        cart = Cart.building()
        return cart if cart and self.sale is cart.sale else None

    @property
    def taxes(self):
        # The taxes of the cart's products are read for all at once
        cart = self.cart
        if cart and cart.has(self.product):
            taxes = cart.customer_taxes(self.product)
            if taxes is not None:
                return taxes
        return super().taxes

    @fields.depends('product', methods=['round_prices'])
    def on_change_product(self):
        if not self._price_from_cart():
            super().on_change_product()
            self.round_prices()

    @fields.depends('currency', 'unit_gross_price', 'unit_list_price',
        'public_price', 'sale', '_parent_sale.point',
        methods=['on_change_with_unit_price', 'on_change_with_amount',
            'on_change_with_discount_rate'])
    def round_prices(self):
        """The register's rounding rule: its unit price (gross when its
        prices include tax, else net) and the public price are rounded to
        the currency before anything multiplies them, so that printed unit
        price × quantity = printed amount"""
        if not self.currency or not self.sale or not self.sale.point:
            return
        tax_included = self.sale.point.tax_included
        price = (self.unit_gross_price if tax_included
            else self.unit_list_price)
        if price is not None and self.currency.round(price) != price:
            self.set_prices(self.currency.round(price), tax_included)
        if self.public_price is not None:
            self.public_price = self.currency.round(self.public_price)
        self.unit_price = self.on_change_with_unit_price()
        self.amount = self.on_change_with_amount()
        self.discount_rate = self.on_change_with_discount_rate()

    def _price_from_cart(self):
        """Price the line as on_change_product does, from what the cart read
        for all its products at once; False when it takes Tryton's path.
        Only when pricing a cart: checkout creates the sale by Tryton's."""
        cart = self.cart
        if not cart or not cart.pricing or not cart.has(self.product):
            return False
        point, price_list = self.sale.point, self.sale.price_list
        # as sale_point's on_change_product
        prices = cart.sale_prices()
        gross = prices['gross'][self.product.id]
        net = prices['list'][self.product.id]
        self.unit_gross_price = self.unit_list_price = None
        if point.tax_included and gross is not None:
            self.set_prices(gross, tax_included=True)
        elif net is not None:
            self.set_prices(net, tax_included=False)
        self.round_prices()
        # as onretail_pricelist's
        public_price = self.unit_price
        if price_list:
            self._apply_price_list(price_list)
        self.round_prices()
        self.show_discount(public_price, price_list)
        return True

    def _price_list_price(self, price_list):
        cart = self.cart
        if not cart or not cart.has(self.product):
            return super()._price_list_price(price_list)
        prices = cart.list_prices(price_list, abs(self.quantity or 0) or 1,
            self.product.sale_uom, self.sale.date)
        return prices[self.product.id]

    def set_cart_options(self, values, record):
        "Set what the cart's line chose besides product and quantity"

    def has_open_price(self):
        "Whether the cashier types the price of the line, as for a top-up"
        return False

    def available_options(self):
        "{value: attribute} of the options the cashier may choose"
        return {lv.value: line.attribute
            for line in self.product.template.attribute_lines
            if line.attribute.creation_mode == 'never'
            for lv in line.values if lv.value.active}

    def set_product_options(self, option_ids, record):
        """Set the options chosen, at most one per attribute, and add their
        price extras in the register's mode to the prices"""
        Value = Pool().get('product.attribute.value')
        self.options = []
        if not option_ids:
            return
        available = self.available_options() if self.product else {}
        options = Value.browse(option_ids)
        attributes = [available.get(o) for o in options]
        if None in attributes or len(set(attributes)) != len(attributes):
            raise CheckoutError(gettext(
                    'onretail_pos.msg_cart_options',
                    record=record, product=self.product.rec_name))
        self.options = options
        point = self.sale.point
        extra = point.screen_price_extra(self.product.template,
            options_price_extra(self.product, options))
        if extra:
            if self.public_price is not None:
                self.public_price += extra
            self.set_unit_price(self.unit_price + extra)

    def option_figures(self):
        "The options as the screen and the receipt show them"
        point = self.sale.point
        position = {v: i for i, v in enumerate(self.available_options())}
        return [{
                'id': o.id,
                'name': '%s: %s' % (o.attribute.rec_name, o.name),
                'price_extra': point.screen_price_extra(
                    self.product.template,
                    options_price_extra(self.product, [o])),
                } for o in sorted(self.options,
                key=lambda o: position.get(o, len(position)))]

    def apply_cart_price(self, unit_price, discount):
        """Apply the price or the discount the cashier typed, when the
        register allows it"""
        if unit_price is None and discount is None:
            return
        point = self.sale.point
        currency = self.sale.currency
        if unit_price is not None:
            unit_price = currency.round(unit_price)
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
            # The rounding rule: the discounted price to the currency
            unit_price = currency.round(base * (1 - discount))
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
        """Give back quantity (a positive number, all that is left when
        None) of the original line at its price, with its options: their
        extras are in that price"""
        if (original.sale.state != 'posted'
                or original.sale.company != self.sale.company
                or original.quantity <= 0):
            raise CheckoutError(gettext(
                    'onretail_pos.msg_return_not_posted',
                    sale=original.sale.rec_name))
        if quantity is None:
            quantity = original.returnable_quantity()
        self.returned_line = original
        self.product = original.product
        self.unit = original.unit
        self.quantity = -float(quantity)
        self.unit_list_price = original.unit_list_price
        self.unit_gross_price = original.unit_gross_price
        self.public_price = original.public_price
        self.options = list(original.options)
        self.unit_price = self.on_change_with_unit_price()
        self.amount = self.on_change_with_amount()
        self.discount_rate = self.on_change_with_discount_rate()

    def returnable_quantity(self):
        "What is left to return of this sold line after its returns"
        if self.quantity <= 0:
            return 0
        return self.quantity + sum(r.quantity for r in self.returns)

    def check_cart_quantity(self, record):
        "Refuse a quantity that the line's unit cannot count"
        if self.unit and self.quantity != self.unit.round(self.quantity):
            raise CheckoutError(gettext(
                    'onretail_pos.msg_cart_quantity_unit',
                    record=record, quantity=self.quantity,
                    unit=self.unit.rec_name))

    @property
    def to_location(self):
        # The register's help says returns go to storage without a return
        # location; sale_point leaves them nowhere.
        location = super().to_location
        if location is None and self.quantity < 0:
            location = self.sale.point.storage_location
        return location

    def screen_name(self):
        """The template's name with the variant's values in the order of
        its attribute lines, as the screen and the receipt show it:
        Cap Baseball (Red)"""
        template = self.product.template
        position = {l.attribute: i
            for i, l in enumerate(template.attribute_lines)}
        values = sorted(self.product.attribute_values,
            key=lambda v: position.get(v.attribute, len(position)))
        if not values:
            return template.name
        return '%s (%s)' % (template.name, ', '.join(v.name for v in values))

    def priced_cart_line(self):
        return {
            'product': self.product.id,
            'name': self.screen_name(),
            'options': self.option_figures(),
            'quantity': self.quantity,
            'packaging': self.packaging.id if self.packaging else None,
            'packaging_quantity': self.packaging_quantity,
            'public_price': self.public_price,
            'unit_price': self.unit_price,
            'discount_rate': self.discount_rate,
            'amount': self.amount,
            }

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('returned_line')
        default.setdefault('returns')
        return super().copy(lines, default=default)


class POSSaleLineOption(ModelSQL):
    "An option chosen for a line of a register sale"
    __name__ = 'sale.point.sale.line-product.attribute.value'
    __string__ = "Register Sale Line - Option"
    line = fields.Many2One(
        'sale.point.sale.line', "Line", required=True, ondelete='CASCADE')
    value = fields.Many2One(
        'product.attribute.value', "Value", required=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('line')


class POSPayment(SaleChildMixin, metaclass=PoolMeta):
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
        return {'payment': self.id, 'method': self.method.id,
            'name': self.method.rec_name, 'amount': self.amount}
