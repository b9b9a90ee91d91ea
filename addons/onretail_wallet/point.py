# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What joins the wallet to the cash registers of sale_point"
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CreditError
from .sale import WalletLineMixin


class Program(metaclass=PoolMeta):
    __name__ = 'wallet.program'

    sale_points = fields.Many2Many(
        'wallet.program-sale.point', 'program', 'sale_point',
        "Cash Registers",
        domain=[('company', '=', Eval('company', -1))],
        help="The cash registers where the cards are valid; empty for all.")

    def allows_sale_point(self, sale_point):
        return (super().allows_sale_point(sale_point)
            and sale_point.company == self.company
            and (not self.sale_points or sale_point in self.sale_points))


class ProgramSalePoint(ModelSQL):
    __name__ = 'wallet.program-sale.point'
    __string__ = "Wallet Program - Cash Register"

    program = fields.Many2One(
        'wallet.program', "Program", required=True, ondelete='CASCADE')
    sale_point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')


class Move(metaclass=PoolMeta):
    __name__ = 'wallet.move'

    sale_point = fields.Many2One(
        'sale.point', "Cash Register", readonly=True, ondelete='RESTRICT',
        help="The cash register where the credit was sold or spent.")

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + [
            'sale.point.sale', 'sale.point.sale.line']


class Card(metaclass=PoolMeta):
    __name__ = 'wallet.card'

    def _move(self, lot, type_, amount, date, origin, reason=None,
            save=True):
        pool = Pool()
        POSSale = pool.get('sale.point.sale')
        POSSaleLine = pool.get('sale.point.sale.line')
        move = super()._move(
            lot, type_, amount, date, origin, reason=reason, save=False)
        if isinstance(origin, POSSaleLine):
            move.sale_point = origin.sale.point
        elif isinstance(origin, POSSale):
            move.sale_point = origin.point
        if save:
            move.save()
        return move


class CodeAttempt(metaclass=PoolMeta):
    __name__ = 'wallet.card.code.attempt'

    sale_point = fields.Many2One(
        'sale.point', "Cash Register", ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.sale_point, Index.Equality()),
                (t.date, Index.Range())))

    @classmethod
    def keys(cls, sale_point=None):
        "A cash register is throttled too, whoever types at it"
        keys = super().keys(sale_point)
        if sale_point is not None:
            keys['sale_point'] = int(sale_point)
        return keys


class ReportingContext(metaclass=PoolMeta):
    __name__ = 'wallet.reporting.context'

    sale_point = fields.Many2One(
        'sale.point', "Cash Register",
        domain=[('company', '=', Eval('company', -1))],
        help="Only the credit sold and spent at this cash register; empty "
        "for everywhere.")


class Reporting(metaclass=PoolMeta):
    __name__ = 'wallet.reporting'

    @classmethod
    def _where(cls, move, program):
        where = super()._where(move, program)
        sale_point = Transaction().context.get('sale_point')
        if sale_point:
            where &= move.sale_point == sale_point
        return where


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    @Workflow.transition('done')
    def do(cls, sales):
        super().do(sales)
        for sale in sales:
            for line in sale.lines:
                line.load_wallet_cards()


