# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The credit of the cards is a liability: selling credit credits the
program's credit account, paying with a card debits it, and the expiry job
moves what expired to the program's revenue account."""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from .exceptions import CreditError


def AccountTypeMixin(template=False):

    class Mixin:
        __slots__ = ()
        wallet = fields.Boolean(
            "Gift Card & eWallet Credit",
            domain=[
                If(Eval('statement') != 'balance',
                    ('wallet', '=', False), ()),
                ],
            states={'invisible': Eval('statement') != 'balance'},
            help="Check for the liability accounts that hold the credit of "
            "gift cards and eWallets; sales may use them.")
    if not template:
        for fname in dir(Mixin):
            field = getattr(Mixin, fname)
            if isinstance(field, fields.Field):
                field.states['readonly'] = (
                    Bool(Eval('template', -1))
                    & ~Eval('template_override', False))
    return Mixin


class AccountTypeTemplate(AccountTypeMixin(template=True), metaclass=PoolMeta):
    __name__ = 'account.account.type.template'

    def _get_type_value(self, type=None):
        values = super()._get_type_value(type=type)
        if not type or type.wallet != self.wallet:
            values['wallet'] = self.wallet
        return values


class AccountType(AccountTypeMixin(), metaclass=PoolMeta):
    __name__ = 'account.account.type'


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _account_domain(cls, type_):
        domain = super()._account_domain(type_)
        if type_ == 'out':
            domain = domain + [('type.wallet', '=', True)]
        return domain


class AccountMove(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['wallet.program']


class Program(metaclass=PoolMeta):
    __name__ = 'wallet.program'

    account = fields.Many2One(
        'account.account', "Credit Account",
        domain=[
            ('type.wallet', '=', True),
            ('closed', '!=', True),
            ('company', '=', Eval('company', -1)),
            ],
        help="The liability account that holds the credit of the cards "
        "until it is spent or expires.")
    expiry_account = fields.Many2One(
        'account.account', "Expired Credit Account",
        domain=[
            ('type.revenue', '=', True),
            ('closed', '!=', True),
            ('company', '=', Eval('company', -1)),
            ],
        states={'required': Bool(Eval('expiry_journal'))},
        help="The revenue account that receives the credit written off "
        "when it expires; empty for no accounting of expiry.")
    expiry_journal = fields.Many2One(
        'account.journal', "Expiry Journal",
        states={'required': Bool(Eval('expiry_account'))},
        help="The journal of the entries that write expired credit off.")

    def credit_account(self):
        "The credit account; UserError when the program has none"
        if not self.account:
            raise CreditError(gettext(
                    'onretail_wallet.msg_program_no_account',
                    program=self.rec_name))
        return self.account


class Card(metaclass=PoolMeta):
    __name__ = 'wallet.card'

    @classmethod
    def expire(cls, date=None):
        moves = super().expire(date=date)
        cls.post_expiry(moves)
        return moves

    @classmethod
    def post_expiry(cls, moves):
        "Move the expired credit from the credit to the revenue account"
        pool = Pool()
        AccountMove = pool.get('account.move')
        amounts = defaultdict(Decimal)
        for move in moves:
            amounts[move.card.program, move.date] -= move.amount
        account_moves = [
            cls._expiry_account_move(program, date, amount)
            for (program, date), amount in amounts.items()
            if program.expiry_account and amount]
        if account_moves:
            AccountMove.save(account_moves)
            AccountMove.post(account_moves)

    @classmethod
    def _expiry_account_move(cls, program, date, amount):
        pool = Pool()
        AccountMove = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        company = program.company
        amount_second, second_currency = None, None
        if program.currency != company.currency:
            second_currency = program.currency
            amount_second = amount
            amount = pool.get('currency.currency').compute(
                program.currency, amount, company.currency, date=date)
        lines = [
            Line(account=program.credit_account(), debit=amount,
                credit=Decimal(0), second_currency=second_currency,
                amount_second_currency=amount_second),
            Line(account=program.expiry_account, debit=Decimal(0),
                credit=amount, second_currency=second_currency,
                amount_second_currency=(
                    -amount_second if amount_second else None)),
            ]
        return AccountMove(
            company=company,
            journal=program.expiry_journal,
            period=Period.find(company, date=date),
            date=date,
            origin=program,
            description=gettext(
                'onretail_wallet.msg_expiry_move_description',
                program=program.rec_name),
            lines=lines)
