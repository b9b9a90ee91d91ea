# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Figures of the till for a period: the sales of each cash register per
hour of the day and per day, and the payments per payment method and day.
Only done and posted sales count; their amount, taxes included, is what
their payments sum, as sale_point keeps no sale done or posted with an
amount to pay (a return counts with its negative amount)."""
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract, Floor, Mod

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.onretail_pricelist import to_decimal
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from . import boundary

DAY = dt.timedelta(days=1)
MINUTES_PER_DAY = 24 * 60


def utc_offsets(timezone, start, end):
    """The UTC offsets of timezone, in minutes, from the UTC datetime start
    to end, as [(since, minutes), …] with since None for the first: the
    offset of a time is the minutes of the last since not after it"""
    return _utc_offsets(timezone, start.date(), end.date())


@lru_cache(maxsize=128)
def _utc_offsets(timezone, start, end):
    zone = _zone(timezone)
    start = dt.datetime.combine(start, dt.time())
    end = dt.datetime.combine(end, dt.time()) + DAY

    def offset(when):
        delta = when.replace(tzinfo=dt.timezone.utc).astimezone(
            zone).utcoffset()
        return int(delta.total_seconds() // 60)

    start, end = start - DAY, end + DAY
    offsets = [(None, offset(start))]
    when = start
    while when < end:
        after = min(when + DAY, end)
        if offset(after) != offset(when):
            # the change is in the day: find its minute
            before = when
            while after - before > dt.timedelta(minutes=1):
                middle = before + (after - before) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= before:
                    middle = before + dt.timedelta(minutes=1)
                if offset(middle) == offset(before):
                    before = middle
                else:
                    after = middle
            offsets.append((after, offset(after)))
        when = after
    return offsets


@lru_cache(maxsize=32)
def _zone(timezone):
    try:
        return ZoneInfo(timezone or 'UTC')
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo('UTC')


def local_hour(column, offsets):
    """The SQL expression of the hour, 0 to 23, that the UTC timestamp
    column shows with the offsets of utc_offsets.
    Neither AT TIME ZONE (PostgreSQL) nor the time zones of SQLite work on
    both databases: the offset of each period between two changes of the
    time zone (summer time) is a constant of a CASE, and the hour the
    minutes of the day plus the offset."""
    offset = offsets[-1][1]
    if len(offsets) > 1:
        offset = Case(
            *((column < since, minutes)
                for (_, minutes), (since, _) in zip(offsets, offsets[1:])),
            else_=offset)
    minutes = Extract('HOUR', column) * 60 + Extract('MINUTE', column)
    return Floor(
        Mod(minutes + offset + MINUTES_PER_DAY, MINUTES_PER_DAY) / 60)


class ReportingContext(ModelView):
    "Till reporting context"
    __name__ = 'sale.point.reporting.context'
    __string__ = "Till Reporting Context"

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')),
                ()),
            ])
    to_date = fields.Date(
        "To Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ()),
            ])
    sale_point = fields.Many2One(
        'sale.point', "Cash Register",
        domain=[('company', '=', Eval('company', -1))],
        help="Only the sales of this cash register; empty for all of them.")

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

    @classmethod
    def default_sale_point(cls):
        return Transaction().context.get('sale_point')


class ReportingMixin:
    "The sales of the context's company, period and register"
    __slots__ = ()

    company = fields.Many2One('company.company', "Company")
    currency = fields.Many2One('currency.currency', "Currency")

    @classmethod
    def _sale_states(cls):
        "The states of the sales that count, those of sale_point's reporting"
        return ['done', 'posted']

    @classmethod
    def _context_values(cls):
        """The company, period and register of the context: any user may
        send any context, so a value of the wrong type is refused"""
        context = Transaction().context
        record = gettext('onretail_pos.msg_reporting_context')
        values = {name: boundary.identifier(context.get(name), record, name)
            for name in ['company', 'sale_point']}
        values.update({name: boundary.date(context.get(name), record, name)
                for name in ['from_date', 'to_date']})
        return values

    @classmethod
    def _sale_where(cls, sale):
        values = cls._context_values()
        where = (sale.company == values['company']) & (
            sale.state.in_(cls._sale_states()))
        if values['from_date']:
            where &= sale.date >= values['from_date']
        if values['to_date']:
            where &= sale.date <= values['to_date']
        if values['sale_point']:
            where &= sale.point == values['sale_point']
        return where

    @classmethod
    def _sales(cls):
        """The query of the sales that count, one row each: id, company,
        currency, sale_point, date, amount and the columns of
        _sale_columns"""
        pool = Pool()
        Company = pool.get('company.company')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        company = Company.__table__()
        payment = Payment.__table__()
        sale = Sale.__table__()
        paid = payment.select(
            payment.sale.as_('sale'),
            Sum(payment.amount).as_('amount'),
            group_by=[payment.sale])
        where = cls._sale_where(sale)
        columns = [
            sale.id.as_('id'),
            sale.company.as_('company'),
            company.currency.as_('currency'),
            sale.point.as_('sale_point'),
            sale.date.as_('date'),
            Coalesce(paid.amount, 0).as_('amount'),
            ]
        columns += cls._sale_columns(sale, where)
        return (sale
            .join(company, condition=sale.company == company.id)
            .join(paid, 'LEFT', condition=paid.sale == sale.id)
            .select(*columns, where=where))

    @classmethod
    def _sale_columns(cls, sale, where):
        return []

    @classmethod
    def _offsets(cls, sale, where):
        "The UTC offsets of the company's time zone when the sales were made"
        pool = Pool()
        Company = pool.get('company.company')
        company = cls._context_values()['company']
        timezone = Company(company).timezone if company else None
        cursor = Transaction().connection.cursor()
        cursor.execute(*sale.select(
                Min(sale.create_date), Max(sale.create_date), where=where))
        start, end = cursor.fetchone()
        if start is None:
            start = end = dt.datetime(2000, 1, 1)
        if isinstance(start, str):
            # SQLite returns the aggregate of a timestamp as text
            start = dt.datetime.fromisoformat(start)
            end = dt.datetime.fromisoformat(end)
        return utc_offsets(timezone, start, end)

    @classmethod
    def read(cls, ids, fields_names):
        "The rows read with the amounts rounded to their currency"
        Currency = Pool().get('currency.currency')
        names = set(fields_names) | {'currency'}
        rows = super().read(ids, list(names))
        for row in rows:
            if 'amount' in row and row['currency'] is not None:
                # SQLite sums NUMERIC columns in floats
                row['amount'] = Currency(row['currency']).round(
                    to_decimal(row['amount'] or 0))
            if 'currency' not in fields_names:
                del row['currency']
        return rows


class ReportingHour(ReportingMixin, ModelSQL, ModelView):
    "Till sales per cash register and hour of the day"
    __name__ = 'sale.point.reporting.hour'
    __string__ = "Till Sales per Hour"

    sale_point = fields.Many2One('sale.point', "Cash Register")
    hour = fields.Integer(
        "Hour",
        help="The hour of the day in the company's time zone: 9 for the "
        "sales from 9:00 to 9:59.")
    number = fields.Integer("Sales", help="The number of sales.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency',
        help="The amount of the sales, taxes included; returns subtract.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order[0:0] = [('hour', 'ASC'), ('sale_point', 'ASC')]

    @classmethod
    def _sale_columns(cls, sale, where):
        # the time the sale was created: the cashier screen creates it paid
        return super()._sale_columns(sale, where) + [
            cls.hour.sql_cast(local_hour(
                    sale.create_date, cls._offsets(sale, where))).as_('hour')]

    @classmethod
    def table_query(cls):
        sales = cls._sales()
        # PostgreSQL does not see a parameterised expression of the select
        # and of the group by as the same: the hours are grouped outside
        return sales.select(
            # a sale of the register and hour is unique to them
            Min(sales.id).as_('id'),
            sales.company.as_('company'),
            Max(sales.currency).as_('currency'),
            sales.sale_point.as_('sale_point'),
            sales.hour.as_('hour'),
            Sum(sales.amount).as_('amount'),
            Count(sales.id).as_('number'),
            group_by=[sales.company, sales.sale_point, sales.hour])


class ReportingDay(ReportingMixin, ModelSQL, ModelView):
    "Till sales per cash register and day"
    __name__ = 'sale.point.reporting.day'
    __string__ = "Till Sales per Day"

    sale_point = fields.Many2One('sale.point', "Cash Register")
    date = fields.Date("Date")
    number = fields.Integer("Sales", help="The number of sales.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency',
        help="The amount of the sales, taxes included; returns subtract.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order[0:0] = [('date', 'ASC'), ('sale_point', 'ASC')]

    @classmethod
    def table_query(cls):
        sales = cls._sales()
        return sales.select(
            # a sale of the register and day is unique to them
            Min(sales.id).as_('id'),
            sales.company.as_('company'),
            Max(sales.currency).as_('currency'),
            sales.sale_point.as_('sale_point'),
            sales.date.as_('date'),
            Sum(sales.amount).as_('amount'),
            Count(sales.id).as_('number'),
            group_by=[sales.company, sales.sale_point, sales.date])


class ReportingPaymentMethod(ReportingMixin, ModelSQL, ModelView):
    "Till payments per payment method and day"
    __name__ = 'sale.point.reporting.payment_method'
    __string__ = "Till Payments per Method"

    method = fields.Many2One('sale.point.payment.method', "Payment Method")
    date = fields.Date("Date")
    amount = Monetary(
        "Amount", currency='currency', digits='currency',
        help="What the method took, change and paid back returns "
        "subtracted.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order[0:0] = [('date', 'ASC'), ('method', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Payment = pool.get('sale.point.payment')
        Sale = pool.get('sale.point.sale')
        company = Company.__table__()
        payment = Payment.__table__()
        sale = Sale.__table__()
        return (payment
            .join(sale, condition=payment.sale == sale.id)
            .join(company, condition=sale.company == company.id)
            .select(
                # a payment of the method and day is unique to them
                Min(payment.id).as_('id'),
                sale.company.as_('company'),
                Max(company.currency).as_('currency'),
                payment.method.as_('method'),
                sale.date.as_('date'),
                Sum(payment.amount).as_('amount'),
                where=cls._sale_where(sale),
                group_by=[sale.company, payment.method, sale.date]))
