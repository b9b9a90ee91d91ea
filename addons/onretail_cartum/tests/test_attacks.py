# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Cartum connector under attack: each attack is made the way an
attacker makes it, over JSON-RPC through trytond's WSGI application with a
real login, as a cashier, a user of no group, a sales user who is not a
connector administrator or a connector administrator. It must be refused
and leave no trace: no sync log, no sale, no status push, no request to
Cartum (the sandbox records every request), the sales and stores as they
were."""
import json
import logging
from unittest.mock import patch

from onretail_sandbox.cartum import CartumSandbox
from trytond.modules.company.tests import create_company
from trytond.modules.currency.tests import create_currency
from trytond.modules.onretail_base.tests.tools import (
    CONNECTOR_ROLES, STRANGERS, JsonRpcMixin, create_role_users,
    malformed_ids)
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONEncoder
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction, inactive_records

LOGIN, PASSWORD = 'api', 'secret-Cartum-47'
BUTTONS = {
    'model.cartum.store.sync_now': 'store',
    'model.cartum.store.load_statuses': 'store',
    'model.cartum.store.test_connection': 'store',
    'model.sale.sale.cartum_update': 'sale',
    }
# Methods of the connector that only the server calls
NOT_EXPOSED = [
    'model.cartum.status.push.send_pending',
    'model.cartum.status.push.send',
    'model.cartum.status.push.queue',
    'model.cartum.status.push._send_store',
    'model.cartum.store.synchronise',
    'model.cartum.store.cartum_ran',
    'model.cartum.store.client',
    'model.sale.sale.cartum_import',
    'model.sale.sale.cartum_update_orders',
    'model.sale.sale._cartum_throttle',
    'model.sale.sale._cartum_fetch',
    'model.sale.sale._cartum_import_order',
    'model.sale.sale._cartum_write_order',
    'model.sale.sale._cartum_create_new',
    'model.sale.sale._cartum_create',
    'model.party.party.from_cartum',
    'model.product.product.from_cartum',
    'model.onretail.sync.log.purge',
    'wizard.sale.sale.cartum_update.transition_start',
    'wizard.cartum.store.test.default_result',
    ]
# The fields of a sale that only the connector writes
SALE_FIELDS = ['cartum_store', 'cartum_id', 'cartum_status',
    'cartum_created', 'cartum_updated', 'cartum_next_update',
    'cartum_digest']
WIZARD_UPDATE = 'wizard.sale.sale.cartum_update'
WIZARD_TEST = 'wizard.cartum.store.test'
# The dispatcher logs each exception of a call with its traceback
DISPATCHER = logging.getLogger('trytond.protocols.dispatcher')


class CartumAttackTestCase(JsonRpcMixin, RouteTestCase):
    "Attacks on the Cartum connector over JSON-RPC"
    module = 'onretail_cartum'

    @classmethod
    def setUpClass(cls):
        cls.sandbox = CartumSandbox(login=LOGIN, password=PASSWORD,
            fixtures={'orders': []})
        cls.url = cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)
        super().setUpClass()

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Category = pool.get('product.category')
        Location = pool.get('stock.location')
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Store = pool.get('cartum.store')

        uah = create_currency('UAH')
        company = create_company(currency=uah)
        other = create_company(name="Other Shop", currency=uah)
        cls.passwords, cls.users = create_role_users(CONNECTOR_ROLES, company)
        category = Category(name="Goods", accounting=True)
        category.save()
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        ids = {}
        for name, owner, active in [('store', company, True),
                ('closed', company, False), ('other_store', other, True)]:
            with Transaction().set_context(company=owner.id):
                store, = Store.create([{
                            'name': name, 'domain': 'shop.example.com',
                            'api_login': LOGIN, 'api_password': PASSWORD,
                            'company': owner.id, 'currency': uah.id,
                            'language': 'ua', 'warehouse': warehouse.id,
                            'account_category': category.id,
                            'test_mode': True, 'test_url': cls.url,
                            'active': active,
                            'statuses': [('create', [
                                        {'cartum_id': 1,
                                            'state': 'quotation'}])],
                            }])
                ids[name] = store.id
        with Transaction().set_context(company=company.id):
            party = Party(name="Olena")
            party.save()
            # an order of the store, and a sale made in onRetail
            sale = Sale(company=company, party=party,
                cartum_store=ids['store'], cartum_id='1024', cartum_status=1)
            plain = Sale(company=company, party=party)
            Sale.save([sale, plain])
        with Transaction().set_context(company=other.id):
            other_sale = Sale(company=other, party=party,
                cartum_store=ids['other_store'], cartum_id='1024',
                cartum_status=1)
            other_sale.save()
        ids.update(sale=sale.id, plain=plain.id, other_sale=other_sale.id,
            party=party.id)
        cls.ids = ids
        cls.baseline = cls.sales_of(Sale)

    @staticmethod
    def sales_of(Sale):
        "The sales with the fields the connector owns, and their state"
        return [(s.id, s.cartum_store.id if s.cartum_store else None,
                s.cartum_id, s.cartum_status, s.cartum_created,
                s.cartum_updated, s.cartum_next_update, s.state)
            for s in Sale.search([], order=[('id', 'ASC')])]

    def setUp(self):
        super().setUp()
        self.restore()
        self.sandbox.reset()
        self.sessions = {}

    def restore(self):
        """Undo what a test let through: the sales as created, no pushes,
        no throttle, the statuses as created"""
        with Transaction().start(DB_NAME, 0) as transaction, \
                inactive_records():
            pool = Pool()
            Push = pool.get('cartum.status.push')
            Sale = pool.get('sale.sale')
            Status = pool.get('cartum.store.status')
            Store = pool.get('cartum.store')
            Push.delete(Push.search([]))
            known = {row[0]: row for row in self.baseline}
            extra = Sale.search([('id', 'not in', list(known))])
            if extra:
                Sale.write(extra, {'state': 'draft'})
                Sale.delete(extra)
            for sale in Sale.browse(list(known)):
                (_, store, cartum_id, status, created, updated, next_update,
                    state) = known[sale.id]
                Sale.write([sale], {
                        'cartum_store': store, 'cartum_id': cartum_id,
                        'cartum_status': status, 'cartum_created': created,
                        'cartum_updated': updated,
                        'cartum_next_update': next_update, 'state': state,
                        })
            Status.delete(Status.search([('cartum_id', '!=', 1)]))
            stores = Store.search([])
            Store.write(stores, {'cartum_next_update': None,
                    'api_password': PASSWORD})
            transaction.commit()

    def trace(self):
        """What an attack may leave, read back as the system: the sync
        logs, the sales, the status pushes, the stores and statuses and the
        requests that Cartum got"""
        with Transaction().start(DB_NAME, 0, readonly=True), \
                inactive_records():
            pool = Pool()
            Log = pool.get('onretail.sync.log')
            Push = pool.get('cartum.status.push')
            Sale = pool.get('sale.sale')
            Store = pool.get('cartum.store')
            return {
                'logs': Log.search_count([]),
                'sales': self.sales_of(Sale),
                'pushes': Push.search_count([]),
                'stores': [(s.id, s.api_password, s.last_sync,
                        s.created_since, s.cartum_next_update,
                        [(t.cartum_id, t.cartum_name, t.state)
                            for t in s.statuses])
                    for s in Store.search([], order=[('id', 'ASC')])],
                'requests': list(self.sandbox.requests),
                }

    def assertNoTrace(self, before):
        after = self.trace()
        self.assertEqual(after['requests'], [])
        self.assertEqual(after['logs'], before['logs'])
        self.assertEqual(after['sales'], before['sales'])
        self.assertEqual(after, before)

    # A. The buttons and wizards

    def test_buttons_refused_to_strangers(self):
        """Cashiers and users of no group call no button of the connector,
        on any store or sale, however they name it"""
        before = self.trace()
        for login in STRANGERS:
            for method, kind in BUTTONS.items():
                records = [self.ids[kind], self.ids['other_' + kind]]
                for ids in [records[:1], [str(records[0])], records,
                        records[1:], []]:
                    with self.subTest(login=login, method=method, ids=ids):
                        self.assertRefused(self.call(login, method, ids),
                            "You are not allowed to access")
        self.assertNoTrace(before)

    def test_buttons_refused_to_sales(self):
        """A sales user who is not a connector administrator neither tests
        a connection nor loads statuses; syncs no store of another company
        nor an archived one; updates no order of another company nor a sale
        made in onRetail"""
        before = self.trace()
        store, other_store = self.ids['store'], self.ids['other_store']
        for method, ids, text in [
                ('load_statuses', [store], 'Calling button'),
                ('test_connection', [store], 'Calling button'),
                ('load_statuses', [other_store], 'rules'),
                ('sync_now', [other_store], 'rules'),
                ('sync_now', [store, other_store], 'rules'),
                ('sync_now', [self.ids['closed']], 'You can not call'),
                ]:
            with self.subTest(method=method, ids=ids):
                self.assertRefused(self.call('sales',
                        'model.cartum.store.' + method, ids), text)
        for ids, text in [([self.ids['other_sale']], 'rules'),
                ([self.ids['sale'], self.ids['other_sale']], 'rules'),
                ([self.ids['plain']], 'You can not call')]:
            with self.subTest(method='cartum_update', ids=ids):
                self.assertRefused(self.call('sales',
                        'model.sale.sale.cartum_update', ids), text)
        # a connector administrator does not read sales
        self.assertRefused(self.call('connector',
                'model.sale.sale.cartum_update', [self.ids['sale']]),
            "You are not allowed to access")
        self.assertNoTrace(before)

    def test_methods_not_exposed(self):
        "What only the server calls is no RPC method, for anyone"
        before = self.trace()
        for login in CONNECTOR_ROLES:
            for method in NOT_EXPOSED:
                for params in [[], [[self.ids['store']]],
                        [[self.ids['sale']]]]:
                    with self.subTest(login=login, method=method,
                            params=params):
                        status, body = self.call(login, method, *params)
                        self.assertEqual(status, 403, body)
        self.assertNoTrace(before)

    def test_wizards_refused(self):
        """Update Orders and Test Connection are refused to strangers;
        Update Orders takes sales of the user's company only, Test
        Connection is for connector administrators only"""
        before = self.trace()
        store, sale = self.ids['store'], self.ids['sale']

        def active(model, *ids):
            return {'active_model': model, 'active_id': ids[0],
                'active_ids': list(ids)}

        attempts = []
        for login in STRANGERS:
            attempts += [
                (login, WIZARD_UPDATE, active('sale.sale', sale)),
                (login, WIZARD_UPDATE, {}),
                (login, WIZARD_TEST, active('cartum.store', store)),
                (login, WIZARD_TEST, {}),
                ]
        attempts += [
            ('sales', WIZARD_TEST, active('cartum.store', store)),
            ('sales', WIZARD_TEST, {}),
            ('sales', WIZARD_UPDATE,
                active('sale.sale', self.ids['other_sale'])),
            ('sales', WIZARD_UPDATE,
                active('sale.sale', sale, self.ids['other_sale'])),
            # another model than the wizard's
            ('sales', WIZARD_UPDATE, active('cartum.store', store)),
            ('sales', WIZARD_UPDATE, active('ir.ui.menu', store)),
            ('sales', WIZARD_UPDATE, active('sale.line', sale)),
            ('connector', WIZARD_UPDATE, active('sale.sale', sale)),
            ('connector', WIZARD_TEST,
                active('cartum.store', self.ids['other_store'])),
            ('connector', WIZARD_TEST, active('sale.sale', sale)),
            ]
        for login, wizard, context in attempts:
            with self.subTest(login=login, wizard=wizard, context=context):
                self.assertRefused(
                    self.call(login, wizard + '.create', **context))
                # with a session of its own, as an attacker would guess it
                self.assertRefused(self.call(login, wizard + '.execute',
                        1, {}, 'start', **context))
        self.assertNoTrace(before)

    def test_malformed_arguments_leave_no_trace(self):
        """Ids of a wrong type or that are no records, too many or too few
        arguments, a context that is no dictionary: never a result, never a
        traceback, nothing written, no request to Cartum, for any user"""
        before = self.trace()
        with patch.object(DISPATCHER, 'disabled', True):
            for login, method, params in self.malformed_calls():
                with self.subTest(login=login, method=method, params=params):
                    self.assertNoResult(self.call_raw(login, method, params))
        self.assertNoTrace(before)

    def malformed_calls(self):
        "(login, method, params) of every malformed call of every user"
        for login in CONNECTOR_ROLES:
            _, context = self.session(login)
            for method, kind in BUTTONS.items():
                record = self.ids[kind]
                for value in malformed_ids(record).values():
                    yield login, method, [value, context]
                yield login, method, [context]
                yield login, method, [[record], 1, 'x', context]
                yield login, method, [[record], [record]]
                yield login, method, [[record], None]
            for context in [
                    {'active_model': 'sale.sale', 'active_ids': 'abc'},
                    {'active_model': 'sale.sale', 'active_ids': [None]},
                    {'active_model': 'sale.sale', 'active_ids': [2 ** 70]},
                    {'active_model': 'sale.sale', 'active_id': 1.5},
                    {'active_model': 'sale.sale',
                        'active_ids': [[self.ids['sale']]]},
                    {'active_model': 'no.such.model', 'active_ids': [1]},
                    {'active_model': ['sale.sale'], 'active_ids': [1]},
                    ]:
                yield login, WIZARD_UPDATE + '.create', [
                    {**self.session(login)[1], **context}]
            yield login, WIZARD_UPDATE + '.execute', [
                'x', None, 17, self.session(login)[1]]
            yield login, WIZARD_UPDATE + '.execute', [self.session(login)[1]]

    # B. The API password

    def test_api_password_not_revealed(self):
        """Whoever is not a connector administrator learns nothing of the
        API password: not by reading or exporting it, nor by a search that
        tests it (a prefix found or not would reveal it letter by letter),
        from the store or from the records that point to it"""
        for login in STRANGERS + ['sales']:
            with self.subTest(login=login):
                right = self.oracle(login, PASSWORD[:1])
                wrong = self.oracle(login, '#')
                self.assertEqual(right, wrong)
                for answer in right:
                    self.assertRefused(answer)
                body = json.dumps(right, cls=JSONEncoder)
                self.assertNotIn(PASSWORD, body)
                store = self.ids['store']
                for method, params in [
                        ('model.cartum.store.read',
                            [[store], ['api_password']]),
                        ('model.cartum.store.search_read',
                            [[], 0, None, None, ['api_password']]),
                        ('model.cartum.store.export_data',
                            [[store], ['api_password']]),
                        ('model.cartum.store.export_data_domain',
                            [[], ['api_password']]),
                        ('model.sale.sale.read', [[self.ids['sale']],
                                ['cartum_store.api_password']]),
                        ('model.sale.sale.search_read',
                            [[], 0, None, None,
                                ['cartum_store.api_password']]),
                        ]:
                    answer = self.call(login, method, *params)
                    self.assertRefused(answer)
                    self.assertNotIn(PASSWORD,
                        json.dumps(answer[1], cls=JSONEncoder))

    def oracle(self, login, prefix):
        "What each way of testing the password answers login for prefix"
        like = ('api_password', 'like', prefix + '%')
        store = 'model.cartum.store.'
        searches = [
            (store + 'search', [[like]]),
            (store + 'search_count', [[like]]),
            (store + 'search', [[('api_password', '=', PASSWORD)]]),
            (store + 'search', [[], 0, None, [('api_password', 'ASC')]]),
            (store + 'search', [[('statuses', 'where',
                            [('store', 'where', [like])])]]),
            (store + 'search', [[('logs', 'where',
                            [('connection.api_password',) + like[1:]
                                + ('cartum.store',)])]]),
            ('model.sale.sale.search', [[('cartum_store.api_password',)
                        + like[1:]]]),
            ('model.sale.sale.search', [[('cartum_store', 'where',
                            [like])]]),
            ('model.sale.sale.search', [[('cartum_store', 'where',
                            [('rec_name', '!=', None), like])]]),
            ('model.sale.sale.search', [[], 0, None,
                    [('cartum_store.api_password', 'ASC')]]),
            ('model.cartum.store.status.search', [[('store', 'where',
                            [like])]]),
            ('model.cartum.store.status.search', [[('store.api_password',)
                        + like[1:]]]),
            ('model.cartum.status.push.search', [[('store', 'where',
                            [like])]]),
            ('model.onretail.sync.log.search', [[('connection.statuses',
                            'where', [('store', 'where', [like])],
                            'cartum.store')]]),
            ('model.onretail.sync.log.search', [[(
                            'connection.api_password',) + like[1:]
                        + ('cartum.store',)]]),
            ]
        return [self.call(login, method, *params)
            for method, params in searches]

    def test_api_password_for_connector_admins(self):
        "A connector administrator reads the password, nobody searches it"
        store = self.ids['store']
        rows = self.result(self.call('connector', 'model.cartum.store.read',
                [store], ['api_password']))
        self.assertEqual(rows, [{'id': store, 'api_password': PASSWORD}])
        self.assertEqual(self.result(self.call('connector',
                    'model.cartum.store.export_data', [store],
                    ['api_password'])), [[PASSWORD]])
        # a search by the password has no use: it is no oracle either
        self.assertEqual(self.oracle('connector', PASSWORD[:1]),
            self.oracle('connector', '#'))

    def test_password_not_in_logs_or_answers(self):
        """A refused login of the store tells the user (in a notification)
        and the sync log that, never the password"""
        self.sandbox.set_fault('login')
        answer = self.call('sales', 'model.cartum.store.sync_now',
            [self.ids['store']])
        self.assertNotIn(PASSWORD, json.dumps(answer[1], cls=JSONEncoder))
        notifications = self.result(self.call('sales',
                'model.res.notification.get'))
        self.assertIn("refused the API login",
            notifications[0]['description'])
        logs = self.result(self.call('sales',
                'model.onretail.sync.log.search_read', [], 0, None, None,
                ['message', 'lines.message', 'rec_name']))
        self.assertTrue(logs)
        self.assertNotIn(PASSWORD, json.dumps(
                [answer[1], logs, notifications], cls=JSONEncoder))
        self.assertNotIn(PASSWORD, json.dumps(self.sandbox.requests))

    # C. The fields of a sale that the connector owns

    def test_sale_cartum_fields_not_written(self):
        """A sales user, who writes sales, writes none of the fields that
        tie a sale to a Cartum order: pointing a sale to another order (its
        status would be sent to that one, its lines replaced by that one's),
        to a store of another company, or lifting the 10 minutes between two
        updates"""
        before = self.trace()
        sale, plain = self.ids['sale'], self.ids['plain']
        for ids, values in [
                ([sale], {'cartum_id': '555'}),
                ([sale], {'cartum_id': 'not a number'}),
                ([sale], {'cartum_status': 5}),
                ([sale], {'cartum_store': self.ids['other_store']}),
                ([sale], {'cartum_store': None}),
                ([sale], {'cartum_next_update': None}),
                ([sale], {'cartum_created': None}),
                ([sale], {'cartum_updated': None}),
                ([plain], {'cartum_store': self.ids['store'],
                        'cartum_id': '555'}),
                ]:
            with self.subTest(values=values):
                self.assertRefused(self.call('sales', 'model.sale.sale.write',
                        ids, values), "You are not allowed to")
        for values in [
                {'cartum_store': self.ids['store'], 'cartum_id': '555'},
                {'cartum_id': '1024'},
                {'cartum_status': 3},
                ]:
            with self.subTest(create=values):
                self.assertRefused(self.call('sales',
                        'model.sale.sale.create', [{
                                'party': self.ids['party'], **values}]),
                    "You are not allowed to")
        self.assertNoTrace(before)

    def test_sale_copy_drops_cartum_fields(self):
        "A sales user's copy of an order's sale is a sale of onRetail"
        copy, = self.result(self.call('sales', 'model.sale.sale.copy',
                [self.ids['sale']], {}))
        row, = self.result(self.call('sales', 'model.sale.sale.read',
                [copy], SALE_FIELDS))
        self.assertEqual({f: row[f] for f in SALE_FIELDS},
            dict.fromkeys(SALE_FIELDS))

    # D. What the users may do, as they do it

    def test_sales_user_syncs_and_updates(self):
        """A sales user syncs a store and updates an order (the attacks
        above are refused, not the calls); a second update within 10
        minutes is refused and asks Cartum nothing"""
        before = self.trace()
        self.result(self.call('sales', 'model.cartum.store.sync_now',
                [self.ids['store']]))
        after = self.trace()
        self.assertEqual(after['logs'], before['logs'] + 1)
        self.assertIn('orders/get',
            [r['function'] for r in self.sandbox.requests])

        self.result(self.call('sales', 'model.sale.sale.cartum_update',
                [self.ids['sale']]))
        self.assertEqual(self.sandbox.requests[-1]['body']['ids'], [1024])
        requests = len(self.sandbox.requests)
        self.assertRefused(self.call('sales', 'model.sale.sale.cartum_update',
                [self.ids['sale']]), "next update is possible")
        context = {'active_model': 'sale.sale', 'active_id': self.ids['sale'],
            'active_ids': [self.ids['sale']]}
        session, _, _ = self.result(self.call('sales',
                WIZARD_UPDATE + '.create', **context))
        self.result(self.call('sales', WIZARD_UPDATE + '.execute', session,
                {}, 'start', **context))
        self.assertRefused(self.call('sales', WIZARD_UPDATE + '.execute',
                session, {}, 'start', **context), "next update is possible")
        self.assertEqual(len(self.sandbox.requests), requests + 1)

    def test_connector_admin_tests_and_loads(self):
        """A connector administrator tests the connection and loads the
        statuses that Cartum names"""
        store = self.ids['store']
        context = {'active_model': 'cartum.store', 'active_id': store,
            'active_ids': [store]}
        session, _, _ = self.result(self.call('connector',
                WIZARD_TEST + '.create', **context))
        answer = self.result(self.call('connector', WIZARD_TEST + '.execute',
                session, {}, 'start', **context))
        self.assertEqual(answer['view']['defaults']['statuses'], 5)
        self.result(self.call('connector', 'model.cartum.store.load_statuses',
                [store]))
        statuses = self.result(self.call('connector',
                'model.cartum.store.status.search_read',
                [('store', '=', store)], 0, None, None,
                ['cartum_id', 'cartum_name', 'state']))
        self.assertEqual(
            [(s['cartum_id'], s['cartum_name'], s['state'])
                for s in statuses],
            [(1, "Нове", 'quotation'), (2, "В обробці", None),
                (3, "Доставлене", None), (4, "Не доставлене", None),
                (6, "Надіслане", None)])


del RouteTestCase
