# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
from unittest.mock import patch

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.modules.onretail_connector import SyncRun
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, ModuleTestCase
from trytond.transaction import Transaction


class OnRetailConnectorTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onRetail Connector module"
    module = 'onretail_connector'

    def test_run_saved_in_own_transaction(self):
        """A run's log is committed on its own, with its counts and lines,
        and the purge keeps the last 90 days"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Company = pool.get('company.company')
            Log = pool.get('onretail.sync.log')
            company = create_company()
            transaction.commit()
            with set_company(company), patch.object(Log, 'get_connections',
                    return_value=[('company.company', "Company")]):
                run = SyncRun(company, None, trigger='cron', company=company)
                run.count('read', 3)
                run.count('created', 1)
                run.skip('17', "shipped already")
                run.error('18', "unknown currency")
                log_id = run.save()
                failed = SyncRun(company, None, company=company)
                failed.fail("the partner is down")
                failed_id = failed.save()
            # the test's transaction sees what the run committed
            transaction.rollback()
            log, failed = Log.browse([log_id, failed_id])
            self.assertEqual(log.state, 'partial')
            self.assertEqual(
                (log.count_read, log.count_created, log.count_skipped,
                    log.count_errors), (3, 1, 1, 1))
            self.assertEqual([(l.kind, l.reference, l.message)
                    for l in log.lines], [
                    ('skipped', '17', "shipped already"),
                    ('error', '18', "unknown currency")])
            self.assertEqual(log.connection, Company(company.id))
            self.assertEqual(failed.state, 'failed')
            self.assertEqual(failed.message, "the partner is down")

            Log.write([failed], {'started':
                    datetime.datetime.now() - datetime.timedelta(days=91)})
            Log.purge()
            self.assertEqual(Log.search([('id', 'in', [log_id, failed_id])]),
                [log])


del ModuleTestCase
