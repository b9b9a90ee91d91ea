# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import threading
import time
import unittest
from decimal import Decimal
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from onretail_sandbox.planet import PlanetSandbox, result_response
from trytond import backend
from trytond.config import config
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, set_company)
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, with_transaction)
from trytond.transaction import Transaction, TransactionError

from ..exceptions import PlanetError, TravellerError
from ..sale import checked_traveller
from .tools import (
    ACTIVATION_CODE, create_countries, create_shop, create_shop_company,
    traveller)

# What issuing may write
TABLES = ['sale.point.sale', 'sale.point.sale.line', 'sale.point.payment',
    'onretail.planet.form']
# The faults of the sandbox and the start of the message each gives
FAULTS = {
    'down': "Cash register \"Berlin\" cannot reach Planet",
    'slow': "Planet did not answer cash register \"Berlin\" in time",
    '500': "Planet answered cash register \"Berlin\" with HTTP error 500",
    'soapfault': "Planet refused the request of cash register \"Berlin\": "
    "Server was unable to process request.",
    'html': "Unexpected answer from Planet for cash register \"Berlin\": "
    "it is not XML.",
    'badxml': "Unexpected answer from Planet for cash register \"Berlin\": "
    "it is not XML.",
    'error': "Planet refused the form of cash register \"Berlin\" with "
    "error 99: Service temporarily unavailable",
    'novoucher': "Unexpected answer from Planet for cash register "
    "\"Berlin\": \"voucher_number\" is missing or invalid.",
    }


# A billion laughs and an external entity, as a document and as a result
BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b''.join(b'<!ENTITY lol%d "%s">' % (i, b'&lol%d;' % (i - 1) * 10
            if i > 1 else b'&lol;' * 10) for i in range(1, 10))
    + b']><lolz>&lol9;</lolz>')
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
    b'"file:///etc/passwd">]><r>&x;</r>')


class Answer:
    "What requests.post returns, for an answer that no server would give"

    def __init__(self, content, status=200,
            content_type='application/soap+xml; charset=utf-8'):
        self.content = content
        self.status_code = status
        self.headers = CaseInsensitiveDict({'Content-Type': content_type})

    def iter_content(self, size):
        for start in range(0, len(self.content), size):
            yield self.content[start:start + size]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass


def voucher_result(**changes):
    "A complete CreateVoucher result with changes (None removes)"
    result = {
        'error': '0', 'voucher_number': 'T-276-123456-1',
        'price_incl_vat': '119.00', 'refund_amount': '16.15',
        'voucher_lines': ['10TAX FREE', '05Form T-276-123456-1',
            '1127600001234560000000001', '09Stamp it.'],
        }
    result.update(changes)
    return {k: v for k, v in result.items() if v is not None}


def answer_with(result):
    """The answer of result, its control characters written as they are,
    which lxml would refuse to write"""
    controls = {}

    def placeholder(value):
        if isinstance(value, list):
            return [placeholder(v) for v in value]
        if value and any(ord(c) < 32 for c in value):
            key = 'CONTROL%d' % len(controls)
            controls[key.encode()] = value.encode()
            return key
        return value
    content = result_response('CreateVoucher', {
            k: placeholder(v) for k, v in result.items()}).get_data()
    for key, value in controls.items():
        content = content.replace(key, value)
    return Answer(content)


