# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The attacks on the gateway export, replayed as an attacker makes them:
JSON-RPC to trytond's WSGI application, logged in as sao does. Each must be
refused and leave the table of the exports as it was."""
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

from .test_module import TODAY, PriceListTestMixin
from .tools import RPCError, create_user, login, rpc

WIZARD = 'wizard.product.price_list.export'
EXPORT = 'model.product.price_list.export.file'
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
        self.addCleanup(self.clear_exports)

    def client_of(self, login_):
        client = self.client()
        login(client, self.db_name, login_)
        return client

    def call(self, client, method, *params):
        return rpc(client, self.db_name, method, *params)

    def exports(self):
        "The rows of the export table, read back in a new transaction"
        with Transaction().start(DB_NAME, 0, readonly=True):
            table = Pool().get('product.price_list.export.file').__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.id, table.user, table.price_list, table.state,
                    table.filename, table.write_date,
                    order_by=[table.id]))
            return cursor.fetchall()

    def clear_exports(self):
        with Transaction().start(DB_NAME, 0):
            table = Pool().get('product.price_list.export.file').__table__()
            Transaction().connection.cursor().execute(*table.delete())

    def export(self, client, price_list, context=None):
        """Run the Export Gateway Prices wizard; return the id of the export
        it opens (the queue computes it once the request has answered)"""
        context = context or {}
        session_id, _, _ = self.call(client, WIZARD + '.create', context)
        result = self.call(client, WIZARD + '.execute', session_id, {
                'start': {
                    'price_list': price_list, 'date': TODAY,
                    'format': 'csv'},
                }, 'export', context)
        (action, _), = result['actions']
        export_id, = action['res_id']
        return export_id

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
                                    'format': 'csv'}}, 'export', context)
                    # The export model itself
                    self.assertRefused(client, EXPORT + '.create', [{
                                'price_list': price_list,
                                'user': self.users[login_], 'date': TODAY,
                                'format': 'csv'}], {})
                    self.assertRefused(client, EXPORT + '.search_read',
                        [], 0, None, None, ['file'], {})
                self.assertEqual(self.exports(), [])

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
        self.assertEqual(self.exports(), [])

    def test_malformed_export_leaves_nothing(self):
        """Wrong types, unknown ids, huge and non-finite values in the
        wizard: refused without a traceback, no export made or queued"""
        client = self.client_of('manager')
        good = {'price_list': self.gateway, 'date': TODAY, 'format': 'csv'}
        for name, value in [
                ('price_list', 2 ** 70), ('price_list', -1),
                ('price_list', 'abc'), ('price_list', [self.gateway]),
                ('price_list', float('nan')), ('price_list', 1e308),
                ('date', 'x'), ('date', 20261123), ('date', None),
                ('format', 'exe'), ('format', None), ('format', ['csv']),
                ]:
            with self.subTest(**{name: value}):
                session_id, _, _ = self.call(client, WIZARD + '.create', {})
                with self.assertRaises(RPCError) as cm:
                    self.call(client, WIZARD + '.execute', session_id,
                        {'start': dict(good, **{name: value})}, 'export',
                        {})
                status, error = cm.exception.args
                self.assertLess(status, 500, error)
                if name == 'format' or value in [-1, None]:
                    # what trytond's wizard lets through to the export is
                    # refused with a UserError; the rest trytond refuses
                    # when it reads the values
                    self.assertEqual(error[0], 'UserError', error)
                for sign in ['Traceback', 'File "', '.py"']:
                    self.assertNotIn(sign, str(error))
                self.assertEqual(self.exports(), [])

    def test_manager_exports(self):
        """A manager's export is computed once the request has answered; the
        manager reads the file and is told, and may delete it"""
        client = self.client_of('manager')
        action = self.call(client,
            'model.product.price_list.export_prices', [self.gateway], {})
        self.assertTrue(action)
        export_id = self.export(client, self.gateway)
        export, = self.call(client, EXPORT + '.read', [export_id],
            ['state', 'file', 'filename', 'user'], {})
        self.assertEqual(export['state'], 'done')
        self.assertEqual(export['user'], self.users['manager'])
        self.assertEqual(export['filename'], 'shop-2026-11-23.csv')
        self.assertEqual(export['file'].decode().splitlines()[1:],
            ['shop,SHIRT,SHIRT,0,30.00,usd,,'])
        notifications = self.call(client,
            'model.res.notification.search_read',
            [('model', '=', 'product.price_list.export.file')], 0, None,
            None, ['records', 'description'], {})
        self.assertIn('shop-2026-11-23.csv', [n['description']
                for n in notifications
                if n['records'] == '[%s]' % export_id][0])
        # Nobody writes an export, not even its manager
        for values in [{'state': 'queued'}, {'file': b'x'},
                {'user': self.users['other_manager']}]:
            with self.subTest(write=values):
                exports = self.exports()
                self.assertRefused(client, EXPORT + '.write',
                    [export_id], values, {})
                self.assertEqual(self.exports(), exports)
        self.call(client, EXPORT + '.delete', [export_id], {})
        self.assertEqual(self.exports(), [])

    def test_export_is_its_managers(self):
        "Nobody but its manager reads or deletes an export"
        export_id = self.export(self.client_of('manager'), self.gateway)
        exports = self.exports()
        other = self.client_of('other_manager')
        self.assertEqual(self.call(other, EXPORT + '.search', [], 0, None,
                None, {}), [])
        self.assertEqual(self.call(other,
                'model.res.notification.search', [], 0, None, None, {}), [])
        for client in [other, self.client_of('cashier'),
                self.client_of('clerk'), self.client()]:
            for method, params in [
                    ('.read', ([export_id], ['file'])),
                    ('.delete', ([export_id],)),
                    ]:
                with self.subTest(method=method):
                    self.assertRefused(client, EXPORT + method, *params, {})
        self.assertEqual(self.exports(), exports)

    def test_export_revoked(self):
        "A manager who is no longer one reads their exports no more"
        export_id = self.export(self.client_of('manager'), self.gateway)
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            ModelData = pool.get('ir.model.data')
            User = pool.get('res.user')
            User.write([User(self.users['manager'])], {
                    'groups': [('remove', [ModelData.get_id(
                                    'onretail_base', 'group_retail_admin')]),
                        ('add', [ModelData.get_id(
                                    'onretail_base', 'group_retail')])],
                    })
        try:
            self.assertRefused(self.client_of('manager'), EXPORT + '.read',
                [export_id], ['file'], {})
        finally:
            with Transaction().start(DB_NAME, 0):
                pool = Pool()
                ModelData = pool.get('ir.model.data')
                User = pool.get('res.user')
                User.write([User(self.users['manager'])], {
                        'groups': [('add', [ModelData.get_id(
                                        'onretail_base',
                                        'group_retail_admin')])],
                        })


del RouteTestCase
