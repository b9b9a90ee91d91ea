# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Figures of credit per program for a period: what was sold (issues and
top-ups), spent (redemptions), given back (cancellations), written off and
corrected, with and without the tax of the program's product."""
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case
from sql.functions import DateTrunc

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.transaction import Transaction

from .card import to_decimal

# column: the movement types it sums and the sign that makes it positive
COLUMNS = {
    'sold': (('issue', 'top_up'), 1),
    'redeemed': (('redemption',), -1),
    'cancelled': (('refund',), 1),
    'expired': (('expiry',), -1),
    'corrected': (('correction',), 1),
    }


class ReportingContext(ModelView):
    "Wallet reporting context"
    __name__ = 'wallet.reporting.context'
    __string__ = "Wallet Reporting Context"

    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
    company = fields.Many2One('company.company', "Company", required=True)
    period = fields.Selection([
            ('day', "Day"),
            ('month', "Month"),
            ('year', "Year"),
            ], "Period", required=True,
        help="The time that each point of the credit over time sums.")

    @classmethod
    def default_period(cls):
        return Transaction().context.get('period', 'month')

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        Date = Pool().get('ir.date')
        return Transaction().context.get('from_date') or (
            Date.today().replace(day=1))

    @classmethod
    def default_to_date(cls):
        Date = Pool().get('ir.date')
        return Transaction().context.get('to_date') or Date.today()


class Reporting(ModelSQL, ModelView):
    "Credit per program"
    __name__ = 'wallet.reporting'
    __string__ = "Wallet Reporting"

    program = fields.Many2One('wallet.program', "Program")
    currency = fields.Many2One('currency.currency', "Currency")
    sold = Monetary(
        "Sold", currency='currency', digits='currency',
        help="Credit issued and topped up, taxes included.")
    redeemed = Monetary(
        "Redeemed", currency='currency', digits='currency',
        help="Credit spent, taxes included.")
    cancelled = Monetary(
        "Cancelled", currency='currency', digits='currency',
        help="Credit given back by cancelled or refunded payments.")
    expired = Monetary("Expired", currency='currency', digits='currency')
    corrected = Monetary(
        "Corrected", currency='currency', digits='currency')
    sold_untaxed = fields.Function(Monetary(
            "Sold without Tax", currency='currency', digits='currency'),
        'get_untaxed')
    redeemed_untaxed = fields.Function(Monetary(
            "Redeemed without Tax", currency='currency', digits='currency'),
        'get_untaxed')
    cancelled_untaxed = fields.Function(Monetary(
            "Cancelled without Tax", currency='currency',
            digits='currency'),
        'get_untaxed')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('program', 'ASC'))

    @classmethod
    def table_query(cls):
        pool = Pool()
        Card = pool.get('wallet.card')
        Move = pool.get('wallet.move')
        Program = pool.get('wallet.program')
        move = Move.__table__()
        card = Card.__table__()
        program = Program.__table__()
        columns = [
            Sum(Case((move.type.in_(list(types)), move.amount * sign),
                    else_=0)).as_(name)
            for name, (types, sign) in COLUMNS.items()]
        return (move
            .join(card, condition=move.card == card.id)
            .join(program, condition=card.program == program.id)
            .select(
                program.id.as_('id'),
                program.id.as_('program'),
                Max(program.currency).as_('currency'),
                *columns,
                where=cls._where(move, program),
                group_by=[program.id]))

    @classmethod
    def _where(cls, move, program):
        context = Transaction().context
        where = program.company == context.get('company')
        if context.get('from_date'):
            where &= move.date >= context['from_date']
        if context.get('to_date'):
            where &= move.date <= context['to_date']
        return where

    @classmethod
    def read(cls, ids, fields_names):
        return round_figures(super().read, ids, fields_names)

    @classmethod
    def get_untaxed(cls, records, names):
        to_date = Transaction().context.get('to_date')
        result = {name: {} for name in names}
        for record in records:
            for name in names:
                gross = getattr(record, name[:-len('_untaxed')])
                result[name][record.id] = record.program.untaxed(
                    gross, to_date)
        return result

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('program.rec_name',) + tuple(clause[1:])]

    def get_rec_name(self, name):
        return self.program.rec_name


def round_figures(read, ids, fields_names):
    "The rows read with the sums rounded to their currency"
    Currency = Pool().get('currency.currency')
    names = set(fields_names) | {'currency'}
    rows = read(ids, list(names))
    for row in rows:
        currency = Currency(row['currency'])
        for name in COLUMNS.keys() & row.keys():
            # SQLite sums NUMERIC columns in floats
            row[name] = currency.round(to_decimal(row[name]))
        if 'currency' not in fields_names:
            del row['currency']
    return rows


class ReportingTimeSeries(ModelSQL, ModelView):
    "Credit per program over time"
    __name__ = 'wallet.reporting.time_series'
    __string__ = "Wallet Reporting Time Series"

    program = fields.Many2One('wallet.program', "Program")
    date = fields.Date(
        "Date", help="The first day of the period the figures sum.")
    currency = fields.Many2One('currency.currency', "Currency")
    sold = Monetary(
        "Sold", currency='currency', digits='currency',
        help="Credit issued and topped up, taxes included.")
    redeemed = Monetary(
        "Redeemed", currency='currency', digits='currency',
        help="Credit spent, taxes included.")
    cancelled = Monetary(
        "Cancelled", currency='currency', digits='currency',
        help="Credit given back by cancelled or refunded payments.")
    expired = Monetary("Expired", currency='currency', digits='currency')
    corrected = Monetary(
        "Corrected", currency='currency', digits='currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order[0:0] = [('date', 'ASC'), ('program', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Card = pool.get('wallet.card')
        Move = pool.get('wallet.move')
        Program = pool.get('wallet.program')
        Reporting = pool.get('wallet.reporting')
        move = Move.__table__()
        card = Card.__table__()
        program = Program.__table__()
        period = Transaction().context.get('period', 'month')
        # PostgreSQL does not see a parameterised expression of the select
        # and of the group by as the same: the periods are grouped outside
        moves = (move
            .join(card, condition=move.card == card.id)
            .join(program, condition=card.program == program.id)
            .select(
                move.id, move.type, move.amount,
                program.id.as_('program'),
                program.currency.as_('currency'),
                cls.date.sql_cast(DateTrunc(period, move.date)).as_('date'),
                where=Reporting._where(move, program)))
        columns = [
            Sum(Case((moves.type.in_(list(types)), moves.amount * sign),
                    else_=0)).as_(name)
            for name, (types, sign) in COLUMNS.items()]
        return moves.select(
            # a move of the period and program is unique to them
            Min(moves.id).as_('id'),
            moves.program.as_('program'),
            moves.date.as_('date'),
            Max(moves.currency).as_('currency'),
            *columns,
            group_by=[moves.program, moves.date])

    @classmethod
    def read(cls, ids, fields_names):
        return round_figures(super().read, ids, fields_names)
