# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The production shape of `make serve` on PostgreSQL: scripts/serve.py (what
`make serve` runs once bootstrapped) with 2 gunicorn workers, the scheduler
and the queue worker, on a copy of the demo database, and a second trytond
process with the same configuration."""
import base64
import datetime as dt
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

from .tools import (
    ROOT, TIMEOUT, DemoServerTestCase, JsonRpc, free_port, mark_upgraded,
    tryton_decimal as decimal)

sys.path.insert(0, str(ROOT / 'scripts'))
from serve import gunicorn_command  # noqa: E402

CONFIG = ROOT / 'deploy' / 'trytond.conf'
POSTGRESQL = os.environ.get(
    'TRYTOND_DATABASE__URI', '').startswith('postgresql')
# What "at once" means for a change saved through one worker and used by
# another
SYNC_DELAY = 1.0
# How often the cashier screen sends a checkout while the server is busy
# (CHECKOUT_ATTEMPTS of onretail_pos/static/payment.js)
CHECKOUT_ATTEMPTS = 3

# What nginx's own nginx.conf gives the sites it includes, in a folder of
# the test
NGINX_MAIN = """
daemon off;
user root;
worker_processes 1;
pid %(directory)s/nginx.pid;
error_log stderr;
events {}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path %(directory)s/body;
    proxy_temp_path %(directory)s/proxy;
    fastcgi_temp_path %(directory)s/fastcgi;
    uwsgi_temp_path %(directory)s/uwsgi;
    scgi_temp_path %(directory)s/scgi;
    include %(directory)s/onretail.conf;
}
"""
# The test's certificate is its own
UNVERIFIED = ssl._create_unverified_context()



@unittest.skipUnless(POSTGRESQL, "make serve runs on PostgreSQL")
class ServeTestCase(DemoServerTestCase):
    "make serve's processes on a copy of the demo database"
    # The workers load every module before they answer
    start_timeout = 10 * TIMEOUT

    @classmethod
    def start_server(cls, env, log):
        # The copy is the demo database: setup_database.py need not upgrade
        state = os.path.join(cls.tmp, 'state')
        mark_upgraded(cls.database, env, state)
        return subprocess.Popen([sys.executable,
                str(ROOT / 'scripts' / 'serve.py'), '-d', cls.database,
                '--workers', '2', '--state-dir', state],
            env=env, stdout=log, stderr=subprocess.STDOUT)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Worker B: a trytond process of its own beside make serve's
        cls.url_b = f'http://127.0.0.1:{free_port()}/'
        env = dict(cls.env, TRYTOND_CONFIG=str(CONFIG),
            TRYTOND_DATABASE_NAMES=cls.database)
        log = open(os.path.join(cls.tmp, 'worker_b.log'), 'w')
        cls.addClassCleanup(log.close)
        worker_b = subprocess.Popen(
            gunicorn_command(cls.url_b[len('http://'):-1], 1),
            env=env, stdout=log, stderr=subprocess.STDOUT)
        cls.addClassCleanup(cls.stop, worker_b)
        cls.wait_for_server(worker_b, cls.url_b, timeout=cls.start_timeout)
        cls.worker_a = JsonRpc(cls.url, cls.database)
        cls.worker_b = JsonRpc(cls.url_b, cls.database)
        cls.admin = cls.worker_a.login('admin', cls.password)
        cls.ids = cls.setup_shop()
        # Due now: trytond-cron runs it within the minute, while the other
        # tests run
        cls.expiry_cron, = cls.admin_call('model.ir.cron.search',
            [('method', '=', 'wallet.card|expire_credit')])
        cls.expiry_runs = cls.admin_call('model.ir.cron.log.search_count',
            [('cron', '=', cls.expiry_cron)])
        cls.due = (dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            - dt.timedelta(minutes=1)).replace(microsecond=0)
        cls.admin_call('model.ir.cron.write', [cls.expiry_cron],
            {'next_call': {'__class__': 'datetime', 'year': cls.due.year,
                    'month': cls.due.month, 'day': cls.due.day,
                    'hour': cls.due.hour, 'minute': cls.due.minute,
                    'second': cls.due.second, 'microsecond': 0}})

    @classmethod
    def setup_shop(cls):
        "A cashier of the register Filiale Wien and the ids the tests need"
        def search(model, domain):
            return cls.worker_a.result(cls.admin, f'model.{model}.search',
                domain)
        company, = search('company.company', [])
        cashier_group, = search('res.group', [('name', '=', 'Cashier')])
        cls.kim_password = secrets.token_urlsafe(12)
        kim, lea = cls.worker_a.result(cls.admin, 'model.res.user.create', [{
                    'name': name, 'login': name.lower(),
                    'password': cls.kim_password,
                    'groups': [('add', [cashier_group])],
                    'companies': [('add', [company])], 'company': company}
                for name in ['Kim', 'Lea']])
        wien, = search('sale.point', [('name', '=', 'Filiale Wien')])
        # Kim and Lea only: a register without cashiers is open to all
        cls.worker_a.result(cls.admin, 'model.sale.point.write', [wien],
            {'cashiers': [('add', [kim, lea])]})
        [point] = cls.worker_a.result(cls.admin, 'model.sale.point.read',
            [wien], ['price_list'])
        product, = search('product.product', [('name', '=', 'Aloe Vera Gel')])
        voucher, = search(
            'product.product', [('name', '=', 'Christmas Voucher')])
        program, = search(
            'wallet.program', [('name', '=', 'Christmas voucher')])
        methods = cls.worker_a.result(cls.admin,
            'model.sale.point.payment.method.search_read', [], 0, None, None,
            ['name'])
        card = cls.worker_a.result(cls.admin, 'model.wallet.card.search_read',
            [('program', '=', program)], 0, 1, None, ['code'])[0]['code']
        cheap, = search('product.product', [('name', '=', 'Lip Balm Honey')])
        return {'kim': kim, 'wien': wien, 'price_list': point['price_list'],
            'product': product, 'voucher': voucher, 'program': program,
            'methods': {m['name']: m['id'] for m in methods}, 'card': card,
            'cheap': cheap}

    @classmethod
    def admin_call(cls, method, *params):
        return cls.worker_a.result(cls.admin, method, *params)

    def open_registers(self, number):
        """{register id: session of its cashier} of number new copies of
        Wien, each with a cashier of its own and an open cash session"""
        company, = self.admin_call('model.company.company.search', [])
        group, = self.admin_call('model.res.group.search',
            [('name', '=', 'Cashier')])
        registers = {}
        for i in range(number):
            login, password = f'cashier{i}', secrets.token_urlsafe(12)
            user, = self.admin_call('model.res.user.create', [{
                        'name': login, 'login': login, 'password': password,
                        'groups': [('add', [group])],
                        'companies': [('add', [company])],
                        'company': company}])
            register, = self.admin_call('model.sale.point.copy',
                [self.ids['wien']], {'name': f"Register {i}"})
            self.admin_call('model.sale.point.write', [register],
                {'cashiers': [('remove', [self.ids['kim']]),
                        ('add', [user])]})
            session = self.worker_a.login(login, password)
            self.worker_a.result(session,
                'model.sale.point.cash.session.open_counted', register,
                '100.00')
            registers[register] = session
        return registers

    def card_balance(self, code):
        card, = self.admin_call('model.wallet.card.search_read',
            [('code', '=', code)], 0, None, None, ['balance'])
        return Decimal(card['balance']['decimal'])

    def price_line(self, kim, product):
        "The line of product in the cart that worker B prices for Kim"
        return self.worker_b.call(kim, 'model.sale.point.sale.price_cart',
            self.ids['wien'], {'lines': [{'product': product}]})

    def seconds_until(self, seen):
        """Seconds from now until seen() is true, polling worker B; fails
        when it is still false after SYNC_DELAY and more"""
        start = time.monotonic()
        while not seen():
            if time.monotonic() - start > 5 * SYNC_DELAY:
                self.fail("worker B still uses what was changed")
            time.sleep(0.05)
        return time.monotonic() - start

    def test_changes_reach_the_other_worker(self):
        """A price rule, a wallet program of a product and a cashier's
        registers changed through make serve's workers (A) are used by
        worker B within a second: its caches learn of the change from
        PostgreSQL's notifications"""
        kim = self.worker_a.login('kim', self.kim_password)
        unit_price = self.price_line(kim, self.ids['product'])['result'][
            'lines'][0]['unit_price']
        voucher_line = self.price_line(kim, self.ids['voucher'])['result'][
            'lines'][0]
        self.assertEqual([p['id'] for p in voucher_line['wallet_programs']],
            [self.ids['program']])

        # A price rule for the product on the register's list
        self.worker_a.result(self.admin,
            'model.product.price_list.line.create', [{
                    'price_list': self.ids['price_list'],
                    'applies_to': 'product',
                    'product': self.ids['product'],
                    'compute_price': 'fixed',
                    'fixed_price': decimal('1.23')}])
        delay = self.seconds_until(lambda: self.price_line(
                kim, self.ids['product'])['result']['lines'][0][
                'unit_price'] != unit_price)
        self.assertLess(delay, SYNC_DELAY, "price rule")
        self.assertEqual(self.price_line(kim, self.ids['product'])[
                'result']['lines'][0]['unit_price'], decimal('1.23'))

        # The voucher's program ends
        self.worker_a.result(self.admin, 'model.wallet.program.write',
            [self.ids['program']], {'active': False})
        self.addCleanup(self.admin_call, 'model.wallet.program.write',
            [self.ids['program']], {'active': True})
        delay = self.seconds_until(lambda: not self.price_line(
                kim, self.ids['voucher'])['result']['lines'][0][
                'wallet_programs'])
        self.assertLess(delay, SYNC_DELAY, "wallet program")

        # Kim may no longer sell at Wien
        self.worker_a.result(self.admin, 'model.sale.point.write',
            [self.ids['wien']], {'cashiers': [('remove', [self.ids['kim']])]})
        delay = self.seconds_until(lambda: 'error' in self.price_line(
                kim, self.ids['product']))
        self.assertLess(delay, SYNC_DELAY, "cashier's registers")
        self.assertEqual(self.price_line(kim, self.ids['product'])['error'][
                0], 'UserError')

    def checkout(self, session, register, cart):
        """The answer to the checkout of cart as the cashier screen gets it:
        it sends the cart again while the server is busy (payment.js)"""
        for attempt in range(1, CHECKOUT_ATTEMPTS + 1):
            try:
                return self.worker_a.call(session,
                    'model.sale.point.sale.checkout', register, cart)
            except urllib.error.HTTPError as error:
                if error.code != 503 or attempt == CHECKOUT_ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)

    def test_registers_check_out_at_once(self):
        """4 registers check out sales paid with cash and the same gift card
        for 20 s, each through make serve's 2 workers: every sale is saved
        once (a repeated checkout returns it), the card is never overspent
        and each session's figures add up its sales"""
        registers = self.open_registers(4)
        card, method = self.ids['card'], self.ids['methods']
        balance = self.card_balance(card)
        product = self.ids['cheap']
        register, session = next(iter(registers.items()))
        price = Decimal(self.worker_a.result(session,
                'model.sale.point.sale.price_cart', register,
                {'lines': [{'product': product}]})['total']['decimal'])
        sold = {register: [] for register in registers}
        errors = []

        def sell(register, session, turn):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                client_id = str(uuid.uuid4())
                # One sale in 4 pays 1.00 with the card, the registers in
                # turn: each card payment locks the card
                turn += 1
                by_card = turn % len(registers) == 0
                payments = [{'method': method['Cash'],
                        'amount': str(price - by_card)}]
                if by_card:
                    payments.append({'method': method['Gift card'],
                            'card': card, 'amount': '1.00'})
                cart = {'client_id': client_id,
                    'lines': [{'product': product, 'quantity': 1}],
                    'payments': payments}
                try:
                    answer = self.checkout(session, register, cart)
                except OSError as error:
                    errors.append(str(error))
                    continue
                if 'result' in answer:
                    sold[register].append(
                        (client_id, answer['result'], by_card))
                elif answer['error'][0] != 'UserError':
                    errors.append(answer['error'])

        threads = [threading.Thread(target=sell, args=(register, session, i))
            for i, (register, session) in enumerate(registers.items())]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        count = sum(len(s) for s in sold.values())
        self.assertEqual(errors, [])
        self.assertGreater(count, 4)

        # Once each: by client id, and a repeated checkout makes nothing
        for register, session in registers.items():
            with self.subTest(register=register):
                client_ids = [c for c, _, _ in sold[register]]
                sales = self.admin_call('model.sale.point.sale.search_read',
                    [('point', '=', register)], 0, None, None,
                    ['client_id', 'total'])
                self.assertCountEqual(
                    [s['client_id'] for s in sales], client_ids)
                client_id, result, _ = sold[register][0]
                again = self.worker_a.result(session,
                    'model.sale.point.sale.checkout', register, {
                        'client_id': client_id,
                        'lines': [{'product': product, 'quantity': 1}],
                        'payments': []})
                self.assertEqual(again['id'], result['id'])
        self.assertEqual(self.admin_call('model.sale.point.sale.search_count',
                [('point', 'in', list(registers))]), count)

        # The card paid 1.00 a sale, no more than it held
        by_card = sum(c for s in sold.values() for _, _, c in s)
        self.assertGreater(by_card, 0)
        self.assertEqual(self.card_balance(card), balance - by_card)
        self.assertGreaterEqual(self.card_balance(card), 0)

        # Each session's figures are its sales
        for register, session in registers.items():
            with self.subTest(register=register):
                session_id = self.admin_call(
                    'model.sale.point.cash.session.search',
                    [('point', '=', register), ('state', '=', 'open')])[0]
                figures, = self.worker_a.result(session,
                    'model.sale.point.cash.session.get_figures',
                    [session_id])
                sales = len(sold[register])
                by_card = sum(c for _, _, c in sold[register])
                cash = sales * price - by_card
                self.assertEqual(figures['sales'], sales)
                self.assertEqual(
                    Decimal(figures['total']['decimal']), sales * price)
                payments = {'Cash': cash}
                if by_card:
                    payments['Gift card'] = Decimal(by_card)
                self.assertEqual({p['method']: Decimal(p['amount']['decimal'])
                        for p in figures['payments']}, payments)
                self.assertEqual(
                    Decimal(figures['cash']['sales']['decimal']), cash)

    def test_scheduler_runs_due_actions(self):
        """make serve's trytond-cron runs a scheduled action that is due:
        the wallet's credit expiry, made due when the class started"""
        deadline = time.monotonic() + 90
        # A run that succeeded is logged
        while self.admin_call('model.ir.cron.log.search_count',
                [('cron', '=', self.expiry_cron)]) == self.expiry_runs:
            if time.monotonic() > deadline:
                self.fail("the scheduler did not run the due action")
            time.sleep(1)
        cron, = self.admin_call('model.ir.cron.read', [self.expiry_cron],
            ['next_call'])
        next_call = dt.datetime(*(cron['next_call'][k] for k in [
                    'year', 'month', 'day', 'hour', 'minute', 'second']))
        self.assertGreater(next_call, self.due + dt.timedelta(hours=12))

    def test_nginx_example(self):
        """deploy/nginx/onretail.conf in front of make serve's workers: the
        web client's files from disk, kept 12 hours; the cashier screen's
        files from disk, checked at each load (304 when unchanged); the
        rest passed to trytond; nothing outside the screen's folders"""
        url = self.start_nginx()
        database = self.database

        def get(path, headers=None):
            request = urllib.request.Request(url + path, headers=headers or {})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT,
                        context=UNVERIFIED) as response:
                    return response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.headers, b''

        status, headers, body = get('dist/tryton-sao.js')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Cache-Control'], 'max-age=43200')
        status, headers, body = get('')
        self.assertEqual(status, 200)
        self.assertIn(b'tryton-sao', body)

        for path, text in [
                (f'{database}/pos/', b'<html'),
                (f'{database}/pos/main.js', b'import'),
                (f'{database}/pos/ext/onretail_cituro/main.js', b'import'),
                ]:
            with self.subTest(path=path):
                status, headers, body = get(path)
                self.assertEqual(status, 200)
                self.assertIn(text, body)
                self.assertEqual(headers['Cache-Control'], 'no-cache')
                # nginx's own entity tag (mtime-size): read from disk
                self.assertRegex(headers['ETag'], r'^"[0-9a-f]+-[0-9a-f]+"$')
                status, _, _ = get(path, {'If-None-Match': headers['ETag']})
                self.assertEqual(status, 304)
        for path in [f'{database}/pos/../../tryton.cfg',
                f'{database}/pos/ext/onretail_cituro/../tryton.cfg',
                f'{database}/pos/ext/onretail_cituro/%2e%2e/tryton.cfg',
                f'{database}/pos/ext/../onretail_pos/__init__.py']:
            with self.subTest(path=path):
                status, _, body = get(path)
                self.assertNotIn(b'[tryton]', body)
                self.assertNotIn(b'COPYRIGHT', body)

        # JSON-RPC through the proxy
        body = json.dumps({'id': 0, 'method': 'common.db.login',
                'params': ['admin', {'password': self.password}, 'en']})
        request = urllib.request.Request(f'{url}{database}/rpc/',
            data=body.encode(), headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=TIMEOUT,
                context=UNVERIFIED) as response:
            self.assertIn('result', json.load(response))

    def start_nginx(self):
        """deploy/nginx/onretail.conf on free ports of 127.0.0.1, with a
        certificate of its own and this checkout as /opt/onretail; its URL"""
        directory = tempfile.mkdtemp(dir=self.tmp)
        port = free_port()
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                '-nodes', '-days', '1', '-subj', '/CN=localhost',
                '-keyout', f'{directory}/key.pem',
                '-out', f'{directory}/cert.pem'],
            check=True, capture_output=True)
        site = (ROOT / 'deploy' / 'nginx' / 'onretail.conf').read_text()
        site = re.sub(r'\n\s*listen \[::\].*;', '', site)
        for old, new in [
                ('127.0.0.1:8000', f'127.0.0.1:{self.port}'),
                ('listen 80;', f'listen 127.0.0.1:{free_port()};'),
                ('listen 443 ', f'listen 127.0.0.1:{port} '),
                ('/opt/onretail', str(ROOT)),
                ('/etc/letsencrypt/live/erp.example.com/fullchain.pem',
                    f'{directory}/cert.pem'),
                ('/etc/letsencrypt/live/erp.example.com/privkey.pem',
                    f'{directory}/key.pem'),
                ]:
            self.assertIn(old, site)
            site = site.replace(old, new)
        Path(directory, 'onretail.conf').write_text(site)
        Path(directory, 'nginx.conf').write_text(NGINX_MAIN % {
                'directory': directory})
        nginx = subprocess.Popen(['nginx', '-p', directory,
                '-c', f'{directory}/nginx.conf'],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(nginx.wait, 10)
        self.addCleanup(nginx.terminate)
        url = f'https://127.0.0.1:{port}/'
        deadline = time.monotonic() + TIMEOUT
        while True:
            if nginx.poll() is not None:
                self.fail(nginx.stderr.read().decode())
            try:
                urllib.request.urlopen(url + 'index.html', timeout=5,
                    context=UNVERIFIED).close()
                return url
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def test_queue_worker_generates_cards(self):
        """Card generation leaves the request: the wizard queues it and make
        serve's trytond-worker generates the cards, then notifies the user"""
        session_id, _, _ = self.admin_call('wizard.wallet.card.generate.create')
        result = self.admin_call('wizard.wallet.card.generate.execute',
            session_id, {'start': {
                    'program': self.ids['program'], 'for_customers': False,
                    'quantity': 5, 'amount': decimal('10.00'),
                    'categories': []}}, 'generate')
        (action, _), = result['actions']
        generation, = action['res_id']
        self.wait_for_queue('wallet.generation', generation)
        self.assertEqual(self.admin_call('model.wallet.card.search_count',
                [('generation', '=', generation)]), 5)
        self.assertEqual(self.admin_call('model.res.notification.search_count',
                [('model', '=', 'wallet.generation'),
                    ('records', '=', json.dumps([generation]))]), 1)

    def test_queue_worker_exports_prices(self):
        """The gateway price export leaves the request: the wizard queues it
        and make serve's trytond-worker writes the file, then notifies the
        user"""
        wizard = 'wizard.product.price_list.export'
        session_id, _, _ = self.admin_call(wizard + '.create')
        result = self.admin_call(wizard + '.execute', session_id, {
                'start': {'price_list': None, 'format': 'csv', 'date': {
                        '__class__': 'date',
                        'year': 2026, 'month': 12, 'day': 24}}}, 'export')
        (action, _), = result['actions']
        export_id, = action['res_id']
        export = self.wait_for_queue(
            'product.price_list.export.file', export_id, ['file', 'filename'])
        self.assertEqual(export['filename'], 'prices-2026-12-24.csv')
        lines = base64.b64decode(
            export['file']['base64']).decode().splitlines()
        self.assertEqual(lines[0].split(',')[:2],
            ['gateway_name', 'product_code'])
        self.assertIn('webshop', {line.split(',')[0] for line in lines[1:]})
        self.assertEqual(self.admin_call('model.res.notification.search_count',
                [('model', '=', 'product.price_list.export.file'),
                    ('records', '=', json.dumps([export_id]))]), 1)

    def wait_for_queue(self, model, record_id, names=()):
        "The values of names of the record once the queue has done it"
        deadline = time.monotonic() + 60
        while True:
            values, = self.admin_call(f'model.{model}.read', [record_id],
                ['state', *names])
            if values['state'] == 'done':
                return values
            if time.monotonic() > deadline:
                self.fail(f"the queue worker did not do {model} {record_id}")
            time.sleep(0.5)
