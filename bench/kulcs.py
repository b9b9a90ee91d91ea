#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of Kulcs's stock-and-price document (onretail_kulcs) on
PostgreSQL.

20,000 products (27 % VAT, 10 in stock each, no promo price) get a
products document of Kulcs posted to the connection's URL over HTTP
(trytond's WSGI application served by werkzeug in this process): every
base price, promo price and stock changes. The same document is posted
again, and must write nothing. Prints, per run, the items per second, the
SQL queries per item, the sync log's counts and the peak growth of the
resident memory (VmHWM, reset before the run, less VmRSS before); for the
second run the rows and newest create and write dates of the tables a
document writes, before and after. Then Tryton's standard path on 1,000
of the products for reference: Template.write of the list price, a price
list line create and an inventory of its storage, per product.

Usage: make bench-kulcs   (or: .venv/bin/python bench/kulcs.py)

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import contextlib
import datetime as dt
import os
import sys
import threading
import time
from decimal import Decimal

import requests

from common import (
    activate, counting_queries, memory, on_postgresql, reset_peak, vacuum)

DATABASE = 'bench_kulcs'
PASSWORD = 'bench-kulcs-password'
VAT = Decimal('0.27')
TABLES = ['product_template', 'product_list_price', 'product_product',
    'product_price_list_line', 'stock_inventory', 'stock_inventory_line',
    'stock_move']
GOALS = {'first': 500, 'second': 2000}
MEMORY_GOAL = 100  # MiB


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--products', type=int, default=20000)
    parser.add_argument('--reference', type=int, default=1000,
        help="products of Tryton's standard path (0: none)")
    parser.add_argument('--profile', choices=['first', 'second'],
        help="run the products call of that run under cProfile (slower) "
        "and print where its time goes")
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    return on_postgresql(__file__, sys.argv[1:], lambda: run(args))


def run(args):
    activate(DATABASE, 'onretail_kulcs')
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(DATABASE)
    with Transaction().start(DATABASE, 0):
        pool.init()
    test = Pool.test
    started = time.perf_counter()
    from trytond.modules.onretail_base.tests.tools import committed
    ids = committed(lambda: build(pool, args.products),
        database=DATABASE)
    Pool.test = test  # the test helpers build() uses set it
    print(f"built {args.products:,} products in "
        f"{time.perf_counter() - started:.0f} s", flush=True)
    vacuum(DATABASE)

    server, url = serve()
    try:
        document = products_document(args.products)
        figures = {}
        before = snapshot()
        with profiled(pool, args.profile == 'first'):
            figures['first'] = post(url, document, args.products)
        vacuum(DATABASE)  # as autovacuum would after so many writes
        middle = snapshot()
        with profiled(pool, args.profile == 'second'):
            figures['second'] = post(url, document, args.products)
        after = snapshot()
    finally:
        server.shutdown()
    report(args, figures, before, middle, after)
    if args.reference:
        reference(pool, ids, args.reference)
    second = figures['second']['log']
    return 0 if (middle == after and second['updated'] == 0
        and second['unchanged'] == args.products) else 1


def build(pool, count):
    """The company (HUF) with a 27 % VAT, count products with 10 in
    stock, the promo list, the sync user and the connection"""
    from trytond.modules.account.tests import create_chart
    from trytond.modules.company.tests import create_company, set_company
    from trytond.modules.currency.tests import create_currency
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    Connection = pool.get('kulcs.connection')
    Inventory = pool.get('stock.inventory')
    Location = pool.get('stock.location')
    ModelData = pool.get('ir.model.data')
    PriceList = pool.get('product.price_list')
    Tax = pool.get('account.tax')
    Template = pool.get('product.template')
    User = pool.get('res.user')
    company = create_company(currency=create_currency('HUF'))
    with set_company(company):
        create_chart(company, tax=True)
        revenue, = Account.search([('type.revenue', '=', True),
                ('closed', '!=', True)], limit=1)
        balance, = Account.search([('type.statement', '=', 'balance'),
                ('closed', '!=', True)], limit=1)
        tax, = Tax.create([{'name': "ÁFA 27 %", 'description': "ÁFA",
                    'type': 'percentage', 'rate': VAT,
                    'company': company.id, 'invoice_account': balance.id,
                    'credit_note_account': balance.id}])
        category, = Category.create([{'name': "Goods", 'accounting': True,
                    'account_revenue': revenue.id,
                    'customer_taxes': [('add', [tax.id])]}])
        unit = ModelData.get_id('product', 'uom_unit')
        products = []
        for start in range(0, count, 1000):
            templates = Template.create([{'name': f"Product {i}",
                        'type': 'goods', 'default_uom': unit,
                        'sale_uom': unit, 'salable': True,
                        'account_category': category.id,
                        'list_price': Decimal(1000),
                        'products': [('create', [{
                                        'suffix_code': code(i)}])]}
                    for i in range(start, min(start + 1000, count))])
            products += [t.products[0] for t in templates]
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        # an inventory per 1,000: Tryton's confirm of one list of 20,000
        # lines costs its square
        inventories = Inventory.create([{
                    'location': warehouse.storage_location.id,
                    'date': dt.date.today() - dt.timedelta(days=1),
                    'lines': [('create', [{'product': p.id, 'quantity': 10}
                                for p in products[start:start + 1000]])]}
                for start in range(0, count, 1000)])
        for inventory in inventories:
            Inventory.confirm([inventory])
        promo, = PriceList.create([{'name': "Kulcs Akciók",
                    'company': company.id}])
        groups = [ModelData.get_id(*g) for g in [
                ('product', 'group_product_admin'),
                ('account_product', 'group_account_product_admin'),
                ('stock', 'group_stock'), ('stock', 'group_stock_admin'),
                ('sale', 'group_sale')]]
        user, = User.create([{'login': 'kulcs', 'name': "Kulcs",
                    'companies': [('add', [company.id])],
                    'company': company.id, 'groups': [('add', groups)]}])
        connection, = Connection.create([{'name': "Kulcs Ügyvitel",
                    'company': company.id, 'import_password': PASSWORD,
                    'warehouse': warehouse.id, 'promo_price_list': promo.id,
                    'sync_user': user.id, 'gross_prices': True}])
        return {'company': company.id, 'connection': connection.id,
            'token': connection.token, 'products': [p.id for p in products],
            'category': category.id}


@contextlib.contextmanager
def profiled(pool, profile):
    """Run the connection's application of documents (in the server's
    thread, where the queue's task runs without a queue worker) under
    cProfile when profile, and print where its time went"""
    if not profile:
        yield
        return
    import cProfile
    import pstats
    Connection = pool.get('kulcs.connection')
    original = Connection.kulcs_apply
    profiler = cProfile.Profile()
    Connection.kulcs_apply = (
        lambda self, kind, data: profiler.runcall(original, self, kind, data))
    try:
        yield
    finally:
        Connection.kulcs_apply = original
    profiler.dump_stats('/tmp/kulcs.prof')
    stats = pstats.Stats(profiler)
    stats.sort_stats('cumulative').print_stats(60)
    stats.sort_stats('tottime').print_stats(25)


def code(number):
    return f'K-{number:06d}'


def products_document(count):
    """Every product with a new gross price, a promo price for one in
    three and a new stock"""
    items = []
    for i in range(count):
        promo = f'<arakcios>{1000 + i % 500},50</arakcios>' if i % 3 else ''
        items.append(f'<termek><termekkod>{code(i)}</termekkod>'
            f'<ar>{1500 + i % 1000}</ar>{promo}'
            f'<szabadraktar>{11 + i % 20}</szabadraktar></termek>')
    return ('<?xml version="1.0" encoding="UTF-8"?><termekek>'
        + ''.join(items) + '</termekek>').encode()


def serve():
    "trytond's WSGI application on a free port, in a thread: (server, URL)"
    from werkzeug.serving import WSGIRequestHandler, make_server

    from trytond.wsgi import app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass
    server = make_server('127.0.0.1', 0, app, threaded=True,
        request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f'http://127.0.0.1:{server.server_port}'


def post(url, document, count):
    "The figures of one post of document to the connection's URL"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(DATABASE, 0):
        connection, = Pool(DATABASE).get('kulcs.connection').search([])
        path = f'/{DATABASE}/kulcs/{connection.id}/{connection.token}/products'
    load = [os.getloadavg()[0]]
    with counting_queries() as queries:
        start_rss = reset_peak()
        started = time.perf_counter()
        answer = requests.post(url + path, params={'jelszo': PASSWORD},
            data=document, headers={'Content-Type': 'application/xml'},
            timeout=3600)
        seconds = time.perf_counter() - started
        peak = memory('VmHWM')
    load.append(os.getloadavg()[0])
    assert answer.status_code == 200, answer.content[:500]
    return {'seconds': seconds, 'rate': count / seconds,
        'queries': queries[0] / count, 'log': last_log(),
        'memory': (peak - start_rss) / 1024, 'load': load,
        'bytes': len(document)}


def last_log():
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(DATABASE, 0):
        Log = Pool(DATABASE).get('onretail.sync.log')
        log, = Log.search([], order=[('id', 'DESC')], limit=1)
        return {name: getattr(log, 'count_' + name) for name in [
                'read', 'created', 'updated', 'unchanged', 'skipped',
                'errors']}


def snapshot():
    "Per table: its rows, newest create_date and newest write_date"
    from trytond.transaction import Transaction
    result = {}
    with Transaction().start(DATABASE, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        for table in TABLES:
            cursor.execute(f'SELECT count(*), max(create_date), '
                f'max(write_date) FROM "{table}"')
            result[table] = cursor.fetchone()
    return result


def reference(pool, ids, count):
    """Tryton's standard path: per product, Template.write of its list
    price, a price list line and an inventory of its storage confirmed"""
    from trytond.transaction import Transaction
    Inventory = pool.get('stock.inventory')
    Line = pool.get('product.price_list.line')
    Location = pool.get('stock.location')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    with Transaction().start(DATABASE, 0,
            context={'company': ids['company']}):
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        promo = pool.get('kulcs.connection')(ids['connection']
            ).promo_price_list
        products = Product.browse(ids['products'][:count])
        started = time.perf_counter()
        for i, product in enumerate(products):
            Template.write([product.template], {'list_price': 2000 + i})
            Line.create([{'price_list': promo.id, 'applies_to': 'product',
                        'product': product.id, 'compute_price': 'fixed',
                        'fixed_price': Decimal(1500), 'priority': 20}])
            inventory, = Inventory.create([{
                        'location': warehouse.storage_location.id,
                        'lines': [('create', [{'product': product.id,
                                        'quantity': 50}])]}])
            Inventory.confirm([inventory])
        seconds = time.perf_counter() - started
    print(f"  Tryton's standard path, per product:  {count:,} in "
        f"{seconds:.1f} s = {count / seconds:.1f} items/s "
        "(Template.write, a rule, an inventory confirmed)")


def report(args, figures, before, middle, after):
    print(f"\nonretail_kulcs on PostgreSQL: a stock-and-price document of "
        f"{args.products:,} products "
        f"({figures['first']['bytes'] / 2**20:.1f} MiB) posted over HTTP")
    for run, title in [('first', "first run, everything changes"),
            ('second', "second run, the same document")]:
        f = figures[run]
        print(f"  {title + ':':42}{args.products:,} items in "
            f"{f['seconds']:.1f} s = {f['rate']:.0f} items/s "
            f"(goal ≥ {GOALS[run]:,}/s)")
        print(f"    {'SQL queries:':40}{f['queries']:.2f} per item; machine "
            f"load {f['load'][0]:.1f} → {f['load'][1]:.1f}")
        print(f"    {'sync log:':40}" + ", ".join(
                f"{k} {v:,}" for k, v in f['log'].items()))
        print(f"    {'peak memory growth:':40}{f['memory']:.1f} MiB "
            f"(goal < {MEMORY_GOAL} MB)")
    unchanged = middle == after
    print(f"    {'the tables a document writes:':40}"
        + ("unchanged (rows, newest create and write)" if unchanged
            else f"CHANGED: {middle} → {after}"))
    print(f"  {'rows the first run added:':42}" + ", ".join(
            f"{after[t][0] - before[t][0]:,} {t}" for t in TABLES
            if middle[t][0] != before[t][0]))


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
