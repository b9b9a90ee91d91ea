#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the import of Cartum's orders (onretail_cartum) on PostgreSQL.

The Cartum sandbox, in a process of its own, holds 2,000 orders of 3 lines
created over the last 5 days: 500 products of its catalogue and 1,500
customers (distinct Ukrainian phone numbers, written in the ways shoppers
type them), all new to onRetail, a quarter of the orders by a returning
customer. A store by SKU with gross prices (a 20 % VAT on its account
category), Cartum's status 1 New as quotation, imports them as the
scheduled action does (Sale.cartum_import), then again with nothing
changed on Cartum. Prints:

- the orders per second of the first import (parties, products and
  quotations created) and of the second run, with their requests, their
  SQL queries per order and the machine's load average at their start and
  end (the figures of a busy machine are slower);
- the sync log of each run; the second must have written nothing: created
  0, updated 0, unchanged all, and the rows (count, newest create_date and
  write_date) of the sales, their lines, the parties and the products the
  same before and after;
- the peak growth of the resident memory of each run (VmHWM, reset before
  the run, less VmRSS before);
- Tryton's standard path for reference: Sale.create of the same sales with
  every value known (party, addresses, products, taxes, net prices) and
  Sale.quote, one transaction per order, without the connector.

Usage: make bench-cartum   (or: .venv/bin/python bench/cartum.py)

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import datetime as dt
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from decimal import Decimal

from common import (
    activate, counting_queries, memory, on_postgresql, reset_peak, vacuum)

DATABASE = 'bench_cartum'
LOGIN, PASSWORD = 'api', 'bench-cartum-password'
TIMEZONE = 'Europe/Kyiv'
VAT = Decimal('0.2')
VAT_FACTOR = 1 + VAT
# The tables an import writes, compared before and after the second run
TABLES = ['sale_sale', 'sale_line', 'party_party', 'party_address',
    'party_contact_mechanism', 'product_template', 'product_product',
    'product_category', 'cartum_status_push']
# Ukrainian mobile operators' codes (Kyivstar, Vodafone, lifecell)
OPERATORS = ['67', '68', '96', '97', '98', '50', '66', '95', '99', '63',
    '73', '93']
FIRST_NAMES = ['Olena', 'Taras', 'Iryna', 'Andrii', 'Oksana', 'Dmytro',
    'Natalia', 'Serhii', 'Yulia', 'Mykola', 'Kateryna', 'Bohdan', 'Sofiia',
    'Volodymyr', 'Halyna', 'Oleksandr']
LAST_NAMES = ['Koval', 'Melnyk', 'Bondar', 'Shevchenko', 'Tkachenko',
    'Kravchenko', 'Boiko', 'Kovalenko', 'Oliinyk', 'Lysenko', 'Moroz',
    'Marchenko', 'Savchenko', 'Rudenko']
CITIES = ['Kyiv', 'Lviv', 'Odesa', 'Kharkiv', 'Dnipro', 'Vinnytsia',
    'Poltava', 'Chernihiv', 'Uzhhorod', 'Ivano-Frankivsk']
STREETS = ['Khreshchatyk St', 'Rynok Sq', 'Derybasivska St', 'Sumska St',
    'Soborna St', 'Shevchenka Ave', 'Franka St', 'Hrushevskoho St']
DEPARTMENTS = ['Tableware', 'Tea', 'Coffee', 'Textiles', 'Kitchen', 'Toys',
    'Stationery', 'Garden', 'Bath', 'Lighting', 'Storage', 'Gifts', 'Pets',
    'Sport', 'Books', 'Candles', 'Decor', 'Bags', 'Clocks', 'Frames']


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--orders', type=int, default=2000)
    parser.add_argument('--lines', type=int, default=3,
        help="lines of each order")
    parser.add_argument('--products', type=int, default=500)
    parser.add_argument('--customers', type=int, default=1500)
    parser.add_argument('--no-reference', dest='reference',
        action='store_false', help="skip Tryton's standard path")
    parser.add_argument('--profile', action='store_true',
        help="run the first import under cProfile (slower) and print "
        "where its time goes")
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.customers > args.orders or args.lines > args.products:
        parser.error("more customers than orders or lines than products")
    return on_postgresql(__file__, sys.argv[1:], lambda: run(args))


