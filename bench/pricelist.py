#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of onretail_pricelist on PostgreSQL.

Builds 100,000 products in a category tree and one list of 1,000 rules (mixed
scopes, minimum quantities and dates), then prints from one run:

- the time of the per-product `compute` (onRetail's rules) and of Tryton's
  own product_price_list loop over the same lines, timed on a random sample
  and scaled to every product, because they are too slow to run over all;
- the time of `compute_batch` over every product;
- the time of a bare SQL read of the rows compute_batch reads;
- the ratios;
- the peak RSS growth of streaming the gateway export of every price.

Usage: make bench-pricelist   (or: .venv/bin/python bench/pricelist.py)

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from common import activate, on_postgresql, vacuum

DATABASE = 'bench_pricelist'
TODAY = dt.date(2026, 11, 23)
REPEAT = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--products', type=int, default=100_000)
    parser.add_argument('--rules', type=int, default=1_000)
    parser.add_argument('--sample', type=int, default=30,
        help="products timed one by one")
    parser.add_argument('--profile', action='store_true',
        help="print where compute_batch spends its time")
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--export', action='store_true',
        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        return export_child()
    return on_postgresql(__file__, sys.argv[1:], lambda: run(args))


def run(args):
    activate(DATABASE, 'onretail_pricelist')
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(DATABASE)
    with Transaction().start(DATABASE, 0):
        pool.init()
    with Transaction().start(DATABASE, 0) as transaction:
        company = build(pool, args.products, args.rules)
        transaction.commit()
    vacuum(DATABASE)
    with Transaction().start(DATABASE, 0, context={
                'company': company, 'date': TODAY}):
        figures = measure(pool, args.sample, args.profile)
    figures.update(measure_export(company))
    report(args, figures)


def build(pool, n_products, n_rules):
    "The company, categories, products (in bulk SQL) and the list"
    from trytond.modules.company.tests import create_company, set_company
    started = time.perf_counter()
    generator = random.Random(2026)
    company = create_company()
    with set_company(company):
        categories = build_categories(pool)
        build_products(pool, company, categories, n_products, generator)
        build_price_list(pool, categories, n_rules, generator)
    print(f"built {n_products:,} products and {n_rules:,} rules in "
        f"{time.perf_counter() - started:.0f} s", flush=True)
    return company.id


def build_categories(pool):
    "10 departments of 10 groups of 10 families: 1,110 categories"
    Category = pool.get('product.category')
    levels = [Category.create([{'name': f"D{i}"} for i in range(10)])]
    for depth in range(2):
        levels.append(Category.create([
                    {'name': f"{parent.name}.{i}", 'parent': parent.id}
                    for parent in levels[-1] for i in range(10)]))
    return [c for level in levels for c in level]


def build_products(pool, company, categories, n_products, generator):
    """Copy one product made by the ORM in bulk SQL: the ORM takes some
    20 ms a product, far too long for 100,000"""
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', "Unit")])
    template, = Template.create([{
                'name': "Model", 'code': "M", 'default_uom': unit.id,
                'salable': True, 'sale_uom': unit.id,
                'list_price': Decimal('10'),
                'categories': [('add', [categories[-1].id])],
                'products': [('create', [{'cost_price': Decimal('5')}])],
                }])
    cursor = db_cursor()
    copy_rows(cursor, 'product_template', 'id = %s' % template.id,
        {'name': "'Product ' || n", 'code': "'P' || lpad(n::text, 6, '0')"},
        n_products)
    cursor.execute(
        "SELECT id FROM product_template WHERE name LIKE 'Product %%' "
        "ORDER BY id")
    template_ids = [i for i, in cursor]
    product, = template.products
    values = "VALUES " + ','.join(
        f"({n}, {t})" for n, t in enumerate(template_ids, 1))
    copy_rows(cursor, 'product_product', 'id = %s' % product.id,
        {'template': 'new.t', 'code': "'P' || lpad(n::text, 6, '0')"},
        None, f"({values}) AS new(n, t)")
    prices = ','.join(
        f"({t}, {generator.randint(100, 99999) / 100})" for t in template_ids)
    cursor.execute(
        "INSERT INTO product_list_price "
        "(template, company, list_price, create_uid, create_date) "
        f"SELECT t, {company.id}, p, 0, now() FROM (VALUES {prices}) AS v(t, p)")
    cursor.execute(
        "INSERT INTO product_cost_price "
        "(product, company, cost_price, create_uid, create_date) "
        f"SELECT p.id, {company.id}, round(lp.list_price * 0.5, 4), 0, now() "
        "FROM product_product p JOIN product_list_price lp "
        "ON lp.template = p.template AND lp.company = %s "
        "WHERE p.id != %s", (company.id, product.id))
    leaves = [c.id for c in categories if c.name.count('.') == 2]
    links = ','.join(f"({t}, {generator.choice(leaves)})"
        for t in template_ids)
    cursor.execute(
        'INSERT INTO "product_template-product_category" '
        "(template, category, create_uid, create_date) "
        f"SELECT t, c, 0, now() FROM (VALUES {links}) AS v(t, c)")
    cursor.execute("ANALYZE")


def all_ids(Model):
    table = Model.__table__()
    cursor = db_cursor()
    cursor.execute(*table.select(table.id, order_by=[table.id]))
    return [i for i, in cursor]


def db_cursor():
    from trytond.transaction import Transaction
    return Transaction().connection.cursor()


def copy_rows(cursor, table, where, replace, count, source=None):
    "Insert copies of a row, some columns replaced by SQL expressions"
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id'", (table,))
    columns = [c for c, in cursor]
    values = [replace.get(c, f'src."{c}"') for c in columns]
    source = source or f"generate_series(1, {count}) AS n"
    cursor.execute(
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
        f'SELECT {", ".join(values)} FROM "{table}" AS src, {source} '
        f'WHERE src.{where}')


def build_price_list(pool, categories, n_rules, generator):
    PriceList = pool.get('product.price_list')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    template_ids = all_ids(Template)
    product_ids = all_ids(Product)
    base, = PriceList.create([{
                'name': "Base", 'lines': [('create', [{
                                'compute_price': 'percentage',
                                'percent_price': Decimal(5)}])]}])
    rules = []
    for _ in range(n_rules):
        rule = {
            'quantity': generator.choice([None, 1, 5, 10]),
            'priority': generator.choice([0, 0, 10]),
            }
        scope = generator.choices(
            ['all', 'category', 'template', 'product'], [1, 30, 35, 34])[0]
        if scope == 'all':
            rule['applies_to'] = 'all'
        elif scope == 'category':
            rule['category'] = generator.choice(categories).id
        elif scope == 'template':
            rule['template'] = generator.choice(template_ids)
        else:
            rule['product'] = generator.choice(product_ids)
        if generator.random() < 0.3:
            rule['start_date'] = TODAY + dt.timedelta(
                generator.randint(-60, 30))
        if generator.random() < 0.3:
            rule['end_date'] = TODAY + dt.timedelta(generator.randint(0, 90))
        if rule.get('start_date') and rule.get('end_date'):
            rule['end_date'] = max(rule['start_date'], rule['end_date'])
        kind = generator.choice(['fixed', 'percentage', 'formula'])
        rule['compute_price'] = kind
        if kind == 'fixed':
            rule['fixed_price'] = Decimal(generator.randint(100, 9999)) / 100
        elif kind == 'percentage':
            rule['percent_price'] = Decimal(generator.randint(1, 40))
        else:
            rule.update(base=generator.choice(
                    ['list_price', 'cost_price', 'price_list']),
                discount=Decimal(generator.randint(-30, 30)),
                rounding=generator.choice([Decimal(0), Decimal(1)]),
                surcharge=generator.choice([Decimal(0), Decimal('-0.01')]))
            if rule['base'] == 'price_list':
                rule['base_price_list'] = base.id
        rules.append(rule)
    PriceList.create([{
                'name': "Shop", 'gateway_name': 'shop',
                'gateway_export': True, 'lines': [('create', rules)]}])


def measure(pool, sample_size, profile=False):
    from trytond.modules.product_price_list.price_list import (
        PriceList as TrytonPriceList)
    PriceList = pool.get('product.price_list')
    Product = pool.get('product.product')
    price_list, = PriceList.search([('gateway_name', '=', 'shop')])
    product_ids = all_ids(Product)
    sample = random.Random(7).sample(product_ids, sample_size)
    figures = {'products': len(product_ids)}

    def per_product(compute):
        started = time.perf_counter()
        for product in Product.browse(sample):
            compute(price_list, product, 1, product.sale_uom)
        return (time.perf_counter() - started) / len(sample)

    figures['compute'] = per_product(PriceList.compute)
    figures['tryton'] = per_product(TrytonPriceList.compute)

    # Browsed by thousands: trytond checks each id of a browse against all
    # its ids, which is quadratic for a single browse of 100,000.
    products = [product for start in range(0, len(product_ids), 1000)
        for product in Product.browse(product_ids[start:start + 1000])]
    if profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.runcall(price_list.compute_batch, products, 1)
        pstats.Stats(profiler).sort_stats('tottime').print_stats(25)
    # Alternated and repeated: the median of each is less the noise of
    # this virtual machine.
    batch_times, bare_times = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        prices = price_list.compute_batch(products, 1)
        batch_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        figures['rows'] = bare_read(product_ids, price_list.company.id)
        bare_times.append(time.perf_counter() - started)
    figures['batch'] = statistics.median(batch_times)
    figures['batch_first'] = batch_times[0]
    figures['bare'] = statistics.median(bare_times)
    figures['priced'] = sum(p is not None for p in prices.values())

    check = {p.id: price_list.compute(p, 1, p.sale_uom)
        for p in Product.browse(sample)}
    assert all(prices[i] == check[i] for i in sample), "batch != compute"
    return figures


def bare_read(product_ids, company):
    """The product rows compute_batch reads (template, categories with the
    accounting one, the company's variant or template list price and cost
    price), in one hand-written query, without pricing"""
    cursor = db_cursor()
    cursor.execute(
        "SELECT p.id, p.template, tc.category, t.account_category, "
        "pp.list_price, tp.list_price, cp.cost_price "
        "FROM product_product p "
        "JOIN product_template t ON t.id = p.template "
        'LEFT JOIN "product_template-product_category" tc '
        "ON tc.template = p.template "
        "LEFT JOIN product_list_price tp ON tp.template = p.template "
        "AND tp.product IS NULL AND tp.company = %(company)s "
        "LEFT JOIN product_list_price pp ON pp.product = p.id "
        "AND pp.company = %(company)s "
        "LEFT JOIN product_cost_price cp ON cp.product = p.id "
        "AND cp.company = %(company)s "
        "WHERE p.id = ANY(%(ids)s)", {'ids': product_ids, 'company': company})
    return len(cursor.fetchall())


def measure_export(company):
    "Stream the export in a process of its own to see its peak memory"
    started = time.perf_counter()
    env = dict(os.environ, ONRETAIL_BENCH_COMPANY=str(company))
    output = subprocess.run(
        [sys.executable, __file__, '--export'], check=True,
        capture_output=True, text=True, env=env).stdout
    rows, start, warm, peak = map(int, output.split())
    return {'export': time.perf_counter() - started, 'export_rows': rows,
        'rss_start': start, 'rss_warm': warm, 'rss_peak': peak}


def export_child():
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(DATABASE)
    with Transaction().start(DATABASE, 0):
        pool.init()
    with Transaction().start(DATABASE, 0, context={
                'company': int(os.environ['ONRETAIL_BENCH_COMPANY'])}):
        PriceList = pool.get('product.price_list')
        price_lists = PriceList.gateway_lists(['shop'])
        # Memory in use before, after the first chunk of rows (the rules,
        # caches and code the export loads once) and at its peak.
        start = memory('VmRSS')
        warm = None
        lines = 0
        with open(os.devnull, 'w') as sink:
            for chunk in PriceList.export_gateway(price_lists, TODAY, 'csv'):
                lines += chunk.count('\n')
                sink.write(chunk)
                if warm is None and lines > 1:
                    warm = memory('VmRSS')
        peak = memory('VmHWM')
    # rows without the header; KiB
    print(lines - 1, start, warm or start, peak)


def memory(name):
    """The resident memory of this process in KiB: VmRSS now, VmHWM at its
    peak. Not getrusage's ru_maxrss: it keeps the peak of the parent that
    forked this process."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(name + ':'):
                return int(line.split()[1])


def report(args, f):
    n = f['products']
    compute_all = f['compute'] * n
    tryton_all = f['tryton'] * n
    rows = [
        (f"compute, per product (sample of {args.sample})",
            f"{f['compute'] * 1000:8.1f} ms → {compute_all:6.0f} s for all "
            "(scaled)"),
        ("Tryton's compute loop, same lines (sample)",
            f"{f['tryton'] * 1000:8.1f} ms → {tryton_all:6.0f} s for all "
            "(scaled)"),
        (f"compute_batch, all products (median of {REPEAT})",
            f"{f['batch']:8.2f} s  ({f['priced']:,} priced by a rule; "
            f"first call {f['batch_first']:.2f} s)"),
        ("bare SQL read of the same rows (median)",
            f"{f['bare']:8.2f} s  ({f['rows']:,} rows)"),
        ("compute_batch vs per-product compute",
            f"{compute_all / f['batch']:8.0f} × faster (goal ≥ 20 ×)"),
        ("compute_batch vs Tryton's loop",
            f"{tryton_all / f['batch']:8.0f} × faster"),
        ("compute_batch / bare read",
            f"{f['batch'] / f['bare']:8.2f} ×  (goal ≤ 3 ×)"),
        ("gateway export streamed",
            f"{f['export']:8.1f} s  ({f['export_rows']:,} rows)"),
        ("its resident memory (VmRSS, VmHWM)",
            f"{f['rss_start'] / 1024:8.0f} MB at start, "
            f"{f['rss_warm'] / 1024:.0f} MB after the first rows, "
            f"peak {f['rss_peak'] / 1024:.0f} MB"),
        ("peak growth while streaming",
            f"{(f['rss_peak'] - f['rss_start']) / 1024:8.1f} MB "
            "(goal < 50 MB)"),
        ]
    print(f"\nonretail_pricelist on PostgreSQL: {n:,} products, "
        f"{args.rules:,} rules")
    for label, value in rows:
        print(f"  {label + ':':46}{value}")


if __name__ == '__main__':
    sys.exit(main())
