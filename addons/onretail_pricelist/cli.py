# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""onretail-price-export: write the gateway export of price lists.

    onretail-price-export -c onretail.conf -d onretail [--list NAME ...]
        [--date 2026-12-24] [--format csv|json] [-o prices.csv]
"""
import argparse
import datetime as dt
import sys


def parse_arguments(args=None):
    parser = argparse.ArgumentParser(
        prog='onretail-price-export',
        description="Stream the prices of the lists exported via the "
        "gateway as CSV or JSON.")
    parser.add_argument('-c', '--config', dest='config',
        help="the trytond configuration file")
    parser.add_argument('-d', '--database', required=True,
        help="the database name")
    parser.add_argument('--list', dest='names', action='append',
        metavar='GATEWAY_NAME',
        help="a list's gateway name; repeat for several, omit for all")
    parser.add_argument('--date', type=dt.date.fromisoformat,
        help="the date the prices are computed for (default: today)")
    parser.add_argument('--format', choices=['csv', 'json'], default='csv')
    parser.add_argument('-o', '--output', default='-',
        help="the file to write, - for standard output")
    return parser.parse_args(args)


def main(args=None):
    options = parse_arguments(args)
    import trytond.config as config
    config.update_etc(options.config)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(options.database)
    with Transaction().start(options.database, 0, readonly=True):
        pool.init()
    output = (sys.stdout if options.output == '-'
        else open(options.output, 'w', encoding='utf-8', newline=''))
    try:
        with Transaction().start(options.database, 0, readonly=True):
            export(pool, options, output)
    finally:
        if output is not sys.stdout:
            output.close()


def export(pool, options, output):
    PriceList = pool.get('product.price_list')
    Date = pool.get('ir.date')
    price_lists = PriceList.gateway_lists(options.names)
    missing = set(options.names or []) - {
        p.gateway_name for p in price_lists}
    if missing:
        sys.exit("No gateway list named %s" % ', '.join(sorted(missing)))
    date = options.date or Date.today()
    for chunk in PriceList.export_gateway(price_lists, date, options.format):
        output.write(chunk)


if __name__ == '__main__':
    main()
