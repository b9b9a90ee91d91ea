#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the cashier screen's server time on PostgreSQL.

Builds the demo database the way `make run` does, copies its salable
products (in bulk SQL, with their categories, POS categories and prices)
up to 10,000, then prints:

- the time of `sale.point.screen_products`: every product of the register's
  POS categories with its price from the register's list (median of 5),
  and Tryton's standard path for the same prices, the `on_change_product`
  of a cash register sale line, timed on a sample and scaled;
- the p50 and p95 of `sale.point.sale.price_cart` when a scanned product is
  added to a cart of 1 to 10 lines (the screen prices the whole cart in one
  call), and of the standard line `on_change_product` of that product;
- the p50 and p95 of the same pure Python work timed between the scans:
  how much the machine alone spreads the times.

Server time, in the server process, without HTTP, each call in a
read-only transaction of its own as trytond runs them.

Usage: make bench-pos   (or: .venv/bin/python bench/pos.py)

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT, on_postgresql, vacuum

DATABASE = 'bench_pos'
REPEAT = 5
SEPARATOR = '~'  # between the code of a demo product and its copy number


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--products', type=int, default=10_000)
    parser.add_argument('--scans', type=int, default=400)
    parser.add_argument('--sample', type=int, default=100,
        help="products priced one by one by the standard path")
    parser.add_argument('--reuse', action='store_true',
        help="measure again on the database of an earlier run "
        "(with ONRETAIL_PG_URI)")
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    return on_postgresql(__file__, sys.argv[1:], lambda: run(args))


def run(args):
    if not args.reuse:
        build_demo()
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(DATABASE)
    with Transaction().start(DATABASE, 0):
        pool.init()
    with Transaction().start(DATABASE, 0) as transaction:
        if args.reuse:
            total = count_salable(transaction.connection.cursor())
        else:
            total = multiply_products(args.products)
        transaction.commit()
    vacuum(DATABASE)
    with Transaction().start(DATABASE, 1) as transaction:
        User = pool.get('res.user')
        context = User.get_preferences(context_only=True)
    # Read-only, as trytond runs these calls (RPC's default): it caches
    # the records it has read within the transaction
    with Transaction().start(DATABASE, 1, context=context, readonly=True):
        figures = measure(pool, args)
    figures['products'] = total
    report(figures)


def build_demo():
    "The demo database of `make run`, on the server of the environment"
    sys.path.insert(0, str(ROOT))
    from tests.tools import drop_database
    try:
        drop_database(DATABASE, os.environ, quiet=True)
    except subprocess.CalledProcessError:
        pass  # it did not exist
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as state:
        subprocess.run([sys.executable,
                str(ROOT / 'scripts' / 'setup_database.py'),
                '-c', str(ROOT / 'onretail.conf'), '-d', DATABASE,
                '--state-dir', state],
            env=dict(os.environ, ONRETAIL_ADMIN_PASSWORD='admin'),
            check=True, stdout=subprocess.DEVNULL)
    print(f"built the demo database in {time.perf_counter() - started:.0f} s",
        flush=True)


