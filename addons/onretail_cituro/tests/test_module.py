# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import copy
import threading
import time
import unittest
from decimal import Decimal
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onretail_sandbox.cituro import CituroSandbox
from trytond import backend
from trytond.config import config
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, with_transaction)
from trytond.transaction import Transaction, TransactionError

from .. import client
from ..exceptions import CituroError

API_KEY = 'test-cituro-key'
# What taking an appointment may write
TABLES = ['party.party', 'party.contact_mechanism', 'sale.point.sale',
    'sale.point.sale.line', 'onretail.cituro.appointment']
# The faults of the sandbox and the start of the message each gives
FAULTS = {
    'down': "Cash register \"Salon\" cannot reach cituro",
    'slow': "cituro did not answer cash register \"Salon\" in time",
    '500': "cituro failed with error 500",
    '429': "cituro gets too many requests",
    'html': "Unexpected answer from cituro for cash register \"Salon\": "
    "it is not JSON.",
    'badjson': "Unexpected answer from cituro for cash register \"Salon\": "
    "it is not JSON.",
    'nodata': "Unexpected answer from cituro for cash register \"Salon\": "
    "it has no \"data\".",
    'noid': "Unexpected answer from cituro for cash register \"Salon\": "
    "\"id\" is missing or invalid.",
    'noitems': "Unexpected answer from cituro for cash register \"Salon\": "
    "\"items\" is missing or invalid.",
    'badprice': "Unexpected answer from cituro for cash register \"Salon\": "
    "the price \"abc\" is not a decimal number.",
    }


def counts():
    pool = Pool()
    return {name: pool.get(name).search([], count=True) for name in TABLES}


def create_salon(url):
    """A company in Vienna with a tax-included register "Salon" that takes
    the appointments of the sandbox at url, and a service linked by code"""
    pool = Pool()
    Journal = pool.get('account.journal')
    Location = pool.get('stock.location')
    POS = pool.get('sale.point')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    company = Transaction().context.get('company')
    company = pool.get('company.company')(company)
    company.timezone = 'Europe/Vienna'
    company.save()
    create_chart(company)
    revenue, = pool.get('account.account').search([
            ('company', '=', company.id),
            ('type.revenue', '=', True), ('closed', '!=', True)], limit=1)
    category = pool.get('product.category')(
        name="Services", accounting=True, account_revenue=revenue)
    category.save()
    unit, = Uom.search([('name', '=', "Unit")])
    cut, fallback = Template.create([{
                'name': name, 'code': code, 'type': 'service',
                'default_uom': unit.id, 'sale_uom': unit.id, 'salable': True,
                'list_price': price, 'account_category': category.id,
                'products': [('create', [{}])],
                } for name, code, price in [
                ("Haircut", 's-cut', Decimal('25')),
                ("cituro Service", None, Decimal(0))]])
    sequence_type, = SequenceType.search([('name', '=', "POS")], limit=1)
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    sequence = Sequence(name="Salon", sequence_type=sequence_type)
    sequence.save()
    point = POS(name="Salon", journal=journal, sequence=sequence,
        tax_included=True,
        storage_location=Location.search([('code', '=', 'STO')])[0],
        customer_location=Location.search([('code', '=', 'CUS')])[0],
        cituro_api_key=API_KEY, cituro_mode='test', cituro_test_url=url,
        cituro_fallback_product=fallback.products[0])
    point.save()
    return point


def create_user(company, login, *groups):
    "A user of company in the groups of the XML ids"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    user, = pool.get('res.user').create([{
                'login': login, 'company': company.id,
                'companies': [('add', [company.id])],
                'groups': [('add', [ModelData.get_id(*g.split('.'))
                            for g in groups])],
                }])
    return user


class CituroTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onretail_cituro module"
    module = 'onretail_cituro'
    extras = ['onretail_wallet', 'product_image']

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = CituroSandbox(api_key=API_KEY)
        cls.url = cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    @with_transaction()
    def test_settings_fall_back_to_the_company(self):
        "Empty settings of a register are its company's; live is cituro's"
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            point.cituro_api_key = None
            point.cituro_mode = None
            point.save()
            with self.assertRaisesRegex(CituroError,
                    'Set the "cituro API Key" of cash register "Salon"'):
                point.cituro_client()
            company.cituro_api_key = 'company-key'
            company.cituro_mode = 'live'
            company.save()
            cituro = point.cituro_client()
            self.assertEqual((cituro.url, cituro.api_key),
                (client.LIVE_URL, 'company-key'))
            point.cituro_mode = 'test'
            point.save()
            self.assertEqual(point.cituro_client().url, self.url)

    @with_transaction()
    def test_api_key_for_managers_only(self):
        """A cashier reads neither the key nor gets it on the screen; a
        Retail manager reads it"""
        pool = Pool()
        POS = pool.get('sale.point')
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            cashier = create_user(company, 'cashier',
                'onretail_base.group_cashier')
            admin = create_user(company, 'registers', 'sale.group_sale_admin')
            manager = create_user(company, 'manager', 'sale.group_sale_admin',
                'onretail_base.group_retail_admin')
            for user, readable in [
                    (cashier, False), (admin, False), (manager, True)]:
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    if readable:
                        self.assertEqual(POS.read([point.id],
                                ['cituro_api_key'])[0]['cituro_api_key'],
                            API_KEY)
                    else:
                        with self.assertRaises(AccessError):
                            POS.read([point.id], ['cituro_api_key'])
            with Transaction().set_user(cashier.id), \
                    Transaction().set_context(_check_access=True):
                registers = POS.screen_registers()
            self.assertEqual(registers[0]['cituro'], True)
            self.assertNotIn(API_KEY, repr(registers))

    @with_transaction()
    def test_only_the_registers_cashier_takes(self):
        "A user who may not sell at the register lists and takes nothing"
        pool = Pool()
        POS = pool.get('sale.point')
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            stranger = create_user(company, 'stranger')
            before = counts()
            with Transaction().set_user(stranger.id), \
                    Transaction().set_context(_check_access=True):
                for call in [
                        lambda: POS.screen_cituro_appointments(point.id),
                        lambda: POS.screen_cituro_take(point.id, 'A-100')]:
                    with self.assertRaises(UserError):
                        call()
            self.assertEqual(counts(), before)

    @with_transaction()
    def test_cashier_lists_and_takes(self):
        """The register's cashier, who may not read the takes, lists
        today's appointments and takes one; a taken one is refused to her
        with the sale that took it"""
        pool = Pool()
        POS = pool.get('sale.point')
        Sale = pool.get('sale.point.sale')
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            cashier = create_user(company, 'cashier',
                'onretail_base.group_cashier')
            sale, = Sale.create([{'point': point.id}])
            sale.take_appointment('A-101')

            with Transaction().set_user(cashier.id), \
                    Transaction().set_context(_check_access=True):
                listed = POS.screen_cituro_appointments(point.id)
                taken = POS.screen_cituro_take(point.id, 'A-100')
                with self.assertRaisesRegex(CituroError,
                        "is taken already by sale"):
                    POS.screen_cituro_take(point.id, 'A-101')
            self.assertIn('A-100', [a['id'] for a in listed])
            self.assertNotIn('A-101', [a['id'] for a in listed])
            self.assertEqual(taken['take']['id'], 'A-100')

    @with_transaction()
    def test_customer_by_id_only(self):
        """A booking that names only its customer's id: the customer is read
        from cituro; a party of the same mobile number is reused"""
        pool = Pool()
        Party = pool.get('party.party')
        POS = pool.get('sale.point')
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            lukas, = [a for a in self.sandbox.appointments
                if a['id'] == 'A-101']
            lukas['booking'] = {'customerId': 'c-2'}
            taken = POS.screen_cituro_take(point.id, 'A-101')
            party = Party(taken['customer']['id'])
            self.assertEqual((party.name, party.cituro_customer_id),
                ("Lukas Gruber", 'c-2'))
            self.assertIn('lukas.gruber@example.org',
                [m.value for m in party.contact_mechanisms])

            sophie, = Party.create([{'name': "S. Huber",
                        'contact_mechanisms': [('create', [{
                                        'type': 'phone',
                                        'value': '+436763456789'}])]}])
            taken = POS.screen_cituro_take(point.id, 'A-102')
            self.assertEqual(taken['customer']['id'], sophie.id)
            sophie = Party(sophie.id)
            self.assertEqual((sophie.name, sophie.cituro_customer_id),
                ("S. Huber", 'c-3'))

    @with_transaction()
    def test_faults_write_nothing(self):
        "Each fault of cituro gives its message and writes nothing"
        pool = Pool()
        POS = pool.get('sale.point')
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            before = counts()
            for fault, message in FAULTS.items():
                seconds = 0.5 if fault == 'slow' else None
                self.sandbox.set_fault(fault, seconds=seconds)
                for call in [
                        lambda: POS.screen_cituro_appointments(point.id),
                        lambda: POS.screen_cituro_take(point.id, 'A-100')]:
                    with self.subTest(fault=fault), \
                            patch.object(client, 'TIMEOUT', (1, 0.2)):
                        with self.assertRaises(CituroError) as caught:
                            call()
                        self.assertIn(message, caught.exception.message)
                self.assertEqual(counts(), before, fault)
            self.sandbox.set_fault(None)
            point.cituro_test_url = 'http://127.0.0.1:9/api'
            point.save()
            with self.assertRaisesRegex(CituroError, 'cannot reach cituro'):
                POS.screen_cituro_take(point.id, 'A-100')
            self.assertEqual(counts(), before)

    @with_transaction()
    def test_malformed_answers_corpus(self):
        """Hundreds of answers broken from the fixtures: each is taken or
        refused with the module's error, and a refusal writes nothing"""
        pool = Pool()
        POS = pool.get('sale.point')
        company = create_company()
        with set_company(company):
            point = create_salon(self.url)
            original, = [a for a in self.sandbox.appointments
                if a['id'] == 'A-100']
            corpus = list(malformed(original))
            self.assertGreaterEqual(len(corpus), 200)
            taken = refused = 0
            for index, appointment in enumerate(corpus):
                if isinstance(appointment, dict):
                    # a new id, as a taken one is refused anyway
                    appointment.setdefault('id', None)
                    if appointment['id'] == 'A-100':
                        appointment['id'] = f'M-{index}'
                self.sandbox.appointments[:] = [appointment]
                cituro_id = (appointment.get('id')
                    if isinstance(appointment, dict) else None)
                if not isinstance(cituro_id, str) or not cituro_id:
                    cituro_id = 'A-100'
                before = counts()
                try:
                    POS.screen_cituro_appointments(point.id)
                    POS.screen_cituro_take(point.id, cituro_id)
                except UserError:
                    refused += 1
                    self.assertEqual(counts(), before, appointment)
                else:
                    taken += 1
            self.assertGreater(refused, 150)
            self.assertGreater(taken, 5)

    @given(st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats()
            | st.text(max_size=30),
            lambda children: st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from([
                        'id', 'startDate', 'status', 'booking', 'customer',
                        'customerId', 'items', 'serviceId', 'name', 'price',
                        'firstName', 'email', 'mobilePhone']),
                children, max_size=6),
            max_leaves=20))
    @settings(max_examples=300, deadline=None,
        suppress_health_check=[HealthCheck.too_slow])
    def test_parse_fuzzed(self, data):
        "Any JSON value is an appointment or the module's error"
        cituro = client.Client('http://127.0.0.1:9', 'key', "Salon")
        with Transaction().start(DB_NAME, 0, readonly=True):
            try:
                cituro.parse_appointment(data)
            except CituroError:
                pass

    @unittest.skipIf(backend.name != 'postgresql',
        "table locks are a PostgreSQL matter")
    def test_concurrent_takes(self):
        "Two checkouts of one appointment at once: one sale takes it"
        point_id, company_id, sale_ids = self.concurrency_sales()
        barrier = threading.Barrier(2)
        results = []
        self.refusals = []

        def take(sale_id):
            results.append(self.take_in_transaction(
                    company_id, sale_id, barrier))

        threads = [threading.Thread(target=take, args=(i,))
            for i in sale_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(results), ['refused', 'taken'], self.refusals)
        self.assertIn("is taken already by sale", self.refusals[0])
        with Transaction().start(DB_NAME, 0):
            Appointment = Pool().get('onretail.cituro.appointment')
            self.assertEqual(Appointment.search(
                    [('point', '=', point_id)], count=True), 1)

    def concurrency_sales(self):
        "Two open sales of a new register, committed"
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 0, **extras) as transaction:
                try:
                    company = create_company()
                    with set_company(company):
                        point = create_salon(self.url)
                        Sale = Pool().get('sale.point.sale')
                        sales = Sale.create([{'point': point.id}] * 2)
                except TransactionError as error:
                    # as the server does: again, with the locks asked for
                    transaction.rollback()
                    error.fix(extras)
                    continue
                transaction.commit()
                self.addCleanup(self.deactivate_products, [
                        p.id for p in Pool().get('product.product').search(
                            [('code', '!=', None)])])
                return point.id, company.id, [s.id for s in sales]

    def deactivate_products(self, product_ids):
        "Free the committed products' codes for the tests that follow"
        with Transaction().start(DB_NAME, 0) as transaction:
            Product = Pool().get('product.product')
            Product.write(Product.browse(product_ids), {'active': False})
            transaction.commit()

    def take_in_transaction(self, company_id, sale_id, barrier):
        """Take A-100 into the sale in a transaction of its own as the
        server does: restart with the lock taken first when asked for, and
        again, a little later, while the other transaction holds it"""
        extras = {}
        waited = False
        retries = 0
        while True:
            try:
                with Transaction().start(DB_NAME, 0, **extras,
                        context={'company': company_id}) as transaction:
                    Sale = Pool().get('sale.point.sale')
                    sale = Sale(sale_id)
                    if not waited:
                        barrier.wait()
                        waited = True
                    try:
                        sale.take_appointment('A-100')
                    except TransactionError as error:
                        transaction.rollback()
                        error.fix(extras)
                        continue
                    except UserError as error:
                        self.refusals.append(error.message)
                        return 'refused'
                    transaction.connection.cursor().execute('SELECT 1')
                    transaction.commit()
                    return 'taken'
            except backend.DatabaseOperationalError as error:
                if retries < config.getint('database', 'retry'):
                    # as trytond's dispatcher retries a request
                    retries += 1
                    time.sleep(0.02 * retries)
                    continue
                self.refusals.append(str(error))
                return 'refused'


