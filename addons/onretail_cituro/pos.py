# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cituro settings of a cash register (empty ones are the company's),
the test of its connection, and the appointments the cashier screen lists
and takes"""
import hashlib
import hmac
import json
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.onretail_pos import boundary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import client
from .exceptions import CituroError
from .party import customer_name

MODES = [
    (None, ""),
    ('live', "Live"),
    ('test', "Test"),
    ]
# What the demo's sandbox listens on (make run)
DEFAULT_TEST_URL = 'http://127.0.0.1:8101/api'
# The keys of a take as the screen gets it and sends it back, signed
TAKE_KEYS = {'id', 'start', 'party', 'items', 'signature'}
FALLBACK_HELP = " A cash register without it uses its company's."


class CituroSettingsMixin:
    """The cituro settings of a cash register or of its company: a register
    whose setting is empty uses its company's"""
    __slots__ = ()
    cituro_api_key = fields.Char(
        "cituro API Key", strip=True,
        help="In cituro: Settings › Security › API Keys, add a key with "
        "the role Administrator, then copy it with \"</> Update API key\"."
        + FALLBACK_HELP)
    cituro_mode = fields.Selection(MODES, "cituro Mode",
        help="Live: cituro's server (https://app.cituro.com/api). "
        "Test: the same requests to the test URL." + FALLBACK_HELP)
    cituro_test_url = fields.Char(
        "cituro Test URL",
        states={'invisible': Eval('cituro_mode') != 'test'},
        help="Where the test mode sends its requests; empty for the local "
        "sandbox (%s)." % DEFAULT_TEST_URL + FALLBACK_HELP)


def fallback_product_field(company):
    return fields.Many2One(
        'product.product', "cituro Product",
        domain=[('salable', '=', True)],
        context={'company': Eval(company, -1)}, depends={company},
        help="The service product that a cituro service without a product "
        "of the same internal reference (its Service ID) is sold as, with "
        "the service's name and price." + FALLBACK_HELP)


class Company(CituroSettingsMixin, metaclass=PoolMeta):
    __name__ = 'company.company'
    cituro_fallback_product = fallback_product_field('id')


