# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Kulcs simulator against a fake onRetail that keeps the protocol"""
import hmac
import json
import subprocess
import sys
import threading
import unittest
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

from lxml import etree
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from onretail_sandbox.kulcs import (
    BOMB, ENTITY, FAULTS, MAX_BODY, KulcsSimulator, read_answer)
from onretail_sandbox.server import Handler

TOKEN = 'T0k3n-of-the-connection_abcdefghijklmnop'
PASSWORD = 'jelszó-Secret-41'
WEBSHOP = 'WEBSHOP-9731'
PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
    load_dtd=False, huge_tree=False)


def valasz(allapot, uzenet, status=200):
    root = etree.Element('valasz')
    etree.SubElement(root, 'allapot').text = allapot
    etree.SubElement(root, 'uzenet').text = uzenet
    return Response(etree.tostring(root, encoding='UTF-8',
            xml_declaration=True), status=status,
        content_type='application/xml; charset=utf-8')


class FakeOnRetail:
    """onRetail's side, small: the token and jelszo checks, a product
    table, categories (full sync only) and orders to list and confirm"""

    def __init__(self, password=PASSWORD, webshop_id=WEBSHOP, full=True):
        self.password = password
        self.webshop_id = webshop_id
        self.full = full
        self.products = {'TS-001': {}, 'AC-007': {}, 'AC-006': {},
            'BS-001': {}, 'FR-003': {}, 'SC-002': {}}
        self.categories = {}
        self.orders = [
            {'azonosito': 'SO0012', 'vevo': {'nev': 'Kovács Eszter',
                    'email': 'eszter.kovacs@example.com'},
                'tetelek': [('AC-007', 'Kötött kesztyű', '2', '15.67',
                        '19.90')]},
            {'azonosito': 'SO0013', 'vevo': {'nev': 'Nagy Péter'},
                'tetelek': [('BS-001', 'Levendulás tusfürdő', '1', '4.16',
                        '4.99'), ('SZALLITAS', 'Szállítás', '1', '4.17',
                        '5.00')]},
            ]
        self.confirmed = set()
        self.received = []  # (name, content type, document, params)
        self.html = False  # answers every POST with an HTML page

    def __call__(self, environ, start_response):
        return self.answer(Request(environ))(environ, start_response)

    def answer(self, request):
        parts = request.path.strip('/').split('/')
        if (len(parts) != 5 or parts[:3] != ['onretail', 'kulcs', '7']
                or not hmac.compare_digest(parts[3].encode(),
                    TOKEN.encode())):
            return Response(status=404)
        if (request.content_length or 0) > MAX_BODY:
            return Response(status=413)  # the body is never read
        params, document = dict(request.args), request.get_data()
        if request.mimetype == 'application/x-www-form-urlencoded':
            # the field holds the document's bytes: latin-1 keeps them
            form = {key: value.encode('latin-1') for key, value in
                parse_qsl(document.decode('ascii'), encoding='latin-1')}
            document = form.pop('xml', b'')
            params.update((k, v.decode('utf-8')) for k, v in form.items())
        if self.password and not hmac.compare_digest(
                params.get('jelszo', '').encode(), self.password.encode()):
            return Response(status=403)
        if 'webshopid' in params and params['webshopid'] != self.webshop_id:
            return Response(status=403)
        name = parts[4]
        if name == 'orders' and request.method == 'GET':
            return self.list_orders()
        if request.method != 'POST' or name not in {
                'products', 'categories', 'confirm'}:
            return Response(status=405)
        self.received.append((name, request.mimetype, document, params))
        if self.html:
            return Response('<html><head><meta charset="utf-8">'
                '</head><body>Login</body></html>', content_type='text/html')
        try:
            root = etree.fromstring(document, parser=PARSER)
        except etree.XMLSyntaxError as error:
            return valasz('HIBA', f"Hibás XML: {error}", 400)
        if root.getroottree().docinfo.doctype:
            return valasz('HIBA', "DTD nem megengedett")
        return getattr(self, 'on_' + name)(root)

    def on_products(self, root):
        updated = skipped = 0
        for item in root.iterfind('termek'):
            values = {child.tag: child.text for child in item}
            code = values.get('termekkod')
            if code not in self.products and not self.full:
                skipped += 1
                continue
            if 'ar' in values:
                Decimal(values['ar'].replace(',', '.'))
            self.products.setdefault(code, {}).update(values)
            updated += 1
        return valasz('OK', f"{updated} frissítve, {skipped} kihagyva")

    def on_categories(self, root):
        if not self.full:
            return Response(status=409)
        for item in root.iterfind('kategoria'):
            self.categories[item.findtext('azonosito')] = {
                child.tag: child.text for child in item}
        return valasz('OK', f"{len(self.categories)} kategória")

    def on_confirm(self, root):
        self.confirmed.update(e.text for e in root.iterfind('azonosito'))
        return valasz('OK', "Visszaigazolva")

    def list_orders(self):
        root = etree.Element('rendelesek')
        for order in self.orders:
            if order['azonosito'] in self.confirmed:
                continue
            rendeles = etree.SubElement(root, 'rendeles')
            for tag, text in [('azonosito', order['azonosito']),
                    ('datum', '2025-03-14'), ('penznem', 'EUR'),
                    ('fizetesimod', 'Bankkártya'),
                    ('szallitasimod', 'Futárszolgálat')]:
                etree.SubElement(rendeles, tag).text = text
            vevo = etree.SubElement(rendeles, 'vevo')
            for tag, text in order['vevo'].items():
                etree.SubElement(vevo, tag).text = text
            tetelek = etree.SubElement(rendeles, 'tetelek')
            for line in order['tetelek']:
                tetel = etree.SubElement(tetelek, 'tetel')
                for tag, text in zip(['termekkod', 'nev', 'mennyiseg',
                            'nettoar', 'bruttoar'], line):
                    etree.SubElement(tetel, tag).text = text
                etree.SubElement(tetel, 'afakulcs').text = '20'
        return Response(etree.tostring(root, encoding='UTF-8',
                xml_declaration=True), content_type='application/xml')


