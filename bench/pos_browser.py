#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the cashier screen in headless Chromium on PostgreSQL.

Builds the demo database as bench/pos.py does, with its salable products
copied up to 10,000, serves it with trytond, logs a new cashier in to the
cashier screen of Filiale Wien and prints:

- screen load: from choosing the register to the screen ready to sell, its
  10,000 products read and indexed (median of 5 page loads);
- scan → line shown: p50 and p95 of the time from the scanner's Enter to
  the new line in the cart, laid out (the screen's own work; the browser
  paints it at its next frame; goal p95 < 16 ms, a frame at 60 Hz);
- re-pricing: p50 and p95 of the time from a change of a cart of 10 lines
  to the server's prices of it on the screen (one JSON-RPC call).

Usage: .venv/bin/python bench/pos_browser.py

PostgreSQL is the server of ONRETAIL_PG_URI when given, else a throwaway
cluster of Debian's pg_virtualenv.
"""
import argparse
import atexit
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import ROOT, on_postgresql, vacuum
from pos import DATABASE, build_demo, multiply_products

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
SAO = ROOT / 'web' / 'node_modules' / 'tryton-sao'
TIMEOUT = 120
LOADS = 5

# Scans at a scanner's pace, each of a random product, a new cart every 10
SCAN_JS = '''
const [scans, pause, done] = args;
const [{catalog, till}, cart] = await Promise.all(
    [import('./state.js'), import('./cart.js')]);
const codes = catalog.products.filter(p => p.code && p.price !== null
    && !catalog.options[String(p.template)]).map(p => p.code);
const search = document.querySelector('#search');
const shown = [];
for (let scan = 0; scan < scans; scan += 1) {
    if (scan % 10 === 0) {  // a new cart of 10 lines
        till.cart.lines = [];
        cart.changed();
    }
    await new Promise(resolve => setTimeout(resolve, pause));
    const start = performance.now();
    search.value = codes[Math.floor(Math.random() * codes.length)];
    search.dispatchEvent(new KeyboardEvent(
        'keydown', {key: 'Enter', bubbles: true}));
    document.querySelector('#cart tbody tr:last-child').offsetHeight;
    shown.push(performance.now() - start);
}
done(shown);
'''

# Changes of a quantity in the cart, each until the server priced it
PRICE_JS = '''
const [repeats, done] = args;
const [{till}, cart] = await Promise.all(
    [import('./state.js'), import('./cart.js')]);
await cart.priceNow();
const priced = [];
for (let repeat = 0; repeat < repeats; repeat += 1) {
    const start = performance.now();
    till.cart.lines[repeat % till.cart.lines.length].quantity += 1;
    cart.changed();
    await cart.priceNow();
    priced.push(performance.now() - start);
}
done(priced);
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--products', type=int, default=10_000)
    parser.add_argument('--scans', type=int, default=300)
    parser.add_argument('--pause', type=int, default=50,
        help="ms between two scans")
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
    login, password = f'bench{secrets.token_hex(4)}', secrets.token_urlsafe(12)
    with Transaction().start(DATABASE, 0) as transaction:
        if not args.reuse:
            multiply_products(args.products)
        create_cashier(pool, login, password)
        transaction.commit()
    vacuum(DATABASE)
    with tempfile.TemporaryDirectory() as folder:
        url = serve(folder)
        driver = chromium(folder)
        try:
            figures = measure(driver, url, login, password, args)
        finally:
            driver.quit()
    report(figures)


def create_cashier(pool, login, password):
    "A new user of the group Cashier in the demo company"
    Company = pool.get('company.company')
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    company, = Company.search([])
    User.create([{
                'name': "Bench Cashier", 'login': login,
                'password': password,
                'groups': [('add', [
                            ModelData.get_id('onretail_base',
                                'group_cashier')])],
                'companies': [('add', [company.id])],
                'company': company.id,
                }])


def serve(folder):
    "trytond serving the database and the cashier screen on a free port"
    sys.path.insert(0, str(ROOT))
    from tests.tools import free_port
    port = free_port()
    env = dict(os.environ,
        TRYTOND_DATABASE__PATH=folder,
        TRYTOND_WEB__ROOT=str(SAO),
        TRYTOND_WEB__LISTEN=f'127.0.0.1:{port}')
    log = open(Path(folder) / 'trytond.log', 'w')
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name('trytond')),
            '-c', str(ROOT / 'onretail.conf')],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    atexit.register(server.terminate)
    url = f'http://127.0.0.1:{port}/'
    deadline = time.monotonic() + TIMEOUT
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("trytond did not start")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return url
        except OSError:
            time.sleep(0.2)


def chromium(folder):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in [
            '--headless', '--no-sandbox', '--disable-gpu',
            '--disable-dev-shm-usage', '--no-first-run',
            '--window-size=1400,900', f'--user-data-dir={folder}/chromium']:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(600)
    return driver


def measure(driver, url, login, password, args):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(condition):
        return WebDriverWait(driver, TIMEOUT, poll_frequency=0.05).until(
            condition)

    def visible(selector):
        return wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, selector)))

    screen = f'{url}{DATABASE}/pos/'
    driver.get(screen)
    form = visible('#login-form')
    form.find_element(By.NAME, 'login').send_keys(login)
    form.find_element(By.NAME, 'password').send_keys(password, Keys.ENTER)
    loads = []
    for load in range(LOADS + 1):
        if load:
            driver.get(screen)  # the session goes on: straight to the till
        wait(lambda d: d.execute_script(
                "return !document.querySelector('#registers').hidden"
                " || !document.querySelector('#opening').hidden"
                " || !document.querySelector('#main').hidden"))
        if driver.find_elements(By.CSS_SELECTOR, '#registers:not([hidden])'):
            wait(EC.element_to_be_clickable((By.XPATH,
                        '//*[@id="registers"]//button'
                        '[normalize-space(.)="Filiale Wien"]'))).click()
        if driver.find_elements(By.CSS_SELECTOR, '#opening:not([hidden])'):
            visible('#opening input[name="counted"]').send_keys(
                '0', Keys.ENTER)
        visible('#search')
        loads.append(driver.execute_script(
                "return performance.measure('load', "
                "'onretail-pos-register', 'onretail-pos-ready').duration"))
    products = driver.execute_script(
        "return import('./state.js').then(s => s.catalog.products.length)")
    shown = driver.execute_async_script(
        in_page(SCAN_JS), args.scans, args.pause)
    priced = driver.execute_async_script(in_page(PRICE_JS), 50)
    return {'products': products, 'loads': loads[1:], 'shown': shown,
        'priced': priced}


def in_page(script):
    "script as an async function of the page, with its arguments as args"
    return f'const args = arguments; (async () => {{ {script} }})();'


def percentiles(times):
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def report(figures):
    print(f"screen load with {figures['products']:,} products: "
        f"{statistics.median(figures['loads']):.0f} ms "
        f"(median of {len(figures['loads'])})")
    p50, p95 = percentiles(figures['shown'])
    print(f"scan → line shown: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"({len(figures['shown'])} scans)")
    p50, p95 = percentiles(figures['priced'])
    print(f"cart of 10 lines re-priced by the server: p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms ({len(figures['priced'])} changes)")


if __name__ == '__main__':
    sys.exit(main())