class POS(CituroSettingsMixin, metaclass=PoolMeta):
    __name__ = 'sale.point'
    cituro_fallback_product = fallback_product_field('company')

    cituro_report_payment = fields.Boolean(
        "Report Payment to cituro",
        help="Tell cituro which appointments are paid, with the sale's "
        "number; a scheduled action sends it and retries.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'screen_cituro_appointments': RPC(),
                'screen_cituro_take': RPC(readonly=False),
                })
        cls._buttons.update({
                'cituro_test_connection': {},
                })

    @classmethod
    def default_cituro_report_payment(cls):
        return False

    @classmethod
    def screen_extensions(cls):
        return super().screen_extensions() + ['onretail_cituro']

    def cituro_setting(self, name):
        "The register's setting name, else its company's"
        with without_check_access():
            value = getattr(self, name)
            if not value:
                value = getattr(self.company, name)
        return value

    @property
    def cituro_enabled(self):
        return bool(self.cituro_setting('cituro_api_key'))

    def cituro_client(self):
        """The client of the register's cituro account; CituroError naming
        what is missing before any request"""
        api_key = self.cituro_setting('cituro_api_key')
        if not api_key:
            raise CituroError(gettext('onretail_cituro.msg_setting_missing',
                    point=self.rec_name,
                    field=self.__names__('cituro_api_key')['field']))
        if self.cituro_setting('cituro_mode') == 'test':
            url = self.cituro_setting('cituro_test_url') or DEFAULT_TEST_URL
        else:
            url = client.LIVE_URL
        return client.Client(url, api_key, self.rec_name)

    def cituro_fallback(self):
        product = self.cituro_setting('cituro_fallback_product')
        if not product:
            raise CituroError(gettext('onretail_cituro.msg_setting_missing',
                    point=self.rec_name,
                    field=self.__names__('cituro_fallback_product')['field']))
        return product

    @classmethod
    @ModelView.button_action('onretail_cituro.wizard_test_connection')
    def cituro_test_connection(cls, points):
        pass

    def cituro_today(self):
        "Today in the company's time zone"
        Date = Pool().get('ir.date')
        with Transaction().set_context(company=self.company.id):
            return Date.today()

    def cituro_open_appointments(self):
        """Today's appointments that are neither cancelled nor taken, as
        the cashier picks them: id, time, customer, services, total"""
        Appointment = Pool().get('onretail.cituro.appointment')
        self.cituro_fallback()
        appointments = self.cituro_client().appointments(self.cituro_today())
        with without_check_access():
            taken = {a.cituro_id for a in Appointment.search([
                        ('company', '=', self.company.id),
                        ('cituro_id', 'in', [a['id'] for a in appointments]),
                        ])}
        return [self.cituro_choice(a) for a in appointments
            if a['status'] != 'cancelled' and a['id'] not in taken]

    def cituro_choice(self, appointment):
        "What the cashier reads of an appointment to pick it"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        customer = appointment['customer']
        prices = [i['price'] for i in appointment['items']]
        currency = self.company.currency
        return {
            'id': appointment['id'],
            'time': lang.strftime(
                self.company_time(appointment['start']), '%H:%M'),
            'customer': customer_name(customer),
            'services': ', '.join(i['name'] for i in appointment['items']),
            'total': (currency.round(sum(prices))
                if None not in prices else None),
            }

    def company_time(self, start):
        "start (UTC) in the company's time zone"
        Appointment = Pool().get('onretail.cituro.appointment')
        return Appointment.local_time(self.company, start)

    def cituro_take(self, cituro_id):
        """The appointment of cituro_id read again, when it may be taken,
        with its customer found or created and its lines' values:
        CituroError naming the cause otherwise, before anything is written"""
        pool = Pool()
        Appointment = pool.get('onretail.cituro.appointment')
        Party = pool.get('party.party')
        fallback = self.cituro_fallback()
        cituro = self.cituro_client()
        appointment = cituro.appointment(cituro_id)
        if appointment['id'] != cituro_id:
            raise CituroError(gettext('onretail_cituro.msg_cituro_unexpected',
                    point=self.rec_name, cause=gettext(
                        'onretail_cituro.msg_cause_field', field='id')))
        if appointment['status'] == 'cancelled':
            raise CituroError(gettext(
                    'onretail_cituro.msg_appointment_cancelled',
                    appointment=cituro_id))
        with without_check_access():
            # the cashier may not read takes; she was checked by the caller
            Appointment.check_free(self.company, cituro_id)
        customer = appointment['customer']
        if customer['id'] and not any(customer[k] for k in [
                    'first_name', 'last_name', 'email', 'mobile']):
            appointment['customer'] = cituro.customer(customer['id'])
        items = self.cituro_items(appointment['items'], fallback)
        with without_check_access():
            appointment['party'] = Party.from_cituro(
                appointment['customer'])
        appointment['items'] = items
        return appointment

    def cituro_items(self, items, fallback):
        """The items with their product: the product whose internal
        reference is the service ID, else the fallback product"""
        Product = Pool().get('product.product')
        codes = {i['service_id'] for i in items if i['service_id']}
        with without_check_access():
            products = {p.code: p for p in Product.search([
                        ('code', 'in', list(codes)),
                        ('salable', '=', True),
                        ])} if codes else {}
        return [dict(item, product=products.get(item['service_id'], fallback))
            for item in items]

    @classmethod
    @boundary.arguments
    def screen_cituro_appointments(cls, point_id):
        "Today's appointments the cashier of point_id may take"
        point = cls.screen_point(point_id)
        return point.cituro_open_appointments()

    @classmethod
    @boundary.arguments
    def screen_cituro_take(cls, point_id, cituro_id):
        """The customer and the cart lines of the appointment, and the take
        that the cart sends back at checkout, signed"""
        point = cls.screen_point(point_id)
        cituro_id = boundary.text(cituro_id, gettext(
                'onretail_cituro.msg_appointment'), 'id', 64, required=True)
        appointment = point.cituro_take(cituro_id)
        party = appointment['party']
        take = {
            'id': appointment['id'],
            'start': appointment['start'].isoformat(),
            'party': party.id,
            'items': [{
                    'id': i['id'],
                    'product': i['product'].id,
                    'name': i['name'],
                    'price': str(i['price']) if i['price'] is not None
                    else None,
                    } for i in appointment['items']],
            }
        take['signature'] = point.take_signature(take)
        return {
            'customer': {'id': party.id, 'name': party.rec_name},
            'take': take,
            'lines': [{
                    'product': i['product'].id,
                    'cituro_item': i['id'],
                    'name': i['name'],
                    'quantity': 1,
                    } for i in appointment['items']],
            }

    def take_signature(self, take):
        """The HMAC of the take by the register's API key: the cart sends
        the take back, and a cashier must not change its prices"""
        values = {k: take.get(k) for k in TAKE_KEYS - {'signature'}}
        message = json.dumps([self.id, values], sort_keys=True,
            separators=(',', ':'), default=str)
        key = self.cituro_setting('cituro_api_key') or ''
        return hmac.new(key.encode(), message.encode(),
            hashlib.sha256).hexdigest()

    def checked_take(self, take, record):
        """The take the cart sent back, its signature verified; its items
        by id with their product and price"""
        take = boundary.mapping(take, record, TAKE_KEYS)
        signature = boundary.text(
            take.get('signature'), record, 'signature', 64, required=True)
        if not self.cituro_enabled or not hmac.compare_digest(
                signature, self.take_signature(take)):
            raise CituroError(gettext('onretail_cituro.msg_take_signature',
                    appointment=str(take.get('id'))[:64]))
        return {
            'id': take['id'],
            'party': take['party'],
            'start': take['start'],
            'items': {i['id']: dict(i, price=Decimal(i['price'])
                    if i['price'] is not None else None)
                for i in take['items']},
            }

    def screen_settings(self, session):
        settings = super().screen_settings(session)
        settings['cituro'] = self.cituro_enabled
        return settings


class TestConnectionResult(ModelView):
    "The answer of cituro to the test of a register's connection"
    __name__ = 'sale.point.cituro.test.result'
    account = fields.Char("cituro Account", readonly=True,
        help="The cituro account that the API key opens.")


class TestConnection(Wizard):
    "Test the connection of a cash register to cituro"
    __name__ = 'sale.point.cituro.test'
    start = StateTransition()
    result = StateView('sale.point.cituro.test.result',
        'onretail_cituro.test_result_view_form', [
            Button("OK", 'end', 'tryton-ok', default=True),
            ])

    def transition_start(self):
        return 'result'

    def default_result(self, fields):
        point = self.record
        return {'account': point.cituro_client().account_name()}
