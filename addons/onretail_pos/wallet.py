# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Gift cards and eWallets on the cashier screen (with onretail_wallet)"
from sql.operators import Concat

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from . import boundary
from .exceptions import CheckoutError
from .sale import write_lock


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['screen_card'] = RPC()

    @classmethod
    @boundary.arguments
    def screen_card(cls, point_id, code):
        """The program and balance of the card of code, when it can pay at
        the register; else the wallet's refusal"""
        pool = Pool()
        Card = pool.get('wallet.card')
        point = cls.screen_point(point_id)
        code = boundary.text(code, gettext('onretail_pos.msg_card'), 'code',
            64, required=True)
        with without_check_access():
            card = Card.from_code(code, sale_point=point)
            card.check_usable(Pool().get('ir.date').today())
            card.check_payment('pos', point, point.company.currency)
            return {
                'code': card.code,
                'program': card.program.rec_name,
                'program_id': card.program.id,
                'balance': card.balance,
                }


class PaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'

    def screen_settings(self):
        return dict(super().screen_settings(), wallet=self.wallet)


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def lock_checkout(cls, point, cart):
        "The cards that pay too, which redeeming them locks"
        pool = Pool()
        Card = pool.get('wallet.card')
        Method = pool.get('sale.point.payment.method')
        codes = {p['card'] for p in cart.values['payments']
            if p['card'] and p['amount'] > 0 and Method(p['method']).wallet}
        Card.lock([Card.from_code(c, sale_point=point) for c in codes])
        super().lock_checkout(point, cart)

    def _payment_from_cart(self, values, amount):
        """A card pays with its code; a return pays back to the card that
        paid the returned sale, which the cart names by that payment"""
        pool = Pool()
        Card = pool.get('wallet.card')
        payment = super()._payment_from_cart(values, amount)
        if not payment.method.wallet:
            return payment
        if amount < 0:
            original = self._refunded_payment(values, payment.method)
            payment.refunded_payment = original
            payment.wallet_card = original.wallet_card
            return payment
        if not values['card']:
            raise CheckoutError(gettext(
                    'onretail_pos.msg_payment_card_missing',
                    method=payment.method.rec_name))
        payment.wallet_card = Card.from_code(
            values['card'], sale_point=self.point)
        return payment

    def _refunded_payment(self, values, method):
        """The card payment of a returned sale that values pays back to,
        with what is left to pay back to it"""
        Payment = Pool().get('sale.point.payment')
        returned = {l.returned_line.sale for l in self.lines
            if l.returned_line}
        originals = Payment.search([
                ('id', '=', values['refund'] or -1),
                ('sale', 'in', [s.id for s in returned]),
                ('method', '=', method.id),
                ('amount', '>', 0),
                ])
        if not originals:
            raise CheckoutError(gettext(
                    'onretail_pos.msg_payment_refund_card',
                    record=values['record'], method=method.rec_name))
        return originals[0]

    def payments_from_cart(self, payments):
        """Never more back to a card than it paid: the card payments paid
        back to are locked, then what is left of each counted"""
        Payment = Pool().get('sale.point.payment')
        records = super().payments_from_cart(payments)
        refunds = {}
        for payment in records:
            if getattr(payment, 'refunded_payment', None):
                original = payment.refunded_payment
                refunds[original] = refunds.get(original, 0) - payment.amount
        if refunds:
            write_lock(Payment.__table__(), [p.id for p in refunds])
        for original, amount in refunds.items():
            left = original.amount + sum(
                r.amount for r in Payment.search([
                        ('refunded_payment', '=', original.id)]))
            if amount > left:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_payment_refund_amount',
                        amount=amount, left=left,
                        card=original.wallet_card.masked_code))
        return records

    def checkout_result(self):
        "With the cards the sale issued or topped up, to print them"
        result = super().checkout_result()
        result['cards'] = [{
                'code': move.card.code,
                'program': move.card.program.rec_name,
                'amount': move.amount,
                }
            for line in self.lines for move in line.wallet_moves]
        return result


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    def _price_from_cart(self):
        # A product that sells a program's credit takes Tryton's path
        if self.product and self.on_change_with_wallet_programs():
            return False
        priced = super()._price_from_cart()
        if priced:
            self.wallet_programs = []
            self.wallet_program = None
        return priced

    def copy_returned(self, original, quantity):
        super().copy_returned(original, quantity)
        # The card keeps what it was loaded with: the wallet's refund rules
        # apply to redemptions, not to sold credit.
        if original.wallet_program:
            raise CheckoutError(gettext(
                    'onretail_pos.msg_return_wallet_credit',
                    line=original.rec_name))
        self.wallet_programs = []
        self.wallet_program = None

    def set_cart_options(self, values, record):
        pool = Pool()
        Card = pool.get('wallet.card')
        Program = pool.get('wallet.program')
        super().set_cart_options(values, record)
        if not self.wallet_programs:
            return
        if self.quantity < 0:
            # Credit on a card is never paid out
            raise CheckoutError(gettext(
                    'onretail_pos.msg_return_wallet_product',
                    record=record, product=self.product.rec_name))
        if values['wallet_program']:
            if values['wallet_program'] not in {
                    p.id for p in self.wallet_programs}:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_wallet_program',
                        record=record, product=self.product.rec_name))
            self.wallet_program = Program(values['wallet_program'])
        if not self.wallet_program:
            if self.cart.pricing:
                # The screen asks the cashier for it
                return
            raise CheckoutError(gettext(
                    'onretail_pos.msg_cart_wallet_program_missing',
                    record=record, product=self.product.rec_name))
        self.wallet_card = None
        if values['wallet_card']:
            card = Card.from_code(
                values['wallet_card'], sale_point=self.sale.point)
            if card.program != self.wallet_program:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_wallet_card_program',
                        card=card.rec_name,
                        program=self.wallet_program.rec_name))
            self.wallet_card = card

    def has_open_price(self):
        return super().has_open_price() or bool(
            self.wallet_program
            and self.wallet_program.fixed_amount() is None)

    def priced_cart_line(self):
        line = super().priced_cart_line()
        line['wallet_programs'] = [
            {'id': p.id, 'name': p.rec_name} for p in self.wallet_programs]
        line['wallet_program'] = (
            self.wallet_program.id if self.wallet_program else None)
        line['open_price'] = self.has_open_price()
        return line

    def receipt_line(self, money):
        line = super().receipt_line(money)
        # a line of a cart not saved yet may have no card set
        card = getattr(self, 'wallet_card', None)
        if card:
            line['note'] = ', '.join(filter(None, [line['note'], card.rec_name]))
        return line


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'

    refunded_payment = fields.Many2One(
        'sale.point.payment', "Refunded Payment", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('refunded_payment')},
        help="The card payment of a returned sale that this payment gives "
        "back to its card.")

    @classmethod
    def validate(cls, payments):
        super().validate(payments)
        for payment in payments:
            payment.check_card_refund()

    def check_card_refund(self):
        """Credit goes back to a card only as the refund of a payment of
        that card for a returned sale, whoever creates the payment"""
        if not (self.method.wallet and self.amount < 0):
            return
        original = self.refunded_payment
        if (not original or original.wallet_card != self.wallet_card
                or original.sale == self.sale or original.amount <= 0):
            raise ValidationError(gettext(
                    'onretail_pos.msg_payment_refund_unbound',
                    payment=self.rec_name))

    def screen_refund(self):
        refund = super().screen_refund()
        if self.wallet_card:
            # Codes are the cards' money: the screen shows the last digits
            refund['card'] = self.wallet_card.masked_code
        return refund


class Reporting(metaclass=PoolMeta):
    __name__ = 'wallet.reporting'

    @classmethod
    def _where(cls, move, program):
        "Only the credit of the sales of the context's cash session"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        where = super()._where(move, program)
        session = Transaction().context.get('pos_session')
        if session:
            sale = Sale.__table__()
            line = Line.__table__()
            sales = sale.select(
                Concat(Sale.__name__ + ',', sale.id),
                where=sale.session == session)
            lines = line.join(sale, condition=line.sale == sale.id).select(
                Concat(Line.__name__ + ',', line.id),
                where=sale.session == session)
            where &= move.origin.in_(sales) | move.origin.in_(lines)
        return where
