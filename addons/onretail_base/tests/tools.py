# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Test helpers shared by the onRetail modules"
import base64
import json
import os
import secrets
import unittest
import urllib.parse

import polib

from trytond import backend
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.tools import find_path
from trytond.transaction import Transaction, TransactionError

LANGUAGES = ('de', 'hu')


def committed(function, database=DB_NAME, company_id=None):
    """Run function in a transaction (of the company) and commit it, as the
    server does: again, with the locks it asks for; its result"""
    extras = {}
    context = {'company': company_id} if company_id else {}
    while True:
        with Transaction().start(database, 0, context=context,
                **extras) as transaction:
            try:
                result = function()
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return result


# The roles of a connector's attack tests: each user logs in with the groups
# of its role; strangers are no users of the connector at all
CONNECTOR_ROLES = {
    'cashier': [('onretail_base', 'group_cashier')],
    'nobody': [],
    'sales': [('sale', 'group_sale')],
    'connector': [('onretail_connector', 'group_connector_admin')],
    }
STRANGERS = ['cashier', 'nobody']


def create_role_users(roles, company):
    """A user of company for each role of roles ({login: [(module, group
    XML id)]}) with a random password: (passwords, user ids) by login"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    passwords, users = {}, {}
    for login, groups in roles.items():
        passwords[login] = secrets.token_urlsafe(16)
        user = User(login=login, name=login.title(),
            password=passwords[login],
            groups=[ModelData.get_id(*g) for g in groups],
            companies=[company], company=company)
        user.save()
        users[login] = user.id
    return passwords, users


class JsonRpcMixin:
    """JSON-RPC through trytond's WSGI application as the client makes it,
    with real logins, for a RouteTestCase whose passwords are {login:
    password} and whose sessions are {} at each test's start"""
    __slots__ = ()

    def post(self, body, authorization=None):
        "The HTTP status and the decoded JSON-RPC answer (or the body)"
        headers = {'Authorization': authorization} if authorization else {}
        response = self.client().post(
            f'/{urllib.parse.quote(self.db_name)}/rpc/',
            data=json.dumps(body, cls=JSONEncoder),
            content_type='application/json', headers=headers)
        if response.status_code != 200:
            return response.status_code, response.data
        return 200, json.loads(response.data, object_hook=JSONDecoder())

    def session(self, login):
        "A real login of the user: its authorization and context"
        if login not in self.sessions:
            _, answer = self.post({'id': 0, 'method': 'common.db.login',
                    'params': [login, {'password': self.passwords[login]},
                        'en']})
            user_id, key, *_ = answer['result']
            authorization = 'Session ' + base64.b64encode(
                f'{login}:{user_id}:{key}'.encode()).decode()
            _, answer = self.post({'id': 0,
                    'method': 'model.res.user.get_preferences',
                    'params': [True, {}]}, authorization)
            self.sessions[login] = authorization, answer['result']
        return self.sessions[login]

    def call(self, login, method, *params, **context):
        "(HTTP status, answer) of method called by login with its context"
        authorization, user_context = self.session(login)
        return self.post({'id': 0, 'method': method,
                'params': [*params, {**user_context, **context}]},
            authorization)

    def call_raw(self, login, method, params):
        "Call with params as they are: no context added"
        authorization, _ = self.session(login)
        return self.post(
            {'id': 0, 'method': method, 'params': params}, authorization)

    def result(self, answer):
        status, body = answer
        self.assertEqual(status, 200, body)
        self.assertNotIn('error', body)
        return body['result']

    def assertRefused(self, answer, text=None):
        """Refused as Tryton refuses: a UserError (an access error is one)
        answered by JSON-RPC, or an HTTP error of the dispatcher before any
        method runs (403: not an RPC method, 422: a malformed call)"""
        status, body = answer
        if status != 200:
            self.assertIn(status, {403, 413, 422}, body)
            self.assertNotIn(b'Traceback', body)
            return
        self.assertIn('error', body, body.get('result'))
        name, *rest = body['error']
        self.assertEqual(name, 'UserError', body['error'])
        if text:
            self.assertIn(text, rest[0][0])

    def assertNoResult(self, answer):
        """No result, and no traceback or source path for the attacker:
        a refusal or an error answered as Tryton answers any exception"""
        status, body = answer
        if status != 200:
            self.assertLess(status, 500, body)
            return
        self.assertIn('error', body, body.get('result'))
        text = json.dumps(body['error'], cls=JSONEncoder)
        for sign in ['Traceback', 'File "', '.py"', 'site-packages']:
            self.assertNotIn(sign, text)


