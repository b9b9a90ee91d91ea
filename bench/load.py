#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load of a chain on make serve's production shape, on PostgreSQL.

For 1, 2 and 4 web workers, scripts/serve.py serves a fresh copy of the demo
database (with the scheduler and the queue worker). Simulated registers
(each with a cashier, a receipt sequence and a gift card of its own) scan
products, price the cart after each scan, check out with cash and, one sale
in three, part by gift card (one in ten on a card shared by all), over
JSON-RPC as the cashier screen does; back-office users search products,
save a price rule and read the credit report. Two phases per worker count:
"busy" registers that never wait (what the server can do), and "paced"
ones that wait between their calls as a fast cashier does.

Prints per phase the sales per second, p50/p95 per call, the errors, and the
checks: each sale saved once, no card overspent, each session's figures the
sum of its sales.

Usage: make bench-load   (or: .venv/bin/python bench/load.py [options])

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from decimal import Decimal

from common import ROOT, on_postgresql

sys.path.insert(0, str(ROOT))
from tests.tools import tryton_decimal as decimal  # noqa: E402

TIMEOUT = 120
CARD_CREDIT = Decimal('1000.00')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--registers', type=int, default=20)
    parser.add_argument('--office', type=int, default=4,
        help="back-office users")
    parser.add_argument('--workers', default='1,2,4',
        help="the web workers of each round")
    parser.add_argument('--seconds', type=int, default=30,
        help="length of each phase")
    parser.add_argument('--pace', type=float, default=1.0,
        help="seconds a paced register waits before each call")
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    return on_postgresql(__file__, sys.argv[1:], lambda: run(args))


def run(args):
    from tests.tools import copy_demo_database, demo_database
    env = os.environ.copy()
    env['TRYTOND_DATABASE__PATH'] = tempfile.mkdtemp(prefix='bench-load-')
    started = time.perf_counter()
    demo_database(env)
    print(f"demo database built in {time.perf_counter() - started:.0f} s",
        flush=True)
    rows = []
    for workers in map(int, args.workers.split(',')):
        name = f'bench_load_{workers}'
        drop_if_exists(name, env)
        password = copy_demo_database(name, env)
        try:
            with Server(name, workers, env, password) as server:
                shop = Shop.setup(server, args.registers, args.office)
                for phase, pace in [('busy', 0), ('paced', args.pace)]:
                    rows.append((workers, phase,
                            shop.run(args.seconds, pace)))
                    report(*rows[-1])
        finally:
            drop_if_exists(name, env)
    summary(rows)


def drop_if_exists(name, env):
    from tests.tools import drop_database
    try:
        drop_database(name, env, quiet=True)
    except subprocess.CalledProcessError:
        pass  # it did not exist


