# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The back office and the cashier screen in a real browser.

It builds a database the way `make run` does (same script, same
onretail.conf, demo data included) on the backend of the environment, serves
it with trytond and the web client, and drives headless Chromium through the
login and the Retail menu.
"""
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from barcode.charsets import code128
from escpos.capabilities import get_profile
from onretail_iot.tests.test_iot import FakePrinter
from onretail_sandbox.cituro import CituroSandbox
from onretail_sandbox.planet import PlanetSandbox

from .tools import ROOT, TIMEOUT, DemoServerTestCase, free_port

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'

# The sale of the issue, per language of the cashier: her regular customer
# and what the screen and the receipt say in her language
WALKS = {
    'hu': {
        'cashier': "Tóth Ilona", 'customer': "Kovács Eszter",
        'colour': "Piros", 'option': "Garancia", 'value': "2 év",
        'title': "Nyugta ", 'total': "Összesen", 'change': "Visszajáró",
        'gift_card': "Ajándékkártya", 'cash': "Készpénz",
        'program': "Karácsonyi utalvány", 'price_list': "Törzsvásárlók",
        'paid': "Kifizetve. Visszajáró: ", 'tax': "ÁFA 20 %",
        },
    'de': {
        'cashier': "Gerda Kassierin", 'customer': "Anna Huber",
        'colour': "Rot", 'option': "Garantie", 'value': "2 Jahre",
        'title': "Beleg ", 'total': "Summe", 'change': "Rückgeld",
        'gift_card': "Gutschein", 'cash': "Bar",
        'program': "Weihnachtsgutschein", 'price_list': "Stammkunden",
        'paid': "Bezahlt. Rückgeld: ", 'tax': "USt 20 %",
        },
    }
# Texts of the screen that are the same in Hungarian and German
SAME_TEXTS = {"OK", "Name"}
# ESC/POS commands with their number of parameter bytes, as python-escpos
# writes a receipt without logo or QR code
ESC_PARAMETERS = {b'@': 0, b'a': 1, b'E': 1, b't': 1, b'd': 1, b'!': 1,
    b'-': 1, b'G': 1, b'M': 1, b'p': 3}
GS_PARAMETERS = {b'h': 1, b'w': 1, b'f': 1, b'H': 1, b'!': 1, b'B': 1,
    b'b': 1}


def printed_lines(data, profile='default'):
    """The lines of text the ESC/POS bytes print: the commands left out,
    the text decoded in the code page ESC t chose"""
    code_pages = get_profile(profile).codePages
    text, encoding, index = '', 'cp437', 0
    while index < len(data):
        if data[index] in b'\x1b\x1d':
            escape, command = data[index:index + 1], data[index + 1:index + 2]
            if escape == b'\x1b' and command == b't':
                encoding = code_pages[str(data[index + 2])].lower().replace(
                    '_', '-')
            if escape == b'\x1b':
                index += 2 + ESC_PARAMETERS[command]
            elif command == b'k':  # barcode: GS k m n and n bytes
                index += 4 + data[index + 3]
            elif command == b'V':  # cut: GS V m, and n when m is 65 or 66
                index += 4 if data[index + 2] in b'AB' else 3
            else:
                index += 2 + GS_PARAMETERS[command]
        else:
            end = index
            while end < len(data) and data[end] not in b'\x1b\x1d':
                end += 1
            text += data[index:end].decode(encoding)
            index = end
    return text.splitlines()


def english_texts(path, prefix):
    "The English source texts of the messages of the file whose id starts so"
    return {record.get('id'): record.find('field').text
        for record in ET.parse(path).getroot().iter('record')
        if record.get('id').startswith(prefix)}


def text_pattern(text):
    "A pattern matching the text with its %(name)s replaced by anything"
    return re.compile(''.join(
            '.*' if part.startswith('%(') else re.escape(part)
            for part in re.split(r'(%\(\w+\)s)', text.replace('%%', '%'))))


class WebClientTestCase(DemoServerTestCase):
    "Log into the web client and open the Retail menu"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        for argument in [
                '--headless', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--disable-quic',
                '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                '--window-size=1400,900',
                f'--user-data-dir={cls.tmp}/chromium']:
            options.add_argument(argument)
        cls.driver = webdriver.Chrome(
            options=options, service=Service(CHROMEDRIVER))
        cls.addClassCleanup(cls.driver.quit)

    def wait(self, condition):
        return WebDriverWait(self.driver, TIMEOUT).until(condition)

    def login(self, login, password):
        # Each test starts from the login, whatever the previous one left
        self.driver.get(self.url)
        self.driver.delete_all_cookies()
        self.driver.execute_script(
            'window.localStorage.clear(); window.sessionStorage.clear();')
        # A new page, whose login dialog takes the database from the URL
        # (a server with several databases lists them all) and has no tab
        # of a previous test
        self.driver.get('about:blank')
        self.driver.get(f'{self.url}#{self.database}')
        login_input = self.wait(EC.visibility_of_element_located(
                (By.ID, 'login')))
        login_input.send_keys(login, Keys.ENTER)
        password_input = self.wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, 'input[type="password"]')))
        password_input.send_keys(password, Keys.ENTER)
        # logged in once the menu shows
        self.wait(EC.presence_of_element_located(
                (By.CSS_SELECTOR, '#menu tr')))

    def menu_entry(self, name, parent=None):
        "The clickable row of the menu, under parent when given"
        path = '//*[@id="menu"]//tr'
        if parent:
            path += (f'[.//div[@title="{parent}"]]'
                '/following-sibling::tr[1]')
        return self.wait(EC.element_to_be_clickable((By.XPATH,
                    f'{path}//div[@title="{name}"]')))

    def script_errors(self):
        return [entry['message'] for entry in self.driver.get_log('browser')
            if 'Uncaught' in entry['message']]

    def test_login_and_open_retail_menu(self):
        "The admin logs in, opens Retail, lists and opens the demo products"
        self.login('admin', self.password)
        retail = self.menu_entry("Retail")
        retail.click()
        self.menu_entry("Products", parent="Retail").click()
        search = self.wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, 'input[placeholder="Search"]')))
        search.send_keys("Aloe Vera", Keys.ENTER)
        self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//td//*[normalize-space(text())="Aloe Vera Gel"]')))

        # The product form with every page the catalog adds.
        cap = self.record_id('product.template', [('code', '=', 'AC-001')])
        self.driver.get(
            f'{self.url}#{self.database}/model/product.template/{cap}')
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//a[normalize-space(.)="Variant Attributes"]'))).click()
        self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//td//*[normalize-space(text())="Colour"]')))
        for page in ["Categories & Tags", "Gateway Attributes"]:
            self.wait(EC.element_to_be_clickable((By.XPATH,
                        f'//a[normalize-space(.)="{page}"]'))).click()
        self.assertEqual(self.script_errors(), [])

    def test_price_list_explains_a_price(self):
        "A retail manager opens a price list and asks why a price is as it is"
        self.login('admin', self.password)
        regulars = self.record_id(
            'product.price_list', [('name', '=', 'Stammkunden')])
        self.driver.get(
            f'{self.url}#{self.database}/model/product.price_list/{regulars}')
        self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//td//*[contains(text(), "Aloe Vera Gel")]')))
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//button[normalize-space(.)="Why This Price?"]'))).click()
        # The wizard opens on the list; scenario_pricelist_sale.rst checks
        # its explanation.
        self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR,
                    '.modal input[name="product"]')))
        self.wait(lambda driver: driver.find_element(
                By.CSS_SELECTOR, '.modal input[name="price_list"]'
                ).get_property('value') == 'Stammkunden')
        self.driver.find_element(By.XPATH,
            '//div[contains(@class, "modal")]'
            '//button[normalize-space(.)="Close"]').click()

        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//a[normalize-space(.)="Where It Applies"]'))).click()
        self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//td//*[normalize-space(text())="European Union"]')))
        self.assertEqual(self.script_errors(), [])

    def test_program_opens_its_cards(self):
        "A retail manager opens a gift card program and lists its cards"
        self.login('admin', self.password)
        voucher = self.record_id(
            'wallet.program', [('name', '=', 'Christmas voucher')])
        self.driver.get(
            f'{self.url}#{self.database}/model/wallet.program/{voucher}')
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//button[normalize-space(.)="Cards"]'))).click()
        # the program's three demo vouchers (the cashier's test spends
        # from one of them)
        self.wait(lambda driver: len(driver.find_elements(By.XPATH,
                    '//tr[.//td//*[normalize-space(text())'
                    '="Christmas voucher"]]')) == 3)
        self.assertEqual(self.script_errors(), [])

    def test_credit_per_program(self):
        "A retail manager reads the credit sold per program this month"
        self.login('admin', self.password)
        self.driver.get(f'{self.url}#{self.database}/model/wallet.reporting'
            ';context_model=wallet.reporting.context')
        # the context form of the period above the figures
        self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//label[starts-with(normalize-space(.), "From Date")]')))
        row = self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//tr[.//*[normalize-space(text())'
                    '="Christmas voucher"]]')))
        # the demo's three vouchers of 50.00, issued today
        self.assertIn("150.00", row.text)
        self.assertEqual(self.script_errors(), [])

    def test_sale_paid_with_card(self):
        "A salesperson pays part of a sales order with a gift card"
        self.login('admin', self.password)
        sale, code = self.proteus(
            'Sale = Model.get("sale.sale"); '
            'Party = Model.get("party.party"); '
            'Product = Model.get("product.product"); '
            'Card = Model.get("wallet.card"); '
            'sale = Sale(party=Party.find([("name", "=", "Anna Huber")])[0]); '
            'line = sale.lines.new(); '
            'line.product, = Product.find('
            '[("name", "=", "Cap Baseball")], limit=1); '
            'line.quantity = 4; '
            'sale.save(); '
            'card, = Card.find('
            '[("program.name", "=", "Christmas voucher")], limit=1); '
            'print(sale.id, card.code)').split()
        self.driver.get(f'{self.url}#{self.database}/model/sale.sale/{sale}')
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//button[normalize-space(.)="Pay with Card"]'))).click()
        # The dialog takes input once its form and Pay button are ready
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//div[contains(@class, "modal")]'
                    '//button[normalize-space(.)="Pay"]')))
        code_input = self.wait(EC.element_to_be_clickable(
                (By.CSS_SELECTOR, '.modal input[name="code"]')))
        code_input.send_keys(code.lower())
        # sao shows a number as text and swaps in a number input when it
        # gets the focus (a moment later): type into that one
        self.wait(EC.element_to_be_clickable(
                (By.CSS_SELECTOR, '.modal input[name="amount"]'))).click()
        amount = self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR,
                    '.modal input[name="amount"][type="number"]')))
        self.wait(lambda driver: driver.switch_to.active_element == amount)
        amount.send_keys('20')
        self.wait(lambda driver: (
                code_input.get_property('value').lower() == code.lower()
                and amount.get_property('value') == '20'))
        self.driver.find_element(By.XPATH,
            '//div[contains(@class, "modal")]'
            '//button[normalize-space(.)="Pay"]').click()
        # the sale gets a line of the voucher taking 20.00 off
        self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//td//*[normalize-space(text())="-20.00"]')))
        self.assertEqual(self.script_errors(), [])

    def start_printer_service(self):
        """onretail-iot with a network printer that keeps what it gets,
        allowed for the screen's origin"""
        folder = Path(self.env['TRYTOND_DATABASE__PATH'])
        token = secrets.token_urlsafe(16)
        printer = FakePrinter(free_port())
        printer.start()
        self.addCleanup(printer.stop)
        port = free_port()
        config = folder / 'onretail-iot.ini'
        config.write_text(textwrap.dedent(f'''\
            [service]
            listen = 127.0.0.1:{port}
            token = {token}
            origins = {self.url.rstrip('/')}
            queue = {folder / 'queue'}
            retry = 1
            [printer:receipt]
            driver = network
            host = 127.0.0.1
            port = {printer.port}
            columns = 48
            '''))
        service = subprocess.Popen(
            [str(Path(sys.executable).with_name('onretail-iot')),
                '-c', str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(service.wait, timeout=30)
        self.addCleanup(service.terminate)
        return f'http://127.0.0.1:{port}', token, printer

    def find(self, selector):
        return self.wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, selector)))

    def click(self, selector):
        self.wait(EC.element_to_be_clickable(
                (By.CSS_SELECTOR, selector))).click()

    def click_text(self, text, within=''):
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    f'{within}//button[normalize-space(.)="{text}"]'))).click()

    def wait_text(self, selector, text):
        self.wait(EC.text_to_be_present_in_element(
                (By.CSS_SELECTOR, selector), text))

    @staticmethod
    def receipts(printer):
        return [d for d in printer.received if b'Filiale Wien' in d]

    def open_cashier_screen(self, name, login, language='en'):
        """A new cashier logged in to the cashier screen of Filiale Wien,
        whose printer service keeps what it gets; return the printer"""
        password = secrets.token_urlsafe(12)
        printer_url, token, printer = self.start_printer_service()
        self.proteus(
            'User = Model.get("res.user"); Group = Model.get("res.group"); '
            'Company = Model.get("company.company"); '
            'Lang = Model.get("ir.lang"); '
            'POS = Model.get("sale.point"); '
            'company, = Company.find([]); '
            f'user = User(name={name!r}, login={login!r}, '
            f'password={password!r}); '
            f'user.language, = Lang.find([("code", "=", {language!r})]); '
            'user.groups.append(Group.find([("name", "=", "Cashier")])[0]); '
            'user.companies.append(company); user.company = company; '
            'user.save(); '
            'pos, = POS.find([("name", "=", "Filiale Wien")]); '
            f'pos.printer_url = {printer_url!r}; '
            f'pos.printer_token = {token!r}; '
            'pos.returns_without_receipt = True; pos.save(); print("ok")')
        # Whatever session a previous test left, the login form shows (the
        # web client's page, on the same origin, does not use it)
        self.driver.get(self.url)
        self.driver.delete_all_cookies()
        self.driver.execute_script('window.localStorage.clear();')
        self.driver.get(f'{self.url}{self.database}/pos/')
        form = self.find('#login-form')
        form.find_element(By.NAME, 'login').send_keys(login)
        form.find_element(By.NAME, 'password').send_keys(password, Keys.ENTER)
        return printer

    def test_cashier_day(self):
        """A cashier logs in to the cashier screen, sells with a packaging
        barcode, the keypad, a customer's list and a gift card, prints through
        the printer service, reprints, takes a return and closes the day"""
        printer = self.open_cashier_screen("Karl Kassier", "karl")
        code = self.proteus(
            'Card = Model.get("wallet.card"); '
            'card, = Card.find([("program.name", "=", "Christmas voucher")],'
            ' limit=1); print(card.code)')

        # The register has no open session: it opens with 100.00 counted
        counted = self.find('#opening input[name="counted"]')
        counted.send_keys('100', Keys.ENTER)

        # The grid shows the pictures of the categories and the products
        self.click_text('Textiles', within='//*[@id="grid"]')
        self.click_text('T-Shirts', within='//*[@id="grid"]')
        self.wait(lambda d: d.execute_script(
                "const tiles = document.querySelectorAll('#grid .tile.product');"
                "const images = [...document.querySelectorAll("
                "'#grid .tile.product img')];"
                "return tiles.length > 0 && images.length == tiles.length "
                "&& images.every(i => i.complete && i.naturalWidth > 0)"))

        # A 10-pack scanned once is a line of 10; keypad 2 makes 20
        search = self.find('#search')
        search.send_keys('9001234123045', Keys.ENTER)
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(2)', '1 × 10')
        self.click('#keypad [data-key="2"]')
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(2)', '2 × 10')

        # Anna Huber's list shows the gel's public price and discount
        self.click('#customer-button')
        self.find('#customer-dialog input[name="query"]').send_keys('Anna')
        self.click_text('Anna Huber', within='//dialog')
        self.wait_text('#price-list', 'Stammkunden')
        search.send_keys('SC-001', Keys.ENTER)
        self.wait_text('#cart tbody tr:nth-child(2) td:nth-child(4)', '7.49')
        self.wait_text('#cart tbody tr:nth-child(2) small', '%')
        total = self.wait(lambda d: d.find_element(
                By.CSS_SELECTOR, '#total').text)

        # 20.00 from the gift card, 500.00 in cash: the change shows
        self.click('#pay-button')
        dialog = self.find('#pay-dialog')
        amount = dialog.find_element(By.NAME, 'amount')
        amount.clear()
        amount.send_keys('20')
        dialog.find_element(By.NAME, 'card').send_keys(code)
        self.click_text('Gift card', within='//dialog[@id="pay-dialog"]')
        self.wait_text('#pay-dialog .card-info', '50.00')
        amount.clear()
        amount.send_keys('500')
        self.click_text('Cash', within='//dialog[@id="pay-dialog"]')
        cents = round(float(total) * 100)
        change = f'{(50000 - (cents - 2000)) / 100:.2f}'
        self.wait_text('#pay-dialog .change', change)
        self.click('#pay-dialog .complete')
        self.wait_text('#message', change)

        # The printer service printed the receipt and opened the drawer
        deadline = time.monotonic() + 30
        # (the drawer opens at once, the receipt's job may come later)
        while len(printer.received) < 2:
            self.assertLess(time.monotonic(), deadline, "nothing printed")
            time.sleep(0.2)
        drawer, = [d for d in printer.received if d.startswith(b'\x1bp')]
        receipt, = self.receipts(printer)
        self.assertIn(b'7.49', receipt)

        # The receipt once more
        self.click('#reprint-button')
        self.wait(lambda d: len(self.receipts(printer)) == 2)

        # The customer brings the gel back: refunded in cash
        number = self.proteus(
            'Sale = Model.get("sale.point.sale"); '
            'print(Sale.find([], order=[("id", "DESC")], limit=1)[0].number)')
        self.assertIn(number.encode(), receipt)
        self.click('#return-button')
        self.find('#return-dialog input[name="number"]').send_keys(number)
        self.click('#return-dialog .find')
        gel = self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//dialog[@id="return-dialog"]'
                    '//tr[td[contains(., "Aloe Vera Gel")]]//input')))
        gel.clear()
        gel.send_keys('1')
        self.click('#return-dialog .take')
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(4)', '7.49')
        self.wait_text('#total', '-7.49')
        self.click('#pay-button')
        self.wait_text('#pay-dialog .due', '-7.49')
        self.click_text('Cash', within='//dialog[@id="pay-dialog"]')
        self.click('#pay-dialog .complete')
        self.wait_text('#message', 'Change: 0.00')
        self.wait(lambda d: len(self.receipts(printer)) == 3)

        # A gel brought back without its receipt: a Retail Manager types
        # her login at the till to approve the refund
        search.send_keys('SC-001', Keys.ENTER)
        self.wait(lambda d: d.find_element(
                By.CSS_SELECTOR, '#total').text not in {'', '0.00'})
        self.click('#return-button')
        self.click('#return-dialog .no-receipt')
        self.wait_text('#total', '-')
        refund = self.find('#total').text
        self.click('#pay-button')
        self.wait_text('#pay-dialog .due', refund)
        approval = self.find('#pay-dialog .approval')
        self.click_text('Cash', within='//dialog[@id="pay-dialog"]')
        self.click('#pay-dialog .complete')
        self.wait_text('#pay-dialog .error', 'approval')
        approval.find_element(By.NAME, 'approval_login').send_keys('admin')
        approval.find_element(By.NAME, 'approval_password').send_keys(
            self.password)
        self.click('#pay-dialog .complete')
        self.wait_text('#message', 'Change: 0.00')
        self.wait(lambda d: len(self.receipts(printer)) == 4)

        # Closing with the cash expected: no difference; the report lists
        # the 20.00 of the voucher and the return
        self.click('#close-button')
        refunded = 749 - round(float(refund) * 100)
        cash = f'{(10000 + cents - 2000 - refunded) / 100:.2f}'
        self.wait_text('#close-dialog .expected', cash)
        self.find('#close-dialog input[name="counted"]').send_keys(cash)
        self.wait_text('#close-dialog .difference', '0.00')
        self.click('#close-dialog .close-session')
        report = self.find('#report-dialog .report')
        self.wait_text('#report-dialog .report', 'Christmas voucher')
        self.assertRegex(report.text, r'Redeemed\s+20\.00 / 20\.00')
        self.assertRegex(report.text, r'Gift card\s+20\.00')
        self.assertRegex(report.text, r'Difference\s+0\.00')
        self.assertRegex(report.text, r'Number of returns\s+2')
        self.click_text('Done', within='//dialog')
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def test_scanner_enter_confirms(self):
        """A scanner types a code and presses Enter: in every dialog of the
        cashier screen, Enter confirms"""
        self.open_cashier_screen("Erna Eingabe", "erna")
        code = self.proteus(
            'Card = Model.get("wallet.card"); '
            'card, = Card.find([("program.name", "=", "Christmas voucher")],'
            ' offset=1, limit=1); print(card.code)')
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)

        # The customer's name, Enter: the first customer found is hers
        self.click('#customer-button')
        self.find('#customer-dialog input[name="query"]').send_keys(
            'Anna Huber', Keys.ENTER)
        self.wait_text('#customer-name', 'Anna Huber')
        self.wait(EC.invisibility_of_element_located(
                (By.ID, 'customer-dialog')))

        # A card scanned in Gift card shows its balance (checking a card
        # never makes a new one)
        self.click('#card-button')
        self.assertEqual(self.find('#choice-dialog .code').text, 'Card code')
        self.find('#choice-dialog input[name="code"]').send_keys(
            code, Keys.ENTER)
        self.wait_text('#message', 'Christmas voucher')

        # The scanned gel shows at once, priced from the screen's products
        # (the register's price), the total provisional and Pay disabled until
        # the server priced the cart with her price list
        at_once = self.driver.execute_script('''
            const search = document.querySelector('#search');
            search.value = 'SC-001';
            search.dispatchEvent(new KeyboardEvent(
                'keydown', {key: 'Enter', bubbles: true}));
            const row = document.querySelector('#cart tbody tr');
            return [row.cells[0].textContent, row.cells[3].textContent,
                document.querySelector('#total').className,
                document.querySelector('#pay-button').disabled];''')
        self.assertEqual(at_once, ['Aloe Vera Gel', '8.99', 'provisional',
                True])
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(4)', '7.49')
        self.wait(lambda d: d.find_element(By.ID, 'total').get_attribute(
                'class') == '')
        self.assertTrue(self.find('#pay-button').is_enabled())

        # 5.00 of the gel from the scanned card, Enter pays 10.00 in cash,
        # Enter completes
        self.check_cart_room()
        self.click('#pay-button')
        amount = self.find('#pay-dialog input[name="amount"]')
        amount.clear()
        amount.send_keys('5')
        self.find('#pay-dialog input[name="card"]').send_keys(
            code, Keys.ENTER)
        self.wait_text('#pay-dialog .payments', '5.00')
        self.assertEqual(amount.get_property('value'), '2.49')
        amount.clear()
        amount.send_keys('10', Keys.ENTER)
        self.wait_text('#pay-dialog .change', '7.51')
        # paid too much: nothing is left to pay
        self.assertEqual(amount.get_property('value'), '')
        amount.send_keys(Keys.ENTER)
        self.wait_text('#message', 'Change: 7.51')

        # The receipt's number scanned in Return, a quantity, Enter
        number = self.proteus(
            'Sale = Model.get("sale.point.sale"); '
            'print(Sale.find([], order=[("id", "DESC")], limit=1)[0].number)')
        self.click('#return-button')
        self.find('#return-dialog input[name="number"]').send_keys(
            number, Keys.ENTER)
        gel = self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//dialog[@id="return-dialog"]'
                    '//tr[td[contains(., "Aloe Vera Gel")]]//input')))
        gel.clear()
        gel.send_keys('1', Keys.ENTER)
        self.wait_text('#total', '-7.49')
        self.click('#pay-button')
        self.wait_text('#pay-dialog .due', '-7.49')
        amount.send_keys(Keys.ENTER)
        self.wait_text('#pay-dialog .payments', '-7.49')
        amount.send_keys(Keys.ENTER)
        self.wait(lambda d: not d.find_elements(
                By.CSS_SELECTOR, '#cart tbody tr'))

        # Closing: Enter in a count goes on to the next one, Enter in the
        # total closes, Enter on the report is Done
        self.click('#close-button')
        self.wait_text('#close-dialog .expected', '95.00')
        first, second = self.driver.find_elements(
            By.CSS_SELECTOR, '#close-dialog .denominations input')[:2]
        first.send_keys('0', Keys.ENTER)
        self.assertEqual(self.driver.switch_to.active_element, second)
        counted = self.find('#close-dialog input[name="counted"]')
        counted.clear()
        counted.send_keys('95', Keys.ENTER)
        self.wait_text('#report-dialog .report', 'Difference')
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def test_cashier_takes_cituro_appointment(self):
        """A salon's cashier takes Anna Muster's cituro appointment into the
        cart, with its customer and services at cituro's prices; paid, the
        appointment is paid and no cart takes it again"""
        # The cituro product of the services without a product of their
        # Service ID, taxed as the demo's goods
        values = self.proteus(textwrap.dedent('''\
            from decimal import Decimal
            Company = Model.get("company.company")
            POS = Model.get("sale.point")
            Product = Model.get("product.product")
            Template = Model.get("product.template")
            company, = Company.find([])
            pos, = POS.find([("name", "=", "Filiale Wien")])
            products = Product.find([("template.name", "=", "cituro Service")])
            if not products:
                gel, = Product.find([("code", "=", "SC-001")])
                template = Template(name="cituro Service", type="service",
                    salable=True, list_price=Decimal(0),
                    default_uom=gel.default_uom,
                    account_category=gel.account_category)
                template.save()
                products = template.products
            print(pos.id, products[0].id, company.timezone or "UTC")
            '''))
        pos, product, timezone = values.split()
        pos, product = int(pos), int(product)
        # cituro's "today" is the company's, as the server asks for it
        api_key = secrets.token_urlsafe(16)
        sandbox = CituroSandbox(api_key=api_key, timezone=timezone)
        url = sandbox.start()
        self.addCleanup(sandbox.stop)
        settings = ['cituro_api_key', 'cituro_mode', 'cituro_test_url',
            'cituro_fallback_product']
        before, = self.admin_rpc('model.sale.point.read', [pos], settings)
        self.admin_rpc('model.sale.point.write', [pos], dict(zip(settings,
                    [api_key, 'test', url, product])))
        # the other tests' register has the demo's settings
        self.addCleanup(self.admin_rpc, 'model.sale.point.write', [pos],
            {name: before[name] for name in settings})

        self.open_cashier_screen("Sara Salon", "sara")
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)

        # Today's appointments, the cancelled one left out; her name in the
        # filter and Enter (as in every dialog) take hers
        self.click_text('Appointments', within='//*[@id="till"]')
        within = '//dialog[@id="cituro-dialog"]'
        self.wait(EC.visibility_of_element_located((By.XPATH, f'{within}'
                    '//button[normalize-space(.)="10:00 Anna Muster — '
                    'Haircut, Beard trim — 47.50"]')))
        listed = self.find('#cituro-dialog .list').text
        self.assertIn('Lukas Gruber', listed)
        # (nor yesterday's and tomorrow's)
        for other in [
                "Maximilian Bauer", "Florian Steiner", "Johanna Pichler"]:
            self.assertNotIn(other, listed)
        dialog = self.find('#cituro-dialog')
        error = dialog.find_element(By.CLASS_NAME, 'error')
        dialog.find_element(By.NAME, 'query').send_keys('anna', Keys.ENTER)
        # taken, the dialog closes; refused, it shows why
        self.wait(lambda d: not dialog.is_displayed()
            or error.get_property('textContent'))
        self.assertEqual(error.get_property('textContent'), '')
        self.assertFalse(dialog.is_displayed())
        self.wait_text('#customer-name', 'Anna Muster')
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(1)',
            'Haircut')
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(4)', '35.00')
        self.wait_text('#cart tbody tr:nth-child(2) td:nth-child(1)',
            'Beard trim')
        self.wait_text('#cart tbody tr:nth-child(2) td:nth-child(4)', '12.50')
        self.find('#total:not(.provisional)')
        self.wait_text('#total', '47.50')

        # Paid in cash
        self.click('#pay-button')
        self.wait_text('#pay-dialog .due', '47.50')
        self.click_text('Cash', within='//dialog[@id="pay-dialog"]')
        self.click('#pay-dialog .complete')
        self.wait_text('#message', 'Change: 0.00')

        # The sale took the appointment, paid, with cituro's services
        taken = self.proteus(
            'Appointment = Model.get("onretail.cituro.appointment"); '
            'take, = Appointment.find([("cituro_id", "=", "A-100")]); '
            'print("|".join([take.state, take.party.name, '
            'str(take.sale.total), ", ".join(sorted('
            'l.description for l in take.sale.lines)), take.sale.rec_name]))')
        *checked, sale = taken.split('|')
        self.assertEqual(checked,
            ['paid', "Anna Muster", '47.50', "Beard trim, Haircut"])

        # It is no longer listed, and taking it anyway names the sale
        self.click_text('Appointments', within='//*[@id="till"]')
        self.wait_text('#cituro-dialog .list', 'Lukas Gruber')
        self.assertNotIn(
            'Anna Muster', self.find('#cituro-dialog .list').text)
        self.click_text('Close', within=within)
        self.wait(EC.invisibility_of_element_located(
                (By.ID, 'cituro-dialog')))
        with self.assertRaisesRegex(RuntimeError, re.escape(
                    'The cituro appointment A-100 is taken already by '
                    f'sale "{sale}"')):
            self.admin_rpc('model.sale.point.screen_cituro_take', pos,
                'A-100')

        # The day closes with the cash of the sale
        self.click('#close-button')
        self.wait_text('#close-dialog .expected', '147.50')
        self.find('#close-dialog input[name="counted"]').send_keys('147.50')
        self.click('#close-dialog .close-session')
        self.wait_text('#report-dialog .report', 'Difference')
        self.click_text('Done', within='//dialog')
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def test_traveller_gets_a_tax_free_form(self):
        """A traveller from the United States buys a jacket of 119.00 by
        card: the cashier takes her passport with Tax free; paid while
        Planet is down, the form fails and is issued again; the printer
        service prints the receipt, then the Planet form with its barcode;
        the jacket comes back and the form is voided"""
        values = self.proteus(
            'POS = Model.get("sale.point"); '
            'Country = Model.get("country.country"); '
            'pos, = POS.find([("name", "=", "Filiale Wien")]); '
            'usa, = Country.find([("code", "=", "US")]); '
            'print(pos.id, usa.id)')
        pos, usa = map(int, values.split())
        code = secrets.token_urlsafe(16)
        sandbox = PlanetSandbox(api_key=code)
        url = sandbox.start()
        self.addCleanup(sandbox.stop)
        settings = ['planet_activation_code', 'planet_test_url']
        before, = self.admin_rpc('model.sale.point.read', [pos], settings)
        self.admin_rpc('model.sale.point.write', [pos],
            dict(zip(settings, [code, url])))
        self.addCleanup(self.admin_rpc, 'model.sale.point.write', [pos],
            {name: before[name] for name in settings})

        printer = self.open_cashier_screen("Tina Taxfree", "tina")
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)
        search = self.find('#search')
        search.send_keys('KN-106', Keys.ENTER)
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(4)',
            '119.00')

        # Her passport; Enter in the last field confirms it
        self.click('#planet-button')
        dialog = self.find('#planet-dialog')
        self.wait(lambda d: dialog.find_elements(
                By.CSS_SELECTOR, 'select[name="nationality"] option'))
        dialog.find_element(By.NAME, 'first_name').send_keys('Mary')
        dialog.find_element(By.NAME, 'last_name').send_keys('Smith')
        self.driver.execute_script(
            'arguments[0].value = "1980-05-17";',
            dialog.find_element(By.NAME, 'birth_date'))
        for name in ['nationality', 'residence_country']:
            self.driver.execute_script(
                'arguments[0].value = arguments[1];',
                dialog.find_element(By.NAME, name), str(usa))
        dialog.find_element(By.NAME, 'document_number').send_keys(
            'P1234567', Keys.ENTER)
        self.wait(lambda d: not dialog.is_displayed())
        self.wait_text('#planet-button', 'Mary Smith')

        # Planet is down when she pays: the sale is done, the cashier reads
        # why the form failed; Planet back, Issue again issues it
        sandbox.set_fault('down')
        self.click('#pay-button')
        self.wait_text('#pay-dialog .due', '119.00')
        self.click_text('Card', within='//dialog[@id="pay-dialog"]')
        self.click('#pay-dialog .complete')
        self.wait_text('#planet-failed .error', 'cannot reach Planet')
        sandbox.set_fault(None)
        self.click('#planet-failed .again')
        self.wait_text('#message', 'Tax-free form T-040-654321-1 issued')
        self.wait(EC.invisibility_of_element_located(
                (By.ID, 'planet-failed')))

        # The receipt, then the form with its barcode
        deadline = time.monotonic() + 30
        while len(printer.received) < 2:
            self.assertLess(time.monotonic(), deadline, "nothing printed")
            time.sleep(0.2)
        receipt, form = printer.received[:2]
        self.assertIn(b'Filiale Wien', receipt)
        # (printed while the form had failed: it has no number yet)
        self.assertNotIn(b'T-040-654321-1', receipt)
        self.assertIn(b'TAX FREE', form)
        self.assertIn(b'T-040-654321-1', form)
        voucher = sandbox.vouchers['T-040-654321-1']
        self.assertIn(voucher['barcode'].encode(), form)
        # the CODE128 command of the printer (GS k)
        self.assertIn(b'\x1dk', form)
        self.assertEqual(voucher['gross'], Decimal('119.00'))

        # The jacket comes back: the form is voided at Planet
        number = self.proteus(
            'Sale = Model.get("sale.point.sale"); '
            'print(Sale.find([], order=[("id", "DESC")], limit=1)[0].number)')
        self.click('#return-button')
        self.find('#return-dialog input[name="number"]').send_keys(number)
        self.click('#return-dialog .find')
        jacket = self.wait(EC.visibility_of_element_located((By.XPATH,
                    '//dialog[@id="return-dialog"]'
                    '//tr[td[contains(., "Winter Jacket Down")]]//input')))
        jacket.clear()
        jacket.send_keys('1')
        self.click('#return-dialog .take')
        self.wait_text('#total', '-119.00')
        self.click('#pay-button')
        self.click_text('Card', within='//dialog[@id="pay-dialog"]')
        self.click('#pay-dialog .complete')
        self.wait(lambda d: not d.find_elements(
                By.CSS_SELECTOR, '#cart tbody tr'))
        self.wait(lambda d: voucher['state'] == 'voided')
        state = self.proteus(
            'Form = Model.get("onretail.planet.form"); '
            'print(Form.find([("number", "=", "T-040-654321-1")])[0].state)')
        self.assertEqual(state, 'voided')

        # The day closes with the opening cash: both went by card
        self.click('#close-button')
        self.wait_text('#close-dialog .expected', '100.00')
        self.find('#close-dialog input[name="counted"]').send_keys('100')
        self.click('#close-dialog .close-session')
        self.wait_text('#report-dialog .report', 'Difference')
        self.click_text('Done', within='//dialog')
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def test_cashier_in_her_language(self):
        """A cashier whose language is Hungarian, then one whose language is
        German, read the screen and its numbers in their language (the
        browser's is English) and type amounts in its format"""
        self.open_cashier_screen("Ilona Pénztáros", "ilona", 'hu')
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)
        self.wait_text('#pay-button', 'Fizetés')
        self.assertEqual(
            self.find('#keypad [data-key="."]').text, ',')
        self.find('#search').send_keys('SC-001', Keys.ENTER)
        # one gel: its price, its amount and the total are the same
        self.find('#total:not(.provisional)')
        price = self.wait(lambda d: d.find_element(By.CSS_SELECTOR,
                '#cart tbody tr:nth-child(1) td:nth-child(3)').text)
        self.assertRegex(price, r'^\d+,\d\d$')
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(4)', price)
        self.wait_text('#total', price)
        total = price
        self.click('#pay-button')
        self.wait_text('#pay-dialog .due', total)
        amount = self.find('#pay-dialog input[name="amount"]')
        self.assertEqual(amount.get_property('value'), total)
        amount.clear()
        amount.send_keys('20,50', Keys.ENTER)
        cents = round(float(total.replace(',', '.')) * 100)
        change = f'{(2050 - cents) // 100},{(2050 - cents) % 100:02d}'
        self.wait_text('#pay-dialog .change', change)
        amount.send_keys(Keys.ENTER)
        self.wait_text('#message', f'Kifizetve. Visszajáró: {change}')

        # Her German colleague closes the day with the cash expected
        self.open_cashier_screen("Greta Kassierin", "greta", 'de')
        self.wait_text('#close-button', 'Sitzung schließen')
        self.click('#close-button')
        cash = f'{(10000 + cents) // 100},{cents % 100:02d}'
        self.wait_text('#close-dialog .expected', cash)
        counted = self.find('#close-dialog input[name="counted"]')
        counted.send_keys(cash)
        self.wait_text('#close-dialog .difference', '0,00')
        counted.send_keys(Keys.ENTER)
        self.wait_text('#report-dialog .report', cash)
        self.click_text('Fertig', within='//dialog')
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def check_cart_room(self):
        """The cart takes the height the keypad and actions leave: many
        lines in a window of 1400×900, some in one of 1024×768 (the page
        has less: headless Chromium keeps room for its window's bars), the
        total and Pay in view"""
        fitting = '''
            const wrap = document.querySelector('#cart-wrap');
            const row = document.querySelector('#cart thead tr');
            const pay = document.querySelector('#pay-button');
            const total = document.querySelector('#total');
            const bottom = Math.max(pay.getBoundingClientRect().bottom,
                total.getBoundingClientRect().bottom);
            return [Math.floor(
                (wrap.clientHeight - row.offsetHeight) / row.offsetHeight),
                bottom <= window.innerHeight];'''
        for (width, height), lines in [((1400, 900), 10), ((1024, 768), 6)]:
            with self.subTest(width=width, height=height):
                self.driver.set_window_size(width, height)
                self.wait(lambda d: d.execute_script(fitting)[0] >= lines)
                self.assertTrue(self.driver.execute_script(fitting)[1])
        self.driver.set_window_size(1400, 900)

    def test_receipt_barcode(self):
        """The receipt the browser prints carries the sale's number as a
        Code 128 barcode that decodes to the number"""
        self.driver.get(f'{self.url}{self.database}/pos/')
        path = self.driver.execute_async_script('''
            const done = arguments[arguments.length - 1];
            import('./printer.js').then(printer => done(
                printer.receiptElement({receipt: {barcode: 'WIEN-000042'}})
                .querySelector('svg.barcode path').getAttribute('d')));''')
        modules = ['0'] * 400
        for start, width in re.findall(r'M(\d+) 0h(\d+)', path):
            modules[int(start):int(start) + int(width)] = '1' * int(width)
        bars = ''.join(modules).strip('0')
        self.assertTrue(bars.endswith('1100011101011'))  # stop
        symbols = [code128.CODES.index(bars[i:i + 11])
            for i in range(0, len(bars) - 13, 11)]
        start, *values, checksum = symbols
        self.assertEqual(start, code128.START_CODES['B'])
        self.assertEqual(''.join(chr(v + 32) for v in values), 'WIEN-000042')
        self.assertEqual(checksum, (start + sum(
                    v * i for i, v in enumerate(values, 1))) % 103)

    def test_variants_and_options(self):
        """The demo's cap shows a tile per colour with the colour's swatch;
        its hoodie asks for its warranty when it goes into the cart, whose
        line shows the value, sends its id and is priced with its extra"""
        two_years, = self.admin_rpc('model.product.attribute.value.search',
            [('attribute.name', '=', "Warranty"), ('name', '=', "2 years")],
            0, None, None)
        self.open_cashier_screen("Olga Optionen", "olga")
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)
        search = self.find('#search')
        search.send_keys('Cap Baseball')
        for colour, swatch in [
                ("Red", 'rgba(198, 40, 40, 1)'),
                ("Blue", 'rgba(21, 101, 192, 1)'),
                ("Green", 'rgba(46, 125, 50, 1)')]:
            tile = self.wait(EC.visibility_of_element_located((By.XPATH,
                        '//*[@id="grid"]//button'
                        f'[.//small[normalize-space(.)="{colour}"]]')))
            self.assertIn("Cap Baseball", tile.text)
            self.assertEqual(tile.find_element(By.CSS_SELECTOR, '.swatch')
                .value_of_css_property('background-color'), swatch)
        self.assertEqual(len(self.driver.find_elements(
                    By.CSS_SELECTOR, '#grid .tile.product')), 3)
        self.driver.find_element(By.XPATH,
            '//*[@id="grid"]//button[.//small[normalize-space(.)="Red"]]'
            ).click()
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(1)',
            'Cap Baseball (Red)')

        # The hoodie asks for its warranty, each value with its extra (tax
        # included, as the register's prices): Tab to the third, Enter
        search.clear()
        search.send_keys('Hoodie')
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//*[@id="grid"]//button'
                    '[span[text()="Hoodie Grey Melange"]]'))).click()
        self.wait_text('#choice-dialog h2', 'Warranty')
        first = self.find('#choice-dialog .list button')
        self.assertEqual([b.text for b in self.driver.find_elements(
                    By.CSS_SELECTOR, '#choice-dialog .list button')],
            ["None", "1 year +34.80", "2 years +58.80"])
        first.send_keys(Keys.TAB)
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait_text('#cart tbody tr:nth-child(2) td:nth-child(1)',
            'Warranty: 2 years')
        sent = self.driver.execute_async_script('''
            const done = arguments[arguments.length - 1];
            import('./cart.js').then(cart => done(
                cart.cartForServer().lines.map(l => l.options || [])));''')
        self.assertEqual(sent, [[], [two_years]])
        # The server prices the hoodie with its warranty: 49.90 + 58.80
        self.wait(lambda d: d.find_element(By.ID, 'total').get_attribute(
                'class') == '')
        self.wait_text('#cart tbody tr:nth-child(2) td:nth-child(4)',
            '108.70')

        # The cart emptied, the day closes
        for _ in range(2):
            self.click('#keypad [data-key="delete"]')
        self.wait(lambda d: not d.find_elements(
                By.CSS_SELECTOR, '#cart tbody tr'))
        self.click('#close-button')
        self.find('#close-dialog input[name="counted"]').send_keys(
            '100', Keys.ENTER)
        self.find('#report-dialog')
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def test_sale_in_hungarian(self):
        """A cashier in Budapest whose language is Hungarian sells a red
        cap, a hoodie with a 2-year warranty and a 10-pack to a regular
        customer, who pays with a scanned gift card and cash: every printed
        line adds up, in Hungarian"""
        self.sell_and_read_receipt('hu')

    def test_sale_in_german(self):
        "The same sale in Vienna by a cashier whose language is German"
        self.sell_and_read_receipt('de')

    def english_screen_texts(self):
        """The English texts of the screen that show (of their element or
        a placeholder), in the cashier's language: none should"""
        texts = self.driver.execute_script('''
            return [...document.querySelectorAll('body *')]
                .filter(e => e.checkVisibility())
                .flatMap(e => [...[...e.childNodes]
                    .filter(n => n.nodeType === Node.TEXT_NODE)
                    .map(n => n.textContent.trim()), e.placeholder || ''])
                .filter(text => text);''')
        patterns = [text_pattern(text) for text in english_texts(
                ROOT / 'addons' / 'onretail_pos' / 'screen.xml',
                'msg_screen_').values() if text not in SAME_TEXTS]
        return [text for text in texts
            if any(p.fullmatch(text) for p in patterns)]

    def sell_and_read_receipt(self, language):
        """The issue's sale by a cashier of the language: the codes scanned
        (keystrokes and Enter), the cap's colour and the hoodie's warranty
        chosen, her regular customer, a gift card and cash; then the
        printed receipt read line by line"""
        walk = WALKS[language]
        lang, = self.admin_rpc('model.ir.lang.search_read',
            [('code', '=', language)], 0, 1, None,
            ['decimal_point', 'thousands_sep'])
        point, separator = lang['decimal_point'], lang['thousands_sep']
        amount_pattern = (r'-?\d{1,3}(?:%s\d{3})*%s\d\d'
            % (re.escape(separator), re.escape(point)))

        def parse(text):
            "An amount or quantity as printed in her language"
            if separator:
                text = text.replace(separator, '')
            return Decimal(text.replace(point, '.'))

        def shown(amount):
            "An amount below 1000 as her language writes it"
            return f'{amount:.2f}'.replace('.', point)

        # A Christmas voucher with credit (the other tests spend some)
        cards = self.admin_rpc('model.wallet.card.search_read',
            [('program.name', '=', "Christmas voucher")], 0, None, None,
            ['code', 'balance'])
        card = max(cards, key=lambda c: Decimal(c['balance']['decimal']))
        gift = Decimal(20)
        self.assertGreaterEqual(Decimal(card['balance']['decimal']), gift)

        printer = self.open_cashier_screen(
            walk['cashier'], f'walk-{language}', language)
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)

        # The cap's code shows its colours, she touches the red one
        search = self.find('#search')
        search.send_keys('AC-001', Keys.ENTER)
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//*[@id="grid"]//button[.//small'
                    f'[normalize-space(.)="{walk["colour"]}"]]'))).click()
        self.wait_text('#cart tbody tr:nth-child(1) td:nth-child(1)',
            f'({walk["colour"]})')
        self.assertEqual(self.driver.find_element(By.ID, 'message').text, '')

        # The 10-pack's barcode
        search.clear()
        search.send_keys('9001234123045', Keys.ENTER)
        self.wait_text('#cart tbody tr:nth-child(2) td:nth-child(2)',
            '1 × 10')

        # The hoodie's code asks for its warranty
        search.send_keys('KN-001', Keys.ENTER)
        title = self.find('#choice-dialog h2')
        self.wait(lambda d: title.text)
        self.assertEqual(title.text, walk['option'])
        self.wait(EC.element_to_be_clickable((By.XPATH,
                    '//dialog[@id="choice-dialog"]//button[starts-with('
                    f'normalize-space(.), "{walk["value"]} +")]'))).click()
        self.wait_text('#cart tbody tr:nth-child(3) td:nth-child(1)',
            f'{walk["option"]}: {walk["value"]}')

        # Her regular customer: the name, Enter; her list prices the cart
        self.click('#customer-button')
        self.find('#customer-dialog input[name="query"]').send_keys(
            walk['customer'], Keys.ENTER)
        self.wait_text('#customer-name', walk['customer'])
        self.wait(EC.invisibility_of_element_located(
                (By.ID, 'customer-dialog')))
        self.wait_text('#price-list', walk['price_list'])
        self.wait(lambda d: d.find_element(By.ID, 'total').get_attribute(
                'class') == '')
        self.assertEqual(self.english_screen_texts(), [])

        # The card scanned pays 20, cash the rest rounded up to 50
        self.click('#pay-button')
        amount = self.find('#pay-dialog input[name="amount"]')
        self.wait(lambda d: amount.get_property('value'))
        due = parse(self.find('#pay-dialog .due').text)
        amount.clear()
        amount.send_keys('20')
        self.find('#pay-dialog input[name="card"]').send_keys(
            card['code'], Keys.ENTER)
        self.wait_text('#pay-dialog .card-info', walk['program'])
        self.wait_text('#pay-dialog .payments', walk['gift_card'])
        self.wait(lambda d: amount.get_property('value')
            and parse(amount.get_property('value')) == due - gift)
        cash = (due - gift) // 50 * 50 + 50
        amount.clear()
        amount.send_keys(str(cash), Keys.ENTER)
        change = cash - (due - gift)
        self.wait_text('#pay-dialog .change', shown(change))
        self.assertEqual(self.english_screen_texts(), [])
        amount.send_keys(Keys.ENTER)
        self.wait_text('#message', walk['paid'] + shown(change))
        self.assertEqual(self.english_screen_texts(), [])

        # The printed receipt: its lines between the rules, then the
        # total, taxes and payments, each amount right-aligned
        self.wait(lambda d: self.receipts(printer))
        printed = printed_lines(self.receipts(printer)[0])
        rule = '-' * 48
        start, end = [i for i, line in enumerate(printed) if line == rule]
        self.assertTrue(printed[start - 1].startswith(walk['title']),
            printed[start - 1])
        items = []
        for line in printed[start + 1:end]:
            figures = re.fullmatch(
                rf'  (\S+) x ({amount_pattern}) +({amount_pattern})', line)
            if figures:
                items[-1]['figures'] = [parse(f) for f in figures.groups()]
            elif line.startswith('  '):
                # a long note goes on over several lines
                items[-1]['note'] = ' '.join(
                    filter(None, [items[-1]['note'], line.strip()]))
            elif items and 'figures' not in items[-1]:
                items[-1]['name'] += ' ' + line
            else:
                items.append({'name': line, 'note': ''})
        rows = [(m[1], parse(m[2])) for m in (re.fullmatch(
                    rf'(.*\S) +({amount_pattern})', line)
                for line in printed[end + 1:]) if m]
        printed_text = '\n'.join(printed)
        with self.subTest(receipt=printed_text):
            self.assertEqual(len(items), 3)
            cap, pack, hoodie = items
            self.assertIn(f'({walk["colour"]})', cap['name'])
            # The hoodie's note, its discount and warranty, is longer than
            # the paper's 48 columns in Hungarian: wrapped, not cut
            self.assertIn(f'{walk["option"]}: {walk["value"]}', hoodie['note'])
            # her decimal comma, in the discount's percentage too
            self.assertNotRegex(hoodie['note'], r'\d\.\d')
            self.assertEqual(pack['figures'][0], 10)
            for item in items:
                quantity, unit_price, line_amount = item['figures']
                self.assertEqual(quantity * unit_price, line_amount, item)
            total = dict(rows)[walk['total']]
            self.assertEqual(total, due)
            self.assertEqual(
                sum(item['figures'][2] for item in items), total)
            # Tax included: the net in each tax's label and its tax add up
            # to the total
            taxes = [(parse(re.findall(amount_pattern, label)[-1]), tax)
                for label, tax in rows if re.search(
                    amount_pattern + '$', label)]
            self.assertTrue(taxes)
            self.assertTrue(any(label.startswith(walk['tax'])
                    for label, _ in rows), rows)
            self.assertEqual(sum(net + tax for net, tax in taxes), total)
            payments = {label: value for label, value in rows
                if label in {walk['gift_card'], walk['cash'],
                    walk['change']}}
            self.assertEqual(payments, {walk['gift_card']: gift,
                    walk['cash']: cash, walk['change']: change})
            self.assertEqual(gift + cash - change, total)
            # Her language, not English
            english = [text_pattern(text) for text in english_texts(
                    ROOT / 'addons' / 'onretail_pos' / 'message.xml',
                    'msg_receipt_').values()]
            self.assertEqual([line for line in printed
                    if any(p.search(line) for p in english)], [])

        # The day closes with the cash expected
        self.click('#close-button')
        counted = self.find('#close-dialog input[name="counted"]')
        expected = self.find('#close-dialog .expected').text
        self.assertEqual(parse(expected), 100 + cash - change)
        counted.send_keys(expected, Keys.ENTER)
        self.find('#report-dialog')
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.find('#opening input[name="counted"]')
        self.assertEqual(self.script_errors(), [])

    def test_new_customer_buys_a_voucher(self):
        """A cashier creates a customer at the register and sells her a
        voucher of the program she chooses, of the amount she asks for"""
        # A gift box that sells the vouchers of two programs, at any amount
        ids = self.proteus(
            'from decimal import Decimal; '
            'Program = Model.get("wallet.program"); '
            'Template = Model.get("product.template"); '
            'voucher, = Program.find([("name", "=", "Christmas voucher")]); '
            'template = Template(name="Gift Box", type="service", '
            'salable=True, list_price=Decimal(0), '
            'default_uom=voucher.product.default_uom, '
            'account_category=voucher.product.template.account_category); '
            'template.save(); '
            'print(template.products[0].id, voucher.account.id, '
            'voucher.expiry_account.id, voucher.expiry_journal.id)')
        product, account, expiry_account, journal = map(int, ids.split())
        # Through the server, which remembers the programs of each product
        self.admin_rpc('model.wallet.program.create', [{
                    'name': name, 'type': 'gift_card', 'product': product,
                    'account': account, 'expiry_account': expiry_account,
                    'expiry_journal': journal,
                    } for name in ["Birthday voucher", "Wedding voucher"]])
        printer = self.open_cashier_screen("Clara Kassier", "clara")
        self.find('#opening input[name="counted"]').send_keys(
            '100', Keys.ENTER)

        # A new customer, with her email
        self.click('#customer-button')
        dialog = self.find('#customer-dialog')
        dialog.find_element(By.NAME, 'name').send_keys('Eva Neumann')
        dialog.find_element(By.NAME, 'email').send_keys('eva@example.com')
        self.click('#customer-dialog .create')
        self.wait_text('#customer-name', 'Eva Neumann')

        # The gift box asks for the program, then for the amount
        self.find('#search').send_keys('Gift Box', Keys.ENTER)
        self.wait_text('#choice-dialog h2', 'Choose the program')
        self.click_text('Wedding voucher', within='//dialog')
        self.wait_text('#choice-dialog h2', 'Amount of the card')
        self.find('#choice-dialog input[name="amount"]').send_keys('30')
        self.click('#choice-dialog button.primary')
        self.wait_text('#total', '30.00')

        self.click('#pay-button')
        amount = self.find('#pay-dialog input[name="amount"]')
        amount.clear()
        amount.send_keys('50')
        self.click_text('Cash', within='//dialog[@id="pay-dialog"]')
        self.wait_text('#pay-dialog .change', '20.00')
        self.click('#pay-dialog .complete')
        self.wait_text('#message', '20.00')

        # The sale is hers and issued a new card of the program she chose,
        # which the printer service printed
        code = self.proteus(
            'Sale = Model.get("sale.point.sale"); '
            'Card = Model.get("wallet.card"); '
            'sale = Sale.find([], order=[("id", "DESC")], limit=1)[0]; '
            'email, = [m.value for m in sale.customer.contact_mechanisms]; '
            'card, = Card.find([("program.name", "=", "Wedding voucher")]); '
            'print(sale.customer.name, email, card.balance, card.code)')
        self.assertRegex(code, r'^Eva Neumann eva@example\.com 30\.00 \S+$')
        code = code.split()[-1]
        self.wait(lambda d: any(code.encode() in d for d in printer.received))

        # The session report lists the credit sold under its program
        self.click('#close-button')
        self.wait_text('#close-dialog .expected', '130.00')
        self.find('#close-dialog input[name="counted"]').send_keys('130')
        self.click('#close-dialog .close-session')
        report = self.find('#report-dialog .report')
        self.wait_text('#report-dialog .report', 'Wedding voucher')
        self.assertRegex(report.text, r'Sold\s+30\.00 / 30\.00')
        self.assertNotIn('Birthday voucher', report.text)
        self.click_text('Done', within='//dialog')
        self.assertEqual(self.script_errors(), [])