def multiply_products(n_products):
    """Copy the salable demo products with one variant until there are
    n_products; return how many salable products there are"""
    from trytond.transaction import Transaction
    cursor = Transaction().connection.cursor()
    cursor.execute(
        "SELECT t.id FROM product_template t "
        "JOIN product_product p ON p.template = t.id "
        "WHERE t.salable AND t.code IS NOT NULL "
        "GROUP BY t.id HAVING count(*) = 1")
    bases = [i for i, in cursor]
    rounds = max(0, -(-(n_products - count_salable(cursor)) // len(bases)))
    where = f"id IN ({','.join(map(str, bases))})"
    copy_rows(cursor, 'product_template', where, {
            'name': "src.name || ' ' || n",
            'code': f"src.code || '{SEPARATOR}' || n"},
        f"generate_series(1, {rounds}) AS n")
    copies = (f"product_template AS new ON new.code LIKE '%%{SEPARATOR}%%' "
        f"AND split_part(new.code, '{SEPARATOR}', 1) = base.code")
    copy_rows(cursor, 'product_product', 'template = base.id',
        {'template': 'new.id', 'code': 'new.code'},
        f"product_template AS base JOIN {copies}")
    for table, where in [
            ('product_list_price', 'template = base.id AND src.product IS NULL'),
            ('product_template-product_category', 'template = base.id'),
            ('product_template-product_pos_category', 'template = base.id')]:
        copy_rows(cursor, table, where, {'template': 'new.id'},
            f"product_template AS base JOIN {copies}")
    cursor.execute("ANALYZE")
    return count_salable(cursor)


def count_salable(cursor):
    cursor.execute(
        "SELECT count(*) FROM product_product p "
        "JOIN product_template t ON p.template = t.id WHERE t.salable")
    return cursor.fetchone()[0]


def copy_rows(cursor, table, where, replace, source):
    "Insert a copy of the rows of table for each row of source"
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id'", (table,))
    columns = [c for c, in cursor]
    values = ', '.join(replace.get(c, f'src."{c}"') for c in columns)
    names = ', '.join(f'"{c}"' for c in columns)
    cursor.execute(
        f'INSERT INTO "{table}" ({names}) SELECT {values} '
        f'FROM "{table}" AS src, {source} WHERE src.{where}')


def measure(pool, args):
    POS = pool.get('sale.point')
    pos, = POS.search([('name', '=', "Filiale Wien")])
    load_times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        with new_call():
            screen = POS.screen_products(pos.id)
        load_times.append(time.perf_counter() - started)
    products = screen['products']
    generator = random.Random(2026)
    sample = generator.sample(products, min(args.sample, len(products)))
    standard = statistics.mean(standard_line(pool, pos, p['id'])
        for p in sample)
    scans, standard_scans, fixed = scan_times(pool, pos, products,
        args.scans, generator)
    return {
        'shown': len(products),
        'load': statistics.median(load_times),
        'load_first': load_times[0],
        'standard_product': standard,
        'scan': scans,
        'standard_scan': standard_scans,
        'fixed': fixed,
        }


def new_call():
    "A transaction of its own, as trytond starts one for each call"
    from trytond.transaction import Transaction
    return Transaction().new_transaction(readonly=True)


def standard_line(pool, pos, product_id):
    "Time of Tryton's on_change_product of a new line of a register sale"
    Line = pool.get('sale.point.sale.line')
    Product = pool.get('product.product')
    Sale = pool.get('sale.point.sale')
    started = time.perf_counter()
    with new_call():
        sale = Sale(point=pos, date=Sale.default_date(),
            company=pos.company, customer=None, lines=[],
            price_list=pos.price_list)
        line = Line(sale=sale, product=Product(product_id), quantity=1.0)
        line.on_change_product()
    return time.perf_counter() - started


def scan_times(pool, pos, products, n_scans, generator):
    """Times of pricing the cart after each scan, carts of up to 10 lines,
    and of the standard path's line on_change for the same products"""
    Sale = pool.get('sale.point.sale')
    times, standard, fixed = [], [], []
    lines = []
    for _ in range(n_scans):
        if len(lines) == 10:
            lines = []
        product = generator.choice(products)
        lines.append({'product': product['id'], 'quantity': 1})
        started = time.perf_counter()
        with new_call():
            Sale.price_cart(pos.id, {'lines': lines})
        times.append(time.perf_counter() - started)
        standard.append(standard_line(pool, pos, product['id']))
        fixed.append(fixed_work())
    return percentiles(times), percentiles(standard), percentiles(fixed)


def fixed_work():
    """Time of the same pure Python work each time: its spread is the
    machine's, not the code's"""
    started = time.perf_counter()
    sum(i * i for i in range(200_000))
    return time.perf_counter() - started


def percentiles(times):
    cuts = statistics.quantiles(times, n=20)
    return {'p50': statistics.median(times), 'p95': cuts[18]}


def report(f):
    ms = 1000
    print()
    print(f"onretail_pos on PostgreSQL: {f['products']:,} salable products, "
        f"{f['shown']:,} on the screen of Filiale Wien")
    print(f"  screen_products, all with prices (median of {REPEAT}): "
        f"{f['load']:6.2f} s  (first call {f['load_first']:.2f} s; "
        "goal < 1 s)")
    standard_all = f['standard_product'] * f['shown']
    print(f"  Tryton's line on_change_product, per product:    "
        f"{f['standard_product'] * ms:6.1f} ms → {standard_all:.0f} s for "
        "all (scaled)")
    print(f"  price_cart after a scan (1-10 lines), p50 / p95: "
        f"{f['scan']['p50'] * ms:6.1f} / {f['scan']['p95'] * ms:.1f} ms "
        "(goal p95 < 50 ms)")
    print(f"  Tryton's line on_change_product, p50 / p95:      "
        f"{f['standard_scan']['p50'] * ms:6.1f} / "
        f"{f['standard_scan']['p95'] * ms:.1f} ms")
    fixed = f['fixed']
    print(f"  the same Python work each time, p50 / p95:       "
        f"{fixed['p50'] * ms:6.1f} / {fixed['p95'] * ms:.1f} ms "
        f"(the machine's +{fixed['p95'] / fixed['p50'] - 1:.0%})")


if __name__ == '__main__':
    sys.exit(main())
