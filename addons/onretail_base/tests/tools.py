# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Test helpers shared by the onRetail modules"
import os
import secrets
import unittest

import polib

from trytond import backend
from trytond.pool import Pool
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