def run(args):
    activate(DATABASE, 'onretail_cartum')
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(DATABASE)
    with Transaction().start(DATABASE, 0):
        pool.init()
    test = Pool.test
    from trytond.modules.onretail_base.tests.tools import committed
    company_id, store_id = committed(lambda: build(pool), database=DATABASE)
    # The test helpers build() uses set Pool.test, under which trytond also
    # validates the domains of Function fields on every save (some 70 more
    # queries per order): the runs measure what a server does
    Pool.test = test
    vacuum(DATABASE)

    fixtures = sandbox_fixtures(args)
    sandbox = SandboxProcess(fixtures)
    try:
        set_test_url(pool, store_id, sandbox.url)
        figures = {'fixtures': fixture_figures(fixtures)}
        before = snapshot()
        figures['first'] = import_orders(pool, company_id, store_id,
            profile=args.profile)
        figures['first']['requests'] = sandbox.requests()
        figures['first']['rows'] = rows_added(before, snapshot())
        vacuum(DATABASE)  # as autovacuum would after 2,000 new sales

        before = snapshot()
        figures['second'] = import_orders(pool, company_id, store_id)
        figures['second']['requests'] = sandbox.requests()
        figures['second']['before'], figures['second']['after'] = (
            before, snapshot())
    finally:
        sandbox.stop()
    if args.reference:
        figures['reference'] = standard_path(pool, company_id, store_id)
    report(args, figures)
    return 0 if check(args, figures) else 1


def build(pool):
    """The company (UAH, Kyiv) with a chart of accounts and a 20 % VAT, the
    account category of new products with it and the store (test mode, by
    SKU, gross prices, 1 New ↔ quotation)"""
    from trytond.modules.account.tests import create_chart
    from trytond.modules.company.tests import create_company, set_company
    from trytond.modules.currency.tests import create_currency
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    Company = pool.get('company.company')
    Country = pool.get('country.country')
    Store = pool.get('cartum.store')
    Tax = pool.get('account.tax')
    uah = create_currency('UAH')
    company = create_company(name="Bench Shop", currency=uah)
    Company.write([company], {'timezone': TIMEZONE})
    ukraine, = Country.create([{'name': "Ukraine", 'code': 'UA'}])
    with set_company(company):
        create_chart(company, tax=True)
        revenue, = Account.search([('type.revenue', '=', True),
                ('closed', '!=', True),
                ('company', '=', company.id)], limit=1)
        tax, = Tax.search([('company', '=', company.id),
                ('rate', '=', VAT)])
        category, = Category.create([{'name': "Goods", 'accounting': True,
                    'account_revenue': revenue.id,
                    'customer_taxes': [('add', [tax.id])]}])
        store, = Store.create([{
                    'name': "UA Shop", 'domain': 'shop.example.com',
                    'api_login': LOGIN, 'api_password': PASSWORD,
                    'company': company.id, 'currency': uah.id,
                    'language': 'ua', 'phone_country': ukraine.id,
                    'account_category': category.id, 'gross_prices': True,
                    'test_mode': True,
                    # the orders of the last 5 days are in its window
                    'created_since': (dt.datetime.now()
                        - dt.timedelta(days=6)),
                    'statuses': [('create', [
                                {'cartum_id': 1, 'state': 'quotation'}])],
                    }])
    return company.id, store.id


def set_test_url(pool, store_id, url):
    from trytond.transaction import Transaction
    with Transaction().start(DATABASE, 0) as transaction:
        Store = pool.get('cartum.store')
        Store.write([Store(store_id)], {'test_url': url})
        transaction.commit()


