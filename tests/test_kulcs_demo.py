# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Run Kulcs Simulation on the demo as make run serves it: the sandbox's
client calls the demo's URLs over HTTP and updates prices, promo rules and
stock, and confirms the demo's order"""
import time
import unittest
from decimal import Decimal

from tests.tools import TIMEOUT, DemoServerTestCase

# the simulator reads the orders again after confirming them: none is left
OPERATIONS = ['kulcs_categories', 'kulcs_products', 'kulcs_orders',
    'kulcs_confirm', 'kulcs_orders']


class KulcsSimulationTestCase(DemoServerTestCase):
    "Run Kulcs Simulation from the demo's connection"

    def test_simulation(self):
        connection_id = self.record_id('kulcs.connection',
            [('name', '=', "Kulcs Ügyvitel")])
        authorization = self.admin_session()
        context = self.rpc('model.res.user.get_preferences', True, {},
            authorization=authorization)
        context.update(active_model='kulcs.connection',
            active_id=connection_id, active_ids=[connection_id])
        session_id, start, _ = self.rpc(
            'wizard.kulcs.connection.simulate.create', context,
            authorization=authorization)
        result = self.rpc('wizard.kulcs.connection.simulate.execute',
            session_id, {}, start, context, authorization=authorization)
        # the wizard answers at once; the calls come in after
        self.assertEqual(result['view']['state'], 'result')
        logs = self.wait_for_logs(connection_id)
        self.assertEqual([l['operation'] for l in logs], OPERATIONS, logs)
        categories, products, orders, confirm, again = logs
        # stock and price: the categories are refused, the unknown code
        # skipped
        self.assertEqual(categories['state'], 'failed', logs)
        self.assertEqual(products['count_skipped'], 1, logs)
        self.assertEqual(orders['count_read'], 1, logs)
        self.assertEqual(confirm['count_updated'], 1, logs)
        self.assertEqual(again['count_read'], 0, logs)
        self.assertEqual(self.proteus(
                "p, = Model.get('product.product').find("
                "[('code', '=', 'AC-007')]); print(p.template.list_price)"),
            str(Decimal('16.5833')))
        self.assertEqual(self.proteus(
                "L = Model.get('product.price_list.line'); print(["
                "(l.priority, str(l.fixed_price)) for l in L.find(["
                "('price_list.name', '=', 'Kulcs Akciók'), "
                "('product.code', '=', 'AC-007')])])"),
            "[(10, '14.9000')]")
        self.assertEqual(self.proteus(
                "S = Model.get('sale.sale'); print(len(S.find(["
                "('kulcs_received', '!=', None)])))"), '1')

    def wait_for_logs(self, connection_id):
        "The sync logs of the simulation's calls, oldest first"
        deadline = time.monotonic() + 4 * TIMEOUT
        while time.monotonic() < deadline:
            logs = self.admin_rpc('model.onretail.sync.log.search_read',
                [('connection', '=', f'kulcs.connection,{connection_id}')],
                0, None, [('id', 'ASC')],
                ['operation', 'state', 'count_read', 'count_updated',
                    'count_skipped', 'message'])
            if len(logs) >= len(OPERATIONS):
                return logs
            time.sleep(0.5)
        raise AssertionError(f"the simulation wrote {logs}")


if __name__ == '__main__':
    unittest.main()
