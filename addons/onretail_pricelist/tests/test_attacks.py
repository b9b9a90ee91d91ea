# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The attacks on the gateway export, replayed as an attacker makes them:
JSON-RPC and HTTP to trytond's WSGI application, logged in as sao does.
Each must be refused and leave the table of the export links as it was."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

from .test_module import TODAY, PriceListTestMixin
from .tools import RPCError, create_user, login, rpc, session_header

WIZARD = 'wizard.product.price_list.export'
EXTRAS = ['sale_point', 'web_shop']  # as test_module: its database is reused


class ExportAttackTestCase(PriceListTestMixin, RouteTestCase):
    "Attacks on the gateway export"
    module = 'onretail_pricelist'
    extras = EXTRAS

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        test = cls()
        context, company = test.setup_company()
        with context:
            test.product("Shirt", Decimal(30))
            cls.gateway = test.price_list(
                "Shop", gateway_name="shop", gateway_export=True).id
            # A list not meant for the gateway, e.g. the staff's prices
            cls.internal = test.price_list("Staff Prices").id
            cls.users = {login: create_user(login, group, company).id
                for login, group in [
                    ('nobody', None),
                    ('cashier', 'group_cashier'),
                    ('clerk', 'group_retail'),
                    ('manager', 'group_retail_admin'),
                    ('other_manager', 'group_retail_admin'),
                    ]}
        cls.explain_action = ModelData.get_id(
            'onretail_pricelist', 'wizard_explain')

    def setUp(self):
        super().setUp()
        self.addCleanup(self.clear_links)

    def client_of(self, login_):
        client = self.client()
        login(client, self.db_name, login_)
        return client

    def call(self, client, method, *params):
        return rpc(client, self.db_name, method, *params)

    def links(self):
        "The rows of the link table, read back in a new transaction"
        with Transaction().start(DB_NAME, 0, readonly=True):
            table = Pool().get('product.price_list.export.link').__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.id, table.token_hash, table.user,
                    table.price_list, table.create_date,
                    order_by=[table.id]))
            return cursor.fetchall()

    def clear_links(self):
        with Transaction().start(DB_NAME, 0):
            table = Pool().get('product.price_list.export.link').__table__()
            Transaction().connection.cursor().execute(*table.delete())

    def export(self, client, price_list, date=TODAY, context=None):
        "Run the Export Gateway Prices wizard to its download"
        context = context or {}
        session_id, _, _ = self.call(client, WIZARD + '.create', context)
        result = self.call(client, WIZARD + '.execute', session_id, {
                'start': {
                    'price_list': price_list, 'date': date,
                    'format': 'csv'},
                }, 'download', context)
        (action, _), = result['actions']
        return action['url']

    def assertRefused(self, client, method, *params, message=None):
        with self.assertRaises(RPCError) as cm:
            self.call(client, method, *params)
        if message:
            self.assertIn(message, str(cm.exception))

    def test_export_needs_retail_manager(self):
        "Users of no group, cashiers and retail users cannot export"
        for login_ in ['nobody', 'cashier', 'clerk']:
            with self.subTest(user=login_):
                client = self.client_of(login_)
                for price_list in [self.gateway, self.internal]:
                    # The Export Prices button
                    self.assertRefused(client,
                        'model.product.price_list.export_prices',
                        [price_list], {})
                    # The wizard, with its own action or another one in
                    # the context
                    for context in [{}, {'action_id': self.explain_action},
                            {'active_model': 'product.price_list',
                                'active_id': price_list,
                                'active_ids': [price_list]}]:
                        self.assertRefused(
                            client, WIZARD + '.create', context)
                        self.assertRefused(client, WIZARD + '.execute',
                            1, {'start': {
                                    'price_list': price_list, 'date': TODAY,
                                    'format': 'csv'}}, 'download', context)
                    # The link model itself
                    self.assertRefused(client,
                        'model.product.price_list.export.link.create', [{
                                'token_hash': 'x', 'price_list': price_list,
                                'user': self.users[login_], 'date': TODAY,
                                'format': 'csv'}], {})
                    self.assertRefused(client,
                        'model.product.price_list.export.link.search_read',
                        [], 0, None, None, ['token_hash'], {})
                self.assertEqual(self.links(), [])

    def test_export_only_gateway_lists(self):
        "A manager cannot export a list that is not exported via the gateway"
        client = self.client_of('manager')
        with self.assertRaises(RPCError) as cm:
            self.export(client, self.internal)
        self.assertIn('"Staff Prices"', str(cm.exception))
        self.assertIn('not exported via the gateway', str(cm.exception))
        # The button is hidden on such a list, and refused
        self.assertRefused(client, 'model.product.price_list.export_prices',
            [self.internal], {})
        self.assertEqual(self.links(), [])

    def test_manager_exports(self):
        "A manager exports a gateway list through a link of their own"
        client = self.client_of('manager')
        action = self.call(client,
            'model.product.price_list.export_prices', [self.gateway], {})
        self.assertTrue(action)
        path = self.export(client, self.gateway)
        for name, download in [
                ("cookie", lambda: client.get(path)),
                ("header", lambda: self.client().get(path,
                        headers=session_header(
                            self.client(), self.db_name, 'manager'))),
                ]:
            with self.subTest(session=name):
                response = download()
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.data.decode().splitlines()[1:],
                    ['shop,SHIRT,SHIRT,0,30.00,usd,,'])
        # The table keeps no token
        (_, token_hash, user, price_list, _), = self.links()
        self.assertEqual(
            (user, price_list), (self.users['manager'], self.gateway))
        self.assertNotIn(token_hash, path)
        # Its own user cannot read the link either
        self.assertRefused(client,
            'model.product.price_list.export.link.search_read',
            [], 0, None, None, ['token_hash'], {})

    def test_link_refused(self):
        "A link is refused to anyone but its manager, and expires"
        path = self.export(self.client_of('manager'), self.gateway)
        links = self.links()
        wrong = path.rsplit('/', 1)[0] + '/' + 'A' * 43
        attempts = [
            ("no session", self.client(), path),
            ("other manager", self.client_of('other_manager'), path),
            ("cashier", self.client_of('cashier'), path),
            ("wrong token", self.client_of('manager'), wrong),
            ]
        for name, client, attempt in attempts:
            with self.subTest(attempt=name):
                response = client.get(attempt)
                self.assertIn(response.status_code, {403, 404})
                self.assertEqual(response.data, b'')
        # The session in an Authorization header, as scripts send it
        for name, login_ in [("other manager", 'other_manager'),
                ("cashier", 'cashier')]:
            with self.subTest(attempt=name + " by header"):
                client = self.client()
                response = client.get(path, headers=session_header(
                        client, self.db_name, login_))
                self.assertIn(response.status_code, {403, 404})
                self.assertEqual(response.data, b'')
        self.assertEqual(self.links(), links)

    def test_link_revoked(self):
        "A link stops working when its manager or list may no longer export"
        path = self.export(self.client_of('manager'), self.gateway)

        def refused(change, undo):
            # Logged in before the change: deactivating a user ends their
            # sessions.
            client = self.client_of('manager')
            with Transaction().start(DB_NAME, 0):
                change(Pool())
            links = self.links()
            try:
                response = client.get(path)
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.data, b'')
                self.assertEqual(self.links(), links)
            finally:
                with Transaction().start(DB_NAME, 0):
                    undo(Pool())

        def set_groups(group):
            def set_(pool):
                ModelData = pool.get('ir.model.data')
                User = pool.get('res.user')
                User.write([User(self.users['manager'])], {
                        'groups': [('remove', [ModelData.get_id(
                                        'onretail_base', g)
                                    for g in ['group_retail_admin',
                                        'group_retail']]),
                            ('add', [ModelData.get_id(
                                        'onretail_base', group)])],
                        })
            return set_

        def gateway_export(value):
            def set_(pool):
                PriceList = pool.get('product.price_list')
                PriceList.write([PriceList(self.gateway)], {
                        'gateway_export': value})
            return set_

        def active(value):
            def set_(pool):
                User = pool.get('res.user')
                User.write([User(self.users['manager'])], {'active': value})
            return set_

        def created(minutes_ago):
            def set_(pool):
                table = pool.get(
                    'product.price_list.export.link').__table__()
                Transaction().connection.cursor().execute(*table.update(
                        [table.create_date],
                        [dt.datetime.now() - dt.timedelta(
                                minutes=minutes_ago)]))
            return set_

        with self.subTest(change="no longer a manager"):
            refused(set_groups('group_retail'),
                set_groups('group_retail_admin'))
        with self.subTest(change="list no longer for the gateway"):
            refused(gateway_export(False), gateway_export(True))
        with self.subTest(change="deactivated"):
            refused(active(False), active(True))
        with self.subTest(change="expired"):
            refused(created(10.5), created(9.5))
        # After the undos the link works again
        self.assertEqual(
            self.client_of('manager').get(path).status_code, 200)


del RouteTestCase
