# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from .. import document
from ..exceptions import DocumentError, ItemError


def read(data):
    return list(document.read_items(data, 'termekek', 'termek'))


class OnRetailKulcsTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onRetail Kulcs module"
    module = 'onretail_kulcs'

    @with_transaction()
    def test_items_read(self):
        """The items of a document as texts, in its encoding; an item with
        an element twice is an ItemError beside the others"""
        data = ('<?xml version="1.0" encoding="ISO-8859-2"?><termekek>'
            '<termek><termekkod>Ő-1</termekkod><ar>12,5</ar></termek>'
            '<termek><ar>1</ar><ar>2</ar></termek>'
            '</termekek>').encode('iso-8859-2')
        first, second = read(data)
        self.assertEqual(first, {'termekkod': 'Ő-1', 'ar': '12,5'})
        self.assertIsInstance(second, ItemError)
        self.assertEqual(document.decimal(first, 'ar', 'Ő-1'),
            Decimal('12.5'))

    @with_transaction()
    def test_numbers(self):
        "A point or a comma; no exponent, sign, space or infinity"
        for text, value in [('12700', Decimal(12700)), ('0,5', Decimal('.5')),
                ('9990.00', Decimal('9990'))]:
            self.assertEqual(
                document.decimal({'ar': text}, 'ar', 'A'), value)
        for text in ['1e5', 'inf', 'NaN', '-1', '1 000', '1.000,00', '',
                '+1', '.5']:
            with self.subTest(text=text), self.assertRaises(ItemError):
                document.decimal({'ar': text}, 'ar', 'A')

    @with_transaction()
    def test_documents_fuzzed(self):
        """Any bytes are read as items or refused with the module's errors,
        never a raw Python error"""
        @settings(max_examples=300, deadline=None, database=None,
            suppress_health_check=list(HealthCheck))
        @given(st.one_of(st.binary(max_size=300),
                st.text(max_size=200).map(lambda t: (
                        '<termekek><termek><termekkod>%s</termekkod>'
                        '</termek></termekek>' % t).encode('utf-8',
                        'surrogatepass'))))
        def check(data):
            try:
                read(data)
            except DocumentError:
                pass
        check()

    @with_transaction()
    def test_answer_clean(self):
        "The answer holds no character that XML cannot hold"
        self.assertEqual(document.answer(False, 'a\x00b\x1fc'),
            b"<?xml version='1.0' encoding='UTF-8'?>\n<valasz>"
            b"<allapot>HIBA</allapot><uzenet>abc</uzenet></valasz>")


del ModuleTestCase
