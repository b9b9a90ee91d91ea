# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs's calls over real HTTP: trytond's WSGI application on a socket,
served by the test's own thread (where its database lives) while a client
thread makes the call"""
import base64
import datetime
import io
import threading
from decimal import Decimal
from unittest.mock import patch

import PIL.Image
import requests
from lxml import etree
from werkzeug.serving import WSGIRequestHandler, make_server

from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.currency.tests import create_currency
from trytond.modules.onretail_base.tests.tools import committed
from trytond.modules.onretail_kulcs import price_list as kulcs_price_list
from trytond.modules.onretail_kulcs import product as kulcs_product
from trytond.modules.onretail_kulcs import stock as kulcs_stock
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction
from trytond.worker import run_task
from trytond.wsgi import app

PASSWORD = 'kulcs-import-password'
WEBSHOP_ID = 'WEB-4711'
MARCH_14 = datetime.date(2025, 3, 14)
MARCH_20 = datetime.date(2025, 3, 20)
# The tables a call may write
TABLES = ['product.template', 'product.product', 'product.list_price',
    'product.price_list.line', 'stock.inventory', 'stock.inventory.line',
    'stock.move', 'product.category']


def products_xml(items, encoding='UTF-8'):
    "A products document of items ({element: text})"
    body = ''.join('<termek>%s</termek>' % ''.join(
                '<%s>%s</%s>' % (k, v, k) for k, v in item.items())
        for item in items)
    return (f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<termekek>{body}</termekek>').encode(encoding)


class QuietHandler(WSGIRequestHandler):
    "No request lines on the test's output: they hold the token"

    def log_request(self, *args, **kwargs):
        pass


class KulcsRouteTestCase(RouteTestCase):
    "The URLs of Kulcs over HTTP"
    module = 'onretail_kulcs'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        committed(cls.setUpShop)

    @classmethod
    def setUpShop(cls):
        pool = Pool()
        Account = pool.get('account.account')
        Category = pool.get('product.category')
        Connection = pool.get('kulcs.connection')
        Location = pool.get('stock.location')
        ModelData = pool.get('ir.model.data')
        Move = pool.get('stock.move')
        PriceList = pool.get('product.price_list')
        Tax = pool.get('account.tax')
        Template = pool.get('product.template')
        User = pool.get('res.user')

        huf = create_currency('HUF')
        company = create_company(currency=huf)
        with set_company(company):
            create_chart(company, tax=True)
            revenue, = Account.search([('type.revenue', '=', True),
                    ('closed', '!=', True)], limit=1)
            balance, = Account.search([('type.statement', '=', 'balance'),
                    ('closed', '!=', True)], limit=1)
            tax, = Tax.create([{'name': "ÁFA 27 %", 'description': "ÁFA",
                        'type': 'percentage', 'rate': Decimal('.27'),
                        'company': company.id,
                        'invoice_account': balance.id,
                        'credit_note_account': balance.id}])
            category, = Category.create([{'name': "Goods",
                        'accounting': True, 'account_revenue': revenue.id,
                        'customer_taxes': [('add', [tax.id])]}])
            unit = ModelData.get_id('product', 'uom_unit')
            template, = Template.create([{'name': "Boots", 'type': 'goods',
                        'default_uom': unit, 'sale_uom': unit,
                        'salable': True, 'account_category': category.id,
                        'list_price': Decimal('9000'),
                        'products': [('create', [{'suffix_code': 'A-100'}])],
                        }])
            product, = template.products
            warehouse, = Location.search([('type', '=', 'warehouse')],
                limit=1)
            supplier, = Location.search([('type', '=', 'supplier')],
                limit=1)
            move, = Move.create([{'product': product.id, 'unit': unit,
                        'quantity': 12, 'from_location': supplier.id,
                        'to_location': warehouse.storage_location.id,
                        'effective_date': datetime.date(2025, 3, 1),
                        'unit_price': Decimal(5000), 'currency': huf.id,
                        'company': company.id}])
            Move.do([move])
            price_list, = PriceList.create([{'name': "Webshop Promo",
                        'company': company.id,
                        'lines': [('create', [{
                                        'applies_to': 'product',
                                        'product': product.id,
                                        'compute_price': 'fixed',
                                        'fixed_price': Decimal('8500'),
                                        'priority': 5,
                                        }])],
                        }])
            user, = User.create([{'login': 'kulcs', 'name': "Kulcs",
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'groups': [('add', [
                                    ModelData.get_id(
                                        'product', 'group_product_admin'),
                                    ModelData.get_id('stock', 'group_stock'),
                                    ModelData.get_id(
                                        'stock', 'group_stock_admin'),
                                    ModelData.get_id('sale', 'group_sale'),
                                    ModelData.get_id('account_product',
                                        'group_account_product_admin'),
                                    ])],
                        }])
            ship_template, = Template.create([{'name': "Delivery",
                        'type': 'service', 'default_uom': unit,
                        'sale_uom': unit, 'salable': True,
                        'account_category': category.id,
                        'list_price': Decimal('500'),
                        'products': [('create', [{}])]}])
            shipping, = ship_template.products
            sale = cls.create_sale(product, shipping)
            connection, = Connection.create([{'name': "Kulcs Ügyvitel",
                        'company': company.id, 'webshop_id': WEBSHOP_ID,
                        'import_password': PASSWORD,
                        'warehouse': warehouse.id,
                        'promo_price_list': price_list.id,
                        'sync_user': user.id, 'gross_prices': True,
                        'order_media': ['sale'],
                        'shipping_product': shipping.id,
                        'shipping_sku': 'SZALLITAS'}])
        cls.sale_id = sale.id
        cls.company_id = company.id
        cls.product_id = product.id
        cls.connection_id = connection.id
        cls.token = connection.token

    @classmethod
    def create_sale(cls, product, shipping):
        "A confirmed sales order of 2 × A-100 at 1000 and its delivery"
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        party, = Party.create([{'name': "Kovács Anna",
                    'addresses': [('create', [{'street': "Fő utca 1.",
                                    'city': "Budapest"}])],
                    'contact_mechanisms': [('create', [
                                {'type': 'email',
                                    'value': 'anna@example.com'}])]}])
        sale = Sale(party=party, sale_date=MARCH_14,
            invoice_method='manual', shipment_method='manual')
        sale.on_change_party()
        lines = []
        for item, quantity, price in [
                (product, 2, Decimal('1000')), (shipping, 1, Decimal('500'))]:
            line = pool.get('sale.line')(product=item, quantity=quantity)
            line.sale = sale
            line.on_change_product()
            line.unit_price = price
            lines.append(line)
        sale.lines = lines
        sale.save()
        Sale.quote([sale])
        Sale.confirm([sale])
        return sale

    def setUp(self):
        super().setUp()
        self.server = make_server('127.0.0.1', 0, app,
            request_handler=QuietHandler)
        self.addCleanup(self.server.server_close)
        self.clear_documents()

    def url(self, name, token=None, connection_id=None):
        return 'http://127.0.0.1:%s/%s/kulcs/%s/%s/%s' % (
            self.server.server_port, DB_NAME,
            connection_id or self.connection_id, token or self.token, name)

    def call(self, method, url, today=MARCH_14, **kwargs):
        """The response of the call, made by a client thread and served by
        this one"""
        answers = []

        def client():
            try:
                answers.append(requests.request(
                        method, url, timeout=30, **kwargs))
            except Exception as error:
                answers.append(error)
        thread = threading.Thread(target=client)
        Date = Pool(DB_NAME).get('ir.date')
        with patch.object(Date, 'today', return_value=today):
            thread.start()
            self.server.timeout = 30
            self.server.handle_request()
            thread.join(30)
        answer, = answers
        if isinstance(answer, Exception):
            raise answer
        return answer

    def post_products(self, items, today=MARCH_14, password=PASSWORD,
            **kwargs):
        return self.call('POST', self.url('products'), today=today,
            params={'jelszo': password}, data=products_xml(items),
            headers={'Content-Type': 'application/xml'}, **kwargs)

    def state(self):
        """The product's list price, its rules of the promo list (priority,
        price, start, end), its quantity in the warehouse and the count of
        each table a call may write"""
        with Transaction().start(DB_NAME, 0,
                context={'company': self.company_id}):
            pool = Pool()
            Line = pool.get('product.price_list.line')
            Product = pool.get('product.product')
            product = Product(self.product_id)
            rules = [(l.priority, l.fixed_price, l.start_date, l.end_date)
                for l in Line.search([('product', '=', product.id)],
                    order=[('id', 'ASC')])]
            with Transaction().set_context(stock_date_end=MARCH_20,
                    locations=[self.warehouse_id()]):
                quantity = Product(self.product_id).quantity
            counts = {name: pool.get(name).search([], count=True)
                for name in TABLES}
            return product.template.list_price, rules, quantity, counts

    def warehouse_id(self):
        Location = Pool().get('stock.location')
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        return warehouse.id

    def last_log(self):
        with Transaction().start(DB_NAME, 0):
            Log = Pool().get('onretail.sync.log')
            log, = Log.search([], order=[('id', 'DESC')], limit=1)
            return log.state, {k: getattr(log, 'count_' + k) for k in [
                    'read', 'updated', 'unchanged', 'skipped', 'errors']}, [
                (l.kind, l.reference) for l in log.lines]

    def test_examples_5_and_6(self):
        """Example 5: the list price net of 27 %, a priority-10 rule of the
        promo price, an inventory of +3; the same document again writes
        nothing; an unknown code is skipped. Example 6: a promo price of 0
        ends the rule yesterday, the merchant's priority-5 rule stays; a bad
        token is a 404, a bad import password a 403, both empty"""
        a_100 = {'termekkod': 'A-100', 'ar': '12700', 'arakcios': '9990',
            'szabadraktar': '15'}
        answer = self.post_products([a_100, {'termekkod': 'ZZZ',
                        'ar': '100'}])
        self.assertEqual(answer.status_code, 200, answer.content)
        self.assertIn(b'<allapot>OK</allapot>', answer.content)
        price, rules, quantity, counts = self.state()
        self.assertEqual(price, Decimal('10000.0000'))
        self.assertEqual(rules, [
                (5, Decimal('8500'), None, None),
                (10, Decimal('7866.1417'), MARCH_14, None)])
        self.assertEqual(quantity, 15)
        self.assertEqual(self.last_log(), ('partial', {
                    'read': 2, 'updated': 1, 'unchanged': 0,
                    'skipped': 1, 'errors': 0}, [('skipped', 'ZZZ')]))

        answer = self.post_products([a_100])
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(self.state(), (price, rules, quantity, counts))
        self.assertEqual(self.last_log()[1]['unchanged'], 1)

        for response in [
                self.call('POST', self.url('products', token='x' * 43),
                    params={'jelszo': PASSWORD},
                    data=products_xml([dict(a_100, arakcios='0')])),
                self.post_products([dict(a_100, arakcios='0')],
                    password='wrong'),
                ]:
            self.assertIn(response.status_code, {404, 403})
            self.assertEqual(response.content, b'')
        self.assertEqual(self.state(), (price, rules, quantity, counts))

        answer = self.post_products([dict(a_100, arakcios='0')],
            today=MARCH_20)
        self.assertEqual(answer.status_code, 200)
        _, rules, _, _ = self.state()
        self.assertEqual(rules, [
                (5, Decimal('8500'), None, None),
                (10, Decimal('7866.1417'), MARCH_14,
                    datetime.date(2025, 3, 19))])

        # a promo list whose prices include tax takes Kulcs's gross price
        self.set_tax_included(True)
        self.addCleanup(self.set_tax_included, False)
        answer = self.post_products([dict(a_100, arakcios='8890')],
            today=MARCH_20)
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(self.state()[1][-1],
            (10, Decimal('8890.0000'), MARCH_20, None))

    def test_documents_applied_by_the_queue_in_order(self):
        """A products document is answered once checked and kept; the queue
        applies the documents of a connection in the order they came, each
        task the oldest one left, and drops a document once applied"""
        before = self.state()
        answers, tasks = self.receive('products', [
                products_xml([{'termekkod': 'A-100', 'ar': '12700'}]),
                products_xml([{'termekkod': 'A-100', 'ar': '25400'},
                        {'termekkod': 'A-100', 'ar': '1'}]),
                ])
        self.assertEqual([a[0] for a in answers], [200, 200])
        self.assertIn(b'received 2, refused 1', answers[1][1])
        self.assertEqual(len(tasks), 2)
        self.assertEqual(self.state(), before)
        self.assertEqual(self.documents(), [
                ('products', 1, 'queued', True, None),
                ('products', 2, 'queued', True, None)])

        # The second document's task runs first: it applies the first one
        run_task(Pool(DB_NAME), tasks[1])
        self.assertEqual(self.state()[0], Decimal('10000.0000'))
        self.assertEqual(self.documents(), [
                ('products', 1, 'done', False, 'done'),
                ('products', 2, 'queued', True, None)])
        run_task(Pool(DB_NAME), tasks[0])
        self.assertEqual(self.state()[0], Decimal('20000.0000'))
        self.assertEqual(self.documents(), [
                ('products', 1, 'done', False, 'done'),
                ('products', 2, 'done', False, 'partial')])
        self.post_products([{'termekkod': 'A-100',
                    'ar': str(before[0] * Decimal('1.27'))}])
        self.assertEqual(self.state(), before)

    def test_document_refused_when_applied(self):
        """A categories document queued under a full sync and applied after
        the connection went back to stock and price: refused as a whole and
        kept, nothing written"""
        self.set_sync_type('full')
        self.addCleanup(self.set_sync_type, 'stock_price')
        answers, tasks = self.receive('categories', [
                '<kategoriak><kategoria><azonosito>7</azonosito>'
                '<nev>Sapkák</nev></kategoria></kategoriak>'.encode()])
        self.assertEqual(answers[0][0], 200, answers)
        self.set_sync_type('stock_price')
        before = self.state()
        task, = tasks
        run_task(Pool(DB_NAME), task)
        self.assertEqual(self.state(), before)
        self.assertEqual(self.documents(),
            [('categories', 1, 'failed', True, 'failed')])
        self.assertNotIn('7', self.categories())

    def receive(self, kind, documents):
        """The answers of the connection to the documents of kind, and the
        queue's tasks they made, not run"""
        with Transaction().start(DB_NAME, 0,
                context={'company': self.company_id}) as transaction:
            pool = Pool()
            Connection = pool.get('kulcs.connection')
            Queue = pool.get('ir.queue')
            connection = Connection(self.connection_id)
            answers = [getattr(connection, 'kulcs_' + kind)(data)
                for data in documents]
            tasks = [t.id for t in Queue.browse(transaction.tasks)
                if t.data['model'] == 'kulcs.document']
            # run here, by the test, not by the next request
            transaction.tasks.clear()
            transaction.commit()
        return answers, tasks

    def documents(self):
        """(kind, items, state, whether the data is kept, log state) of the
        documents of the test"""
        with Transaction().start(DB_NAME, 0):
            Document = Pool().get('kulcs.document')
            return [(d.kind, d.items, d.state, d.data is not None,
                    d.log.state if d.log else None)
                for d in Document.search([], order=[('id', 'ASC')])]

    def clear_documents(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            Document = Pool().get('kulcs.document')
            Document.delete(Document.search([]))
            transaction.commit()

    def set_tax_included(self, value):
        with Transaction().start(DB_NAME, 0) as transaction:
            Connection = Pool().get('kulcs.connection')
            PriceList = Pool().get('product.price_list')
            price_list = Connection(self.connection_id).promo_price_list
            PriceList.write([price_list], {'tax_included': value})
            transaction.commit()

    def test_orders_fetched_and_confirmed(self):
        """The confirmed sale is an order with its customer, its items net
        and gross and its delivery as the shipping SKU, adding up to its
        total; confirmed, it is no longer listed; confirmed again, it is
        unchanged; an unknown number is skipped"""
        answer = self.call('GET', self.url('orders'),
            params={'jelszo': PASSWORD})
        self.assertEqual(answer.status_code, 200, answer.content)
        orders = etree.fromstring(answer.content)
        order, = orders.findall('rendeles')
        with Transaction().start(DB_NAME, 0):
            sale = Pool().get('sale.sale')(self.sale_id)
            number, total = sale.number, sale.total_amount
        self.assertEqual(order.findtext('azonosito'), number)
        self.assertEqual(order.findtext('penznem'), 'HUF')
        self.assertEqual(order.findtext('vevo/nev'), "Kovács Anna")
        self.assertEqual(order.findtext('vevo/email'), 'anna@example.com')
        self.assertIn("Budapest", order.findtext('vevo/szallitasi_cim'))
        items = [{e.tag: e.text for e in item}
            for item in order.findall('tetelek/tetel')]
        self.assertEqual([(i['termekkod'], i['mennyiseg'], i['nettoar'],
                    i['bruttoar'], i['afakulcs']) for i in items], [
                ('A-100', '2', '1000', '1270', '27'),
                ('SZALLITAS', '1', '500', '635', '27')])
        self.assertEqual(sum(Decimal(i['bruttoar']) * Decimal(i['mennyiseg'])
                for i in items), total)

        confirmation = ('<visszaigazolas><azonosito>%s</azonosito>'
            '<azonosito>X-1</azonosito></visszaigazolas>' % number).encode()
        for counts in [
                {'read': 2, 'updated': 1, 'unchanged': 0, 'skipped': 1,
                    'errors': 0},
                {'read': 2, 'updated': 0, 'unchanged': 1, 'skipped': 1,
                    'errors': 0}]:
            answer = self.call('POST', self.url('confirm'),
                params={'jelszo': PASSWORD}, data=confirmation)
            self.assertEqual(answer.status_code, 200, answer.content)
            self.assertEqual(self.last_log()[:2], ('partial', counts))
            answer = self.call('GET', self.url('orders'),
                params={'jelszo': PASSWORD})
            self.assertEqual(
                etree.fromstring(answer.content).findall('rendeles'), [])

    def test_categories(self):
        """Stock and price: 409. Full: the tree created with its parents,
        an unknown parent and a cycle refused; renamed on the next call"""
        document = ('<kategoriak>%s</kategoriak>' % ''.join(
                '<kategoria><azonosito>%s</azonosito><nev>%s</nev>'
                '<szulo>%s</szulo></kategoria>' % c for c in [
                    ('1', 'Ruházat', ''), ('2', 'Kesztyűk', '1'),
                    ('3', 'Sálak', '99'), ('4', 'A', '5'), ('5', 'B', '4'),
                    ])).encode()
        answer = self.call('POST', self.url('categories'),
            params={'jelszo': PASSWORD}, data=document)
        self.assertEqual(answer.status_code, 409)
        self.assertIn(b'HIBA', answer.content)
        self.set_sync_type('full')
        self.addCleanup(self.set_sync_type, 'stock_price')
        answer = self.call('POST', self.url('categories'),
            params={'jelszo': PASSWORD}, data=document)
        self.assertEqual(answer.status_code, 200, answer.content)
        state, counts, lines = self.last_log()
        self.assertEqual((counts['read'], counts['errors']), (5, 3))
        self.assertEqual(sorted(r for _, r in lines), ['3', '4', '5'])
        self.assertEqual(self.categories(), {
                '1': ('Ruházat', None), '2': ('Kesztyűk', '1')})
        answer = self.call('POST', self.url('categories'),
            params={'jelszo': PASSWORD},
            data=document.replace('Kesztyűk'.encode(), b'Kesztyuk'))
        self.assertEqual(self.last_log()[1]['updated'], 1)
        self.assertEqual(self.categories()['2'], ('Kesztyuk', '1'))

    def test_full_sync(self):
        """Full: a new product with its name, unit, taxes, price, stock,
        category and picture; an existing one renamed; an unknown tax rate
        or unit and a picture that is none are errors; the same document
        again writes nothing"""
        self.set_sync_type('full')
        self.addCleanup(self.set_sync_type, 'stock_price')
        png = io.BytesIO()
        PIL.Image.new('RGB', (2, 2), 'red').save(png, 'PNG')
        items = [
            {'termekkod': 'B-200', 'nev': 'Kötött kesztyű', 'mee': 'db',
                'afakulcs': '27', 'ar': '2540', 'szabadraktar': '5',
                'kat': 'Kesztyűk', 'tmegjegyzes': 'Gyapjú',
                'kep': base64.b64encode(png.getvalue()).decode()},
            {'termekkod': 'A-100', 'nev': 'Bakancs'},
            {'termekkod': 'C-1', 'nev': 'C', 'afakulcs': '5', 'ar': '1'},
            {'termekkod': 'C-2', 'nev': 'C', 'afakulcs': '27', 'mee': 'kg'},
            {'termekkod': 'C-3', 'nev': 'C', 'afakulcs': '27',
                'kep': base64.b64encode(b'GIF89a').decode()},
            ]
        for counts in [
                {'read': 5, 'updated': 1, 'unchanged': 0, 'skipped': 0,
                    'errors': 3},
                {'read': 5, 'updated': 0, 'unchanged': 2, 'skipped': 0,
                    'errors': 3}]:
            answer = self.post_products(items)
            self.assertEqual(answer.status_code, 200, answer.content)
            state, logged, lines = self.last_log()
            self.assertEqual(logged, counts, lines)
            self.assertEqual(sorted(r for _, r in lines),
                ['C-1', 'C-2', 'C-3'])
        with Transaction().start(DB_NAME, 0,
                context={'company': self.company_id}):
            pool = Pool()
            Product = pool.get('product.product')
            product, = Product.search([('code', '=', 'B-200')])
            template = product.template
            self.assertEqual((template.name, template.default_uom.symbol,
                    template.list_price, product.description),
                ('Kötött kesztyű', 'u', Decimal('2000.0000'), 'Gyapjú'))
            self.assertEqual([c.name for c in template.categories],
                ['Kesztyűk'])
            self.assertEqual(len(template.images), 1)
            self.assertTrue(template.kulcs_image.startswith('sha256:'))
            with Transaction().set_context(stock_date_end=MARCH_20,
                    locations=[self.warehouse_id()]):
                self.assertEqual(Product(product.id).quantity, 5)
            self.assertEqual(Product(self.product_id).name, 'Bakancs')

    def test_document_in_short_lists(self):
        """A document longer than the lists it is written in (2 products,
        1 move at a time): each product gets its price, promo rule and
        stock, in one inventory, a service only its price; the same
        document again writes nothing"""
        codes = ['S-%s' % i for i in range(5)]
        committed(lambda: self.create_products(codes),
            company_id=self.company_id)
        committed(lambda: self.create_products(['SRV'], type='service'),
            company_id=self.company_id)
        items = [{'termekkod': c, 'ar': str(1270 * (i + 1)),
                'arakcios': str(127 * (i % 2)), 'szabadraktar': str(i)}
            for i, c in enumerate(codes + ['SRV'])]
        price_writes = self.list_price_writes()
        with patch.object(kulcs_product, 'CHUNK', 2), \
                patch.object(kulcs_price_list, 'CHUNK', 2), \
                patch.object(kulcs_stock, 'CHUNK', 2), \
                patch.object(kulcs_stock, 'MOVES', 1):
            answer = self.post_products(items)
            self.assertEqual(answer.status_code, 200, answer.content)
            self.assertEqual(self.last_log()[1]['updated'], 6)
            written = self.products_state(codes + ['SRV'])
            self.assertEqual(self.post_products(items).status_code, 200)
            self.assertEqual(self.last_log()[1]['unchanged'], 6)
        self.assertEqual(self.products_state(codes + ['SRV']), written)
        prices, rules, quantities, inventories = written
        self.assertEqual(prices, [Decimal(1000 * (i + 1)) for i in range(6)])
        self.assertEqual(rules, {'S-1': [Decimal('100')],
                'S-3': [Decimal('100')], 'SRV': [Decimal('100')]})
        self.assertEqual(quantities[:5], [0, 1, 2, 3, 4])
        # S-0 had none and stays at none, a service has no stock: four lines
        self.assertEqual(inventories, [('done', 4)])
        # the writes are logged as Tryton logs them at commit
        self.assertEqual(self.list_price_writes(), price_writes + 6)

    def list_price_writes(self):
        "The count of the logged writes of list prices"
        with Transaction().start(DB_NAME, 0):
            Log = Pool().get('ir.model.log')
            return Log.search([('resource', 'like', 'product.list_price,%'),
                    ('event', '=', 'write')], count=True)

    @classmethod
    def create_products(cls, codes, type='goods'):
        "Products of codes, 27 % VAT, 7 of each in stock (goods)"
        pool = Pool()
        Category = pool.get('product.category')
        Inventory = pool.get('stock.inventory')
        Location = pool.get('stock.location')
        ModelData = pool.get('ir.model.data')
        Template = pool.get('product.template')
        category, = Category.search([('name', '=', "Goods")])
        unit = ModelData.get_id('product', 'uom_unit')
        templates = Template.create([{'name': code, 'type': type,
                    'default_uom': unit, 'sale_uom': unit, 'salable': True,
                    'account_category': category.id,
                    'list_price': Decimal('1'),
                    'products': [('create', [{'suffix_code': code}])]}
                for code in codes])
        if type != 'goods':
            return
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
        inventory, = Inventory.create([{
                    'location': warehouse.storage_location.id,
                    'date': datetime.date(2025, 3, 1),
                    'lines': [('create', [{'product': t.products[0].id,
                                    'quantity': 7} for t in templates[1:]])],
                    }])
        Inventory.confirm([inventory])

    def products_state(self, codes):
        """The list prices, the promo list's prices by code, the quantities
        in the warehouse of the products of codes, and the (state, lines)
        of the inventories of their stock today"""
        with Transaction().start(DB_NAME, 0,
                context={'company': self.company_id}):
            pool = Pool()
            Inventory = pool.get('stock.inventory')
            Line = pool.get('product.price_list.line')
            Product = pool.get('product.product')
            products = Product.search([('code', 'in', codes)],
                order=[('code', 'ASC')])
            ids = [p.id for p in products]
            rules = {}
            for line in Line.search([('product', 'in', ids)],
                    order=[('id', 'ASC')]):
                rules.setdefault(line.product.code, []).append(
                    line.fixed_price)
            with Transaction().set_context(stock_date_end=MARCH_20,
                    locations=[self.warehouse_id()]):
                quantities = [p.quantity for p in Product.browse(products)]
            inventories = [(i.state, len(i.lines))
                for i in Inventory.search([
                        ('date', '=', MARCH_14),
                        ('lines.product', 'in', ids),
                        ])]
            return ([p.template.list_price for p in products], rules,
                quantities, inventories)

    def set_sync_type(self, sync_type):
        with Transaction().start(DB_NAME, 0) as transaction:
            Connection = Pool().get('kulcs.connection')
            Connection.write([Connection(self.connection_id)],
                {'sync_type': sync_type})
            transaction.commit()

    def categories(self):
        with Transaction().start(DB_NAME, 0):
            Category = Pool().get('product.category')
            return {c.kulcs_id: (c.name,
                    c.parent.kulcs_id if c.parent else None)
                for c in Category.search([('kulcs_id', '!=', None)])}

    def test_refused_before_reading(self):
        """An unknown connection, token or URL is a 404, a wrong method a
        405, a body over 20 MB a 413 (sent with its length or in chunks,
        without one), a wrong import password or webshop ID a 403: each
        empty, nothing changed"""
        before = self.state()
        document = products_xml([{'termekkod': 'A-100', 'ar': '1'}])
        big = b'<termekek>' + b' ' * (20 * 1024 * 1024) + b'</termekek>'

        def chunked():
            # a generator: requests sends it chunked, with no length
            for start in range(0, len(big), 1024 * 1024):
                yield big[start:start + 1024 * 1024]
        ok = {'jelszo': PASSWORD}
        for status, method, url, params, data in [
                (404, 'POST', self.url('products', connection_id='999999'),
                    ok, document),
                (404, 'POST', self.url('products', connection_id='1x'),
                    ok, document),
                (404, 'POST', self.url('prices'), ok, document),
                (405, 'GET', self.url('products'), ok, None),
                (413, 'POST', self.url('products'), ok, big),
                (413, 'POST', self.url('products'), ok, chunked()),
                (403, 'POST', self.url('products'), {}, document),
                (403, 'POST', self.url('products'),
                    dict(ok, webshopid='WEB-1'), document),
                ]:
            with self.subTest(status=status, url=url, params=params):
                answer = self.call(method, url, params=params, data=data)
                self.assertEqual(
                    (answer.status_code, answer.content), (status, b''))
        self.assertEqual(self.state(), before)

    def test_form_encodings_and_decimal_comma(self):
        """The document as the form field xml, with the password and the
        webshop ID; ISO-8859-2 and windows-1250 as declared; a decimal
        comma"""
        for encoding in ['ISO-8859-2', 'windows-1250']:
            with self.subTest(encoding=encoding):
                answer = self.call('POST', self.url('products'), data={
                        'jelszo': PASSWORD, 'webshopid': WEBSHOP_ID,
                        'xml': products_xml([
                                {'termekkod': 'A-100', 'ar': '11430,00'},
                                {'termekkod': 'KESZTYŰ-ŐSZ', 'ar': '1'}],
                            encoding)})
                self.assertEqual(answer.status_code, 200, answer.content)
                self.assertEqual(self.state()[0], Decimal('9000.0000'))
                self.assertEqual(self.last_log()[2],
                    [('skipped', 'KESZTYŰ-ŐSZ')])

    def test_dtd_refused(self):
        """A billion laughs and an external entity: HIBA, the run failed,
        nothing changed"""
        before = self.state()
        laughs = ('<!DOCTYPE termekek [<!ENTITY a "aaaaaaaaaa">'
            + ''.join('<!ENTITY %s "%s">' % (chr(98 + i), ('&%s;' % chr(
                                97 + i)) * 10) for i in range(8))
            + ']><termekek><termek><termekkod>&i;</termekkod></termek>'
            '</termekek>')
        entity = ('<!DOCTYPE termekek [<!ENTITY x SYSTEM '
            '"file:///etc/passwd">]><termekek><termek><termekkod>&x;'
            '</termekkod></termek></termekek>')
        for name, text in [('laughs', laughs), ('entity', entity)]:
            with self.subTest(document=name):
                answer = self.call('POST', self.url('products'),
                    params={'jelszo': PASSWORD}, data=text.encode())
                self.assertEqual(answer.status_code, 400)
                self.assertIn(b'<allapot>HIBA</allapot>', answer.content)
                self.assertNotIn(b'root:', answer.content)
                self.assertEqual(self.last_log()[0], 'failed')
        self.assertEqual(self.state(), before)

    def test_malformed_corpus(self):
        """Malformed documents: never a 500; refused as a whole (400)
        without a trace, or taken with their bad items as errors and the
        good item written whole"""
        documents = malformed_documents()
        self.assertGreaterEqual(len(documents), 200)
        before = self.state()
        statuses = set()
        for number, data in enumerate(documents):
            with self.subTest(document=number, data=data[:300]):
                answer = self.call('POST', self.url('products'),
                    params={'jelszo': PASSWORD}, data=data,
                    headers={'Content-Type': 'application/xml'})
                statuses.add(answer.status_code)
                self.assertIn(answer.status_code, {200, 400})
                self.assertIn(b'<allapot>', answer.content)
                price, rules, quantity, counts = self.state()
                self.assertEqual((rules, quantity, counts), before[1:])
                if answer.status_code == 400:
                    self.assertEqual(price, before[0])
                    self.assertEqual(self.last_log()[0], 'failed',
                        answer.content)
                elif price != before[0]:
                    self.assertEqual(price, GOOD_PRICE)
                    self.post_products([{'termekkod': 'A-100',
                                'ar': str(before[0] * Decimal('1.27'))}])
        self.assertEqual(statuses, {200, 400})
        self.assertEqual(self.state(), before)


# The good item of the malformed documents: its price changes, nothing else
GOOD = '<termek><termekkod>A-100</termekkod><ar>1270</ar></termek>'
GOOD_PRICE = Decimal('1000.0000')


def malformed_documents():
    "Products documents that are wrong in each way Kulcs or a stranger errs"
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    whole = f'{head}<termekek>{GOOD}%s</termekek>'
    documents = []
    # wrong values of each element of an item beside the good one
    wrong = ['', ' ', 'x', '1e5', 'NaN', 'inf', '-1', '1.2.3', '1,2,3',
        '1 000', '0x10', '١٢', '9' * 20, '1.' + '5' * 20, '+5', '.5', '5.',
        '&#0;', '\u202e12']
    for element in ['ar', 'arakcios', 'szabadraktar']:
        for value in wrong:
            documents.append(whole % (
                    f'<termek><termekkod>B-{len(documents)}</termekkod>'
                    f'<{element}>{value}</{element}></termek>'))
    for code in ['', ' ', 'x' * 101, 'A\tB', 'A\x7fB', '<x/>']:
        documents.append(whole % (
                f'<termek><termekkod>{code}</termekkod><ar>1</ar></termek>'))
    documents += [
        whole % '<termek><ar>1</ar></termek>',
        whole % '<termek/>',
        whole % GOOD,
        whole % '<termek><termekkod>C</termekkod><ar>1</ar><ar>2</ar>'
        '</termek>',
        whole % '<termek><termekkod>C<b>1</b></termekkod></termek>',
        whole % '<termek><termekkod>C</termekkod><nev>' + 'n' * 300
        + '</nev></termek>',
        ]
    # documents that are no products document at all
    texts = [
        '', ' ', 'null', '{}', 'termekek', '<termekek>',
        f'<termekek>{GOOD}', f'<termekek>{GOOD}</termekek', '<termekek/>x',
        f'<termekek>{GOOD}</termekek><termekek/>', '<kategoriak/>',
        f'<termekek xmlns="urn:x">{GOOD}</termekek>',
        f'<termekek>{GOOD}<kategoria/></termekek>',
        f'<termekek>{GOOD}text<x/></termekek>',
        f'<termekek>{GOOD}&unknown;</termekek>',
        f'<termekek>{GOOD}<![CDATA[</termekek>',
        '<?xml version="1.0" encoding="EBCDIC"?><termekek/>',
        '<?xml version="1.0" encoding="UTF-16"?><termekek/>',
        '<?xml version="1.0" encoding="x\x00"?><termekek/>',
        f'<!DOCTYPE termekek SYSTEM "http://127.0.0.1:1/x.dtd">'
        f'<termekek>{GOOD}</termekek>',
        f'<!DOCTYPE termekek [<!ENTITY % x SYSTEM "file:///etc/passwd">'
        f'%x;]><termekek>{GOOD}</termekek>',
        f'<?xml-stylesheet href="x"?><termekek>{GOOD}</termekek>',
        '<' * 1000, '<termekek>' * 10000,
        ]
    documents += [(head + t if n % 2 else t) for n, t in enumerate(texts)]
    documents = [d.encode('utf-8', 'surrogatepass') for d in documents]
    good = (head + f'<termekek>{GOOD}</termekek>').encode()
    # cut anywhere
    documents += [good[:n] for n in range(len(good))]
    # bytes that are not of the encoding declared
    documents += [
        good.replace(b'1270', b'\xff\xfe'),
        good.replace(b'UTF-8', b'ISO-8859-2').replace(b'A-100', b'\xc5\x91'),
        b'\xef\xbb\xbf' + good,
        b'\x00' * 100,
        bytes(range(256)),
        ]
    return documents