class POSSaleLine(WalletLineMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    wallet_card = fields.Many2One(
        'wallet.card', "Card", ondelete='RESTRICT',
        domain=[('program', '=', Eval('wallet_program', -1))],
        states={
            'invisible': ~Eval('wallet_program'),
            'readonly': Eval('sale_state') != 'open',
            },
        help="The card to top up; empty to issue new cards.")

    def load_wallet_cards(self):
        "Issue or top up the cards the line sells, once"
        pool = Pool()
        Card = pool.get('wallet.card')
        if (not self.wallet_program or self.quantity <= 0
                or self.wallet_moves):
            return
        if self.quantity != int(self.quantity):
            raise CreditError(gettext(
                    'onretail_wallet.msg_sale_line_quantity',
                    line=self.rec_name))
        if self.wallet_card:
            cards = [self.wallet_card] * int(self.quantity)
        else:
            cards = Card.create([{'program': self.wallet_program.id}
                    for _ in range(int(self.quantity))])
        amount = self.sale.currency.round(self.unit_gross_price)
        for card in cards:
            card.load(amount, date=self.sale.date, origin=self,
                currency=self.sale.currency)

    def get_account_move_lines(self):
        lines = super().get_account_move_lines()
        if self.wallet_program:
            for line in lines:
                line.account = self.wallet_program.credit_account()
        return lines


class POSPayment(metaclass=PoolMeta):
    __name__ = 'sale.point.payment'

    wallet_card = fields.Many2One(
        'wallet.card', "Card", ondelete='RESTRICT',
        states={
            'invisible': ~Eval('wallet'),
            'required': Eval('wallet', False),
            'readonly': Eval('sale_state') != 'open',
            },
        help="The gift card or eWallet that pays; scan or type its code.")
    wallet = fields.Function(
        fields.Boolean("Gift Card or eWallet"), 'on_change_with_wallet')

    @fields.depends('method')
    def on_change_with_wallet(self, name=None):
        return bool(self.method and self.method.wallet)

    @classmethod
    def create(cls, vlist):
        payments = super().create(vlist)
        for payment in payments:
            if payment.method.wallet:
                payment._take_from_card(payment.amount)
        return payments

    def _take_from_card(self, amount, undo=False):
        """Redeem amount from the card; a negative amount pays back to it.
        undo: amount undoes what the payment did (it is deleted)."""
        sale = self.sale
        if amount > 0:
            self.wallet_card.redeem(
                amount, date=sale.date, origin=sale, medium='pos',
                sale_point=sale.point, currency=sale.currency)
        elif amount < 0:
            self.wallet_card.refund(
                -amount, date=sale.date, origin=sale, medium='pos',
                sale_point=sale.point, currency=sale.currency,
                # Deleting a card payment gives its own credit back
                undo=undo)

    @classmethod
    def delete(cls, payments):
        undo = [(p, -p.amount) for p in payments
            if p.method.wallet and p.wallet_card]
        undo = [(cls(sale=p.sale, method=p.method, wallet_card=p.wallet_card),
                amount) for p, amount in undo]
        super().delete(payments)
        for payment, amount in undo:
            payment._take_from_card(amount, undo=True)

    def get_account_move_lines(self):
        """Paying with a card takes the credit from the program's credit
        account; the tax charged when the credit was sold is given back, so
        the goods bought with it are not taxed twice."""
        lines = super().get_account_move_lines()
        if not (self.method.wallet and self.wallet_card):
            return lines
        line, = lines
        program = self.wallet_card.program
        line.account = program.credit_account()
        with Transaction().set_context(company=self.company.id):
            taxes = list(program.product.customer_taxes_used)
        if taxes:
            lines += self._wallet_tax_lines(line, taxes)
        return lines

    def _wallet_tax_lines(self, line, taxes):
        "Split line into its amount without tax and the lines of its taxes"
        pool = Pool()
        Line = pool.get('account.move.line')
        Tax = pool.get('account.tax')
        TaxLine = pool.get('account.tax.line')
        currency = self.sale.currency
        date = self.sale.date
        sign = 1 if line.debit else -1
        gross = line.debit or line.credit
        net = currency.round(Tax.reverse_compute(gross, taxes, date))
        computed = Tax.compute(taxes, net, 1, date)
        amounts = [currency.round(t['amount']) for t in computed]
        if amounts:
            amounts[0] += gross - net - sum(amounts)
        line.debit, line.credit = (net, 0) if sign > 0 else (0, net)
        line.tax_lines = [
            TaxLine(type='base', amount=-sign * net, tax=t['tax'])
            for t in computed]
        tax_lines = []
        for tax, amount in zip(computed, amounts):
            tax_line = Line(
                account=tax['tax'].credit_note_account,
                description=tax['tax'].description,
                tax_lines=[
                    TaxLine(type='tax', amount=-sign * amount,
                        tax=tax['tax'])])
            tax_line.debit, tax_line.credit = (
                (amount, 0) if sign > 0 else (0, amount))
            tax_lines.append(tax_line)
        return tax_lines

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for payments, values in zip(actions, actions):
            if values.keys() & {'method', 'amount', 'wallet_card'}:
                for payment in payments:
                    if payment.method.wallet:
                        raise AccessError(gettext(
                                'onretail_wallet.msg_payment_wallet_modify',
                                payment=payment.rec_name))
        super().write(*args)


class POSPaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'

    wallet = fields.Boolean(
        "Gift Card or eWallet",
        help="Payments take the credit of a gift card or eWallet and are "
        "booked on the credit account of the card's program.")

    @classmethod
    def default_wallet(cls):
        return False
