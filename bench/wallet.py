#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of onretail_wallet redemptions on PostgreSQL.

Two worker processes redeem 1.00 at a time from one card holding 2,000.00
until the card refuses, then two workers redeem 1.00 at a time from 1,000
separate cards. Each redemption is a transaction of its own, locked and
retried the way trytond's server does. Prints the redemptions per second,
the refusals and lock conflicts, and the final balances: the shared card
must end at exactly 0.00, the sum of its movements.

Usage: make bench-wallet   (or: .venv/bin/python bench/wallet.py)

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import multiprocessing
import sys
import time
from decimal import Decimal

from common import activate, on_postgresql, vacuum

DATABASE = 'bench_wallet'
WORKERS = 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--credit', type=Decimal, default=Decimal(2000),
        help="the credit of the shared card")
    parser.add_argument('--cards', type=int, default=1000,
        help="the separate cards")
    parser.add_argument('--rounds', type=int, default=3,
        help="redemptions per separate card")
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    return on_postgresql(__file__, sys.argv[1:], lambda: run(args))


def run(args):
    activate(DATABASE, 'onretail_wallet')
    shared, separate = build(args.credit, args.cards, args.rounds)
    vacuum(DATABASE)

    shared_figures = race([[shared]] * WORKERS, until_refused=True)
    halves = [separate[i::WORKERS] * args.rounds for i in range(WORKERS)]
    separate_figures = race(halves, until_refused=False)
    balances = final_balances(shared, separate)
    report(args, shared_figures, separate_figures, balances)
    ok = (balances['shared'] == balances['shared_moves'] == 0
        and balances['negative_lots'] == 0)
    return 0 if ok else 1


def build(credit, n_cards, rounds):
    "The company, one program, the shared card and the separate cards"
    from trytond.modules.company.tests import create_company, set_company
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(DATABASE)
    with Transaction().start(DATABASE, 0):
        pool.init()
    with Transaction().start(DATABASE, 0) as transaction:
        Card = pool.get('wallet.card')
        Lot = pool.get('wallet.lot')
        Move = pool.get('wallet.move')
        Program = pool.get('wallet.program')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        company = create_company()
        with set_company(company):
            unit, = Uom.search([('name', '=', "Unit")])
            template, = Template.create([{
                        'name': "eWallet", 'type': 'service',
                        'default_uom': unit.id, 'list_price': 0,
                        'products': [('create', [{}])],
                        }])
            program = Program(name="eWallet", type='ewallet',
                product=template.products[0])
            program.save()
            cards = Card.create([{'program': program.id}] * (n_cards + 1))
            today = pool.get('ir.date').today()
            amounts = [credit] + [Decimal(rounds)] * n_cards
            lots = Lot.create([{
                        'card': c.id, 'date': today, 'amount': a,
                        } for c, a in zip(cards, amounts)])
            Move.create([{
                        'card': c.id, 'lot': l.id, 'date': today,
                        'type': 'issue', 'amount': a,
                        } for c, l, a in zip(cards, lots, amounts)])
        transaction.commit()
        return cards[0].id, [c.id for c in cards[1:]]


def race(card_lists, until_refused):
    "Each worker redeems from its list of cards; return the figures"
    started = time.perf_counter()
    with multiprocessing.get_context('spawn').Pool(len(card_lists)) as pool:
        results = pool.starmap(
            redeem_all, [(cards, until_refused) for cards in card_lists])
    elapsed = time.perf_counter() - started
    figures = {key: sum(r[key] for r in results) for key in results[0]}
    figures['seconds'] = elapsed
    return figures


def redeem_all(card_ids, until_refused):
    """Redeem 1.00 from each card in turn (again and again from the only
    card when until_refused), one transaction each"""
    from trytond import backend
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    Pool.start()
    Pool(DATABASE).init()
    figures = {'redeemed': 0, 'refused': 0, 'conflicts': 0, 'restarts': 0}
    index = 0
    while index < len(card_ids):
        extras = {}
        while True:
            try:
                with Transaction().start(DATABASE, 0, **extras) \
                        as transaction:
                    Card = Pool().get('wallet.card')
                    try:
                        Card(card_ids[index]).redeem(Decimal('1.00'))
                    except TransactionError as error:
                        # as the server does: restart with the card locked
                        transaction.rollback()
                        error.fix(extras)
                        figures['restarts'] += 1
                        continue
                    except UserError:
                        transaction.rollback()
                        figures['refused'] += 1
                        if until_refused:
                            return figures
                        break
                    transaction.commit()
                    figures['redeemed'] += 1
                    break
            except backend.DatabaseOperationalError:
                # the other worker held the lock through all retries
                figures['conflicts'] += 1
        if not until_refused:
            index += 1
    return figures


def final_balances(shared, separate):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(DATABASE, 0):
        pool = Pool()
        Card = pool.get('wallet.card')
        Lot = pool.get('wallet.lot')
        card = Card(shared)
        return {
            'shared': card.balance,
            'shared_moves': sum(m.amount for m in card.moves),
            'separate': sum(c.balance for c in Card.browse(separate)),
            'negative_lots': Lot.search([('remaining', '<', 0)], count=True),
            }


def report(args, shared, separate, balances):
    rows = [
        (f"one card of {args.credit:,.2f}, {WORKERS} workers",
            f"{shared['redeemed']:,} redemptions in {shared['seconds']:.1f} s"
            f" = {shared['redeemed'] / shared['seconds']:,.0f}/s"),
        ("  refusals, lock conflicts, restarts",
            f"{shared['refused']}, {shared['conflicts']}, "
            f"{shared['restarts']}"),
        ("  final balance, sum of its movements",
            f"{balances['shared']}, {balances['shared_moves']} "
            "(goal: 0.00, the same)"),
        (f"{args.cards:,} separate cards, {WORKERS} workers",
            f"{separate['redeemed']:,} redemptions in "
            f"{separate['seconds']:.1f} s = "
            f"{separate['redeemed'] / separate['seconds']:,.0f}/s "
            "(goal ≥ 200/s)"),
        ("  refusals, lock conflicts, restarts",
            f"{separate['refused']}, {separate['conflicts']}, "
            f"{separate['restarts']}"),
        ("  their final balance",
            f"{balances['separate']} (goal: 0.00)"),
        ("lots below zero", f"{balances['negative_lots']} (goal: 0)"),
        ]
    print("\nonretail_wallet on PostgreSQL")
    for label, value in rows:
        print(f"  {label + ':':44}{value}")


if __name__ == '__main__':
    sys.exit(main())
