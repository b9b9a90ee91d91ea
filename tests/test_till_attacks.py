# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The till under attack: each attack on the cashier screen's methods and on
the register's sales, made the way an attacker makes it (JSON-RPC over HTTP
as a user of the group Cashier only, or of no group, against the server of
the demo database), is refused with a message and leaves no trace."""
import base64
import functools
import json
import os
import secrets
import threading
import urllib.error
import urllib.request
import uuid
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .tools import ROOT, TIMEOUT, DemoServerTestCase

# Refusals are Tryton's UserError (and its subclasses); anything else that
# reaches a client is a raw Python error
REFUSED = 'UserError'

# Users of each group, a register Graz that Kim may not use, and the ids the
# attacks need, made in the demo database with proteus as the admin
SETUP = '''
import json
User = Model.get("res.user")
Group = Model.get("res.group")
Company = Model.get("company.company")
POS = Model.get("sale.point")
Product = Model.get("product.product")
Method = Model.get("sale.point.payment.method")
Card = Model.get("wallet.card")
company, = Company.find([])
cashier, = Group.find([("name", "=", "Cashier")])
manager, = Group.find([("name", "=", "Retail Manager")])
retail, = Group.find([("name", "=", "Retail User")])
pos, = Group.find([("name", "=", "POS")])
groups = {"kim": [cashier], "nobody": [], "mara": [manager],
    "rita": [retail], "paul": [pos]}
users = {}
for login, password in %(passwords)r.items():
    user = User(name=login, login=login, password=password)
    user.groups.extend([Group(g.id) for g in groups[login]])
    user.companies.append(Company(company.id))
    user.company = Company(company.id)
    user.save()
    users[login] = user.id
wien, = POS.find([("name", "=", "Filiale Wien")])
graz, = POS.duplicate([wien], {"name": "Filiale Graz"})
graz.cashiers.append(User(users["mara"]))
graz.save()
product, = Product.find([("name", "=", "Aloe Vera Gel")])
voucher, = Product.find([("name", "=", "Christmas Voucher")])
cards = Card.find([("program.name", "=", "Christmas voucher")])
Program = Model.get("wallet.program")
credit = [p.product.id for p in Program.find([])]
salable = [p.id for p in Product.find([
    ("salable", "=", True), ("account_category", "!=", None),
    ("id", "not in", credit)], limit=8)]
Party = Model.get("party.party")
customers = [p.id for p in Party.find([], limit=3)]
print(json.dumps({
    "salable": salable, "customers": customers,
    "users": users, "wien": wien.id, "graz": graz.id,
    "methods": {m.name: m.id for m in Method.find([])},
    "product": product.id, "voucher": voucher.id,
    "card": cards[0].code, "other_card": cards[1].code}))
'''


# The access table of the README: its columns are these users' groups
ACCESS_COLUMNS = {'no group': 'nobody', 'Cashier': 'kim',
    'Retail User': 'rita', 'Retail Manager': 'mara', 'POS': 'paul'}


def readme_access_table():
    """{((model,) or (model, field), column): letters} of the README's
    table, between its markers; a row names its model and field in
    backquotes"""
    text = (ROOT / 'README.md').read_text()
    table = text.split('<!-- access table -->')[1].split(
        '<!-- end of access table -->')[0]
    rows = [[cell.strip() for cell in line.strip().strip('|').split('|')]
        for line in table.strip().splitlines()]
    header, _, *rows = rows
    return {(tuple(row[0].split('`')[1::2]), column): cell
        for row in rows for column, cell in zip(header[1:], row[1:])}


def decimal(value):
    "A Decimal as trytond's JSON-RPC sends it (a plain number for 0)"
    if isinstance(value, dict):
        return Decimal(value['decimal'])
    return Decimal(value)


def junk():
    "Any JSON value, as a client may send anything"
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats()
        | st.text(max_size=30),
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=10)


def quantities():
    "Quantities a cashier or an attacker may send"
    return st.one_of(
        st.integers(min_value=-3, max_value=12),
        st.sampled_from(['1', '2.0', '0.5', '-1', '1e20', 'NaN', 'Infinity',
                '1e400', '', 'abc', 1.5, 1e20, True, None]),
        junk())


def cart_lines(products):
    """Lists of lines, most of them what the screen sends, some odd, some
    junk; or anything else"""
    plain = st.fixed_dictionaries({
            'product': st.sampled_from(products),
            'quantity': st.integers(min_value=1, max_value=5),
            })
    odd = st.fixed_dictionaries({
            'product': st.sampled_from(products) | junk(),
            'quantity': quantities(),
            }, optional={
            'discount': st.sampled_from(['0.1', '2', '-0.1', 'x']) | junk(),
            'unit_price': st.sampled_from(['5.00', '-1', '1e12']) | junk(),
            'returned_line': st.integers(-2, 10 ** 6) | junk(),
            })
    valid = st.lists(plain, min_size=1, max_size=6)
    mixed = st.lists(st.one_of(plain, plain, odd, junk()), max_size=6)
    return st.one_of(valid, mixed, mixed, mixed, junk(), junk())


class TillAttackTestCase(DemoServerTestCase):
    "Attacks on the till over JSON-RPC"
    # Generated carts: 1,000 on SQLite, fewer where each costs more
    examples = int(os.environ.get('ONRETAIL_FUZZ_EXAMPLES',
            1000 if os.environ.get('TRYTOND_DATABASE__URI', '').startswith(
                'sqlite') else 400))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.passwords = {login: secrets.token_urlsafe(12)
            for login in ['kim', 'nobody', 'mara', 'rita', 'paul']}
        cls.ids = json.loads(cls.proteus(SETUP % {
                    'passwords': cls.passwords}))
        kim = cls.session('kim')
        wien = cls.ids['wien']
        cls.call(kim, 'model.sale.point.cash.session.open_counted',
            wien, '100.00')
        sale = cls.call(kim, 'model.sale.point.sale.checkout', wien, {
                'client_id': str(uuid.uuid4()),
                'lines': [{'product': cls.ids['product'], 'quantity': 2}],
                'payments': [{'method': cls.ids['methods']['Cash'],
                        'amount': '100.00'}]})['result']
        cls.sale = sale

    @classmethod
    def session(cls, login):
        "The authorization of a new session of login"
        user_id, session, _ = cls.rpc('common.db.login',
            login, {'password': cls.passwords[login]}, 'en')
        authorization = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()
        context = cls.rpc('model.res.user.get_preferences', True, {},
            authorization=authorization)
        return authorization, context

    @classmethod
    def call(cls, session, method, *params):
        "The JSON-RPC answer of method as the user of session: result or error"
        authorization, context = session
        body = json.dumps({'id': 0, 'method': method,
                'params': [*params, context]}).encode()
        request = urllib.request.Request(
            f'{cls.url}{cls.database}/rpc/', data=body, headers={
                'Content-Type': 'application/json',
                'Authorization': authorization})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.load(response)

    def assertRefused(self, answer, text=None):
        "The answer is a refusal with a message, not a result or a raw error"
        self.assertIn('error', answer, answer.get('result'))
        error = answer['error']
        self.assertEqual(error[0], REFUSED, error)
        if text:
            self.assertIn(text, error[1][0])

    def admin(self, method, *params):
        return self.call(self.admin_auth(), method, *params)

    def admin_auth(self):
        authorization = self.admin_session()
        context = self.rpc('model.res.user.get_preferences', True, {},
            authorization=authorization)
        return authorization, context

    def read_sale(self, sale_id):
        "The sale as the back office reads it, with lines and payments"
        sale, = self.admin('model.sale.point.sale.read', [sale_id],
            ['state', 'number', 'date', 'total', 'lines', 'payments'])['result']
        sale['lines'] = self.admin('model.sale.point.sale.line.read',
            sale['lines'], ['quantity', 'unit_price'])['result']
        sale['payments'] = self.admin('model.sale.point.payment.read',
            sale['payments'], ['amount', 'method'])['result']
        return sale

    def count(self, model, domain=None):
        return self.admin(f'model.{model}.search_count', domain or [])[
            'result']

    def cart(self, lines, payments=(), **values):
        return dict({'client_id': str(uuid.uuid4()), 'lines': lines,
                'payments': list(payments)}, **values)

    def test_extension_route_serves_only_screen_files(self):
        """/<db>/pos/ext/<module>/ serves a module's static/pos/ files and
        nothing else: no other file of the module, no module that is not
        one, no path out of the folder"""
        base = f'{self.url}{self.database}/pos/ext/'
        with urllib.request.urlopen(
                base + 'onretail_cituro/main.js', timeout=TIMEOUT) as answer:
            self.assertEqual(answer.headers.get_content_type(),
                'text/javascript')
            self.assertIn(b'screen_cituro_take', answer.read())
        for path in ['onretail_cituro/../tryton.cfg',
                'onretail_cituro/%2e%2e/tryton.cfg',
                'onretail_cituro/..%2f..%2fonretail_cituro%2ftryton.cfg',
                'onretail_cituro//etc/passwd', 'onretail_cituro/nothing.js',
                'os/path.py', 'Onretail_Cituro/main.js',
                'onretail_pos/../../../trytond.conf',
                'account/main.js', 'x' * 100 + '/main.js']:
            with self.subTest(path=path):
                with self.assertRaises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(base + path, timeout=TIMEOUT)
                self.assertEqual(caught.exception.code, 404)

    def test_cashier_cannot_rewrite_posted_sale(self):
        "A cashier's writes on a posted sale, its lines and payments fail"
        kim = self.session('kim')
        before = self.read_sale(self.sale['id'])
        attacks = [
            ('model.sale.point.sale.write', [self.sale['id']],
                {'state': 'open', 'number': 'X1', 'date': '2020-01-01'}),
            ('model.sale.point.sale.line.write', before['lines'][0:1] and
                [before['lines'][0]['id']], {'quantity': 1,
                    'unit_price': '0.01'}),
            ('model.sale.point.payment.write', [before['payments'][0]['id']],
                {'amount': '1.00'}),
            ('model.sale.point.payment.create', [{'sale': self.sale['id'],
                    'method': self.ids['methods']['Cash'],
                    'amount': '-50.00'}]),
            ('model.sale.point.sale.delete', [self.sale['id']]),
            ]
        for method, *params in attacks:
            with self.subTest(method=method):
                self.assertRefused(self.call(kim, method, *params))
        self.assertEqual(self.read_sale(self.sale['id']), before)

    def test_nobody_posts_changes(self):
        "Not even the admin changes a posted sale"
        before = self.read_sale(self.sale['id'])
        self.assertRefused(self.admin('model.sale.point.sale.write',
                [self.sale['id']], {'state': 'open'}))
        self.assertRefused(self.admin('model.sale.point.payment.write',
                [before['payments'][0]['id']], {'amount': '1.00'}))
        self.assertEqual(self.read_sale(self.sale['id']), before)

    def test_no_group_uses_no_screen(self):
        "A user of no group calls none of the cashier screen's methods"
        nobody = self.session('nobody')
        wien = self.ids['wien']
        sales = self.count('sale.point.sale')
        customers = self.count('party.party')
        attacks = [
            ('model.sale.point.screen_registers',),
            ('model.sale.point.screen_products', wien),
            ('model.sale.point.screen_card', wien, self.ids['card']),
            ('model.sale.point.create_customer', wien, {'name': 'Eve'}),
            ('model.sale.point.sale.price_cart', wien,
                self.cart([{'product': self.ids['product']}])),
            ('model.sale.point.sale.checkout', wien,
                self.cart([{'product': self.ids['product']}],
                    [{'method': self.ids['methods']['Cash'],
                        'amount': '20'}])),
            ('model.sale.point.sale.get_receipt', [self.sale['id']]),
            ('model.sale.point.sale.screen_return', wien,
                self.sale['number']),
            ('model.sale.point.cash.session.open_counted', wien, '0'),
            ('model.sale.point.read', [wien], ['printer_token']),
            ('model.sale.point.sale.read', [self.sale['id']], ['total']),
            ]
        for method, *params in attacks:
            with self.subTest(method=method):
                self.assertRefused(self.call(nobody, method, *params))
        self.assertEqual(self.count('sale.point.sale'), sales)
        self.assertEqual(self.count('party.party'), customers)

    def test_cashier_stays_at_her_registers(self):
        """A cashier sees only her registers; figures, receipts, sales and
        the printer token of another register are refused"""
        kim = self.session('kim')
        mara = self.session('mara')
        graz = self.ids['graz']
        registers = self.call(kim, 'model.sale.point.screen_registers')[
            'result']
        self.assertNotIn(graz, [r['id'] for r in registers])
        self.assertRefused(self.call(kim, 'model.sale.point.read', [graz],
                ['name']))
        self.assertRefused(self.call(kim, 'model.sale.point.read',
                [self.ids['wien']], ['printer_token']))
        self.assertEqual(self.call(kim, 'model.sale.point.search',
                [('id', '=', graz)])['result'], [])
        for method, *params in [
                ('model.sale.point.screen_products', graz),
                ('model.sale.point.sale.price_cart', graz,
                    self.cart([{'product': self.ids['product']}])),
                ('model.sale.point.cash.session.open_counted', graz, '0'),
                ]:
            with self.subTest(method=method):
                self.assertRefused(self.call(kim, method, *params))
        # a manager is no cashier: she does not sell
        self.assertRefused(self.call(mara, 'model.sale.point.screen_registers'))
        # the sale of Wien is not Mara's to read at Graz's screen
        self.assertEqual(self.call(kim, 'model.sale.point.sale.search',
                [('point', '=', graz)])['result'], [])

    def test_last_receipt(self):
        """Reprint: a cashier reads the last receipt of her register's open
        session; a user of no group, a cashier at a register she may not
        use and arguments of the wrong type are refused with a message"""
        kim = self.session('kim')
        nobody = self.session('nobody')
        wien, graz = self.ids['wien'], self.ids['graz']
        method = 'model.sale.point.sale.screen_last_receipt'
        answer = self.call(kim, method, wien)
        self.assertNotIn('error', answer)
        last, = self.admin('model.sale.point.sale.search', [
                ('point', '=', wien), ('state', '=', 'posted'),
                ('session.state', '=', 'open')], 0, 1, [('id', 'DESC')])[
            'result']
        self.assertEqual(answer['result']['barcode'],
            self.read_sale(last)['number'])
        with self.subTest(user='nobody'):
            self.assertRefused(self.call(nobody, method, wien))
        # Mara may use Graz, but she is no cashier
        for login, point in [('kim', graz), ('mara', graz), ('rita', wien),
                ('paul', wien)]:
            with self.subTest(user=login, point=point):
                self.assertRefused(
                    self.call(self.session(login), method, point))
        for value in [None, 'abc', str(wien), '', -1, 0, 1.5, float(wien),
                True, False, [wien], [], {'id': wien}, 2 ** 31, 2 ** 70,
                -2 ** 70, 999999, {'decimal': '1', '__class__': 'Decimal'},
                {'__class__': 'bytes', 'base64': ''}]:
            with self.subTest(point_id=value):
                self.assertRefused(self.call(kim, method, value))

    def test_wrong_number_of_values(self):
        """A call of the screen's methods with fewer or more values than
        they take is refused with a message, not Python's TypeError"""
        kim = self.session('kim')
        wien = self.ids['wien']
        sales = self.count('sale.point.sale')
        parties = self.count('party.party')
        cart = self.cart([{'product': self.ids['product']}],
            [{'method': self.ids['methods']['Cash'], 'amount': '50'}])
        customer = {'name': "Mallory"}
        for method, values in [
                ('sale.point.sale.screen_last_receipt', [wien]),
                ('sale.point.sale.screen_return', [wien, self.sale['number']]),
                ('sale.point.sale.price_cart', [wien, cart]),
                ('sale.point.sale.checkout', [wien, cart]),
                ('sale.point.screen_registers', []),
                ('sale.point.screen_products', [wien]),
                ('sale.point.screen_language', []),
                ('sale.point.screen_card', [wien, 'GC-1']),
                ('sale.point.create_customer', [wien, customer]),
                ('sale.point.cash.session.open_counted', [wien, '100']),
                ]:
            for params in [values[:-1], values + [wien],
                    values + ['x', None], []]:
                if params == values:
                    continue
                with self.subTest(method=method, params=params):
                    self.assertRefused(self.call(kim,
                            f'model.{method}', *params),
                        'takes %s values' % len(values))
        self.assertEqual(self.count('sale.point.sale'), sales)
        self.assertEqual(self.count('party.party'), parties)

    def test_cituro_attacks(self):
        """The cituro methods and a cart's take, called with values of any
        type, by a user of no group and with a forged take, are refused
        with a message and write nothing"""
        kim, nobody = self.session('kim'), self.session('nobody')
        wien = self.ids['wien']
        tables = ['sale.point.sale', 'party.party',
            'onretail.cituro.appointment']
        before = {t: self.count(t) for t in tables}
        for value in [None, '', 1, -1.5, 1e308, True, [], {}, ['A-100'],
                {'id': 'A-100'}, 'A' * 100_000, '\x00',
                {'__class__': 'bytes', 'base64': ''}]:
            with self.subTest(cituro_id=value):
                self.assertRefused(self.call(kim,
                        'model.sale.point.screen_cituro_take', wien, value))
        for method, values in [
                ('sale.point.screen_cituro_appointments', [wien]),
                ('sale.point.screen_cituro_take', [wien, 'A-100'])]:
            with self.subTest(method=method, user='nobody'):
                self.assertRefused(
                    self.call(nobody, f'model.{method}', *values))
            for params in [values[:-1], values + ['x']]:
                with self.subTest(method=method, params=params):
                    self.assertRefused(self.call(kim,
                            f'model.{method}', *params),
                        'takes %s values' % len(values))
        cash = [{'method': self.ids['methods']['Cash'], 'amount': '50'}]
        for take in ['A-100', 1, [], {'id': 'A-100'}, {
                    'id': 'A-100', 'start': '2026-12-04T09:00:00',
                    'party': 1, 'items': [], 'signature': 'f' * 64}]:
            with self.subTest(take=take):
                self.assertRefused(self.call(kim,
                        'model.sale.point.sale.checkout', wien, self.cart(
                            [{'product': self.ids['product'],
                                    'cituro_item': 'i-1'}],
                            cash, cituro=take)))
        self.assertEqual({t: self.count(t) for t in tables}, before)

    def test_planet_attacks(self):
        """The tax-free methods called with values of any type, by a user of
        no group, for a form of another register, and checkouts with forged
        travellers: refused with a message, nothing written"""
        kim, nobody = self.session('kim'), self.session('nobody')
        wien = self.ids['wien']
        tables = ['sale.point.sale', 'onretail.planet.form']
        before = {t: self.count(t) for t in tables}
        values = [None, '', 1.5, -1, 2 ** 40, True, [], {}, 'x' * 100_000,
            '\x00', {'__class__': 'bytes', 'base64': ''}]
        for value in values:
            with self.subTest(form_id=value):
                self.assertRefused(self.call(kim,
                        'model.onretail.planet.form.screen_issue', wien, value))
        # a form id that is none of the register's
        self.assertRefused(self.call(kim,
                'model.onretail.planet.form.screen_issue', wien, 1))
        cart = self.cart([{'product': self.ids['product']}])
        for method, params in [
                ('onretail.planet.form.screen_issue', [wien, 1]),
                ('sale.point.sale.screen_planet_check', [wien, cart]),
                ('sale.point.screen_planet_countries', [wien]),
                ]:
            with self.subTest(method=method, user='nobody'):
                self.assertRefused(
                    self.call(nobody, f'model.{method}', *params))
            for wrong in [params[:-1], params + ['x']]:
                with self.subTest(method=method, params=len(wrong)):
                    self.assertRefused(self.call(kim, f'model.{method}',
                            *wrong), 'takes %s values' % len(params))
        traveller = {'first_name': "Mary", 'last_name': "Smith",
            'birth_date': '1980-05-17', 'nationality': 1,
            'residence_country': 1, 'document_type': 'passport',
            'document_number': 'P1'}
        cash = [{'method': self.ids['methods']['Cash'], 'amount': '50'}]
        # (None: no tax-free sale)
        for forged in values[1:] + [
                dict(traveller, birth_date='1980-02-30'),
                dict(traveller, nationality='US'),
                dict(traveller, document_type='visa'),
                dict(traveller, signature='x'),
                dict(traveller, first_name=['Mary'])]:
            with self.subTest(planet=str(forged)[:60]):
                for method in ['screen_planet_check', 'checkout']:
                    self.assertRefused(self.call(kim,
                            f'model.sale.point.sale.{method}', wien,
                            self.cart([{'product': self.ids['product']}],
                                cash, planet=forged)))
        self.assertEqual({t: self.count(t) for t in tables}, before)

    def test_planet_form_buttons(self):
        """Issue again, Void and New Form of a tax-free form called by a
        cashier (who reads no form), by a user of no group, and by a Retail
        User with ids that are no form's: refused, nothing written"""
        kim, nobody = self.session('kim'), self.session('nobody')
        rita = self.session('rita')
        form_id = self.tax_free_form(kim)
        fields = ['state', 'number', 'error', 'write_date']
        read = functools.partial(self.admin,
            'model.onretail.planet.form.read', [form_id], fields)
        before, forms = read()['result'], self.count('onretail.planet.form')
        for button in ['issue', 'void', 'renew']:
            method = f'model.onretail.planet.form.{button}'
            for login, session in [('kim', kim), ('nobody', nobody)]:
                with self.subTest(button=button, user=login):
                    self.assertRefused(self.call(session, method, [form_id]))
            for ids in [[2 ** 40], [-1], [0]]:
                with self.subTest(button=button, ids=ids):
                    self.assertRefused(self.call(rita, method, ids))
            # Ids of other types fail in Tryton's conversion of a button's
            # arguments, as for every model, before the module's code
            for ids in [['x'], [None], [[form_id]], 'x', {}]:
                with self.subTest(button=button, ids=ids):
                    self.assertIn('error', self.call(rita, method, ids))
        self.assertEqual(read()['result'], before)
        self.assertEqual(self.count('onretail.planet.form'), forms)

    def tax_free_form(self, session):
        "The id of the form of a tax-free sale of the jacket at Wien"
        usa, = self.admin('model.country.country.search',
            [('code', '=', 'US')])['result']
        jacket, = self.admin('model.product.product.search',
            [('code', '=', 'KN-106')])['result']
        traveller = {'first_name': "Mary", 'last_name': "Smith",
            'birth_date': '1980-05-17', 'nationality': usa,
            'residence_country': usa, 'document_type': 'passport',
            'document_number': 'P1234567'}
        answer = self.call(session, 'model.sale.point.sale.checkout',
            self.ids['wien'], self.cart([{'product': jacket}],
                [{'method': self.ids['methods']['Cash'], 'amount': '119'}],
                planet=traveller))
        self.assertIn('result', answer, answer)
        form, = self.admin('model.onretail.planet.form.search',
            [('sale', '=', answer['result']['id'])])['result']
        return form

    def test_fake_return_of_credit(self):
        """A line of the voucher at -1 × 500 paid out in cash is refused, at
        a register where cashiers may not change prices as anywhere"""
        kim = self.session('kim')
        sales = self.count('sale.point.sale')
        moves = self.count('wallet.move')
        answer = self.call(kim, 'model.sale.point.sale.checkout',
            self.ids['wien'], self.cart(
                [{'product': self.ids['voucher'], 'quantity': -1,
                        'unit_price': '500'}],
                [{'method': self.ids['methods']['Cash'],
                        'amount': '-500'}]))
        self.assertRefused(answer)
        self.assertEqual(self.count('sale.point.sale'), sales)
        self.assertEqual(self.count('wallet.move'), moves)

    def test_return_without_receipt_refused(self):
        "A negative line with no receipt is not paid out"
        kim = self.session('kim')
        sales = self.count('sale.point.sale')
        answer = self.call(kim, 'model.sale.point.sale.checkout',
            self.ids['wien'], self.cart(
                [{'product': self.ids['product'], 'quantity': -3}],
                [{'method': self.ids['methods']['Cash'], 'amount': '-30'}]))
        self.assertRefused(answer, 'only against the receipt')
        self.assertEqual(self.count('sale.point.sale'), sales)

    def test_return_without_receipt_approved(self):
        """Where the register allows it, a return without receipt is paid
        out once a Retail Manager approved it with her login"""
        kim = self.session('kim')
        wien = self.ids['wien']
        self.assertNotIn('error', self.admin('model.sale.point.write',
                [wien], {'returns_without_receipt': True}))
        self.addCleanup(self.admin, 'model.sale.point.write', [wien],
            {'returns_without_receipt': False})
        sales = self.count('sale.point.sale')
        lines = [{'product': self.ids['product'], 'quantity': -1}]
        total = decimal(self.call(kim, 'model.sale.point.sale.price_cart',
                wien, self.cart(lines))['result']['total'])
        payments = [{'method': self.ids['methods']['Cash'],
                'amount': str(total)}]
        for approval in [None,
                {'login': 'kim', 'password': self.passwords['kim']},
                {'login': 'mara', 'password': 'wrong'},
                {'login': 'mara', 'password': 5}]:
            with self.subTest(approval=approval):
                self.assertRefused(self.call(kim,
                        'model.sale.point.sale.checkout', wien,
                        self.cart(lines, payments, approval=approval)))
        self.assertEqual(self.count('sale.point.sale'), sales)
        answer = self.call(kim, 'model.sale.point.sale.checkout', wien,
            self.cart(lines, payments, approval={
                    'login': 'mara', 'password': self.passwords['mara']}))
        sale, = self.admin('model.sale.point.sale.read',
            [answer['result']['id']], ['state', 'return_approved_by',
                'total'])['result']
        self.assertEqual(sale['state'], 'posted')
        self.assertEqual(sale['return_approved_by'], self.ids['users']['mara'])
        self.assertEqual(decimal(sale['total']), total)

    def test_concurrent_returns(self):
        """Two registers returning the same sold line at once: one is paid
        out, the other refused, in two real transactions of the server"""
        kim = self.session('kim')
        wien = self.ids['wien']
        cash = self.ids['methods']['Cash']
        sold = self.call(kim, 'model.sale.point.sale.checkout', wien,
            self.cart([{'product': self.ids['product'], 'quantity': 1}],
                [{'method': cash, 'amount': '50'}]))['result']
        line, = self.read_sale(sold['id'])['lines']
        total = decimal(sold['total'])
        barrier = threading.Barrier(2)
        answers = []

        def give_back():
            cart = self.cart([{'returned_line': line['id'], 'quantity': 1}],
                [{'method': cash, 'amount': str(-total)}])
            barrier.wait()
            try:
                answers.append(self.call(
                        kim, 'model.sale.point.sale.checkout', wien, cart))
            except OSError as error:  # an HTTP error is a raw error too
                answers.append({'raw': str(error)})

        threads = [threading.Thread(target=give_back) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        paid = [a for a in answers if 'result' in a]
        refused = [a for a in answers if 'result' not in a]
        self.assertEqual(len(paid), 1, answers)
        self.assertRefused(refused[0], 'can be returned')
        self.assertEqual(self.count('sale.point.sale.line',
                [('returned_line', '=', line['id'])]), 1)

    def test_same_line_returned_twice(self):
        "The sold line returned twice in one cart is refused"
        kim = self.session('kim')
        line, = self.read_sale(self.sale['id'])['lines']
        sales = self.count('sale.point.sale')
        answer = self.call(kim, 'model.sale.point.sale.checkout',
            self.ids['wien'], self.cart([
                    {'returned_line': line['id'], 'quantity': 2},
                    {'returned_line': line['id'], 'quantity': 2}],
                [{'method': self.ids['methods']['Cash'],
                        'amount': '-100'}]))
        self.assertRefused(answer, 'can be returned')
        self.assertEqual(self.count('sale.point.sale'), sales)

    def test_credit_moved_by_payments_without_lines(self):
        "+10 / -10 card payments with no lines move no credit"
        kim = self.session('kim')
        moves = self.count('wallet.move')
        card = self.ids['card']
        method = self.ids['methods']['Gift card']
        answer = self.call(kim, 'model.sale.point.sale.checkout',
            self.ids['wien'], self.cart([], [
                    {'method': method, 'amount': '10', 'card': card},
                    {'method': method, 'amount': '-10',
                        'card': self.ids['other_card']}]))
        self.assertRefused(answer)
        self.assertEqual(self.count('wallet.move'), moves)

    def test_back_office_refund_to_any_card(self):
        """A back-office user of the register (group POS) cannot pay
        credit onto a card with a payment of her own making"""
        paul = self.session('paul')
        card, = self.admin('model.wallet.card.search',
            [('program.name', '=', 'Christmas voucher')], 0, 1)['result']
        moves = self.count('wallet.move')
        # a return of goods typed in the back office, to pay back
        answer = self.call(paul, 'model.sale.point.sale.create',
            [{'point': self.ids['wien'], 'lines': [('create', [{
                                'product': self.ids['product'],
                                'quantity': -1,
                                'unit_list_price': '10.0000',
                                'unit_gross_price': '12.0000',
                                }])]}])
        sale, = answer['result']
        answer = self.call(paul, 'model.sale.point.payment.create', [{
                    'sale': sale, 'method': self.ids['methods']['Gift card'],
                    'wallet_card': card, 'amount': '-10.00'}])
        self.assertRefused(answer, 'only the refund')
        self.assertEqual(self.count('wallet.move'), moves)
        self.assertEqual(self.count('sale.point.payment',
                [('sale', '=', sale)]), 0)

    def test_careless_input(self):
        """Malformed carts and values answer with a message, never a raw
        error, and write nothing"""
        kim = self.session('kim')
        wien = self.ids['wien']
        product = self.ids['product']
        cash = self.ids['methods']['Cash']
        sales = self.count('sale.point.sale')
        parties = self.count('party.party')
        carts = [
            [],
            'cart',
            {'lines': 'x'},
            {'lines': [{}]},
            {'lines': [{'product': product, 'quantity': 0}]},
            {'lines': [{'product': product, 'quantity': 1e20}]},
            {'lines': [{'product': product, 'quantity': 'Infinity'}]},
            {'lines': [{'product': product, 'quantity': 'NaN'}]},
            {'lines': [{'product': product, 'quantity': '1e400'}]},
            {'lines': [{'product': product, 'quantity': True}]},
            {'lines': [{'product': product, 'quantity': [1]}]},
            {'lines': [{'product': product, 'quantity': 1.5}]},
            {'lines': [{'product': 'abc'}]},
            {'lines': [{'product': -1}]},
            {'lines': [{'product': 2 ** 40}]},
            {'lines': [{'product': 999999}]},
            {'lines': [{'product': product, 'discount': '2'}]},
            {'lines': [{'product': product, 'unit_price': '-5'}]},
            {'lines': [{'product': product, 'extra': 1}]},
            {'lines': [{'packaging': 999999}]},
            {'lines': [{'returned_line': 999999}]},
            {'lines': [{'product': product}], 'customer': 999999},
            {'lines': [{'product': product}], 'customer': 'x'},
            {'lines': [{'product': product}] * 201},
            {'lines': [{'product': product}], 'payments': [{}]},
            {'lines': [{'product': product}],
                'payments': [{'amount': '5'}]},
            {'lines': [{'product': product}],
                'payments': [{'method': cash, 'amount': 'abc'}]},
            {'lines': [{'product': product}],
                'payments': [{'method': 999999, 'amount': '5'}]},
            ]
        for cart in carts:
            for method in ['price_cart', 'checkout']:
                if isinstance(cart, dict):
                    cart = dict(cart, client_id=str(uuid.uuid4()))
                with self.subTest(cart=str(cart)[:80], method=method):
                    self.assertRefused(self.call(kim,
                            f'model.sale.point.sale.{method}', wien, cart))
        for client_id in [None, 5, 'x' * 65, ['a'], 'a b']:
            with self.subTest(client_id=client_id):
                self.assertRefused(self.call(kim,
                        'model.sale.point.sale.checkout', wien,
                        {'client_id': client_id,
                            'lines': [{'product': product}],
                            'payments': [{'method': cash, 'amount': '50'}]}))
        for value in ['abc', None, -5, 'NaN', [1]]:
            with self.subTest(counted=value):
                sessions = self.call(kim,
                    'model.sale.point.cash.session.search',
                    [('point', '=', wien), ('state', '=', 'open')])['result']
                self.assertRefused(self.call(kim,
                        'model.sale.point.cash.session.close_counted',
                        sessions, value))
        for values in ['x', {'name': 5}, {'name': 'x' * 101},
                {'name': 'Eve', 'admin': True}]:
            with self.subTest(customer=values):
                self.assertRefused(self.call(kim,
                        'model.sale.point.create_customer', wien, values))
        self.assertEqual(self.count('sale.point.sale'), sales)
        self.assertEqual(self.count('party.party'), parties)

    def test_access_table(self):
        """The README's access table is what each group may do: read,
        create, write, delete a model (R, C, W, D), or read a field (R),
        – for nothing"""
        expected = readme_access_table()
        names = sorted({name for name, _ in expected})
        models = sorted({name[0] for name in names})
        actual = {}
        for column, login in ACCESS_COLUMNS.items():
            session = self.session(login)
            rights = self.call(session, 'model.ir.model.access.get_access',
                models)['result']
            for name in names:
                if len(name) == 1:
                    actual[name, column] = ''.join(
                        letter for letter, mode in zip('RCWD',
                            ['read', 'create', 'write', 'delete'])
                        if rights[name[0]][mode]) or '–'
                else:
                    # reading the field is refused without the right
                    answer = self.call(session,
                        f'model.{name[0]}.search_read', [], 0, 1, None,
                        [name[1]])
                    actual[name, column] = (
                        '–' if 'error' in answer else 'R')
        table = '\n'.join(
            '| %s | %s |' % (', '.join('`%s`' % n for n in name), ' | '.join(
                    actual[name, c] for c in ACCESS_COLUMNS))
            for name in names)
        self.assertEqual(actual, expected, table)

    def test_generated_carts(self):
        """Generated carts: each is priced and posted correctly, or refused
        with a message; none leaves a half-written sale"""
        kim = self.session('kim')
        wien = self.ids['wien']
        cash = self.ids['methods']['Cash']
        products = self.ids['salable']
        models = ['sale.point.sale', 'sale.point.sale.line',
            'sale.point.payment', 'wallet.move']
        before = {m: self.count(m) for m in models}
        posted = []

        @settings(max_examples=self.examples, deadline=None,
            derandomize=True, database=None,
            suppress_health_check=list(HealthCheck))
        @given(lines=cart_lines(products), extra=st.integers(0, 5000),
            customer=st.one_of(st.none(), st.none(),
                st.sampled_from(self.ids['customers']), junk()))
        def checkout(lines, extra, customer):
            cart = self.cart(lines, customer=customer)
            priced = self.call(kim, 'model.sale.point.sale.price_cart',
                wien, cart)
            if 'error' in priced:
                self.assertRefused(priced)
                return
            total = decimal(priced['result']['total'])
            if total > 0:
                given_ = total + Decimal(extra) / 100
            else:
                given_ = total
            cart['payments'] = [{'method': cash, 'amount': str(given_)}]
            answer = self.call(kim, 'model.sale.point.sale.checkout', wien,
                cart)
            if 'error' in answer:
                self.assertRefused(answer)
                return
            result = answer['result']
            self.assertEqual(decimal(result['total']), total)
            if total > 0:
                self.assertEqual(
                    decimal(result['change']), given_ - total)
            posted.append((result['id'], len(cart['lines']), total))

        checkout()
        sales = self.admin('model.sale.point.sale.read',
            [i for i, _, _ in posted], ['state', 'total', 'amount_to_pay',
                'lines'])['result']
        for sale, (_, lines, total) in zip(
                sorted(sales, key=lambda s: s['id']), sorted(posted)):
            self.assertEqual(sale['state'], 'posted')
            self.assertEqual(decimal(sale['total']), total)
            self.assertEqual(decimal(sale['amount_to_pay']), 0)
            self.assertEqual(len(sale['lines']), lines)
        # Nothing but the posted sales was written
        self.assertEqual(self.count('sale.point.sale'),
            before['sale.point.sale'] + len(posted))
        self.assertEqual(self.count('sale.point.sale.line'),
            before['sale.point.sale.line'] + sum(n for _, n, _ in posted))
        self.assertEqual(self.count('wallet.move'), before['wallet.move'])
        # enough carts went through to show that posting is tested too
        self.assertGreater(len(posted), self.examples // 20)
