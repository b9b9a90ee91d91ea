# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Gift cards and eWallets on the cashier screen (with onretail_wallet)"
from sql.operators import Concat

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .exceptions import CheckoutError
from .sale import pricing_cart


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['screen_card'] = RPC()

    @classmethod
    def screen_card(cls, point_id, code):
        """The program and balance of the card of code, when it can pay at
        the register; else the wallet's refusal"""
        pool = Pool()
        Card = pool.get('wallet.card')
        point = cls(point_id)
        point.check_cashier()
        with without_check_access():
            card = Card.from_code(code)
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

    def _payment_from_cart(self, values, index):
        pool = Pool()
        Card = pool.get('wallet.card')
        payment = super()._payment_from_cart(values, index)
        if payment.method.wallet:
            if not values.get('card'):
                raise CheckoutError(gettext(
                        'onretail_pos.msg_payment_card_missing',
                        method=payment.method.rec_name))
            payment.wallet_card = Card.from_code(values['card'])
        return payment

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
        if values.get('wallet_program'):
            program = Program(values['wallet_program'])
            if program not in self.wallet_programs:
                raise CheckoutError(gettext(
                        'onretail_pos.msg_cart_wallet_program',
                        record=record, program=program.rec_name,
                        product=self.product.rec_name))
            self.wallet_program = program
        if not self.wallet_program:
            if pricing_cart():
                # The screen asks the cashier for it
                return
            raise CheckoutError(gettext(
                    'onretail_pos.msg_cart_wallet_program_missing',
                    record=record, product=self.product.rec_name))
        self.wallet_card = None
        if values.get('wallet_card'):
            card = Card.from_code(values['wallet_card'])
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
        if self.wallet_card:
            line['note'] = ', '.join(filter(None, [
                        line['note'], self.wallet_card.rec_name]))
        return line


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'

    def screen_refund(self):
        refund = super().screen_refund()
        if self.wallet_card:
            refund['card'] = self.wallet_card.code
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