def sandbox_fixtures(args):
    """The catalogue, the customers and the orders of the sandbox, in the
    form of its fixtures; the same for every run"""
    import phonenumbers
    from onretail_sandbox.cartum import default_fixtures
    generator = random.Random(2026)
    products = []
    for number in range(1, args.products + 1):
        department = DEPARTMENTS[number % len(DEPARTMENTS)]
        products.append({
                'article': f'ART-{number:05d}',
                'parent': {'id': 100 + number % len(DEPARTMENTS),
                    'value': f"Shop\\{department}"},
                'title': {'ua': f"Товар {number} ({department})",
                    'en': f"Product {number} ({department})"},
                'description': {'ua': f"Опис товару {number}",
                    'en': f"Description of product {number}"},
                # gross: 1.2 × a net price in whole hryvnias, so that the
                # net price and the 20 % VAT give back the order's total
                'price': money(VAT_FACTOR * generator.randint(20, 2000)),
                })
    customers, numbers = [], set()
    while len(customers) < args.customers:
        operator = generator.choice(OPERATORS)
        subscriber = f'{generator.randrange(10 ** 7):07d}'
        e164 = f'+380{operator}{subscriber}'
        if e164 in numbers:
            continue
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
        numbers.add(e164)
        first, last = (generator.choice(FIRST_NAMES),
            generator.choice(LAST_NAMES))
        s = subscriber
        customers.append({
                'delivery_name': f"{first} {last}",
                # as shoppers type them: the import finds one party
                'delivery_phone': generator.choice([
                        e164,
                        f'+380 {operator} {s[:3]} {s[3:]}',
                        f'0{operator} {s[:3]}-{s[3:5]}-{s[5:]}',
                        f'(0{operator}) {s[:3]} {s[3:5]} {s[5:]}',
                        ]),
                'delivery_email': (
                    f'{first}.{last}.{len(customers)}@example.com'.lower()),
                'delivery_city': generator.choice(CITIES),
                'delivery_address': (f"{generator.choice(STREETS)}, "
                    f"{generator.randint(1, 120)}"),
                })
    # each customer orders once, a quarter of the orders are returns of
    # one of them, all in random order
    buyers = customers + [generator.choice(customers)
        for _ in range(args.orders - args.customers)]
    generator.shuffle(buyers)
    # created over the last 5 days (the shop's time), up to 10 minutes ago
    now = dt.datetime.now(zone()).replace(tzinfo=None, microsecond=0)
    span = int(dt.timedelta(days=5).total_seconds())
    orders = []
    for number, buyer in enumerate(buyers):
        created = now - dt.timedelta(minutes=10,
            seconds=generator.randrange(span))
        lines = [{'article': product['article'],
                'quantity': generator.choice([1, 1, 1, 2, 3]),
                'price': product['price']}
            for product in generator.sample(products, args.lines)]
        orders.append(dict(buyer,
                order_id=100_000 + number,
                stat_created=created.strftime('%Y-%m-%d %H:%M:%S'),
                stat_status=1,
                currency='UAH',
                delivery_price=0,
                products=lines))
    return {'statuses': default_fixtures()['statuses'],
        'products': products, 'orders': orders}


def money(value):
    value = Decimal(value).quantize(Decimal('0.01'))
    return int(value) if value == value.to_integral() else float(value)


def zone():
    from zoneinfo import ZoneInfo
    return ZoneInfo(TIMEZONE)


def fixture_figures(fixtures):
    orders = fixtures['orders']
    phones = Counter(o['delivery_phone'] for o in orders)
    return {
        'orders': len(orders),
        'lines': sum(len(o['products']) for o in orders),
        'products': len(fixtures['products']),
        'articles': len({l['article'] for o in orders
                for l in o['products']}),
        'customers': len(phones),
        'returning': sum(n - 1 for n in phones.values()),
        'oldest': min(o['stat_created'] for o in orders),
        'newest': max(o['stat_created'] for o in orders),
        }


class SandboxProcess:
    """The Cartum sandbox serving the fixtures in a process of its own, as
    the shop is: its work and memory are not the import's"""

    def __init__(self, fixtures):
        context = multiprocessing.get_context('spawn')
        self.connection, child = context.Pipe()
        self.process = context.Process(target=serve_sandbox,
            args=(child, fixtures), daemon=True)
        self.process.start()
        self.url = self.connection.recv()

    def requests(self):
        "Each function's calls since the last time"
        self.connection.send('requests')
        return self.connection.recv()

    def stop(self):
        if self.process.is_alive():
            self.connection.send('stop')
            self.process.join(10)


def serve_sandbox(connection, fixtures):
    from onretail_sandbox.cartum import CartumSandbox
    sandbox = CartumSandbox(login=LOGIN, password=PASSWORD,
        fixtures=fixtures, timezone=TIMEZONE)
    connection.send(sandbox.start())
    try:
        while True:
            command = connection.recv()
            if command == 'stop':
                break
            with sandbox.lock:
                calls = Counter(r['function'] for r in sandbox.requests)
                sandbox.requests.clear()
            connection.send(dict(calls))
    finally:
        sandbox.stop()


