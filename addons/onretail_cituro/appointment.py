# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cituro appointments taken into register sales: one take per
appointment and company, released when its sale is cancelled or loses its
cituro lines; paid when the sale is, then reported to cituro on request"""
import datetime
import logging

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

from .exceptions import CituroError

logger = logging.getLogger(__name__)


class Appointment(ModelSQL, ModelView):
    "cituro Appointment"
    __name__ = 'onretail.cituro.appointment'
    _rec_name = 'cituro_id'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, readonly=True,
        ondelete='RESTRICT')
    cituro_id = fields.Char(
        "cituro ID", required=True, readonly=True, strip=False,
        help="The id of the appointment in cituro.")
    start = fields.DateTime("Start", readonly=True)
    party = fields.Many2One(
        'party.party', "Customer", readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The customer of the booking, found or created when taken.")
    sale = fields.Many2One(
        'sale.point.sale', "Sale", required=True, readonly=True,
        ondelete='CASCADE',
        help="The register sale the appointment was taken into.")
    lines = fields.One2Many(
        'sale.point.sale.line', 'cituro_appointment', "Lines", readonly=True)
    state = fields.Selection([
            ('taken', "Taken"),
            ('paid', "Paid"),
            ('reported', "Reported"),
            ], "State", required=True, readonly=True, sort=False,
        help="Taken into a sale; paid with it; reported to cituro as paid.")
    reported = fields.DateTime("Reported", readonly=True)
    report_error = fields.Char("Report Error", readonly=True,
        help="Why the last report to cituro failed; it is tried again.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('cituro_id_unique', Unique(t, t.company, t.cituro_id),
                'onretail_cituro.msg_appointment_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality(cardinality='low')),
                where=t.state == 'paid'))
        cls._order.insert(0, ('start', 'DESC'))

    @classmethod
    def default_state(cls):
        return 'taken'

    @classmethod
    def local_time(cls, company, start):
        "start (UTC, as stored) in the time zone of company"
        zone = tz.get_tzinfo(company.timezone) if company.timezone else tz.UTC
        return start.replace(tzinfo=tz.UTC).astimezone(zone)

    @classmethod
    def check_free(cls, company, cituro_id, lock=False):
        """Refuse the appointment when a sale took it, naming the sale; with
        lock, no other transaction takes it until this one ends"""
        if lock:
            cls.lock()
        takes = cls.search([
                ('company', '=', company.id),
                ('cituro_id', '=', cituro_id),
                ], limit=1)
        if takes:
            take, = takes
            raise CituroError(gettext(
                    'onretail_cituro.msg_appointment_taken',
                    appointment=cituro_id, sale=take.sale.rec_name))

    @classmethod
    def mark_paid(cls, sales):
        takes = cls.search([
                ('sale', 'in', [s.id for s in sales]),
                ('state', '=', 'taken'),
                ])
        if takes:
            cls.write(takes, {'state': 'paid'})

    @classmethod
    def release(cls, takes):
        "Free the appointments for another sale"
        cls.delete(takes)

    @classmethod
    def report_payments(cls):
        """Tell cituro of the paid appointments of the registers that
        report; a failure is kept and the next run tries again"""
        takes = cls.search([
                ('state', '=', 'paid'),
                ('point.cituro_report_payment', '=', True),
                ])
        for take in takes:
            take.report()
        cls.save(takes)

    def report(self):
        now = datetime.datetime.now()
        try:
            self.point.cituro_client().report_paid(
                self.cituro_id, self.sale.number or self.sale.rec_name)
        except CituroError as error:
            logger.warning("cituro report of %s failed: %s",
                self.cituro_id, error.message)
            self.report_error = error.message[:200]
            return
        self.state = 'reported'
        self.reported = now
        self.report_error = None
