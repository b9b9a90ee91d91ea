# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs's promo prices as the rules of priority 10 of the promo list: the
merchant's own rules (other priorities) are never touched"""
import datetime

from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice

from .ir import store_event_logs

PRIORITY = 10
# Products whose rules are read and written at once
CHUNK = 250


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    def kulcs_set_promos(self, promos):
        """Set the promo price of each product of promos ({product id:
        price as the list holds it, 0 to end the promo}) from today: the
        ids of the products whose rules changed"""
        changed = set()
        for ids in grouped_slice(list(promos), CHUNK):
            changed |= self._kulcs_set_promos({i: promos[i] for i in ids})
            store_event_logs()
        return changed

    def _kulcs_set_promos(self, promos):
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('product.price_list.line')
        today = Date.today()
        yesterday = today - datetime.timedelta(days=1)
        rules = self._kulcs_open_rules(list(promos), today)
        to_create, to_write, changed = [], [], set()
        for product, price in promos.items():
            open_ = rules.get(product, [])
            if price and [r.fixed_price for r in open_] == [price]:
                continue
            if not price and not open_:
                continue
            changed.add(product)
            if price and open_:
                rule, *open_ = open_
                values = {'fixed_price': price}
                if rule.start_date != today:
                    values['start_date'] = today
                to_write.extend(([rule], values))
            elif price:
                to_create.append({
                        'price_list': self.id,
                        'applies_to': 'product',
                        'product': product,
                        'compute_price': 'fixed',
                        'fixed_price': price,
                        'priority': PRIORITY,
                        'start_date': today,
                        })
            for rule in open_:
                values = {'end_date': yesterday}
                if rule.start_date and rule.start_date > yesterday:
                    values['start_date'] = yesterday
                to_write.extend(([rule], values))
        if to_write:
            Line.write(*to_write)
        if to_create:
            Line.create(to_create)
        return changed

    def _kulcs_open_rules(self, product_ids, today):
        "{product id: its open rules of priority 10, the oldest first}"
        Line = Pool().get('product.price_list.line')
        rules = {}
        for rule in Line.search([
                    ('price_list', '=', self.id),
                    ('priority', '=', PRIORITY),
                    ('applies_to', '=', 'product'),
                    ('compute_price', '=', 'fixed'),
                    ('product', 'in', product_ids),
                    ['OR',
                        ('end_date', '=', None),
                        ('end_date', '>=', today),
                        ],
                    ], order=[('id', 'ASC')]):
            rules.setdefault(rule.product.id, []).append(rule)
        return rules
