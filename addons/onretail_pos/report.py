# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The session report and the summarised cash report in the back office;
the cashier screen prints the same figures at receipt width."""
from decimal import Decimal
from itertools import groupby

from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateReport, StateView, Wizard

from .session import sales_figures, wallet_figures


class SessionReport(Report):
    "Session report (Z report) of cash sessions"
    __name__ = 'sale.point.cash.session.report'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        with without_check_access():
            context['figures'] = {r.id: r.figures() for r in records}
        context['receipt_width'] = False
        context['summary'] = None
        return context


class SessionReceiptReport(SessionReport):
    "The session report at the width of a receipt"
    __name__ = 'sale.point.cash.session.receipt'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['receipt_width'] = True
        return context


class CashSummaryStart(ModelView):
    __name__ = 'sale.point.cash.summary.start'
    __string__ = "Summarised Cash Report"

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date", required=True,
        domain=[('from_date', '<=', Eval('to_date', None))])
    to_date = fields.Date("To Date", required=True)
    points = fields.Many2Many(
        'sale.point', None, None, "Cash Registers",
        domain=[('company', '=', Eval('company', -1))],
        help="Empty for all cash registers of the company.")
    receipt_width = fields.Boolean(
        "Receipt Width", help="Print on a receipt printer's paper width.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        return Pool().get('ir.date').today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()


class CashSummary(Wizard):
    __name__ = 'sale.point.cash.summary'
    start = StateView(
        'sale.point.cash.summary.start',
        'onretail_pos.cash_summary_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Print", 'print_', 'tryton-print', default=True),
            ])
    print_ = StateReport('sale.point.cash.summary.report')

    def do_print_(self, action):
        return action, {
            'receipt_width': self.start.receipt_width,
            'company': self.start.company.id,
            'from_date': self.start.from_date,
            'to_date': self.start.to_date,
            'points': [p.id for p in self.start.points],
            }


class CashSummaryReport(Report):
    "Summarised cash report: the session figures per day and register"
    __name__ = 'sale.point.cash.summary.report'

    @classmethod
    def _get_records(cls, ids, model, data):
        return []

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Company = pool.get('company.company')
        context = super().get_context(records, header, data)
        context['summary'] = cls.get_summary(data)
        context['company'] = Company(data['company'])
        context['from_date'] = data['from_date']
        context['to_date'] = data['to_date']
        context['receipt_width'] = data.get('receipt_width', False)
        return context

    @classmethod
    def get_summary(cls, data):
        """Per register: its days with the figures of their sales, the
        total of the period and the wallet figures of the period"""
        pool = Pool()
        Company = pool.get('company.company')
        POS = pool.get('sale.point')
        Sale = pool.get('sale.point.sale')
        company = Company(data['company'])
        currency = company.currency
        domain = [('company', '=', company.id)]
        if data.get('points'):
            domain.append(('id', 'in', data['points']))
        summary = []
        with without_check_access():
            for point in POS.search(domain, order=[('name', 'ASC')]):
                sales = Sale.search([
                        ('point', '=', point.id),
                        ('state', 'in', ['done', 'posted']),
                        ('date', '>=', data['from_date']),
                        ('date', '<=', data['to_date']),
                        ], order=[('date', 'ASC'), ('id', 'ASC')])
                days = [
                    dict(sales_figures(list(day_sales), currency),
                        date=date, cash=cash_of(day_sales, currency))
                    for date, day_sales in groupby(
                        sales, key=lambda s: s.date)
                    for day_sales in [list(day_sales)]]
                total = dict(sales_figures(sales, currency),
                    cash=cash_of(sales, currency))
                with Transaction().set_context(
                        sale_point=point.id,
                        from_date=data['from_date'],
                        to_date=data['to_date']):
                    total['wallet'] = wallet_figures(company)
                summary.append({
                        'point': point.rec_name, 'days': days,
                        'total': total})
        return summary


def cash_of(sales, currency):
    "The cash taken by the sales, change given back deducted"
    return currency.round(sum((p.amount for s in sales for p in s.payments
                if p.method.cash), Decimal(0)))
