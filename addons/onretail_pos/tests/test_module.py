# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


def create_pos(name="Filiale Wien", **values):
    "A cash register with what sale_point requires"
    pool = Pool()
    Journal = pool.get('account.journal')
    Location = pool.get('stock.location')
    POS = pool.get('sale.point')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    sequence_type, = SequenceType.search([('name', '=', "POS")], limit=1)
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    storage, = Location.search([('code', '=', 'STO')])
    customer, = Location.search([('code', '=', 'CUS')])
    sequence = Sequence(name=name, sequence_type=sequence_type)
    sequence.save()
    pos = POS(name=name, journal=journal, sequence=sequence,
        storage_location=storage, customer_location=customer, **values)
    pos.save()
    return pos


class OnRetailPosTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onretail_pos module"
    module = 'onretail_pos'
    extras = ['onretail_wallet']

    @property
    def _skip_company_rule(self):
        # sale_point's transfers take the company of their register
        return super()._skip_company_rule | {
            ('sale.point.cash.transfer', 'company')}

    @with_transaction()
    def test_settings(self):
        "A register's payment methods, categories and cashiers; empty = all"
        pool = Pool()
        Account = pool.get('account.account')
        Category = pool.get('product.pos_category')
        Method = pool.get('sale.point.payment.method')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            create_chart(company)
            pos = create_pos()
            account, = Account.search([('code', '=', '1.1.1')])
            cash, card = Method.create([
                    {'name': "Cash", 'account': account.id, 'cash': True},
                    {'name': "Card", 'account': account.id}])
            textiles, cosmetics = Category.create(
                [{'name': "Textiles"}, {'name': "Cosmetics"}])
            Category.create([{'name': "T-Shirts", 'parent': textiles.id}])
            anna, lukas = User.create([
                    {'login': 'anna', 'companies': [('add', [company.id])],
                        'company': company.id},
                    {'login': 'lukas', 'companies': [('add', [company.id])],
                        'company': company.id}])

            self.assertEqual(set(pos.allowed_payment_methods()), {cash, card})
            self.assertEqual(set(pos.shown_categories()),
                {textiles, cosmetics})
            self.assertTrue(pos.allows_user(anna))

            pos.payment_methods = [cash]
            pos.pos_categories = [cosmetics]
            pos.cashiers = [anna]
            pos.save()
            self.assertEqual(pos.allowed_payment_methods(), [cash])
            self.assertEqual(pos.shown_categories(), [cosmetics])
            self.assertTrue(pos.allows_user(anna))
            self.assertFalse(pos.allows_user(lukas))
            self.assertEqual(pos.for_user(lukas), [])

    @with_transaction()
    def test_printer_url(self):
        "The printer service is a web address and needs its token"
        company = create_company()
        with set_company(company):
            pos = create_pos()
            pos.printer_url = 'http://192.168.1.20:8070'
            pos.printer_token = 'secret'
            pos.save()
            for url in ['192.168.1.20:8070', 'ftp://box/', 'http://']:
                with self.subTest(url=url), \
                        self.assertRaisesRegex(UserError, 'web address'):
                    pos.printer_url = url
                    pos.save()


del ModuleTestCase
