# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cash sessions opened and closed with counted cash, and their figures:
the session report (Z report) and the summarised cash report"""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from . import boundary
from .exceptions import SessionError


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    cash_difference_type = fields.Many2One(
        'sale.point.cash.transfer.type', "Cash Difference Type",
        domain=[('company', '=', Eval('company', -1))],
        help="The transfer that books the difference between the cash "
        "counted and the cash expected when a session opens or closes.")



class Session(metaclass=PoolMeta):
    __name__ = 'sale.point.cash.session'

    opening_counted = Monetary(
        "Counted at Opening", currency='currency', digits='currency',
        readonly=True,
        help="The cash the cashier counted when opening the session.")
    opening_difference = Monetary(
        "Opening Difference", currency='currency', digits='currency',
        readonly=True,
        help="The cash counted at opening less the end amount of the "
        "previous session.")
    closing_difference = Monetary(
        "Closing Difference", currency='currency', digits='currency',
        readonly=True,
        help="The cash counted at closing less the cash expected.")
    sales = fields.One2Many(
        'sale.point.sale', 'session', "Sales", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'open_counted': RPC(readonly=False),
                'close_counted': RPC(readonly=False, instantiate=0),
                'get_figures': RPC(instantiate=0),
                'get_receipt': RPC(instantiate=0),
                })

    @classmethod
    @boundary.arguments
    def open_counted(cls, point_id, counted):
        """Open the session of the register with the cash counted in the
        drawer; return its id. An open session is kept as it is."""
        POS = Pool().get('sale.point')
        point = POS.screen_point(point_id)
        counted = checked_count(counted)
        with without_check_access():
            session = cls.get_current(point)
            if session.opening_counted is None and not session.payments:
                counted = session.currency.round(counted)
                session.opening_counted = counted
                session.opening_difference = session.book_difference(
                    counted - session.start_amount)
                session.save()
        return session.id

    @classmethod
    @boundary.arguments
    def close_counted(cls, sessions, counted):
        "Close the session with the cash counted; the difference is booked"
        if len(sessions) != 1:
            boundary.refuse('msg_input_too_many',
                record=gettext('onretail_pos.msg_cash_count'), maximum=1)
        session, = cls.screen_sessions(sessions)
        counted = checked_count(counted)
        if session.state != 'open':
            raise SessionError(gettext(
                    'onretail_pos.msg_session_not_open_close',
                    session=session.rec_name))
        with without_check_access():
            counted = session.currency.round(counted)
            expected = session.start_amount + session.balance
            session.closing_difference = session.book_difference(
                counted - expected)
            session.end_amount = counted
            session.save()
            cls.close([session])
        return session.get_figures([session])[0]

    def book_difference(self, difference):
        "Book difference as a cash transfer of the session; return it"
        pool = Pool()
        Date = pool.get('ir.date')
        Transfer = pool.get('sale.point.cash.transfer')
        if not difference:
            return Decimal(0)
        if not self.point.cash_difference_type:
            raise SessionError(gettext(
                    'onretail_pos.msg_cash_difference_type',
                    point=self.point.rec_name, difference=difference))
        with Transaction().set_context(company=self.point.company.id):
            today = Date.today()
        Transfer(point=self.point, session=self, cash_difference=True,
            type=self.point.cash_difference_type, amount=difference,
            date=today).save()
        return difference

    @classmethod
    def screen_sessions(cls, sessions):
        """The sessions, once the user of the transaction proved to be a
        cashier of their registers who may read them"""
        cls.read([s.id for s in sessions], ['id'])
        for point in {s.point for s in sessions}:
            point.check_cashier()
        return sessions

    @classmethod
    @boundary.arguments
    def get_figures(cls, sessions):
        sessions = cls.screen_sessions(sessions)
        with without_check_access():
            return [s.figures() for s in sessions]

    def figures(self):
        "The figures of the session report"
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        sales = Sale.search([
                ('session', '=', self.id),
                ('state', 'in', ['done', 'posted']),
                ])
        figures = sales_figures(sales, self.currency)
        cash_sales = sum((p.amount for p in self.payments),
            Decimal(0))
        transfers = sum((t.amount for t in self.transfers
                if not t.cash_difference), Decimal(0))
        start = self.start_amount
        opening = self.opening_difference or Decimal(0)
        figures.update({
                'session': self.rec_name,
                'point': self.point.rec_name,
                'state': self.state,
                'cash': {
                    'start': start,
                    'opening_difference': opening,
                    'sales': cash_sales,
                    'transfers': transfers,
                    'expected': start + opening + cash_sales + transfers,
                    'counted': (self.end_amount
                        if self.state != 'open' else None),
                    'difference': self.closing_difference,
                    },
                })
        with Transaction().set_context(pos_session=self.id):
            figures['wallet'] = wallet_figures(self.point.company)
        return figures

    @classmethod
    def get_receipt(cls, sessions):
        sessions = cls.screen_sessions(sessions)
        with without_check_access():
            return [s.receipt() for s in sessions]

    def receipt(self):
        "The session report as the printer service prints it"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        figures = self.figures()
        money = money_formatter(lang, self.currency)
        cash = figures['cash']
        cash_rows = [
            ('msg_report_cash_start', cash['start']),
            ('msg_report_opening_difference', cash['opening_difference']),
            ('msg_report_cash_sales', cash['sales']),
            ('msg_report_transfers', cash['transfers']),
            ('msg_report_cash_expected', cash['expected']),
            ('msg_report_cash_counted', cash['counted']),
            ('msg_report_difference', cash['difference']),
            ]
        return {
            'logo': self.point.receipt_logo(),
            'header': (self.point.receipt_header or '').splitlines(),
            'title': gettext('onretail_pos.msg_report_session_title',
                session=self.rec_name, point=self.point.rec_name),
            'sections': receipt_sections(figures, money) + [{
                    'title': gettext('onretail_pos.msg_report_cash'),
                    'rows': [{'label': gettext('onretail_pos.' + name),
                            'amount': money(amount)}
                        for name, amount in cash_rows
                        if amount is not None]}],
            }


class CashTransfer(metaclass=PoolMeta):
    __name__ = 'sale.point.cash.transfer'

    cash_difference = fields.Boolean(
        "Cash Difference", readonly=True,
        help="Books the difference of the cash counted at the opening or "
        "closing of the session.")

    @classmethod
    def default_cash_difference(cls):
        return False


def checked_count(counted):
    "The cash counted as the screen sent it: a number from 0 up"
    return boundary.number(counted, gettext('onretail_pos.msg_cash_count'),
        'counted', minimum=0, maximum=Decimal('1e9'), required=True)


def sales_figures(sales, currency):
    """Counts, taxes and payments of the sales: what the session report and
    the summarised cash report show"""
    taxes = {}
    methods = defaultdict(Decimal)
    total = Decimal(0)
    for sale in sales:
        total += sale.total
        for row in sale.tax_figures():
            line = taxes.setdefault(row['tax'], {
                    'tax': row['tax'], 'net': Decimal(0),
                    'tax_amount': Decimal(0), 'gross': Decimal(0)})
            for key in ['net', 'tax_amount', 'gross']:
                line[key] += row[key]
        for payment in sale.payments:
            methods[payment.method.rec_name] += payment.amount
    return {
        'sales': sum(1 for s in sales if s.total >= 0),
        'returns': sum(1 for s in sales if s.total < 0),
        'total': currency.round(total),
        'taxes': sorted(taxes.values(), key=lambda r: r['tax']),
        'payments': [{'method': name, 'amount': currency.round(amount)}
            for name, amount in sorted(methods.items())],
        'wallet': [],
        }


def wallet_figures(company):
    """Credit sold, redeemed and cancelled per program in the context's
    scope (register, dates, session); empty without onretail_wallet"""
    pool = Pool()
    try:
        Reporting = pool.get('wallet.reporting')
    except KeyError:
        return []
    names = ['sold', 'sold_untaxed', 'redeemed', 'redeemed_untaxed',
        'cancelled', 'cancelled_untaxed']
    with Transaction().set_context(company=company.id), \
            without_check_access():
        rows = Reporting.search([])
        return [dict(program=row.program.rec_name,
                **{name: getattr(row, name) for name in names})
            for row in rows]


def money_formatter(lang, currency):
    def money(amount):
        return lang.format_number(amount, digits=currency.digits)
    return money


def receipt_sections(figures, money):
    "The sections of a report on a receipt, before the cash"
    sections = [{
            'title': gettext('onretail_pos.msg_report_sales'),
            'rows': [
                {'label': gettext('onretail_pos.msg_report_sale_count'),
                    'amount': str(figures['sales'])},
                {'label': gettext('onretail_pos.msg_report_return_count'),
                    'amount': str(figures['returns'])},
                {'label': gettext('onretail_pos.msg_receipt_total'),
                    'amount': money(figures['total'])},
                ]}]
    sections.append({
            'title': gettext('onretail_pos.msg_report_taxes'),
            'rows': [row for tax in figures['taxes'] for row in [
                    {'label': tax['tax'], 'amount': money(tax['gross'])},
                    {'label': '  ' + gettext('onretail_pos.msg_report_net'),
                        'amount': money(tax['net'])},
                    {'label': '  ' + gettext('onretail_pos.msg_report_tax'),
                        'amount': money(tax['tax_amount'])},
                    ]]})
    sections.append({
            'title': gettext('onretail_pos.msg_report_payments'),
            'rows': [{'label': p['method'], 'amount': money(p['amount'])}
                for p in figures['payments']]})
    if figures['wallet']:
        rows = []
        for program in figures['wallet']:
            rows.append({'label': program['program'], 'amount': ''})
            for name in ['sold', 'redeemed', 'cancelled']:
                rows.append({
                        'label': '  ' + gettext(
                            'onretail_pos.msg_report_wallet_' + name),
                        'amount': '%s / %s' % (
                            money(program[name]),
                            money(program[name + '_untaxed']))})
        sections.append({
                'title': gettext('onretail_pos.msg_report_wallet'),
                'rows': rows})
    return sections
