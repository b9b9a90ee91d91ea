# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Kulcs connection under attack: each attack is made the way an
attacker makes it, over JSON-RPC through trytond's WSGI application with a
real login, as a cashier, a user of no group, a sales user who is not a
connector administrator or a connector administrator. It must be refused
and leave no trace: no sync log, no simulation started, the tokens and the
sales as they were."""
import json
import logging
from unittest.mock import patch

from trytond.modules.company.tests import create_company
from trytond.modules.onretail_base.tests.tools import (
    CONNECTOR_ROLES, STRANGERS, JsonRpcMixin, create_role_users,
    malformed_ids)
from trytond.modules.onretail_connector import SyncRun
from trytond.modules.onretail_kulcs import connection as kulcs_connection
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONEncoder
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction, inactive_records

PASSWORD, IMPORT_PASSWORD = 'Kulcs-ID-secret-47', 'import-secret-11'
BUTTONS = ['model.kulcs.connection.regenerate',
    'model.kulcs.connection.simulate']
WIZARD = 'wizard.kulcs.connection.simulate'
SECRETS = ['password', 'import_password', 'token', 'url_products',
    'url_categories', 'url_orders', 'url_confirm']
# Methods of the connection that only its routes and the server call
NOT_EXPOSED = [
    'model.kulcs.connection.kulcs_products',
    'model.kulcs.connection.kulcs_categories',
    'model.kulcs.connection.kulcs_orders',
    'model.kulcs.connection.kulcs_confirm',
    'model.kulcs.connection._kulcs_run',
    'model.kulcs.connection._kulcs_receive',
    'model.kulcs.connection.kulcs_apply',
    'model.kulcs.document.receive',
    'model.kulcs.document.apply',
    'model.kulcs.document.apply_as_sync_user',
    'model.kulcs.connection._kulcs_log',
    'model.kulcs.connection.start_simulation',
    'model.kulcs.connection.matches',
    'model.kulcs.connection.accepts',
    'model.kulcs.connection.url',
    'model.product.product.kulcs_apply',
    'model.product.product._kulcs_prices',
    'model.product.product._kulcs_create',
    'model.product.product._kulcs_write_details',
    'model.product.category.kulcs_apply',
    'model.product.category.kulcs_of',
    'model.product.price_list.kulcs_set_promos',
    'model.stock.inventory.kulcs_set_quantities',
    'model.stock.inventory.kulcs_confirm',
    'model.sale.sale.kulcs_pending',
    'model.sale.sale.kulcs_orders_document',
    'model.sale.sale.kulcs_confirm',
    'wizard.kulcs.connection.simulate.transition_run',
    ]
# The dispatcher logs each exception of a call with its traceback
DISPATCHER = logging.getLogger('trytond.protocols.dispatcher')


class KulcsAttackTestCase(JsonRpcMixin, RouteTestCase):
    "Attacks on the Kulcs connection over JSON-RPC"
    module = 'onretail_kulcs'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Connection = pool.get('kulcs.connection')
        Location = pool.get('stock.location')
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        User = pool.get('res.user')

        company = create_company()
        other = create_company(name="Other Shop")
        cls.passwords, cls.users = create_role_users(CONNECTOR_ROLES, company)
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        sync_user, = User.search([('login', '=', 'admin')])
        ids = {}
        for name, owner, active in [('connection', company, True),
                ('closed', company, False), ('other', other, True)]:
            with Transaction().set_context(company=owner.id):
                connection, = Connection.create([{
                            'name': name, 'company': owner.id,
                            'password': PASSWORD,
                            'import_password': IMPORT_PASSWORD,
                            'warehouse': warehouse.id,
                            'sync_user': sync_user.id, 'test_mode': True,
                            'active': active}])
                ids[name] = connection.id
        with Transaction().set_context(company=company.id):
            party = Party(name="Kovács Anna")
            party.save()
            sale = Sale(company=company, party=party)
            sale.save()
        # a log of the connection, which sales users read
        Connection._kulcs_log(SyncRun(Connection(ids['connection']),
                'kulcs_orders', 'inbound', company=company))
        ids.update(sale=sale.id, party=party.id)
        cls.ids = ids

    def setUp(self):
        super().setUp()
        self.sessions = {}
        popen = patch.object(kulcs_connection.subprocess, 'Popen')
        self.popen = popen.start()
        self.popen.return_value.communicate.return_value = (
            b'{"ok": true}', b'')
        self.addCleanup(popen.stop)

    def trace(self):
        """What an attack may leave, read back as the system: the sync
        logs, the connections with their secrets, the sales' receipt by
        Kulcs and the simulations started"""
        with Transaction().start(DB_NAME, 0, readonly=True), \
                inactive_records():
            pool = Pool()
            Connection = pool.get('kulcs.connection')
            Log = pool.get('onretail.sync.log')
            Sale = pool.get('sale.sale')
            Document = pool.get('kulcs.document')
            return {
                'logs': Log.search_count([]),
                'documents': [(d.id, d.state, d.data)
                    for d in Document.search([], order=[('id', 'ASC')])],
                'connections': [(c.id, c.token, c.password,
                        c.import_password, c.test_mode, c.active)
                    for c in Connection.search([], order=[('id', 'ASC')])],
                'sales': [(s.id, s.kulcs_received) for s in Sale.search([])],
                'simulations': self.popen.call_count,
                }

    def assertNoTrace(self, before):
        self.assertEqual(self.trace(), before)

    def test_buttons_refused(self):
        """Cashiers, users of no group and sales users neither regenerate
        the URLs nor run the simulation, on any connection; a connector
        administrator does so on no connection of another company nor an
        archived one"""
        before = self.trace()
        connection, other = self.ids['connection'], self.ids['other']
        attempts = [(login, method, ids, "You are not allowed to access")
            for login in STRANGERS for method in BUTTONS
            for ids in [[connection], [str(connection)], [connection, other],
                [other], []]]
        attempts += [('sales', method, [connection], "Calling button")
            for method in BUTTONS]
        attempts += [('connector', method, ids, 'rules')
            for method in BUTTONS for ids in [[other], [connection, other]]]
        attempts += [('connector', BUTTONS[1], [self.ids['closed']],
                "You can not call")]
        for login, method, ids, text in attempts:
            with self.subTest(login=login, method=method, ids=ids):
                self.assertRefused(self.call(login, method, ids), text)
        self.assertNoTrace(before)

    def test_wizard_refused(self):
        """Run Kulcs Simulation is for connector administrators, on a
        connection of their company in test mode"""
        before = self.trace()

        def active(model, *ids):
            return {'active_model': model, 'active_id': ids[0],
                'active_ids': list(ids)}
        connection = self.ids['connection']
        attempts = [(login, context) for login in STRANGERS + ['sales']
            for context in [active('kulcs.connection', connection), {}]]
        attempts += [
            ('connector', active('kulcs.connection', self.ids['other'])),
            ('connector', active('kulcs.connection', connection,
                    self.ids['other'])),
            ('connector', active('sale.sale', self.ids['sale'])),
            ('connector', active('ir.ui.menu', connection)),
            ]
        for login, context in attempts:
            with self.subTest(login=login, context=context):
                self.assertRefused(self.call(login, WIZARD + '.create',
                        **context))
                # with a session of its own, as an attacker would guess it
                self.assertRefused(self.call(login, WIZARD + '.execute',
                        1, {}, 'run', **context))
        self.assertNoTrace(before)

    def test_methods_not_exposed(self):
        "What only the routes and the server call is no RPC method"
        before = self.trace()
        for login in CONNECTOR_ROLES:
            for method in NOT_EXPOSED:
                for params in [[], [[self.ids['connection']]],
                        [[self.ids['connection']], b'<termekek/>']]:
                    with self.subTest(login=login, method=method,
                            params=params):
                        status, body = self.call(login, method, *params)
                        self.assertEqual(status, 403, body)
        self.assertNoTrace(before)

    def test_documents_written_by_nobody(self):
        """No user makes or changes a Kulcs document: only Kulcs's call and
        the queue do"""
        before = self.trace()
        values = {'connection': self.ids['connection'], 'kind': 'products',
            'data': b'<termekek/>', 'state': 'queued'}
        for login in CONNECTOR_ROLES:
            with self.subTest(login=login):
                self.assertNoResult(self.call(login,
                        'model.kulcs.document.create', [values]))
                self.assertNoResult(self.call(login,
                        'model.kulcs.document.write', [1], {'state': 'done'}))
        self.assertNoTrace(before)

    def test_malformed_arguments_leave_no_trace(self):
        """Ids of a wrong type or that are no records, too many or too few
        arguments, a context that is no dictionary: never a result, never a
        traceback, nothing written, no simulation, for any user"""
        before = self.trace()
        connection = self.ids['connection']
        with patch.object(DISPATCHER, 'disabled', True):
            for login in CONNECTOR_ROLES:
                _, context = self.session(login)
                calls = [(method, [value, context]) for method in BUTTONS
                    for value in malformed_ids(connection).values()]
                calls += [(method, params) for method in BUTTONS
                    for params in [[context], [[connection], 1, 'x', context],
                        [[connection], [connection]], [[connection], None]]]
                calls += [(WIZARD + '.create', [{**context,
                                'active_model': 'kulcs.connection',
                                'active_ids': value}])
                    for value in ['abc', [None], [2 ** 70], [[connection]]]]
                calls += [(WIZARD + '.execute', ['x', None, 17, context]),
                    (WIZARD + '.execute', [context])]
                for method, params in calls:
                    with self.subTest(login=login, method=method,
                            params=params):
                        self.assertNoResult(
                            self.call_raw(login, method, params))
        self.assertNoTrace(before)

    def test_secrets_not_revealed(self):
        """Whoever is not a connector administrator learns nothing of the
        passwords, the token and the URLs that hold it: not by reading or
        exporting them, nor by a search that tests them (a prefix found or
        not would reveal them letter by letter)"""
        connection = self.ids['connection']
        for login in STRANGERS + ['sales']:
            for field in SECRETS:
                with self.subTest(login=login, field=field):
                    for method, params in [
                            ('model.kulcs.connection.read',
                                [[connection], [field]]),
                            ('model.kulcs.connection.search_read',
                                [[], 0, None, None, [field]]),
                            ('model.kulcs.connection.export_data',
                                [[connection], [field]]),
                            ('model.onretail.sync.log.search_read',
                                [[], 0, None, None,
                                    ['connection.%s' % field]]),
                            ]:
                        answer = self.call(login, method, *params)
                        self.assertRefused(answer)
                        self.assertNoSecret(answer)
        # a connector administrator may order by a secret; no one searches
        # on them (the URLs, Tryton's Function fields, have no search)
        for login in CONNECTOR_ROLES:
            for field in SECRETS:
                with self.subTest(login=login, search=field):
                    with patch.object(DISPATCHER, 'disabled', True):
                        right = self.oracle(
                            login, field, self.secret(field)[:1])
                        wrong = self.oracle(login, field, '#')
                    self.assertEqual(right, wrong)
                    for answer in right:
                        if login == 'connector':
                            self.assertNoResult(answer)
                        else:
                            self.assertRefused(answer)

    def secret(self, field):
        "The value of field of the connection, as the system reads it"
        with Transaction().start(DB_NAME, 0, readonly=True):
            Connection = Pool().get('kulcs.connection')
            return getattr(Connection(self.ids['connection']), field)

    def oracle(self, login, field, prefix):
        "What each way of testing field answers login for prefix"
        like = (field, 'like', prefix + '%')
        return [self.call(login, method, *params) for method, params in [
                ('model.kulcs.connection.search', [[like]]),
                ('model.kulcs.connection.search_count', [[like]]),
                ('model.onretail.sync.log.search', [[(
                                'connection.' + field,) + like[1:]
                            + ('kulcs.connection',)]]),
                ]]

    def assertNoSecret(self, answer):
        text = json.dumps(answer[1], cls=JSONEncoder) if isinstance(
            answer[1], dict) else answer[1].decode(errors='replace')
        for secret in [PASSWORD, IMPORT_PASSWORD,
                self.secret('token')]:
            self.assertNotIn(secret, text)

    def test_kulcs_received_not_written(self):
        """A sales user, who writes sales, neither marks a sale received by
        Kulcs (it would never go to Kulcs) nor clears the mark; a copy is
        not received"""
        before = self.trace()
        sale = self.ids['sale']
        for values in [{'kulcs_received': '2025-03-14T10:00:00'},
                {'kulcs_received': None}]:
            with self.subTest(values=values):
                self.assertRefused(self.call('sales', 'model.sale.sale.write',
                        [sale], values), "You are not allowed to")
                self.assertRefused(self.call('sales',
                        'model.sale.sale.create', [{
                                'party': self.ids['party'], **values}]),
                    "You are not allowed to")
        self.assertNoTrace(before)

    def test_connector_admin_regenerates_and_simulates(self):
        """A connector administrator reads the URLs, regenerates them (the
        old token stops) and starts the simulation: one process, with the
        token and passwords on its stdin, never on its command line"""
        connection = self.ids['connection']
        old = self.secret('token')
        row, = self.result(self.call('connector',
                'model.kulcs.connection.read', [connection], SECRETS))
        self.assertEqual((row['password'], row['import_password']),
            (PASSWORD, IMPORT_PASSWORD))
        self.assertIn(old, row['url_products'])
        self.result(self.call('connector',
                'model.kulcs.connection.regenerate', [connection]))
        token = self.secret('token')
        self.assertNotEqual(token, old)

        context = {'active_model': 'kulcs.connection',
            'active_id': connection, 'active_ids': [connection]}
        session, _, _ = self.result(self.call('connector',
                WIZARD + '.create', **context))
        self.result(self.call('connector', WIZARD + '.execute', session, {},
                'run', **context))
        (command, *_), kwargs = self.popen.call_args
        self.assertEqual(self.popen.call_count, 1)
        self.assertEqual(command[1:], ['kulcs', '--config', '-'])
        self.assertNotIn(token, ' '.join(command))
        self.assertNotIn(IMPORT_PASSWORD, ' '.join(command))


del RouteTestCase
