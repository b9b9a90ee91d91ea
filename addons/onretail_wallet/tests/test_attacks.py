# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The wallet under attack: each attack is made the way an attacker makes
it, over JSON-RPC through trytond's WSGI application with a real login, as
a cashier, a user of no group or a retail user; it must be refused and leave
no trace (balances and movements are read back). The checks that no RPC
method reaches in this module alone run as the system in real
transactions."""
import base64
import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
import unittest
import urllib.parse
import warnings
from decimal import Decimal
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.iso7064 import mod_37_36

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company
from trytond.modules.currency.tests import create_currency
from trytond.modules.onretail_base.tests.tools import create_role_users
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction, TransactionError

from ..card import CODE_ALPHABET, CODE_RANDOM_LENGTH, mask_code, new_code

D = Decimal
LOGGER = 'trytond.modules.onretail_wallet.card'

# Codes that pass the check character, as a brute force would try them
codes = st.text(CODE_ALPHABET, min_size=CODE_RANDOM_LENGTH,
    max_size=CODE_RANDOM_LENGTH).map(
    lambda body: body + mod_37_36.calc_check_digit(body))

# Each user logs in with the groups of its role
ROLES = {
    'kim': [('onretail_base', 'group_cashier'), ('sale', 'group_sale'),
        ('sale_point', 'group_sale_point')],
    'ben': [('onretail_base', 'group_cashier'), ('sale', 'group_sale'),
        ('sale_point', 'group_sale_point')],
    'nobody': [],
    'rita': [('onretail_base', 'group_retail')],
    'mara': [('onretail_base', 'group_retail_admin')],
    }


class WalletAttackTestCase(RouteTestCase):
    "Attacks on gift cards and eWallets over JSON-RPC"
    module = 'onretail_wallet'
    extras = ['sale_point', 'web_shop']

    @classmethod
    def setUpDatabase(cls):
        # as the server does: restart with the locks that are asked for
        extras = {}
        while True:
            with Transaction().new_transaction(**extras) as transaction:
                try:
                    return cls.create_data()
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)

    @classmethod
    def create_data(cls):
        pool = Pool()
        Card = pool.get('wallet.card')
        Category = pool.get('product.category')
        Generation = pool.get('wallet.generation')
        Journal = pool.get('account.journal')
        Location = pool.get('stock.location')
        Method = pool.get('sale.point.payment.method')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        POS = pool.get('sale.point')
        Program = pool.get('wallet.program')
        Sale = pool.get('sale.sale')
        Sequence = pool.get('ir.sequence.strict')
        SequenceType = pool.get('ir.sequence.type')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        User = pool.get('res.user')

        company = create_company()
        create_chart(company)
        cls.passwords, cls.users = create_role_users(ROLES, company)
        with Transaction().set_context(
                User.get_preferences(context_only=True),
                company=company.id, companies=[company.id]):
            storage, = Location.search([('code', '=', 'STO')])
            customer, = Location.search([('code', '=', 'CUS')])
            journal, = Journal.search([('code', '=', 'REV')])
            sequence_type = SequenceType(ModelData.get_id(
                    'sale_point', 'sequence_type_sale'))
            wien, graz = POS.create([{
                        'name': name, 'company': company.id,
                        'sequence': Sequence.create([{
                                    'name': name, 'company': company.id,
                                    'sequence_type': sequence_type.id,
                                    }])[0].id,
                        'storage_location': storage.id,
                        'customer_location': customer.id,
                        'journal': journal.id,
                        } for name in ["Wien", "Graz"]])
            unit, = Uom.search([('name', '=', "Unit")])
            revenue, = pool.get('account.account').search([
                    ('type.revenue', '=', True), ('closed', '!=', True),
                    ('childs', '=', None)], limit=1)
            category = Category(name="Vouchers", accounting=True,
                account_revenue=revenue)
            category.save()
            party = Party(name="Anna", addresses=[{}])
            party.save()

            def program(name, **values):
                template, = Template.create([{
                            'name': name, 'type': 'service',
                            'salable': True, 'default_uom': unit.id,
                            'account_category': category.id,
                            'sale_uom': unit.id,
                            'list_price': D(0),
                            'products': [('create', [{}])],
                            }])
                return Program.create([dict(
                            name=name, product=template.products[0].id,
                            **values)])[0]

            voucher = program("Voucher")
            euro = program(
                "Euro voucher", currency=create_currency('EUR').id)
            today = dt.date.today()
            cards = {
                'card': Card(program=voucher),
                'other': Card(program=voucher, party=party),
                'blocked': Card(program=voucher),
                'ended': Card(program=voucher,
                    end_date=today - dt.timedelta(days=1)),
                'euro': Card(program=euro),
                }
            cards['other'].generation = Generation(
                program=voucher, date=today, amount=D('50.00'))
            Card.save(list(cards.values()))
            for card in cards.values():
                card.load(D('50.00'), date=today - dt.timedelta(days=10))
            cards['blocked'].blocked = True
            cards['blocked'].save()
            account, = pool.get('account.account').search([
                    ('type.receivable', '=', True)], limit=1)
            method = Method(name="Gift card", company=company,
                account=account, wallet=True)
            method.save()
            sale = Sale(party=party, company=company)
            sale.save()
            order = Sale(party=party, company=company,
                invoice_address=party.addresses[0])
            order.save()
        cls.ids = {
            'wien': wien.id, 'graz': graz.id, 'method': method.id,
            'sale': sale.id, 'order': order.id, 'company': company.id,
            'currency': company.currency.id,
            'report': ModelData.get_id('onretail_wallet', 'report_card'),
            'voucher': voucher.id, 'voucher_product': voucher.product.id,
            'euro_program': euro.id, 'euro_program_product': euro.product.id,
            'unit': unit.id,
            **{n: c.id for n, c in cards.items()}}
        cls.codes = {n: c.code for n, c in cards.items()}

    def setUp(self):
        super().setUp()
        # Each test starts with no wrong code counted
        with Transaction().start(DB_NAME, 0):
            Attempt = Pool().get('wallet.card.code.attempt')
            Attempt.delete(Attempt.search([]))
        self.sessions = {}

    # JSON-RPC through the WSGI application, as the client does it

    def post(self, body, authorization=None):
        headers = {'Authorization': authorization} if authorization else {}
        response = self.client().post(
            f'/{urllib.parse.quote(self.db_name)}/rpc/',
            data=json.dumps(body, cls=JSONEncoder),
            content_type='application/json', headers=headers)
        self.assertEqual(response.status_code, 200, response.data)
        return json.loads(response.data, object_hook=JSONDecoder())

    def session(self, login):
        "A real login of the user: its authorization and context"
        if login not in self.sessions:
            answer = self.post({'id': 0, 'method': 'common.db.login',
                    'params': [login, {'password': self.passwords[login]},
                        'en']})
            user_id, key, *_ = answer['result']
            authorization = 'Session ' + base64.b64encode(
                f'{login}:{user_id}:{key}'.encode()).decode()
            context = self.post({'id': 0,
                    'method': 'model.res.user.get_preferences',
                    'params': [True, {}]}, authorization)['result']
            self.sessions[login] = authorization, context
        return self.sessions[login]

    def call(self, login, method, *params, **context):
        "The answer of method called by login: {'result'} or {'error'}"
        authorization, user_context = self.session(login)
        return self.post({'id': 0, 'method': method,
                'params': [*params, {**user_context, **context}]},
            authorization)

    def assertRefused(self, answer, text=None):
        "Refused with a message (UserError or one of its kinds)"
        self.assertIn('error', answer, answer.get('result'))
        name, (message, *_) = answer['error']
        self.assertEqual(name, 'UserError', answer['error'])
        if text:
            self.assertIn(text, message)
        return message

    def ledger(self):
        "Balance and movements of every card, read back as the system"
        with Transaction().start(DB_NAME, 0):
            Card = Pool().get('wallet.card')
            return {card.id: (card.balance,
                    [(m.type, m.amount) for m in card.moves])
                for card in Card.search([])}

    def attempts(self):
        with Transaction().start(DB_NAME, 0):
            Attempt = Pool().get('wallet.card.code.attempt')
            return Attempt.search_count([])

    # A. Codes

    def test_read_codes(self):
        "Who is not a Retail manager reads masked codes, never whole ones"
        card = self.codes['card']
        for login in ['kim', 'nobody', 'rita']:
            with self.subTest(login=login):
                self.assertRefused(self.call(login,
                        'model.wallet.card.search_read', [], 0, None, None,
                        ['code', 'balance']))
                self.assertRefused(self.call(login,
                        'model.wallet.card.read', [self.ids['card']],
                        ['code']))
                self.assertRefused(self.call(login,
                        'model.wallet.generation.search_read', [], 0,
                        None, None, ['cards.code']))
                answer = self.call(login, 'model.wallet.card.search_read',
                    [], 0, None, None,
                    ['masked_code', 'rec_name', 'balance', 'program'])
                rows = {r['id']: r for r in answer['result']}
                self.assertEqual(rows[self.ids['card']]['masked_code'],
                    mask_code(card))
                self.assertEqual(rows[self.ids['card']]['rec_name'],
                    mask_code(card))
                body = json.dumps(answer, cls=JSONEncoder)
                for code in self.codes.values():
                    self.assertNotIn(code, body)
                    self.assertNotIn(code[:-4], body)
                view = self.call(login,
                    'model.wallet.card.fields_view_get', None, 'tree')
                self.assertNotIn('code', view['result']['fields'])
                self.assertIn('masked_code', view['result']['fields'])
        # Retail managers read the codes
        rows = self.call('mara', 'model.wallet.card.read',
            [self.ids['card']], ['code', 'rec_name'])['result']
        self.assertEqual(
            (rows[0]['code'], rows[0]['rec_name']), (card, card))

    def test_generations_read_by_retail_users(self):
        """Which customers a generation made cards for is read by Retail
        users and managers only; the others read cards without it"""
        generation = 'wallet.generation'
        for login in ['kim', 'nobody']:
            with self.subTest(login=login):
                self.assertRefused(self.call(login,
                        f'model.{generation}.search_read', [], 0, None, None,
                        ['customers']))
                self.assertRefused(self.call(login,
                        'model.wallet.card.read', [self.ids['card']],
                        ['generation']))
                view = self.call(login,
                    'model.wallet.card.fields_view_get', None, 'form')
                self.assertNotIn('generation', view['result']['fields'])
                answer = self.call(login, 'model.wallet.card.read',
                    [self.ids['card']], ['rec_name', 'balance'])
                self.assertIn('result', answer)
        for login in ['rita', 'mara']:
            with self.subTest(login=login):
                answer = self.call(login, f'model.{generation}.search_read',
                    [], 0, None, None, ['customers', 'rec_name'])
                self.assertTrue(answer['result'])

    def test_print_and_email_codes(self):
        "Only Retail managers print a card or send its code"
        for login in ['kim', 'nobody', 'rita']:
            with self.subTest(login=login):
                answer = self.call(login, 'report.wallet.card.execute',
                    [self.ids['card']], {'action_id': self.ids['report']})
                self.assertRefused(answer, 'not allowed to execute report')
                # without the action, the report is not even found
                with self.assertLogs('trytond.protocols.dispatcher'):
                    answer = self.call(login, 'report.wallet.card.execute',
                        [self.ids['card']], {})
                self.assertNotIn('result', answer)
                answer = self.call(login, 'model.wallet.card.send_email',
                    [self.ids['other']])
                self.assertRefused(answer, 'Calling button')
        answer = self.call('mara', 'report.wallet.card.execute',
            [self.ids['card']], {'action_id': self.ids['report']})
        self.assertIn(self.codes['card'][:4], answer['result'][1])

    def test_email_archive(self):
        "The archived email of a card, with its code, is for managers only"
        with Transaction().start(DB_NAME, 0):
            Email = Pool().get('ir.email')
            email = Email(resource=('wallet.card', self.ids['card']),
                recipients='anna@example.com', subject="Your card",
                body="Your code: %s" % self.codes['card'])
            email.save()
            email_id = email.id
        for login in ['kim', 'nobody', 'rita']:
            with self.subTest(login=login):
                answer = self.call(login, 'model.ir.email.search_read',
                    [], 0, None, None, ['body'])
                self.assertNotIn(email_id, [r['id'] for r in answer['result']])
                self.assertRefused(self.call(login, 'model.ir.email.read',
                        [email_id], ['body']))
        answer = self.call('mara', 'model.ir.email.read', [email_id],
            ['body'])
        self.assertIn(self.codes['card'], answer['result'][0]['body'])

    def oracle(self, login, code):
        "What each way of searching by code answers login for code"
        with warnings.catch_warnings():
            # Tryton warns of a Many2One compared with a text
            warnings.simplefilter('ignore', UserWarning)
            return self._oracle(login, code)

    def _oracle(self, login, code):
        move, lot, card = 'model.wallet.move', 'model.wallet.lot', \
            'model.wallet.card'
        card_domains = [
            [('code', '=', code)],
            [('code', 'like', code[:6] + '%')],
            [('rec_name', '=', code)],
            [('rec_name', 'ilike', '%' + code[:8] + '%')],
            [('rec_name', 'ilike', code[:-4] + '%')],
            [('masked_code', 'ilike', '%' + code + '%')],
            [('moves.card.code', '=', code)],
            ]
        related_domains = [
            [('card.code', '=', code)],
            [('card', '=', code)],
            [('card', 'ilike', code[:8] + '%')],
            [('card.rec_name', '=', code)],
            [('card', 'where', [('code', '=', code)])],
            [('card', 'where', [('rec_name', '=', code)])],
            ]
        answers = []
        for domain in card_domains:
            answers.append(self.call(login, card + '.search_count', domain))
            answers.append(self.call(login, card + '.search', domain))
        for model in [move, lot]:
            for domain in related_domains:
                answers.append(
                    self.call(login, model + '.search_count', domain))
        answers.append(self.call(login, card + '.search', [], 0, None,
                [('code', 'ASC')]))
        return answers

    def test_search_by_code_is_no_oracle(self):
        "Searches by code answer the same for a card's code and a guess"
        card = self.codes['card']

        @settings(max_examples=5, deadline=None,
            suppress_health_check=list(HealthCheck))
        @given(guess=codes)
        def check(guess):
            if guess in self.codes.values():
                return
            for login in ['kim', 'nobody', 'rita']:
                self.assertEqual(
                    self.oracle(login, card), self.oracle(login, guess),
                    login)
        check()
        # Managers do find cards by code
        answer = self.call('mara', 'model.wallet.card.search',
            [('rec_name', '=', card.lower())])
        self.assertEqual(answer['result'], [self.ids['card']])

    def test_sort_by_card(self):
        "Records of cards sort by the cards' ids, not by their codes"
        answer = self.call('rita', 'model.wallet.move.search', [], 0, None,
            [('card', 'ASC'), ('id', 'ASC')])
        with Transaction().start(DB_NAME, 0):
            Move = Pool().get('wallet.move')
            moves = Move.search([], order=[('card', 'ASC'), ('id', 'ASC')])
            self.assertEqual(answer['result'], [m.id for m in moves])
            self.assertEqual([m.card.id for m in moves],
                sorted(m.card.id for m in moves))

    def test_moves_and_lots(self):
        "Movements and lots tell balances: Retail users only read them"
        for login in ['kim', 'nobody']:
            for model in ['wallet.move', 'wallet.lot']:
                with self.subTest(login=login, model=model):
                    self.assertRefused(self.call(login,
                            f'model.{model}.search_read', [], 0, None, None,
                            ['amount']))
                    self.assertRefused(self.call(login,
                            f'model.{model}.search_count', []))
                    self.assertRefused(self.call(login,
                            'model.wallet.card.read', [self.ids['card']],
                            ['moves.amount']))
        answer = self.call('rita', 'model.wallet.move.search_read',
            [('card', '=', self.ids['card'])], 0, None, None,
            ['amount', 'type'])
        self.assertEqual([(r['type'], r['amount']) for r in answer['result']],
            [('issue', D('50.00'))])

    # B. Credit moved onto cards that must not take it

    def pos_sale(self, login):
        answer = self.call(login, 'model.sale.point.sale.create',
            [{'point': self.ids['wien']}])
        sale_id, = answer['result']
        return sale_id

    def test_pay_with_refused_cards(self):
        """At the register, a blocked, ended or foreign-currency card pays
        nothing, and no card is paid back to (cash only)"""
        before = self.ledger()
        sale = self.pos_sale('kim')
        for name, text in [('blocked', 'is blocked'), ('ended', 'ended on'),
                ('euro', 'cannot pay in')]:
            for amount in [D('10.00'), D('-10.00')]:
                with self.subTest(card=name, amount=amount):
                    answer = self.call('kim',
                        'model.sale.point.payment.create', [{
                                'sale': sale, 'method': self.ids['method'],
                                'amount': amount,
                                'wallet_card': self.ids[name],
                                }])
                    self.assertRefused(
                        answer, text if amount > 0 else None)
        self.assertEqual(self.ledger(), before)

    def test_undo_on_blocked_card(self):
        """A payment deleted gives its card its own credit back, even when
        the card was blocked in between; never to another card"""
        before = self.ledger()
        sale = self.pos_sale('kim')
        answer = self.call('kim', 'model.sale.point.payment.create', [{
                    'sale': sale, 'method': self.ids['method'],
                    'amount': D('20.00'), 'wallet_card': self.ids['card'],
                    }])
        payment, = answer['result']
        self.assertEqual(self.ledger()[self.ids['card']][0], D('30.00'))
        # The card payment cannot be moved to another card
        self.assertRefused(self.call('kim', 'model.sale.point.payment.write',
                [payment], {'wallet_card': self.ids['other']}))
        self.assertNotIn('error', self.call('mara',
                'model.wallet.card.write', [self.ids['card']],
                {'blocked': True}))
        try:
            self.assertNotIn('error', self.call('kim',
                    'model.sale.point.payment.delete', [payment]))
            ledger = self.ledger()
            self.assertEqual(ledger[self.ids['card']][0], D('50.00'))
            self.assertEqual(ledger[self.ids['card']][1][:2],
                [('refund', D('20.00')), ('redemption', D('-20.00'))])
            del ledger[self.ids['card']], before[self.ids['card']]
            self.assertEqual(ledger, before)
        finally:
            self.call('mara', 'model.wallet.card.write', [self.ids['card']],
                {'blocked': False})

    def test_sales_order(self):
        """A sales order returned to draft gives each card back what it
        took, even if the card was blocked in between; a line moved to
        another card before quoting again takes from that card, with its
        checks"""
        before = self.ledger()
        order = self.ids['order']
        line, = self.call('kim', 'model.sale.line.create', [{
                    'sale': order, 'quantity': -1,
                    'product': self.ids['voucher_product'],
                    'unit': self.ids['unit'],
                    'unit_price': D('5.0000'),
                    'wallet_program': self.ids['voucher'],
                    'wallet_card': self.ids['card'],
                    }])['result']
        self.assertNotIn('error', self.call('kim', 'model.sale.sale.quote',
                [order]))
        self.assertEqual(self.ledger()[self.ids['card']][0], D('45.00'))
        self.call('mara', 'model.wallet.card.write', [self.ids['card']],
            {'blocked': True})
        try:
            self.assertNotIn('error', self.call('kim',
                    'model.sale.sale.draft', [order]))
        finally:
            self.call('mara', 'model.wallet.card.write', [self.ids['card']],
                {'blocked': False})
        self.assertEqual(self.ledger()[self.ids['card']][0], D('50.00'))
        for name, text in [('blocked', 'is blocked'), ('ended', 'ended on'),
                ('euro', 'cannot pay in')]:
            program = 'euro_program' if name == 'euro' else 'voucher'
            with self.subTest(card=name):
                self.assertNotIn('error', self.call('kim',
                        'model.sale.line.write', [line], {
                            'product': self.ids[program + '_product'],
                            'wallet_program': self.ids[program],
                            'wallet_card': self.ids[name],
                            }))
                self.assertRefused(self.call('kim',
                        'model.sale.sale.quote', [order]), text)
        self.call('kim', 'model.sale.line.write', [line], {
                'product': self.ids['voucher_product'],
                'wallet_program': self.ids['voucher'],
                'wallet_card': self.ids['other'],
                })
        self.assertNotIn('error', self.call('kim', 'model.sale.sale.quote',
                [order]))
        self.assertNotIn('error', self.call('kim', 'model.sale.sale.cancel',
                [order]))
        ledger = self.ledger()
        for name in ['card', 'other']:
            self.assertEqual(ledger[self.ids[name]][0], D('50.00'))
            self.assertEqual(ledger[self.ids[name]][1][:2],
                [('refund', D('5.00')), ('redemption', D('-5.00'))])
            del ledger[self.ids[name]], before[self.ids[name]]
        self.assertEqual(ledger, before)

    def test_refund_checks(self):
        """refund obeys every check of redeem: blocked, end date, currency,
        medium, cash register; a refused refund leaves no movement"""
        today = dt.date.today()

        @settings(max_examples=30, deadline=None,
            suppress_health_check=list(HealthCheck))
        @given(card=st.sampled_from(['card', 'blocked', 'ended', 'euro']),
            medium=st.sampled_from([None, 'pos', 'sale', 'web']),
            point=st.sampled_from([None, 'wien', 'graz']),
            media=st.sampled_from([[], ['pos'], ['sale', 'web']]),
            points=st.sampled_from([[], ['wien']]),
            foreign=st.booleans())
        def check(card, medium, point, media, points, foreign):
            with Transaction().start(DB_NAME, 0, _lock_records={
                        'wallet_card': [self.ids[card]]}) as transaction:
                pool = Pool()
                Card = pool.get('wallet.card')
                Currency = pool.get('currency.currency')
                POS = pool.get('sale.point')
                card = Card(self.ids[card])
                program = card.program
                program.media = media
                program.sale_points = [self.ids[p] for p in points]
                program.save()
                currency = Currency(self.ids['currency'])
                if foreign:
                    currency, = Currency.search(
                        [('id', '!=', currency.id)], limit=1)
                sale_point = POS(self.ids[point]) if point else None
                args = dict(date=today, medium=medium,
                    sale_point=sale_point, currency=currency)
                moves = len(card.moves)
                try:
                    card.redeem(D('1.00'), **args)
                except UserError as error:
                    refused = error.message
                else:
                    refused = None
                with self.assertRaises(UserError) as refusal:
                    card.refund(D('1.00'), undo=True, **args)
                if refused:
                    with self.assertRaises(UserError) as refund:
                        card.refund(D('1.00'), **args)
                    self.assertEqual(refund.exception.message, refused)
                    self.assertEqual(len(Card(card.id).moves), moves)
                else:
                    card.refund(D('1.00'), **args)
                    self.assertEqual(len(Card(card.id).moves), moves + 2)
                    # the undo of the refunded redemption is spent
                    self.assertIn('cannot give back',
                        refusal.exception.message)
                transaction.rollback()
        check()

    # C. Guessing codes

    def wallet_pay(self, login, code):
        "Pay the sales order with the card of code, as the client does"
        context = {'active_model': 'sale.sale',
            'active_id': self.ids['sale'], 'active_ids': [self.ids['sale']]}
        session_id, _, _ = self.call(login,
            'wizard.sale.sale.wallet_pay.create')['result']
        try:
            self.call(login, 'wizard.sale.sale.wallet_pay.execute',
                session_id, {}, 'start', **context)
            return self.call(login, 'wizard.sale.sale.wallet_pay.execute',
                session_id, {'start': {
                        'sale': self.ids['sale'],
                        'currency': self.ids['currency'],
                        'code': code, 'amount': D('1.00'),
                        }}, 'pay', **context)
        finally:
            self.call(login, 'wizard.sale.sale.wallet_pay.delete',
                session_id)

    def sale_lines(self):
        with Transaction().start(DB_NAME, 0):
            Sale = Pool().get('sale.sale')
            return len(Sale(self.ids['sale']).lines)

    def test_guessing_codes(self):
        """10 unknown codes in a minute: the 11th lookup, of a valid code
        too, is refused for the user; another user is not; the attempts
        are logged without any whole code"""
        lines = self.sale_lines()
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            for _ in range(10):
                self.assertRefused(
                    self.wallet_pay('kim', new_code()), "No card has")
            self.assertEqual(self.attempts(), 10)
            self.assertRefused(self.wallet_pay('kim', self.codes['card']),
                'Too many unknown card codes were entered by user "Kim"')
        # typos are caught by the check character, refused the same
        self.assertRefused(self.wallet_pay('kim', self.codes['card'][:-1]),
            'check character')
        self.assertEqual(self.sale_lines(), lines)
        self.assertEqual(self.attempts(), 10)
        output = '\n'.join(logs.output)
        self.assertEqual(output.count('unknown card code …'), 10)
        self.assertIn('user Kim', output)
        self.assertIn('card code lookup refused (user Kim)', output)
        for code in self.codes.values():
            self.assertNotIn(code, output)
            self.assertNotIn(code[:-4], output)

        # another user is not affected
        self.assertNotIn('error', self.wallet_pay('ben', self.codes['card']))
        self.assertEqual(self.sale_lines(), lines + 1)

    def test_typos_not_counted(self):
        "Codes that fail the check character are refused but not counted"
        card = self.codes['card']

        @settings(max_examples=15, deadline=None,
            suppress_health_check=list(HealthCheck))
        @given(position=st.integers(0, len(card) - 1),
            char=st.sampled_from(CODE_ALPHABET))
        def check(position, char):
            typo = card[:position] + char + card[position + 1:]
            if typo == card:
                return
            self.assertRefused(self.wallet_pay('kim', typo),
                'check character')
        check()
        self.assertEqual(self.attempts(), 0)

    def lookup(self, login, code, point=None):
        """Card.from_code as the cash register calls it, as login in a real
        transaction; the card's id or the refusal's message"""
        with Transaction().start(DB_NAME, self.users[login]) as transaction:
            pool = Pool()
            Card = pool.get('wallet.card')
            POS = pool.get('sale.point')
            point = POS(self.ids[point]) if point else None
            try:
                return Card.from_code(code, sale_point=point).id
            except UserError as error:
                transaction.rollback()
                return error.message

    def test_guessing_at_register(self):
        """A cash register is throttled whoever types at it; another
        register and the same cashiers elsewhere are not"""
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            for login in ['kim', 'ben'] * 5:
                self.assertIn("No card has",
                    self.lookup(login, new_code(), 'wien'))
            self.assertIn('at the cash register "Wien"',
                self.lookup('mara', self.codes['card'], 'wien'))
        self.assertIn('sale_point Wien', '\n'.join(logs.output))
        for login in ['kim', 'ben']:
            self.assertEqual(self.lookup(login, self.codes['card'], 'graz'),
                self.ids['card'])
            self.assertEqual(self.lookup(login, self.codes['card']),
                self.ids['card'])

    def test_lock_ends(self):
        """LIMIT unknown codes within WINDOW lock for LOCK after the last;
        old attempts are purged"""
        Attempt = Pool(DB_NAME).get('wallet.card.code.attempt')
        limit, window, lock = Attempt.LIMIT, Attempt.WINDOW, Attempt.LOCK
        card, card_id = self.codes['card'], self.ids['card']
        start = dt.datetime.now()
        clock = [start]
        with patch.object(
                    Attempt, 'now', classmethod(lambda cls: clock[0])), \
                self.assertLogs(LOGGER, 'WARNING'):
            # spread over more than the window: no lock
            for i in range(limit):
                clock[0] = start + i * window / (limit - 1) * 1.1
                self.lookup('kim', new_code())
            self.assertEqual(self.lookup('kim', card), card_id)
            # within the window: locked until LOCK after the last
            start = clock[0] + window
            for i in range(limit):
                clock[0] = start + i * window / limit
                self.lookup('kim', new_code())
            last = clock[0]
            clock[0] = last + lock - dt.timedelta(seconds=1)
            self.assertIn('Too many', self.lookup('kim', card))
            clock[0] = last + lock + dt.timedelta(seconds=1)
            self.assertEqual(self.lookup('kim', card), card_id)
            self.assertEqual(self.attempts(), 2 * limit)
            # stored attempts purge those older than LOCK + WINDOW
            clock[0] = last + lock + window + dt.timedelta(seconds=1)
            self.lookup('kim', new_code())
        self.assertEqual(self.attempts(), 1)

    def test_attempts_outlive_rollback(self):
        """A wrong code counts even when its transaction wrote before and
        rolls back: the attempt is stored once it has ended"""
        with self.assertLogs(LOGGER, 'WARNING'):
            self.lookup_after_write(DB_NAME)
        self.assertEqual(self.attempts(), 1)

    def lookup_after_write(self, database):
        with Transaction().start(database, self.users['kim'],
                _lock_records={'wallet_card': [self.ids['other']]}
                ) as transaction:
            pool = Pool()
            Card = pool.get('wallet.card')
            # a write first, as a checkout creates its sale first
            Card(self.ids['other']).load(D('1.00'))
            with self.assertRaises(UserError):
                Card.from_code(new_code(), sale_point=None)
            transaction.rollback()
        # nothing else was kept
        with Transaction().start(database, 0):
            Card = Pool(database).get('wallet.card')
            self.assertEqual(Card(self.ids['other']).balance, D('50.00'))

    @unittest.skipIf(backend.name != 'sqlite', "SQLite file locks")
    def test_attempts_sqlite_file(self):
        """On an SQLite file, a transaction that wrote holds the write lock
        until it ends: the attempt is stored after it, never waits on it"""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        name = 'wallet_attempts'
        with Transaction().start(DB_NAME, 0) as transaction:
            target = sqlite3.connect(os.path.join(tmp, name + '.sqlite'))
            transaction.connection.backup(target)
            target.close()
        path = config.get('database', 'path')
        config.set('database', 'path', tmp)
        self.addCleanup(config.set, 'database', 'path', path)
        Pool(name).init()
        self.addCleanup(Pool.stop, name)
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            self.lookup_after_write(name)
        self.assertNotIn('not stored', '\n'.join(logs.output))
        with Transaction().start(name, 0):
            Attempt = Pool(name).get('wallet.card.code.attempt')
            self.assertEqual(Attempt.search_count([]), 1)


del RouteTestCase