class KulcsTestCase(unittest.TestCase):

    def setUp(self):
        self.fake = FakeOnRetail()
        # the sandboxes' handler: logs to logging, not to stderr
        server = make_server('127.0.0.1', 0, self.fake, threaded=True,
            request_handler=Handler)
        thread = threading.Thread(target=server.serve_forever,
            args=(0.05,), daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.base = (f'http://127.0.0.1:{server.server_port}'
            f'/onretail/kulcs/7/{TOKEN}')

    def simulator(self, **options):
        options.setdefault('import_password', PASSWORD)
        options.setdefault('webshop_id', WEBSHOP)
        return KulcsSimulator(self.base, timeout=10, **options)

    def test_documents(self):
        """UTF-8, ISO-8859-2 and windows-1250 as declared, ő and ű kept;
        a missing or None element is not sent, values are escaped"""
        simulator = self.simulator()
        items = simulator.fixture('products') + [
            {'termekkod': 'X<&>"1', 'nev': 'Tű és cérna', 'ar': None}]
        for encoding, declared in [('utf-8', 'UTF-8'),
                ('iso-8859-2', 'ISO-8859-2'), ('latin2', 'ISO-8859-2'),
                ('windows-1250', 'windows-1250')]:
            with self.subTest(encoding=encoding):
                content = simulator.products_document(items, encoding)
                self.assertTrue(content.startswith(
                        f"<?xml version='1.0' encoding='{declared}'?>"
                        .encode()))
                self.assertIn('Kötött kesztyű'.encode(encoding), content)
                root = etree.fromstring(content, parser=PARSER)
                self.assertEqual(root.findtext('termek[2]/nev'),
                    'Kötött kesztyű')
                self.assertEqual(root.findtext('termek[4]/ar'), '4,99')
                last = root.find('termek[last()]')
                self.assertEqual(last.findtext('termekkod'), 'X<&>"1')
                self.assertIsNone(last.find('ar'))
                self.assertIsNone(root.find('termek[6]/nev'))
                categories = etree.fromstring(simulator.categories_document(
                        simulator.fixture('categories'), encoding))
                self.assertEqual(categories.findtext('kategoria[6]/nev'),
                    'Fürdő és zuhany')
        with self.assertRaises(ValueError):
            simulator.products_document(items, 'utf-16')

    def test_raw_and_form(self):
        """The document as the body or in the form field xml, in UTF-8 and
        ISO-8859-2: onRetail reads the same names and the decimal comma"""
        for form in [False, True]:
            for encoding in ['utf-8', 'iso-8859-2']:
                with self.subTest(form=form, encoding=encoding):
                    self.fake.products.clear()
                    self.fake.received.clear()
                    simulator = self.simulator(form=form, encoding=encoding)
                    step = simulator.post_products()
                    self.assertEqual((step['status'], step['allapot']),
                        (200, 'OK'), step)
                    self.assertTrue(step['ok'])
                    self.assertEqual(step['sent'], 7)
                    self.assertEqual(
                        self.fake.products['AC-007']['nev'],
                        'Kötött kesztyű')
                    self.assertEqual(self.fake.products['FR-003']['nev'],
                        'Fenyő légfrissítő')
                    self.assertEqual(self.fake.products['BS-001']['ar'],
                        '4,99')
                    name, mimetype, document, params = self.fake.received[0]
                    self.assertEqual(mimetype, 'application/x-www-form-'
                        'urlencoded' if form else 'application/xml')
                    self.assertIn('tusfürdő'.encode(encoding), document)
                    self.assertEqual(params['jelszo'], PASSWORD)
                    self.assertEqual(params['webshopid'], WEBSHOP)
                    record, = simulator.requests
                    self.assertEqual(record['document'], document)
                    self.assertEqual(record['form'], form)

    def test_run(self):
        "Categories, products, the orders read and confirmed, then unlisted"
        simulator = self.simulator()
        report = simulator.run()
        self.assertTrue(report['ok'], report)
        steps = report['steps']
        self.assertEqual(list(steps),
            ['categories', 'products', 'orders', 'confirm'])
        self.assertEqual(steps['categories']['sent'], 7)
        self.assertEqual(self.fake.categories['22']['szulo'], '2')
        self.assertEqual(steps['orders']['ids'], ['SO0012', 'SO0013'])
        self.assertEqual(steps['confirm']['still_listed'], [])
        self.assertEqual(report['confirmed'], ['SO0012', 'SO0013'])
        self.assertEqual(self.fake.confirmed, {'SO0012', 'SO0013'})
        first, second = report['orders']
        self.assertEqual(first['vevo']['nev'], 'Kovács Eszter')
        self.assertEqual(first['tetelek'], [{'termekkod': 'AC-007',
                    'nev': 'Kötött kesztyű', 'mennyiseg': '2',
                    'nettoar': '15.67', 'bruttoar': '19.90',
                    'afakulcs': '20'}])
        self.assertEqual(len(second['tetelek']), 2)
        self.assertEqual(second['penznem'], 'EUR')
        self.assertEqual([r['name'] for r in simulator.requests],
            ['categories', 'products', 'orders', 'confirm', 'orders'])
        # nothing left: nothing to confirm
        again = simulator.run()
        self.assertTrue(again['ok'])
        self.assertEqual(again['orders'], [])
        self.assertEqual(again['steps']['confirm']['sent'], 0)

    def test_stock_and_price(self):
        "409 for the categories is fine; ZZZ-404 is skipped"
        self.fake.full = False
        report = self.simulator().run()
        self.assertTrue(report['ok'], report)
        self.assertEqual(report['steps']['categories']['status'], 409)
        self.assertIn('1 kihagyva', report['steps']['products']['uzenet'])
        self.assertNotIn('ZZZ-404', self.fake.products)

    def test_confirm_not_kept(self):
        "An onRetail that lists a confirmed order again fails the run"
        self.fake.on_confirm = lambda root: valasz('OK', "Visszaigazolva")
        report = self.simulator().run()
        self.assertFalse(report['ok'])
        self.assertEqual(report['steps']['confirm']['still_listed'],
            ['SO0012', 'SO0013'])

    def test_faults(self):
        "Each fault gets the status the fake answers, as the protocol says"
        for fault, status, length in [
                ('token', 404, 0), ('password', 403, 0),
                ('malformed', 400, None), ('oversized', 413, 0),
                ('bomb', 400, None), ('entity', 200, None)]:
            for form in [False, True]:
                with self.subTest(fault=fault, form=form):
                    report = self.simulator(form=form).run(fault)
                    self.assertTrue(report['ok'], report)
                    step = report['fault']
                    self.assertEqual(step['status'], status)
                    self.assertIn(status, step['expected_status'])
                    self.assertEqual(step['expected'], FAULTS[fault][0])
                    if length is not None:
                        self.assertEqual(step['length'], length)
                    else:
                        self.assertEqual(step['allapot'], 'HIBA')
        self.assertEqual(self.fake.products['TS-001'], {})
        self.assertNotIn('BIG', self.fake.products)
        self.assertIn(b'<!ENTITY l9', BOMB)
        self.assertIn(b'file:///etc/passwd', ENTITY)

    def test_fault_not_refused(self):
        "A connection without import password takes any: the fault is seen"
        self.fake.password = None
        report = self.simulator().run('password')
        self.assertFalse(report['ok'])
        self.assertEqual(report['fault']['status'], 200)
        self.assertEqual(report['fault']['allapot'], 'OK')
        with self.assertRaises(ValueError):
            self.simulator().run('teapot')

    def test_no_secret(self):
        "Neither the report nor the printed records hold a secret"
        simulator = self.simulator(form=True)
        reports = [simulator.run(), simulator.run('token'),
            simulator.run('password')]
        simulator.form = False
        reports.append(simulator.run())
        printed = json.dumps(reports, ensure_ascii=False) + repr(
            simulator.requests) + str(simulator.requests)
        for secret in [PASSWORD, WEBSHOP, TOKEN, TOKEN[:-1]]:
            self.assertNotIn(secret, printed)
        self.assertEqual(reports[0]['jelszo'], '***')
        self.assertEqual(reports[0]['webshopid'], '***')
        self.assertTrue(reports[0]['url'].endswith('/kulcs/7/***'))
        self.assertEqual(simulator.requests[0]['params'],
            {'jelszo': '***', 'webshopid': '***'})

    def test_answers_not_xml(self):
        "An HTML answer or no server at all is reported, never raised"
        self.fake.html = True
        report = self.simulator().run()
        self.assertFalse(report['ok'])
        step = report['steps']['products']
        self.assertEqual((step['status'], step['allapot']), (200, None))
        self.assertIn('not XML', step['error'])
        self.assertEqual(read_answer(200, b''), (None, None,
                "an empty answer"))
        self.assertEqual(read_answer(200, b'<valasz><allapot>MAYBE'
                b'</allapot></valasz>')[0], 'MAYBE')
        closed = KulcsSimulator('http://127.0.0.1:9/onretail/kulcs/7/x',
            timeout=2)
        report = closed.run()
        self.assertFalse(report['ok'])
        self.assertIsNone(report['steps']['orders']['status'])
        self.assertIn('Connection', report['steps']['products']['error'])

    def test_command(self):
        """onretail-sandbox kulcs: the secrets from stdin, the report on
        stdout, the exit status of the verdict"""
        script = Path(sys.executable).parent / 'onretail-sandbox'
        command = [str(script)] if script.exists() else [
            sys.executable, '-m', 'onretail_sandbox.server']
        config = json.dumps({'import_password': PASSWORD,
                'webshop_id': WEBSHOP})
        for arguments, status in [
                (['--encoding', 'iso-8859-2', '--form'], 0),
                (['--fault', 'token'], 0),
                (['--fault', 'oversized'], 0)]:
            with self.subTest(arguments=arguments):
                process = subprocess.run(command + ['kulcs', '--url',
                        self.base, '--config', '-'] + arguments,
                    input=config, capture_output=True, text=True,
                    timeout=60)
                self.assertEqual(process.returncode, status, process.stderr)
                report = json.loads(process.stdout)
                self.assertTrue(report['ok'])
                self.assertEqual(report['jelszo'], '***')
                self.assertNotIn(PASSWORD, process.stdout + process.stderr)
                self.assertNotIn(WEBSHOP, process.stdout + process.stderr)
        self.assertEqual(self.fake.confirmed, {'SO0012', 'SO0013'})
        name, mimetype, document, _ = self.fake.received[1]
        self.assertEqual((name, mimetype),
            ('products', 'application/x-www-form-urlencoded'))
        self.assertIn('Fenyő légfrissítő'.encode('iso-8859-2'), document)
        self.assertEqual(self.fake.products['AC-007']['nev'],
            'Kötött kesztyű')
        # a wrong password: 403, exit status 1
        process = subprocess.run(command + ['kulcs', '--config', '-'],
            input=json.dumps({'url': self.base, 'import_password': 'x'}),
            capture_output=True, text=True, timeout=60)
        self.assertEqual(process.returncode, 1, process.stderr)
        self.assertEqual(json.loads(process.stdout)['steps']['products'][
                'status'], 403)
        # no URL, a bad configuration: usage errors
        for stdin in ['{}', '[1]', '{"jelszo": "x"}', 'not json']:
            with self.subTest(stdin=stdin):
                process = subprocess.run(command + ['kulcs', '--config',
                        '-'], input=stdin, capture_output=True, text=True,
                    timeout=60)
                self.assertEqual(process.returncode, 2)
                self.assertEqual(process.stdout, '')


if __name__ == '__main__':
    unittest.main()