def malformed_answers():
    """At least 200 CreateVoucher answers that must not issue a form:
    from a complete one, cut, without or with a wrong value of each
    element, in a wrong namespace, a DTD, an HTTP status"""
    valid = result_response('CreateVoucher', voucher_result()).get_data()
    for end in range(0, len(valid), max(len(valid) // 100, 1)):
        yield Answer(valid[:end])
    for name in ['error', 'voucher_number', 'price_incl_vat',
            'refund_amount', 'voucher_lines']:
        yield Answer(result_response('CreateVoucher',
                voucher_result(**{name: None})).get_data())
    wrong = ['', ' ', '\x01', '\u0085', '<b>', '9' * 300]
    bad_values = {
        'voucher_number': wrong + ['T 1', '../../x', 'T-1/2?', '-1'],
        'price_incl_vat': wrong + ['abc', '-1', '1e9', 'NaN', 'Infinity',
            '1.234', '1,50', '0x10', '2000000'],
        'error': wrong + ['1', '-1', 'NaN', '00 1'],
        }
    bad_values['refund_amount'] = bad_values['price_incl_vat']
    for name, value in ((n, v) for n, values in bad_values.items()
            for v in values):
        yield answer_with(voucher_result(**{name: value}))
    for lines in [[], ['05no barcode'], ['1'], ['xx text'],
            ['11'], ['11' + 'A' * 40], ['11 1 2'], ['05' + 'x' * 300],
            ['11123\x07'], ['05\x1b@'], ['11123'] * 300]:
        yield answer_with(voucher_result(voucher_lines=lines))
    for old, new in [
            (b'http://www.w3.org/2003/05/soap-envelope',
                b'http://schemas.xmlsoap.org/soap/envelope/'),
            (b'http://yes.fintrax.com/piserver/v2/', b'urn:other'),
            (b'CreateVoucherResult', b'InsertInvoiceResult'),
            (b'CreateVoucherResponse', b'CreateVoucherAnswer'),
            (b'&lt;', b'<'),
            (b'utf-8', b'latin-1'),
            ]:
        yield Answer(valid.replace(old, new))
    for content in [BOMB, EXTERNAL, b'', b'null', b'{"error": 0}',
            b'\xff\xfe<x/>', b'<a>' * 10000]:
        yield Answer(content)
        yield Answer(result_response('CreateVoucher', {'error': 'x'})
            .get_data().replace(b'&lt;result&gt;&lt;error&gt;x',
                content.replace(b'&', b'&amp;').replace(b'<', b'&lt;')
                .replace(b'>', b'&gt;') + b'&lt;result&gt;&lt;error&gt;x'))
    for status in [201, 204, 301, 400, 401, 404, 502, 503]:
        yield Answer(valid, status=status)
    for content_type in ['text/html', 'application/json', 'text/plain', '']:
        yield Answer(valid, content_type=content_type)


def counts():
    pool = Pool()
    return {name: pool.get(name).search([], count=True) for name in TABLES}


def create_user(company, login, *groups):
    "A user of company in the groups of the XML ids"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    user, = pool.get('res.user').create([{
                'login': login, 'company': company.id,
                'companies': [('add', [company.id])],
                'groups': [('add', [ModelData.get_id(*g.split('.'))
                            for g in groups])],
                }])
    return user


class PlanetTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onretail_planet module"
    module = 'onretail_planet'
    extras = ['onretail_wallet']

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = PlanetSandbox(api_key=ACTIVATION_CODE)
        cls.url = cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)

    def setUp(self):
        super().setUp()
        self.sandbox.reset()

    def shop(self):
        "The register, products, payment methods and countries"
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        countries = create_countries()
        point, products, methods = create_shop(self.url, countries)
        Session.open_counted(point.id, '0')
        return point, products, methods, countries

    def checkout(self, point, lines, methods, countries, method='card',
            **values):
        """The sale of the cart of lines [(product, quantity)] paid in full
        by method, tax-free for the traveller of values"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        total = sum((p.template.gross_price * q for p, q in lines), Decimal(0))
        cart = {
            'client_id': f'cart-{len(Sale.search([]))}',
            'lines': [{'product': p.id, 'quantity': q} for p, q in lines],
            'payments': [{'method': methods[method].id,
                    'amount': str(total)}],
            }
        cart['planet'] = traveller(countries, **values)
        return Sale(Sale.checkout(point.id, cart)['id'])

    def issue(self, sale):
        "What the queue does once the checkout is saved: issue its form"
        Form = Pool().get('onretail.planet.form')
        form = sale.planet_form()
        Form.issue([form])
        return Form(form.id)

    @with_transaction()
    def test_p1_jacket_for_an_american(self):
        """P1: a jacket of 119.00 paid by card for a US passport: net
        100.00, VAT 19.00; issued with a refund of 16.15"""
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = self.checkout(point, [(products["Jacket"], 1)], methods,
                countries)
            self.assertEqual(sale.state, 'posted')
            form = sale.planet_form()
            self.assertEqual(form.state, 'draft')
            self.assertIn(products["Planet Tax Free"],
                [l.product for l in sale.lines])
            self.assertEqual(sale.total, Decimal('119.00'))

            form = self.issue(sale)
            self.assertEqual(form.state, 'issued', form.error)
            self.assertEqual(
                (form.gross_amount, form.tax_amount, form.refund_amount),
                (Decimal('119.00'), Decimal('19.00'), Decimal('16.15')))
            self.assertEqual(form.number, 'T-276-123456-1')
            self.assertRegex(form.barcode, r'^[0-9]{22}$')
            voucher = self.sandbox.vouchers[form.number]
            self.assertEqual((voucher['state'], voucher['gross']),
                ('issued', Decimal('119.00')))
            # The Planet line carries the form's number to the receipt
            notes = [l['note'] for l in sale.receipt()['lines']]
            self.assertIn("Tax-free form T-276-123456-1", notes)
            job = form.print_job()
            self.assertEqual(job['barcode'], form.barcode)
            self.assertIn("Refund 16.15", job['header'])

    @with_transaction()
    def test_p2_goods_with_vat_only(self):
        """P2: jacket 119.00 + book 21.40 (7 %) + a haircut 35.00: the form
        has the goods only, gross 140.40, VAT 20.40"""
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = self.checkout(point, [(products["Jacket"], 1),
                    (products["Book"], 1), (products["Haircut"], 1)],
                methods, countries)
            self.assertEqual(sale.total, Decimal('175.40'))
            items = sale.planet_items()
            self.assertEqual([(i['description'], i['vat_rate'], i['net'],
                        i['vat'], i['gross']) for i in items], [
                    ("Jacket", Decimal('19.00'), Decimal('100.00'),
                        Decimal('19.00'), Decimal('119.00')),
                    ("Book", Decimal('7.00'), Decimal('20.00'),
                        Decimal('1.40'), Decimal('21.40'))])
            form = self.issue(sale)
            self.assertEqual(form.state, 'issued', form.error)
            self.assertEqual((form.gross_amount, form.tax_amount),
                (Decimal('140.40'), Decimal('20.40')))
            self.assertEqual(form.refund_amount, Decimal('17.34'))

    @with_transaction()
    def test_p3_minimum_of_germany(self):
        """P3: gross 50.00 in Germany is refused at the checkout; 50.01 is
        issued"""
        pool = Pool()
        Template = pool.get('product.template')
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            template = products["Book"].template
            Template.write([template], {'gross_price': Decimal('50.00'),
                    'list_price': Decimal('46.7290')})
            before = counts()
            with self.assertRaisesRegex(TravellerError,
                    r'gross 50\.00 EUR is below the minimum 50\.01 EUR'):
                self.checkout(point, [(products["Book"], 1)], methods,
                    countries)
            self.assertEqual(counts(), before)
            Template.write([template], {'gross_price': Decimal('50.01'),
                    'list_price': Decimal('46.7383')})
            sale = self.checkout(point, [(products["Book"], 1)], methods,
                countries)
            self.assertEqual(self.issue(sale).state, 'issued')

    @with_transaction()
    def test_p4_one_form_per_sale(self):
        """P4: a second form of a sale is refused; voided, a new one is
        issued; the sandbox has one active voucher"""
        pool = Pool()
        Form = pool.get('onretail.planet.form')
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = self.checkout(point, [(products["Jacket"], 1)], methods,
                countries)
            form = self.issue(sale)
            self.assertEqual(form.state, 'issued')
            values = dict(form.traveller_values(),
                nationality=countries['US'].id,
                residence_country=countries['US'].id,
                company=company.id, sale=sale.id)
            Form.void([form])
            self.assertEqual(form.state, 'voided')
            self.assertEqual(
                self.sandbox.vouchers['T-276-123456-1']['state'], 'voided')
            # Issuing again is a new form of the posted sale
            new, = Form.create([values])
            Form.issue([new])
            self.assertEqual(new.state, 'issued')
            self.assertEqual(new.number, 'T-276-123456-2')
            active = [n for n, v in self.sandbox.vouchers.items()
                if v['state'] == 'issued']
            self.assertEqual(active, ['T-276-123456-2'])
            # Last: the refused record stays, as no transaction rolls back
            with self.assertRaisesRegex(TravellerError,
                    'has the tax-free form "T-276-123456-2" already'):
                Form.create([values])

    @with_transaction()
    def test_p5_issue_again_when_planet_is_back(self):
        """P5: Planet down: the sale is posted, the form failed with the
        cause; Planet up, Issue again: issued, one voucher"""
        pool = Pool()
        Form = pool.get('onretail.planet.form')
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = self.checkout(point, [(products["Jacket"], 1)], methods,
                countries)
            self.sandbox.set_fault('down')
            form = self.issue(sale)
            self.assertEqual(sale.state, 'posted')
            self.assertEqual(form.state, 'failed')
            self.assertIn(FAULTS['down'], form.error)
            self.assertIsNone(form.number)
            self.sandbox.set_fault(None)
            Form.issue([form])
            self.assertEqual(form.state, 'issued')
            self.assertIsNone(form.error)
            # Issuing an issued form again changes nothing
            Form.issue([form])
            self.assertEqual(list(self.sandbox.vouchers), [form.number])

    @with_transaction()
    def test_back_office_wizard(self):
        """In the back office, Tax Free on an open register sale takes the
        traveller: the Planet line and a draft form; paid, it is issued"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        Sale = pool.get('sale.point.sale')
        TaxFree = pool.get('onretail.planet.tax_free', type='wizard')
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = Sale(point=point)
            sale.save()
            line = Line(sale=sale, product=products["Jacket"], quantity=1)
            line.on_change_product()
            line.save()
            session_id, _, _ = TaxFree.create()
            wizard = TaxFree(session_id)
            with Transaction().set_context(active_model='sale.point.sale',
                    active_id=sale.id, active_ids=[sale.id]):
                self.assertEqual(wizard.default_start(None), {})
                for name, value in traveller(countries).items():
                    if name in {'nationality', 'residence_country'}:
                        value = countries['US']
                    elif name == 'birth_date':
                        value = datetime.date.fromisoformat(value)
                    setattr(wizard.start, name, value)
                self.assertEqual(wizard.transition_take(), 'end')
            form = sale.planet_form()
            self.assertEqual(form.state, 'draft')
            self.assertEqual(sorted(l.product.rec_name for l in sale.lines),
                ["Jacket", "Planet Tax Free"])
            self.assertFalse(Sale.search([('id', '=', sale.id),
                        ('state', '!=', 'open')]))

    @unittest.skipIf(backend.name != 'postgresql',
        "row locks are a PostgreSQL matter")
    def test_concurrent_issues(self):
        """Two Issue again of one failed form at once: one voucher, the form
        issued once"""
        form_id, company_id, number = self.committed_failed_form()
        self.sandbox.reports.clear()
        barrier = threading.Barrier(2)
        self.errors = []
        threads = [threading.Thread(target=self.issue_in_transaction,
                args=(company_id, form_id, barrier)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(self.errors, [])
        with Transaction().start(DB_NAME, 1):
            form = Pool().get('onretail.planet.form')(form_id)
            self.assertEqual(form.state, 'issued')
        self.assertEqual([n for n, v in self.sandbox.vouchers.items()
                if v['barcode_data'] == number], [form.number])
        # the second waited for the first and sent nothing
        self.assertEqual([r['operation'] for r in self.sandbox.reports],
            ['InsertInvoice', 'CreateVoucher'])

    def committed_failed_form(self):
        "A posted tax-free sale whose form failed, committed"
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 1, **extras) as transaction:
                try:
                    company = create_shop_company()
                    with set_company(company):
                        point, products, methods, countries = self.shop()
                        sale = self.checkout(point, [(products["Jacket"], 1)],
                            methods, countries)
                        self.sandbox.set_fault('down')
                        form = self.issue(sale)
                        self.sandbox.set_fault(None)
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                self.assertEqual(form.state, 'failed')
                transaction.commit()
                return form.id, company.id, sale.number

    def issue_in_transaction(self, company_id, form_id, barrier):
        """Issue again in a transaction of its own as the server does:
        restart with the lock taken first when asked for, and again, a
        little later, while the other transaction holds it"""
        extras = {}
        waited = False
        retries = 0
        while True:
            try:
                with Transaction().start(DB_NAME, 1, **extras,
                        context={'company': company_id}) as transaction:
                    Form = Pool().get('onretail.planet.form')
                    form = Form(form_id)
                    if not waited:
                        barrier.wait()
                        waited = True
                    try:
                        Form.issue([form])
                    except TransactionError as error:
                        transaction.rollback()
                        error.fix(extras)
                        continue
                    transaction.commit()
                    return
            except backend.DatabaseOperationalError as error:
                if retries < config.getint('database', 'retry'):
                    retries += 1
                    time.sleep(0.02 * retries)
                    continue
                self.errors.append(str(error))
                return

    @with_transaction()
    def test_faults(self):
        """Each fault of the sandbox fails the form with its message; the
        sale stays posted and nothing else is written"""
        pool = Pool()
        Form = pool.get('onretail.planet.form')
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = self.checkout(point, [(products["Jacket"], 1)], methods,
                countries)
            form = sale.planet_form()
            for fault, message in FAULTS.items():
                with self.subTest(fault=fault):
                    self.sandbox.set_fault(fault, seconds=16)
                    before = counts()
                    Form.issue([form])
                    self.assertEqual(form.state, 'failed')
                    self.assertTrue(form.error.startswith(message),
                        form.error)
                    self.assertIsNone(form.number)
                    self.assertEqual(sale.state, 'posted')
                    self.assertEqual(counts(), before)
            self.sandbox.set_fault(None)
            Form.issue([form])
            self.assertEqual(form.state, 'issued')

    @with_transaction()
    def test_malformed_answers_corpus(self):
        """More than 200 malformed answers to CreateVoucher: each fails the
        form with a message and stores no voucher number"""
        pool = Pool()
        Form = pool.get('onretail.planet.form')
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            sale = self.checkout(point, [(products["Jacket"], 1)], methods,
                countries)
            form = sale.planet_form()
            inserted = result_response('InsertInvoice', {'error': '0'})
            answers = list(malformed_answers())
            self.assertGreaterEqual(len(answers), 200)
            for index, answer in enumerate(answers):
                with self.subTest(index=index, answer=answer.content[:80]):
                    with patch('requests.post', side_effect=[
                                Answer(inserted.get_data()), answer]):
                        Form.issue([form])
                    self.assertEqual(form.state, 'failed')
                    self.assertIsNone(form.number)
                    self.assertIsNone(form.barcode)
                    self.assertTrue(form.error)
            with patch('requests.post', side_effect=[
                        Answer(inserted.get_data()),
                        Answer(result_response('CreateVoucher',
                                voucher_result()).get_data())]):
                Form.issue([form])
            self.assertEqual((form.state, form.number, form.barcode),
                ('issued', 'T-276-123456-1', '27600001234560000000001'))

    @with_transaction()
    def test_traveller_fuzzed(self):
        """Any traveller a screen sends is taken or refused with a
        UserError, never a raw Python error"""
        countries = create_countries()

        @settings(max_examples=100, deadline=None, database=None,
            suppress_health_check=list(HealthCheck))
        @given(st.dictionaries(st.sampled_from([
                        'first_name', 'last_name', 'birth_date',
                        'nationality', 'residence_country', 'document_type',
                        'document_number', 'other']),
                st.one_of(st.none(), st.booleans(), st.integers(),
                    st.floats(), st.text(max_size=120),
                    st.sampled_from([c.id for c in countries.values()]),
                    st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=3), st.integers(),
                        max_size=2))))
        def check(values):
            try:
                traveller = checked_traveller(values)
            except UserError:
                return
            self.assertIsInstance(traveller.birth_date, datetime.date)
            self.assertIn(traveller.residence_country,
                list(countries.values()))
        check()

    @with_transaction()
    def test_travellers_refused(self):
        """Under 18, living in the EU, a missing value: refused with the
        message, the sale not written"""
        company = create_shop_company()
        with set_company(company):
            point, products, methods, countries = self.shop()
            jacket = [(products["Jacket"], 1)]
            # the company's today, which the check uses: past 22:00 UTC it
            # is tomorrow in Berlin
            today = Pool().get('ir.date').today()
            seventeen = today.replace(year=today.year - 18) + (
                datetime.timedelta(days=1))
            before = counts()
            for values, message in [
                    ({'birth_date': seventeen.isoformat()},
                        'Traveller "Mary Smith" is under 18'),
                    ({'residence_country': countries['AT'].id},
                        'Traveller "Mary Smith" lives in Austria, in the '
                        'European Union'),
                    ({'document_number': ''},
                        'The document_number of Traveller is missing'),
                    ({'birth_date': '17.05.1980'}, 'birth_date'),
                    ({'nationality': 10 ** 6}, 'nationality'),
                    ]:
                with self.subTest(values=values):
                    with self.assertRaisesRegex(UserError, message):
                        self.checkout(point, jacket, methods, countries,
                            **values)
                    self.assertEqual(counts(), before)

    @with_transaction()
    def test_activation_code_for_managers_only(self):
        """A cashier reads neither the activation code nor gets it on the
        screen; a Retail manager reads it"""
        pool = Pool()
        POS = pool.get('sale.point')
        company = create_shop_company()
        with set_company(company):
            point, *_ = self.shop()
            cashier = create_user(company, 'cashier',
                'onretail_base.group_cashier')
            manager = create_user(company, 'manager', 'sale.group_sale_admin',
                'onretail_base.group_retail_admin')
            for user, readable in [(cashier, False), (manager, True)]:
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    if readable:
                        self.assertEqual(POS.read([point.id],
                                ['planet_activation_code'])[0][
                                'planet_activation_code'], ACTIVATION_CODE)
                    else:
                        with self.assertRaises(AccessError):
                            POS.read([point.id], ['planet_activation_code'])
            with Transaction().set_user(cashier.id), \
                    Transaction().set_context(_check_access=True):
                registers = POS.screen_registers()
            self.assertEqual(registers[0]['planet'], True)
            self.assertNotIn(ACTIVATION_CODE, repr(registers))

    @with_transaction()
    def test_settings_checked_before_sending(self):
        """A missing VAT id names the company, a missing merchant ID the
        register; the test connection shows Planet's threshold"""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        company = create_shop_company()
        with set_company(company):
            point, *_ = self.shop()
            config = point.planet_client().store_config()
            self.assertEqual(config['country_threshold'], Decimal('50.01'))
            self.assertEqual(config['issue_end'], datetime.date(2030, 12, 31))
            Identifier.delete(list(company.party.identifiers))
            with self.assertRaisesRegex(PlanetError,
                    'needs a VAT identifier'):
                point.planet_client()
            point.planet_merchant_id = None
            with self.assertRaisesRegex(PlanetError,
                    'Cash register "Berlin" has no Planet Merchant ID'):
                point.planet_client()


del ModuleTestCase