def import_orders(pool, company_id, store_id, profile=False):
    """Sale.cartum_import of the store as the scheduled action runs it;
    the figures of the run"""
    from trytond.transaction import Transaction
    Sale = pool.get('sale.sale')
    Store = pool.get('cartum.store')
    parts = {}
    restore = [time_method(Sale, name, parts)
        for name in ['_cartum_fetch', '_cartum_catalog']]
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    load = [os.getloadavg()[0]]
    try:
        with Transaction().start(DATABASE, 0,
                context={'company': company_id}), \
                counting_queries() as queries:
            store = Store(store_id)
            start_rss = reset_peak()
            started = time.perf_counter()
            if profiler:
                run = profiler.runcall(Sale.cartum_import, store,
                    trigger='cron')
            else:
                run = Sale.cartum_import(store, trigger='cron')
            seconds = time.perf_counter() - started
            peak = memory('VmHWM')
    finally:
        for undo in restore:
            undo()
    load.append(os.getloadavg()[0])
    if profiler:
        import pstats
        stats = pstats.Stats(profiler)
        stats.sort_stats('cumulative').print_stats(45)
        stats.sort_stats('tottime').print_stats(30)
    assert run.message is None, run.message
    return {'seconds': seconds, 'counts': dict(run.counts),
        'lines': Counter(l['kind'] for l in run.lines),
        'log': sync_log(pool, store_id), 'queries': queries[0],
        'fetch': parts['_cartum_fetch'], 'catalog': parts['_cartum_catalog'],
        'memory': (peak - start_rss) / 1024, 'profiled': bool(profiler),
        'load': load}


def time_method(Model, name, totals):
    "Add the time of Model's class method name to totals[name]; the undo"
    original = getattr(Model, name)
    totals[name] = 0.

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - started
    own = Model.__dict__.get(name)
    setattr(Model, name, staticmethod(timed))

    def undo():
        if own is None:
            delattr(Model, name)
        else:
            setattr(Model, name, own)
    return undo


def sync_log(pool, store_id):
    "The counts of the store's newest sync log, as stored"
    from trytond.transaction import Transaction
    with Transaction().start(DATABASE, 0):
        Log = pool.get('onretail.sync.log')
        log, = Log.search([('connection', '=', f'cartum.store,{store_id}')],
            order=[('id', 'DESC')], limit=1)
        return {'state': log.state, **{name: getattr(log, 'count_' + name)
                for name in ['read', 'created', 'updated', 'unchanged',
                    'skipped', 'errors']}}


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


def rows_added(before, after):
    return {table: after[table][0] - before[table][0] for table in TABLES}


def standard_path(pool, company_id, store_id):
    """Tryton's Sale.create and Sale.quote of the imported sales again, with
    every value known, one transaction per sale, without the connector"""
    from trytond.transaction import Transaction
    Sale = pool.get('sale.sale')
    with Transaction().start(DATABASE, 0, context={'company': company_id}):
        sales = Sale.search([('cartum_store', '=', store_id)],
            order=[('id', 'ASC')])
        values = [{
                'company': s.company.id, 'currency': s.currency.id,
                'party': s.party.id, 'invoice_address': s.invoice_address.id,
                'shipment_address': s.shipment_address.id,
                'warehouse': s.warehouse.id, 'sale_date': s.sale_date,
                'reference': f'standard {s.cartum_id}',
                'lines': [('create', [{
                                'type': 'line', 'sequence': l.sequence,
                                'product': l.product.id,
                                'quantity': l.quantity, 'unit': l.unit.id,
                                'unit_price': l.unit_price,
                                'description': l.description,
                                'taxes': [('add', [t.id for t in l.taxes])],
                                } for l in s.lines])],
                } for s in sales]
        totals = [s.total_amount for s in sales]
    load = [os.getloadavg()[0]]
    with Transaction().start(DATABASE, 0, context={'company': company_id}), \
            counting_queries() as queries:
        started = time.perf_counter()
        created = []
        for sale_values in values:
            with Transaction().new_transaction() as transaction:
                sale, = Sale.create([sale_values])
                Sale.quote([sale])
                transaction.commit()
                created.append(sale.id)
        seconds = time.perf_counter() - started
    load.append(os.getloadavg()[0])
    with Transaction().start(DATABASE, 0, context={'company': company_id}):
        same = [s.total_amount for s in Sale.browse(created)] == totals
        quoted = Sale.search([('id', 'in', created),
                ('state', '=', 'quotation')], count=True)
    return {'seconds': seconds, 'sales': len(created), 'same': same,
        'quoted': quoted, 'queries': queries[0], 'load': load}