def malformed(appointment):
    """Broken copies of appointment: each key removed, set to null or to a
    value of another type, each item and customer field likewise, prices and
    dates that are none, and answers that are no appointment at all"""
    wrong_values = [None, '', 0, -1, True, 1.5, [], {}, 'x' * 300, '\x00',
        ['a'], {'a': 1}]

    def variants(record, path):
        for key in list(record):
            broken = copy.deepcopy(appointment)
            target = broken
            for step in path:
                target = target[step]
            del target[key]
            yield broken
            for value in wrong_values:
                broken = copy.deepcopy(appointment)
                target = broken
                for step in path:
                    target = target[step]
                target[key] = value
                yield broken

    yield from variants(appointment, [])
    yield from variants(appointment['booking'], ['booking'])
    yield from variants(appointment['booking']['customer'],
        ['booking', 'customer'])
    yield from variants(appointment['items'][0], ['items', 0])
    for price in ['abc', '1e400', 'NaN', '-1', '12,50', '0x10', '1.00001',
            '99999999999', ' ', 'Infinity']:
        broken = copy.deepcopy(appointment)
        broken['items'][1]['price'] = price
        yield broken
    for start in ['tomorrow', '2026-13-01T10:00:00', '10:00', '']:
        broken = copy.deepcopy(appointment)
        broken['startDate'] = start
        yield broken
    broken = copy.deepcopy(appointment)
    broken['items'] = broken['items'] * 30
    yield broken
    yield from [None, [], 'A-100', 42]


del ModuleTestCase