class Server:
    "scripts/serve.py on a copy of the demo database, and its JSON-RPC"

    def __init__(self, database, workers, env, password):
        from tests.tools import JsonRpc, free_port, mark_upgraded
        self.database = database
        self.password = password
        self.port = free_port()
        self.rpc = JsonRpc(f'http://127.0.0.1:{self.port}/', database)
        # The copy is the demo database: no upgrade
        self.state = tempfile.mkdtemp(prefix='bench-load-state-')
        mark_upgraded(database, env, self.state)
        self.env = dict(env, TRYTOND_WEB__LISTEN=f'127.0.0.1:{self.port}')
        self.workers = workers

    def __enter__(self):
        self.log = open(os.path.join(self.state, 'serve.log'), 'w')
        self.process = subprocess.Popen([sys.executable,
                str(ROOT / 'scripts' / 'serve.py'), '-d', self.database,
                '--workers', str(self.workers), '--state-dir', self.state],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10 * TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve.py stopped, see {self.log.name}")
            try:
                self.admin = self.login('admin', self.password)
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(60)
        self.log.close()

    def login(self, login, password):
        return self.rpc.login(login, password)

    def call(self, session, method, *params):
        return self.rpc.call(session, method, *params)

    def result(self, session, method, *params):
        return self.rpc.result(session, method, *params)


def number(value):
    return Decimal(value['decimal'] if isinstance(value, dict) else value)


class Shop:
    "The registers, cashiers, cards and back-office users of a round"

    def __init__(self, server):
        self.server = server
        self.registers = {}    # register id: {session, card, cash session}
        self.office = []
        self.timings = defaultdict(list)
        self.errors = []

    @classmethod
    def setup(cls, server, registers, office):
        shop = cls(server)
        admin = server.admin

        def search(model, domain, **kwargs):
            return server.result(admin, f'model.{model}.search', domain,
                kwargs.get('offset', 0), kwargs.get('limit'))
        company, = search('company.company', [])
        groups = {name: search('res.group', [('name', '=', name)])[0]
            for name in ['Cashier', 'Retail Manager']}
        wien, = search('sale.point', [('name', '=', 'Filiale Wien')])
        [point] = server.result(admin, 'model.sale.point.read', [wien],
            ['sequence', 'price_list'])
        shop.price_list = point['price_list']
        methods = server.result(admin,
            'model.sale.point.payment.method.search_read', [], 0, None, None,
            ['name'])
        shop.methods = {m['name']: m['id'] for m in methods}
        programs = server.result(admin, 'model.wallet.program.search_read',
            [], 0, None, None, ['product'])
        shop.products = search('product.product', [
                ('salable', '=', True), ('account_category', '!=', None),
                ('id', 'not in', [p['product'] for p in programs])])
        shop.cards = shop.issue_cards(registers + 1)
        shop.shared_card = shop.cards.pop()

        def user(login, group):
            "(session, id) of a new user of the group"
            password = secrets.token_urlsafe(12)
            user_id, = server.result(admin, 'model.res.user.create', [{
                        'name': login, 'login': login, 'password': password,
                        'groups': [('add', [groups[group]])],
                        'companies': [('add', [company])],
                        'company': company}])
            return server.login(login, password), user_id
        for i in range(registers):
            # a register numbers its receipts with a sequence of its own
            sequence, = server.result(admin, 'model.ir.sequence.strict.copy',
                [point['sequence']], {'name': f"Register {i}"})
            register, = server.result(admin, 'model.sale.point.copy',
                [wien], {'name': f"Register {i}", 'sequence': sequence})
            session, cashier = user(f'cashier{i}', 'Cashier')
            server.result(admin, 'model.sale.point.write', [register],
                {'cashiers': [('add', [cashier])]})
            shop.registers[register] = {
                'session': session, 'card': shop.cards[i]}
        shop.office = [user(f'office{i}', 'Retail Manager')[0]
            for i in range(office)]
        return shop

    def issue_cards(self, count):
        "Codes of count new gift cards of the demo's program, loaded"
        admin = self.server.admin
        program, = self.server.result(admin, 'model.wallet.program.search',
            [('name', '=', 'Christmas voucher')])
        session_id, _, _ = self.server.result(admin,
            'wizard.wallet.card.generate.create')
        result = self.server.result(admin,
            'wizard.wallet.card.generate.execute', session_id, {'start': {
                    'program': program, 'for_customers': False,
                    'quantity': count, 'amount': decimal(CARD_CREDIT),
                    'categories': []}}, 'generate')
        (action, _), = result['actions']
        generation, = action['res_id']
        while self.server.result(admin, 'model.wallet.generation.read',
                [generation], ['state'])[0]['state'] != 'done':
            time.sleep(0.5)
        cards = self.server.result(admin, 'model.wallet.card.search_read',
            [('generation', '=', generation)], 0, None, None, ['code'])
        return [c['code'] for c in cards]

    def timed(self, name, session, method, *params):
        "The answer of the call, its time kept under name"
        started = time.perf_counter()
        try:
            answer = self.server.call(session, method, *params)
        except (OSError, urllib.error.HTTPError) as error:
            self.errors.append(f"{name}: {error}")
            return None
        self.timings[name].append(time.perf_counter() - started)
        if 'error' in answer and answer['error'][0] != 'UserError':
            self.errors.append(f"{name}: {answer['error']}")
        return answer

    def run(self, seconds, pace):
        """Sell for seconds, each register waiting pace seconds before each
        call; the figures and the checks of the phase"""
        self.timings.clear()
        self.errors.clear()
        sold = defaultdict(list)
        balances = {c: self.card_balance(c)
            for c in [self.shared_card] + [r['card']
                for r in self.registers.values()]}
        for register, values in self.registers.items():
            values['cash_session'] = self.server.result(values['session'],
                'model.sale.point.cash.session.open_counted', register,
                '100.00')
        deadline = time.monotonic() + seconds
        stop = threading.Event()
        threads = [threading.Thread(target=self.sell,
                args=(register, values, deadline, pace, sold[register]))
            for register, values in self.registers.items()]
        threads += [threading.Thread(target=self.back_office,
                args=(session, stop)) for session in self.office]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads[:len(self.registers)]:
            thread.join()
        elapsed = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join()
        checks = self.check(sold, balances)
        count = sum(len(s) for s in sold.values())
        return {
            'sales': count, 'per_second': count / elapsed,
            'timings': {k: percentiles(v) for k, v in self.timings.items()},
            'errors': list(self.errors), 'checks': checks}

    def sell(self, register, values, deadline, pace, sold):
        session = values['session']
        turn = random.randrange(30)
        while time.monotonic() < deadline:
            lines = []
            for product in random.sample(self.products, 3):
                lines.append({'product': product, 'quantity': 1})
                time.sleep(pace)
                answer = self.timed('price_cart', session,
                    'model.sale.point.sale.price_cart', register,
                    {'lines': lines})
                if not answer or 'result' not in answer:
                    break
            else:
                total = number(answer['result']['total'])
                turn += 1
                card = (self.shared_card if turn % 10 == 0
                    else values['card'] if turn % 3 == 0 else None)
                payments = [{'method': self.methods['Cash'],
                        'amount': str(total - (1 if card else 0))}]
                if card:
                    payments.append({'method': self.methods['Gift card'],
                            'card': card, 'amount': '1.00'})
                cart = {'client_id': str(uuid.uuid4()), 'lines': lines,
                    'payments': payments}
                time.sleep(pace)
                answer = self.checkout(session, register, cart)
                if answer and 'result' in answer:
                    sold.append((cart['client_id'], total, card))

    def checkout(self, session, register, cart):
        "As the cashier screen: sent again while the server is busy"
        for attempt in range(1, 4):
            started = time.perf_counter()
            try:
                answer = self.server.call(session,
                    'model.sale.point.sale.checkout', register, cart)
            except urllib.error.HTTPError as error:
                if error.code != 503 or attempt == 3:
                    self.errors.append(f"checkout: {error}")
                    return None
                time.sleep(0.1 * attempt)
                continue
            except OSError as error:
                self.errors.append(f"checkout: {error}")
                return None
            self.timings['checkout'].append(time.perf_counter() - started)
            if 'error' in answer:
                self.errors.append(f"checkout: {answer['error']}")
            return answer

    def back_office(self, session, stop):
        "Search products, save a price rule, read the credit report"
        words = ['Gel', 'Cream', 'Shirt', 'Cap', 'Tea', 'a']
        rule = None
        while not stop.is_set():
            self.timed('office: search', session,
                'model.product.product.search_read',
                [('rec_name', 'ilike', f'%{random.choice(words)}%')], 0, 50,
                None, ['rec_name', 'list_price'])
            answer = self.timed('office: save rule', session,
                'model.product.price_list.line.' + (
                    'write' if rule else 'create'),
                *([[rule], {'fixed_price': decimal(random.randint(1, 9))}]
                    if rule else [[{'price_list': self.price_list,
                                'applies_to': 'product',
                                'product': self.products[0],
                                'compute_price': 'fixed',
                                'quantity': 1000,
                                'fixed_price': decimal(5)}]]))
            if answer and not rule and 'result' in answer:
                rule, = answer['result']
            self.timed('office: report', session,
                'model.wallet.reporting.search_read', [], 0, None, None,
                ['program', 'sold', 'redeemed'])
            stop.wait(1)

    def card_balance(self, code):
        card, = self.server.result(self.server.admin,
            'model.wallet.card.search_read', [('code', '=', code)], 0, None,
            None, ['balance'])
        return number(card['balance'])

    def check(self, sold, balances):
        "The three checks, closing each register's cash session"
        admin = self.server.admin
        client_ids = [c for s in sold.values() for c, _, _ in s]
        saved = self.server.result(admin,
            'model.sale.point.sale.search_count',
            [('client_id', 'in', client_ids)])
        once = saved == len(client_ids) == len(set(client_ids))
        paid = defaultdict(Decimal)
        for sales in sold.values():
            for _, _, card in sales:
                if card:
                    paid[card] += 1
        cards = all(self.card_balance(c) == balance - paid[c] >= 0
            for c, balance in balances.items())
        figures_ok = True
        for register, values in self.registers.items():
            session = values['session']
            figures, = self.server.result(session,
                'model.sale.point.cash.session.get_figures',
                [values['cash_session']])
            sales = sold[register]
            figures_ok &= (figures['sales'] == len(sales)
                and number(figures['total']) == sum(
                    (t for _, t, _ in sales), Decimal(0)))
            expected = number(figures['cash']['expected'])
            self.server.result(session,
                'model.sale.point.cash.session.close_counted',
                [values['cash_session']], str(expected))
        return {'each sale once': once, 'no card overspent': cards,
            'session figures = sales': figures_ok}


def percentiles(times):
    if len(times) < 2:
        return (times[0] * 1000,) * 2 if times else (0, 0)
    quantiles = statistics.quantiles(times, n=20)
    return statistics.median(times) * 1000, quantiles[18] * 1000


def report(workers, phase, figures):
    print(f"\n{workers} worker(s), {phase}: {figures['sales']} sales, "
        f"{figures['per_second']:.2f}/s, {len(figures['errors'])} errors",
        flush=True)
    for name, (p50, p95) in sorted(figures['timings'].items()):
        print(f"  {name:20} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms")
    for check, ok in figures['checks'].items():
        print(f"  {check}: {'yes' if ok else 'NO'}")
    for error in figures['errors'][:5]:
        print(f"  error: {error[:200]}")


def summary(rows):
    print("\nworkers  phase   sales/s  checkout p95  errors  checks")
    for workers, phase, figures in rows:
        p95 = figures['timings'].get('checkout', (0, 0))[1]
        ok = all(figures['checks'].values())
        print(f"{workers:>7}  {phase:6} {figures['per_second']:8.2f} "
            f"{p95:10.0f} ms {len(figures['errors']):7}  "
            f"{'ok' if ok else 'FAILED'}")


if __name__ == '__main__':
    sys.exit(main())
