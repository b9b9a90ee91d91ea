# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import copy
import datetime
import json
import threading
import unittest
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

from onretail_sandbox.cartum import CartumSandbox
from trytond import backend
from trytond.exceptions import UserError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.currency.tests import create_currency
from trytond.modules.onretail_base.tests.tools import (
    TranslationsTestMixin, committed)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, ModuleTestCase
from trytond.transaction import Transaction

from .. import client
from ..client import parse_order
from ..exceptions import CartumOrderError

LOGIN, PASSWORD = 'api', 'test-cartum-password'
KYIV = ZoneInfo('Europe/Kyiv')
ORDER_1024 = {
    'order_id': 1024, 'day': -1, 'time': '10:15', 'stat_status': 1,
    'delivery_name': "Olena Koval", 'delivery_phone': "+380 67 123 4567",
    'delivery_email': "olena.koval@example.com",
    'products': [
        {'article': 'CUP-01', 'quantity': 2, 'price': 150},
        {'article': 'TEA-7', 'quantity': 1, 'price': 89.5}],
    }


# The faults of the sandbox and what the failed run's message says
FAULTS = {
    'down': "cannot reach Cartum",
    'slow': "did not answer store \"UA Shop\" in time",
    '500': "Cartum failed with error 500",
    '503': "Cartum failed with error 503",
    'html': "it is not JSON",
    'badjson': "it is not JSON",
    'nodata': "\"status\" is missing or invalid",
    'login': "Cartum refused the API login of store \"UA Shop\"",
    }
# What an import may write
TABLES = ['sale.sale', 'sale.line', 'party.party', 'party.contact_mechanism',
    'product.template', 'product.product', 'product.category',
    'cartum.status.push']


def counts_of(company_id):
    "The number of records of each table an import may write"
    with Transaction().start(DB_NAME, 0, context={'company': company_id}):
        pool = Pool()
        return {name: pool.get(name).search([], count=True)
            for name in TABLES}


class OnRetailCartumTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onRetail Cartum module"
    module = 'onretail_cartum'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = CartumSandbox(login=LOGIN, password=PASSWORD,
            fixtures={'orders': [ORDER_1024]})
        cls.url = cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def committed_store(self):
        """A UAH store by SKU, 1 New ↔ quotation, and the customer known
        with 067 123-45-67, committed: each order has a transaction of its
        own"""
        def setup():
            pool = Pool()
            Country = pool.get('country.country')
            Party = pool.get('party.party')
            Store = pool.get('cartum.store')
            Company = pool.get('company.company')
            uah = create_currency('UAH')
            company = create_company(currency=uah)
            Company.write([company], {'timezone': 'Europe/Kyiv'})
            ukraine, = Country.create([{'name': "Ukraine", 'code': 'UA'}])
            with set_company(company):
                Account = pool.get('account.account')
                Category = pool.get('product.category')
                create_chart(company)
                revenue, = Account.search([('type.revenue', '=', True),
                        ('closed', '!=', True),
                        ('company', '=', company.id)], limit=1)
                category, = Category.create([{'name': "Goods",
                            'accounting': True,
                            'account_revenue': revenue.id}])
                # the address first: it tells the phone number's country
                party, = Party.create([{'name': "Olena",
                            'addresses': [('create', [
                                        {'country': ukraine.id}])]}])
                Party.write([party], {'contact_mechanisms': [('create', [{
                                    'type': 'phone',
                                    'value': '067 123-45-67'}])]})
                store, = Store.create([{
                            'name': "UA Shop", 'domain': 'shop.example.com',
                            'api_login': LOGIN, 'api_password': PASSWORD,
                            'company': company.id, 'currency': uah.id,
                            'language': 'ua', 'phone_country': ukraine.id,
                            'account_category': category.id,
                            'test_mode': True, 'test_url': self.url,
                            'statuses': [('create', [
                                        {'cartum_id': 1,
                                            'state': 'quotation'}])],
                            }])
                return company.id, store.id, party.id
        self.addCleanup(self.deactivate_shared)
        return committed(setup)

    def deactivate_shared(self):
        """Free the codes of the products and the phone numbers of the
        parties of a test for the next: the tests commit, and products and
        parties are shared by the companies"""
        def deactivate():
            pool = Pool()
            Party = pool.get('party.party')
            Product = pool.get('product.product')
            Product.write(Product.search([('code', '!=', None)]),
                {'active': False})
            Party.write(Party.search([('contact_mechanisms.type', 'in',
                            ['phone', 'mobile'])]), {'active': False})
        committed(deactivate)

    def import_(self, company_id, store_id):
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            pool = Pool()
            Sale = pool.get('sale.sale')
            Store = pool.get('cartum.store')
            run = Sale.cartum_import(Store(store_id))
            self.assertIsNone(run.message)
            return run.counts, run.lines

    def test_example_1_order_imported_once(self):
        """Order 1024 is one quotation of 389.50 for the customer found by
        phone; a second run changes nothing"""
        company_id, store_id, party_id = self.committed_store()
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual(lines, [])
        self.assertEqual((counts['read'], counts['created']), (1, 1),
            (self.sandbox.requests, self.sandbox.orders))
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            Sale = Pool().get('sale.sale')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            self.assertEqual(sale.state, 'quotation')
            self.assertEqual(sale.total_amount, Decimal('389.50'))
            self.assertEqual(sale.party.id, party_id)
            self.assertEqual(sale.party.name, "Olena")
            self.assertEqual((sale.cartum_id, sale.reference),
                ('1024', '1024'))
            self.assertEqual(sorted(
                    (l.product.code, l.quantity, l.unit_price)
                    for l in sale.lines), [
                    ('CUP-01', 2, Decimal('150.0000')),
                    ('TEA-7', 1, Decimal('89.5000'))])
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual(
            (counts['created'], counts['updated'], counts['unchanged']),
            (0, 0, 1))

    def test_total_differs_warned(self):
        """An order whose total is not the sum of its lines and delivery is
        imported with a warning line naming both totals"""
        company_id, store_id, _ = self.committed_store()
        order = self.sandbox.order(1024)
        order['total_default'] = order['total_sum'] = 400
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['created'], counts['errors']), (1, 0))
        line, = lines
        self.assertEqual((line['kind'], line['reference']),
            ('warning', '1024'))
        self.assertIn("389.50", line['message'])
        self.assertIn("400.00", line['message'])
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['unchanged'], lines), (1, []))

    def test_gross_prices_made_net(self):
        """With 20 % tax on the new products' account category, the lines
        and the new products' list prices are net; the total is Cartum's"""
        company_id, store_id, _ = self.committed_store()

        def add_tax():
            pool = Pool()
            Category = pool.get('product.category')
            Account = pool.get('account.account')
            Store = pool.get('cartum.store')
            Tax = pool.get('account.tax')
            store = Store(store_id)
            account, = Account.search([('company', '=', company_id),
                    ('type.statement', '=', 'balance'),
                    ('closed', '!=', True)], limit=1)
            tax, = Tax.create([{'name': "VAT 20 %", 'description': "VAT",
                        'type': 'percentage',
                        'rate': Decimal('.2'), 'company': company_id,
                        'invoice_account': account.id,
                        'credit_note_account': account.id}])
            Category.write([store.account_category],
                {'customer_taxes': [('add', [tax.id])]})
        committed(add_tax, company_id=company_id)
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['created'], lines), (1, []))
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            Sale = Pool().get('sale.sale')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            self.assertEqual(sale.total_amount, Decimal('389.50'))
            self.assertEqual(sorted((l.product.code, l.unit_price,
                        l.product.list_price_used) for l in sale.lines), [
                    ('CUP-01', Decimal('125.0000'), Decimal('125.0000')),
                    ('TEA-7', Decimal('74.5833'), Decimal('74.5833'))])

    def test_new_customer_and_product_created_once(self):
        """Three new orders of one run: the new customer's number typed two
        ways is one new party; an article in all three, one new product;
        the known customer stays hers"""
        company_id, store_id, party_id = self.committed_store()
        self.sandbox.orders.clear()
        vase = {'article': 'VASE-3', 'quantity': 1, 'price': 40}
        for order_id, phone in [(3001, "+380 50 111 2233"),
                (3002, "050 111 22 33"), (3003, "+380 67 123 4567")]:
            self.sandbox.add_order(dict(ORDER_1024, order_id=order_id,
                    delivery_phone=phone, products=ORDER_1024['products']
                    + [vase]))
        before = counts_of(company_id)
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['created'], lines), (3, []))
        after = counts_of(company_id)
        self.assertEqual(after['party.party'], before['party.party'] + 1)
        self.assertEqual(
            after['product.product'], before['product.product'] + 3)
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            Sale = Pool().get('sale.sale')
            sales = Sale.search([('cartum_store', '=', store_id)],
                order=[('cartum_id', 'ASC')])
            self.assertEqual([s.party.id == party_id for s in sales],
                [False, False, True])
            self.assertEqual(sales[0].party, sales[1].party)
            self.assertEqual({s.state for s in sales}, {'quotation'})
            self.assertEqual({len(s.lines) for s in sales}, {3})
            self.assertEqual(
                len({l.product for s in sales for l in s.lines}), 3)

    def test_unchanged_order_not_written(self):
        """An order read again as it was writes nothing; once a user
        changed the sale's lines, the next import puts Cartum's back"""
        company_id, store_id, _ = self.committed_store()
        self.import_(company_id, store_id)

        def write_date():
            Sale = Pool().get('sale.sale')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            return sale.write_date, sorted(l.quantity for l in sale.lines)
        before = committed(write_date, company_id=company_id)
        counts, _ = self.import_(company_id, store_id)
        self.assertEqual(counts['unchanged'], 1)
        self.assertEqual(committed(write_date, company_id=company_id), before)

        def change_line():
            Line = Pool().get('sale.line')
            line, = Line.search([('sale.cartum_store', '=', store_id),
                    ('product.code', '=', 'CUP-01')])
            Line.write([line], {'quantity': 7})
        committed(change_line, company_id=company_id)
        counts, _ = self.import_(company_id, store_id)
        self.assertEqual(counts['updated'], 1)
        self.assertEqual(committed(write_date, company_id=company_id)[1], [1, 2])

    def test_example_2_cartum_owns_lines_until_shipped(self):
        """CUP-01 set to 3 on Cartum: line 3, total 539.50; once the
        shipment is done, 4 leaves the line at 3 and the order skipped"""
        company_id, store_id, _ = self.committed_store()
        self.import_(company_id, store_id)
        self.sandbox.set_quantity(1024, 0, 3)
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['updated'], lines), (1, []))

        def ship():
            pool = Pool()
            Sale = pool.get('sale.sale')
            Shipment = pool.get('stock.shipment.out')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            self.assertEqual(sale.total_amount, Decimal('539.50'))
            self.assertEqual(sale.state, 'quotation')
            Sale.confirm([sale])
            Sale.process([sale])
            shipment, = sale.shipments
            Shipment.wait([shipment])
            Shipment.assign_force([shipment])
            Shipment.pick([shipment])
            Shipment.pack([shipment])
            Shipment.do([shipment])
        committed(ship, company_id=company_id)
        self.sandbox.set_quantity(1024, 0, 4)
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual(counts['skipped'], 1)
        self.assertIn("have left the warehouse", lines[0]['message'])
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            Sale = Pool().get('sale.sale')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            self.assertEqual(sorted(l.quantity for l in sale.lines), [1, 3])


    def test_example_3_manual_update_once_in_10_minutes(self):
        """Update at 10:00:00 runs; at 10:07:30 it is refused until
        10:10:00 (Kyiv); at 10:10:00 it runs, per order and per store"""
        company_id, store_id, _ = self.committed_store()
        self.import_(company_id, store_id)
        day = datetime.date.today()

        def at(hour, minute, second):
            "the time of day in Kyiv as Tryton's UTC"
            return datetime.datetime.combine(day,
                datetime.time(hour, minute, second), KYIV).astimezone(
                datetime.timezone.utc).replace(tzinfo=None)

        for update in ['cartum_update', 'cartum_update_orders']:
            with self.subTest(update=update), Transaction().start(
                    DB_NAME, 0, context={'company': company_id,
                        'language': 'en'}):
                Sale = Pool().get('sale.sale')
                sale, = Sale.search([('cartum_store', '=', store_id)])
                calls = len(self.sandbox.requests)
                with patch.object(Sale, '_cartum_now',
                        return_value=at(10, 0, 0)):
                    getattr(Sale, update)([sale])
                self.assertEqual(self.sandbox.requests[-1]['body']['ids'],
                    [1024])
                with patch.object(Sale, '_cartum_now',
                        return_value=at(10, 7, 30)), \
                        self.assertRaises(UserError) as refusal:
                    getattr(Sale, update)([sale])
                self.assertIn("next update is possible at 10:10:00",
                    refusal.exception.message)
                refused_calls = len(self.sandbox.requests)
                with patch.object(Sale, '_cartum_now',
                        return_value=at(10, 10, 0)):
                    getattr(Sale, update)([sale])
                self.assertGreater(len(self.sandbox.requests),
                    refused_calls)
                self.assertGreater(refused_calls, calls)


    def test_orders_of_ids_one_page(self):
        """The 100 orders of 100 ids are read with one orders/get: a full
        page that holds them all needs no next one"""
        company_id, store_id, _ = self.committed_store()
        self.sandbox.orders.clear()
        ids = list(range(4001, 4101))
        for order_id in ids:
            self.sandbox.add_order(dict(ORDER_1024, order_id=order_id))
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            Store = Pool().get('cartum.store')
            cartum = Store(store_id).client()
            self.sandbox.requests.clear()
            orders = cartum.orders_of_ids(ids)
        self.assertEqual(sorted(o['order_id'] for o in orders), ids)
        self.assertEqual([r['function'] for r in self.sandbox.requests
                if r['function'] != 'auth'], ['orders/get'])

    def test_example_4_foreign_currency_and_down(self):
        """Two UAH orders and a EUR one: 2 imported, 1 error naming the
        currency; Cartum behind a proxy's HTML 502: the run failed and
        nothing changed"""
        company_id, store_id, _ = self.committed_store()
        self.sandbox.orders.clear()
        for order_id, currency in [
                (2001, 'UAH'), (2002, 'EUR'), (2003, 'UAH')]:
            self.sandbox.add_order(dict(ORDER_1024, order_id=order_id,
                    currency=currency))
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['read'], counts['created'],
                counts['errors']), (3, 2, 1))
        self.assertEqual(lines[0]['reference'], '2002')
        self.assertIn("The order is in EUR", lines[0]['message'])

        self.sandbox.set_quantity(2001, 0, 5)
        self.sandbox.set_fault('502')
        before = counts_of(company_id)
        run = self.failed_import(company_id, store_id)
        self.assertIn("error 502", run.message)
        self.assertEqual(counts_of(company_id), before)
        self.assertEqual(self.last_log_state(store_id), 'failed')

    def failed_import(self, company_id, store_id):
        with Transaction().start(DB_NAME, 0,
                context={'company': company_id}):
            pool = Pool()
            Sale = pool.get('sale.sale')
            Store = pool.get('cartum.store')
            run = Sale.cartum_import(Store(store_id))
            self.assertIsNotNone(run.message)
            return run

    def last_log_state(self, store_id):
        with Transaction().start(DB_NAME, 0):
            Log = Pool().get('onretail.sync.log')
            log, = Log.search(
                [('connection', '=', 'cartum.store,%s' % store_id)],
                order=[('id', 'DESC')], limit=1)
            return log.state

    def test_faults(self):
        """Each fault of the sandbox writes only the failed run's log; the
        next run imports what was missed"""
        company_id, store_id, _ = self.committed_store()
        with patch.object(client, 'TIMEOUT', (2, 1)):
            for fault, message in FAULTS.items():
                with self.subTest(fault=fault):
                    self.sandbox.set_fault(fault, seconds=3)
                    before = counts_of(company_id)
                    run = self.failed_import(company_id, store_id)
                    self.assertIn(message, run.message)
                    self.assertEqual(counts_of(company_id), before)
            self.sandbox.set_fault(None)
            counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['created'], lines), (1, []))

    def test_expired_token_renewed_once(self):
        """A token that Cartum no longer takes is renewed once, and the
        run goes on"""
        company_id, store_id, _ = self.committed_store()
        self.import_(company_id, store_id)
        self.sandbox.set_fault('expired')
        self.sandbox.requests.clear()
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['unchanged'], lines), (1, []))
        self.assertEqual([r['function'] for r in self.sandbox.requests][:3],
            ['orders/get', 'auth', 'orders/get'])


    def test_status_pushed_and_retried(self):
        """A sale confirmed in onRetail sends Cartum's status 2; while
        Cartum is down it stays pending and Cartum's old status is not
        applied; the scheduled action sends it later"""
        company_id, store_id, _ = self.committed_store()

        def map_processing():
            Status = Pool().get('cartum.store.status')
            Status.create([{'store': store_id, 'cartum_id': 2,
                        'state': 'confirmed'}])
        committed(map_processing)
        self.import_(company_id, store_id)
        self.sandbox.set_fault('503')

        def confirm():
            Sale = Pool().get('sale.sale')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            Sale.confirm([sale])
        committed(confirm, company_id=company_id)

        def send():
            Push = Pool().get('cartum.status.push')
            Push.send_pending()
            return [(p.status, p.state, p.attempts) for p in Push.search(
                    [('store', '=', store_id)])]
        self.assertEqual(committed(send, company_id=company_id), [(2, 'pending', 1)])
        self.assertEqual(self.sandbox.order(1024)['stat_status'], 1)

        self.sandbox.set_fault(None)
        # Cartum still says New: the pending status is onRetail's
        counts, _ = self.import_(company_id, store_id)
        self.assertEqual(counts['unchanged'], 1)
        self.assertEqual(committed(send, company_id=company_id), [(2, 'sent', 2)])
        self.assertEqual(self.sandbox.order(1024)['stat_status'], 2)
        self.assertEqual(self.sandbox.reports[-1],
            {'order_id': 1024, 'status': 2, 'result': 'OK'})
        counts, _ = self.import_(company_id, store_id)
        self.assertEqual(counts['unchanged'], 1)


    @unittest.skipIf(backend.name != 'postgresql',
        "row locks are a PostgreSQL matter")
    def test_cron_and_manual_at_once(self):
        """The scheduled import and Sync now, then the scheduled import and
        Update, each pair having read the orders at the same moment: each
        order is imported once and changed once"""
        company_id, store_id, _ = self.committed_store()
        self.run_at_once(company_id, store_id, 'sync_now')
        logs = self.last_logs(store_id, 2)
        self.assertEqual(sorted((l['created'], l['unchanged'])
                for l in logs), [(0, 1), (1, 0)])
        self.assertEqual([l['errors'] for l in logs], [0, 0])

        self.sandbox.set_quantity(1024, 0, 3)
        self.run_at_once(company_id, store_id, 'cartum_update')
        logs = self.last_logs(store_id, 2)
        self.assertEqual(sorted((l['updated'], l['unchanged'])
                for l in logs), [(0, 1), (1, 0)])
        with Transaction().start(DB_NAME, 0):
            Sale = Pool().get('sale.sale')
            sale, = Sale.search([('cartum_store', '=', store_id)])
            self.assertEqual(sorted(l.quantity for l in sale.lines), [1, 3])
            self.assertEqual(sale.total_amount, Decimal('539.50'))

    def run_at_once(self, company_id, store_id, manual):
        """The scheduled import and the manual one of each store (Sync now)
        or sale (Update), in threads that wait for each other once they
        have read the orders"""
        with Transaction().start(DB_NAME, 0):
            Sale = Pool().get('sale.sale')
        catalog = Sale._cartum_catalog
        barrier = threading.Barrier(2, timeout=60)
        errors = []

        def waiting(store, orders):
            barrier.wait()
            return catalog(store, orders)

        def run(how):
            try:
                with Transaction().start(DB_NAME, 0,
                        context={'company': company_id}):
                    pool = Pool()
                    Sale = pool.get('sale.sale')
                    Store = pool.get('cartum.store')
                    if how == 'cron':
                        Sale.cartum_import(Store(store_id))
                    elif how == 'sync_now':
                        # what the queue runs for Sync now
                        Store.import_now([Store(store_id)])
                    else:
                        Sale.cartum_update(Sale.search(
                                [('cartum_store', '=', store_id)]))
            except Exception as error:
                errors.append(repr(error))
                barrier.abort()

        with patch.object(Sale, '_cartum_catalog', side_effect=waiting):
            threads = [threading.Thread(target=run, args=(how,))
                for how in ['cron', manual]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(errors, [])

    def last_logs(self, store_id, number):
        with Transaction().start(DB_NAME, 0):
            Log = Pool().get('onretail.sync.log')
            return [{name: getattr(log, 'count_' + name) for name in [
                        'created', 'updated', 'unchanged', 'errors']}
                for log in Log.search(
                    [('connection', '=', 'cartum.store,%s' % store_id),
                        ('operation', '=', 'cartum_import')],
                    order=[('id', 'DESC')], limit=number)]

    def test_malformed_corpus(self):
        """Malformed orders fail alone beside the good orders of the same
        pages; malformed answers fail the run; nothing half-written"""
        company_id, store_id, _ = self.committed_store()
        orders, answers = malformed_orders(), malformed_answers()
        self.assertGreaterEqual(len(orders) + len(answers), 200)
        # good orders first, among and after the bad ones, over 3 pages
        self.sandbox.orders[:] = []
        goods = range(5001, 5006)
        for number, order_id in enumerate(goods):
            self.sandbox.add_order(dict(ORDER_1024, order_id=order_id))
            self.sandbox.orders.extend(orders[number::len(goods)])
        before = counts_of(company_id)
        counts, lines = self.import_(company_id, store_id)
        self.assertEqual((counts['created'], counts['errors']),
            (len(goods), len(orders)))
        self.assertEqual(len(lines), len(orders))
        after = counts_of(company_id)
        self.assertEqual(after['sale.sale'], before['sale.sale'] + len(goods))
        self.assertEqual(after['sale.line'],
            before['sale.line'] + 2 * len(goods))
        for number, text in enumerate(answers):
            with self.subTest(answer=number):
                self.sandbox.answers['orders/get'] = text
                before = counts_of(company_id)
                self.failed_import(company_id, store_id)
                self.assertEqual(counts_of(company_id), before)
        self.sandbox.answers.clear()


def malformed_orders():
    "Orders that must fail alone: each field wrong in each way"
    good = CartumSandbox(login=LOGIN, password=PASSWORD,
        fixtures={'orders': [dict(ORDER_1024, order_id=9999)]}).orders[0]
    wrong = [None, True, -1, 0, 1.5, 'x' * 5000, [], {}, 'NaN', float('inf'),
        '1e400', '']
    orders = [None, [], 'order', 42, {}]
    for field in ['order_id', 'stat_created', 'stat_status', 'currency',
            'products', 'total_default', 'total_sum', 'delivery_price',
            'delivery_phone', 'delivery_name', 'delivery_email',
            'delivery_city', 'delivery_address']:
        for value in wrong:
            order = copy.deepcopy(good)
            order[field] = value
            try:
                parse_order(order)
            except CartumOrderError:
                orders.append(order)
            except Exception:
                orders.append(order)  # a raw error: the import must cope
        order = copy.deepcopy(good)
        order.pop(field, None)
        orders.append(order)
    for field in ['article', 'quantity', 'price', 'title']:
        for value in wrong:
            order = copy.deepcopy(good)
            order['products'][0][field] = value
            orders.append(order)
    orders.append(dict(good, products=[None]))
    orders.append(dict(good, products=[{}] * 3))
    orders.append(dict(good, products=[good['products'][0]] * 501))
    orders.append(dict(good, stat_created='2026-02-30 10:00:00'))
    orders.append(dict(good, currency='EUR'))
    return [o for o in orders if not acceptable(o)]


def acceptable(order):
    "Whether the malformed order is one the import takes after all"
    try:
        parsed = parse_order(order)
    except Exception:
        return False
    return parsed['currency'] == 'UAH' and parsed['total_default'] >= (
        parsed['total_sum']) and not parsed['delivery']


def malformed_answers():
    "Answers of orders/get that fail the run as a whole"
    order = json.dumps(dict(ORDER_1024, order_id=7000))
    texts = ['', 'null', '[]', '"OK"', '{}', '{"status": 1}',
        '{"status": null}', '{"status": "ERROR", "response": {}}',
        '{"status": "OK"}', '{"status": "OK", "response": null}',
        '{"status": "OK", "response": []}',
        '{"status": "OK", "response": {"orders": {}}}',
        '{"status": "OK", "response": {"orders": "x"}}',
        '{"status": "OK", "response": {"orders": [%s' % order,
        '{"status": "OK", "response": {"orders": [%s]}' % ','.join(
            [order] * 101),
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        '\xff\xfe', '{"status": "OK", "response": {"orders": [1, 2]',
        '{"status": "%s"}' % ('A' * 100000), 'NaN', '{"status": NaN}',
        ]
    texts += ['{"status": "OK", "response": {"orders": %s}}' % value
        for value in ['1', 'true', '"[]"', 'null', '{"a": 1}', '1e999']]
    return texts


del ModuleTestCase
