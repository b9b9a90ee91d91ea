# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.modules.company.tests import CompanyTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from .tools import TranslationsTestMixin


class OnRetailBaseTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onRetail Base module"
    module = 'onretail_base'

    @with_transaction()
    def test_retail_manager_inherits_retail_user(self):
        "A Retail manager has every access of a Retail user"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')

        manager = Group(ModelData.get_id('onretail_base', 'group_retail_admin'))
        user = Group(ModelData.get_id('onretail_base', 'group_retail'))
        cashier = Group(ModelData.get_id('onretail_base', 'group_cashier'))

        self.assertEqual(manager.parent, user)
        self.assertIsNone(user.parent)
        self.assertIsNone(cashier.parent)


del ModuleTestCase