def malformed_ids(record):
    """The first arguments of a button called on record that are not a list
    of ids, or ids that are no records, by name"""
    return {
        'text': 'abc',
        'digits': str(record),
        'bare id': record,
        'float': 1.5,
        'true': True,
        'none': None,
        'dict': {'id': record},
        'nested list': [[record]],
        'list of none': [None],
        'list of float': [1.5],
        'list of dict': [{'id': record}],
        'huge id': [2 ** 70],
        '64-bit id': [2 ** 63],
        'negative id': [-1],
        'duplicates': [record, record],
        }


def collect_view_strings():
    """Record the strings of views and reports as translatable, as the
    "Set Translations" wizard does; the export then includes them."""
    TranslationSet = Pool().get('ir.translation.set', type='wizard')
    session_id, _, _ = TranslationSet.create()
    wizard = TranslationSet(session_id)
    wizard.set_report()
    wizard.set_view()
    TranslationSet.delete(session_id)


def untranslated(module, lang):
    """Return the (context, source) of every string of the module that its
    locale/<lang>.po leaves without translation.
    Must run inside a transaction on a database where module is activated."""
    Translation = Pool().get('ir.translation')
    collect_view_strings()
    expected = Translation.translation_export('en', module)
    if not expected:
        return []
    path = find_path(os.path.join(module, 'locale', f'{lang}.po'))
    translated = {
        (e.msgctxt, e.msgid) for e in polib.pofile(path)
        if e.msgstr and not e.obsolete and 'fuzzy' not in e.flags}
    return sorted(
        (e.msgctxt, e.msgid)
        for e in polib.pofile(expected.decode('utf-8'))
        if (e.msgctxt, e.msgid) not in translated)


def override_path(module, lang):
    """Return the path of the module's reviewed translations of other
    modules' strings (locale/override/<lang>.po), or None"""
    try:
        return find_path(
            os.path.join(module, 'locale', 'override', f'{lang}.po'))
    except FileNotFoundError:
        return None


class TranslationsTestMixin:
    "Check that every string of the tested module is translated"
    __slots__ = ()

    @unittest.skipIf(backend.name != 'sqlite',
        "the strings of a module do not depend on the database")
    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module has a German and a Hungarian text"
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.assertEqual(untranslated(self.module, lang), [])

    @unittest.skipIf(backend.name != 'sqlite',
        "the strings of a module do not depend on the database")
    @with_transaction()
    def test_translation_overrides(self):
        "The module's reviewed translations replace those of other modules"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Translation = pool.get('ir.translation')
        for lang in LANGUAGES:
            path = override_path(self.module, lang)
            if not path:
                continue
            entries = polib.pofile(path)
            # as activation does: the overridden modules load first
            for target in sorted({
                        e.msgctxt.split(':')[2].split('.')[0]
                        for e in entries}):
                Translation.translation_import(lang, target, find_path(
                        os.path.join(target, 'locale', f'{lang}.po')))
            Translation.translation_import(lang, self.module, path)
            for entry in entries:
                with self.subTest(lang=lang, context=entry.msgctxt):
                    self.assertTrue(entry.msgstr)
                    ttype, name, res_id = entry.msgctxt.split(':')
                    module, fs_id = res_id.split('.')
                    translation, = Translation.search([
                            ('lang', '=', lang),
                            ('type', '=', ttype),
                            ('name', '=', name),
                            ('module', '=', module),
                            ('src', '=', entry.msgid),
                            ('res_id', '=', ModelData.get_id(module, fs_id)
                                if fs_id else -1),
                            ])
                    self.assertEqual(
                        (translation.value, translation.fuzzy,
                            translation.overriding_module),
                        (entry.msgstr, False, self.module))