def check(args, f):
    "Whether the runs did what they must (the speed goals aside)"
    first, second = f['first'], f['second']
    n = args.orders
    ok = True
    expected = [
        ("first run counts", first['log'], {'read': n, 'created': n,
                'updated': 0, 'unchanged': 0, 'skipped': 0, 'errors': 0,
                'state': 'done'}),
        ("second run counts", second['log'], {'read': n, 'created': 0,
                'updated': 0, 'unchanged': n, 'skipped': 0, 'errors': 0,
                'state': 'done'}),
        ("first run rows", {k: first['rows'][k] for k in [
                    'sale_sale', 'sale_line', 'party_party',
                    'product_product']}, {
                'sale_sale': n, 'sale_line': n * args.lines,
                'party_party': args.customers,
                'product_product': f['fixtures']['articles']}),
        ("second run rows", second['after'], second['before']),
        ("first run warnings", dict(first['lines']), {}),
        ("second run warnings", dict(second['lines']), {}),
        ]
    if 'reference' in f:
        expected.append(("standard path", f['reference'], dict(
                    f['reference'], sales=n, quoted=n, same=True)))
    for label, value, goal in expected:
        if value != goal:
            print(f"FAILED {label}: {value} != {goal}")
            ok = False
    return ok


def report(args, f):
    fixtures, first, second = f['fixtures'], f['first'], f['second']
    n = fixtures['orders']
    first_rate = n / first['seconds']
    second_rate = n / second['seconds']

    def log(figures):
        return ', '.join(f'{k} {figures[k]:,}' for k in [
                'read', 'created', 'updated', 'unchanged', 'skipped',
                'errors'])

    def requests(calls):
        return ', '.join(f'{v} {k}' for k, v in sorted(calls.items()))

    def work(figures, count):
        low, high = figures['load']
        per_order = figures['queries'] / count
        return (f"{per_order:.{0 if per_order >= 10 else 1}f} per order; "
            f"machine load "
            f"{low:.1f} → {high:.1f}")

    def table(name, rows):
        count, _, written = rows[name]
        return f"{count:,} rows, newest write " + (
            f"{written:%H:%M:%S.%f}" if written else "none")

    rows = [
        ("the sandbox", f"{n:,} orders of {args.lines} lines "
            f"({fixtures['articles']:,} of {fixtures['products']:,} "
            f"products), {fixtures['customers']:,} customers "
            f"({fixtures['returning']:,} orders of returning ones)"),
        ("  created (the shop's time)",
            f"{fixtures['oldest']} to {fixtures['newest']}"),
        ("first import" + (" (under cProfile)" if first['profiled']
                else ""),
            f"{n:,} orders in {first['seconds']:.1f} s = "
            f"{first_rate:.1f} orders/s (goal ≥ 20/s)"),
        ("  of which orders/get, catalog/export",
            f"{first['fetch']:.1f} s, {first['catalog']:.1f} s "
            f"({requests(first['requests'])})"),
        ("  SQL queries", work(first, n)),
        ("  rows added", ', '.join(f"{v:,} {k}" for k, v in
                first['rows'].items() if v)),
        ("  sync log", log(first['log'])),
        ("  peak memory growth",
            f"{first['memory']:.1f} MiB (VmHWM less VmRSS before)"),
        ("second run, nothing changed",
            f"{n:,} orders in {second['seconds']:.1f} s = "
            f"{second_rate:.1f} orders/s, "
            f"{second_rate / first_rate:.1f} × the first (goal ≥ 10 ×)"),
        ("  of which orders/get",
            f"{second['fetch']:.1f} s ({requests(second['requests'])})"),
        ("  SQL queries", work(second, n)),
        ("  sync log", log(second['log'])),
        ("  sales before → after", f"{table('sale_sale', second['before'])}"
            f" → {table('sale_sale', second['after'])}"),
        ("  sale lines before → after",
            f"{table('sale_line', second['before'])}"
            f" → {table('sale_line', second['after'])}"),
        ("  the tables an import writes",
            "unchanged (rows, newest create and write)"
            if second['before'] == second['after'] else "CHANGED"),
        ("  peak memory growth", f"{second['memory']:.1f} MiB"),
        ]
    if 'reference' in f:
        reference = f['reference']
        rate = reference['sales'] / reference['seconds']
        rows += [
            ("Tryton's Sale.create + quote, same sales",
                f"{reference['sales']:,} in {reference['seconds']:.1f} s = "
                f"{rate:.1f} sales/s (same totals: "
                f"{'yes' if reference['same'] else 'NO'})"),
            ("  SQL queries", work(reference, reference['sales'])),
            ("first import / standard path",
                f"{first['seconds'] / reference['seconds']:.2f} × its time"),
            ]
    print(f"\nonretail_cartum on PostgreSQL: {n:,} orders, "
        f"{fixtures['products']:,} products, "
        f"{fixtures['customers']:,} customers new to onRetail")
    for label, value in rows:
        print(f"  {label + ':':44}{value}")
    print(f"  (machine load: the 1-minute load average of this "
        f"{os.cpu_count()}-core machine at the start and the end)")


if __name__ == '__main__':
    sys.exit(main())
