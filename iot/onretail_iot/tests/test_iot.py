# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The printer service: bytes, queue, HTTP API"
import base64
import io
import json
import socket
import tempfile
import threading
import time
import unittest
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

from PIL import Image

from onretail_iot.config import Config, ConfigError, PrinterConfig, load
from onretail_iot.receipt import ReceiptError, render
from onretail_iot.server import make_server

TOKEN = 'a-shop-token'
RECEIPT = {
    'header': ["Filiale Wien", "Größe ő ű"],
    'title': "Rechnung POS/0042",
    'lines': [{'name': "T-Shirt Disney 12304", 'quantity': "10",
            'unit_price': "4.73", 'amount': "47.30"}],
    'totals': [{'label': "Summe", 'amount': "47.30"}],
    'payments': [{'label': "Gutschein", 'amount': "20.00"},
        {'label': "Bar", 'amount': "50.00"},
        {'label': "Rückgeld", 'amount': "22.70"}],
    'footer': ["Danke für Ihren Einkauf"],
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


class FakePrinter:
    "A TCP printer on port that keeps what each connection sent"

    def __init__(self, port):
        self.port = port
        self.received = []
        self._socket = None

    def start(self):
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(('127.0.0.1', self.port))
        self._socket.listen()
        threading.Thread(target=self._serve, args=(self._socket,),
            daemon=True).start()

    def stop(self):
        # shutdown wakes the accept() of the thread; close alone does not
        self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()

    def _serve(self, server):
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                data = b''
                while chunk := connection.recv(65536):
                    data += chunk
                self.received.append(data)


class ConfigTestCase(unittest.TestCase):
    "The configuration file"

    def test_example(self):
        "The example of the README is a valid configuration"
        config = load(Path(__file__).parents[2] / 'onretail-iot.example.ini')
        printer, = config.printers.values()
        self.assertEqual((printer.name, printer.driver, printer.columns),
            ('receipt', 'network', 48))
        self.assertEqual(printer.options['host'], '192.168.1.50')
        self.assertIn('http://127.0.0.1:8000', config.origins)

    def test_errors(self):
        with tempfile.NamedTemporaryFile('w', suffix='.ini') as fp:
            fp.write('[service]\ntoken = x\n[printer:a]\ndriver = fax\n')
            fp.flush()
            with self.assertRaisesRegex(ConfigError, 'driver must be'):
                load(fp.name)


class ReceiptTestCase(unittest.TestCase):
    "The bytes of a receipt"

    def test_german_and_hungarian_characters(self):
        "Größe ő ű: ö and ß in code page 437, ő and ű in 852"
        data = render({'receipt': RECEIPT}, columns=48)
        self.assertIn(b'\x1bt\x00', data)  # ESC t 0: CP437
        # ESC t 18: CP852
        self.assertIn(b'Gr\x94\xe1e \x1bt\x12\x8b \xfb', data)
        self.assertTrue(data.endswith(b'\x1dV\x00')
            or b'\x1dV' in data[-8:], "cut after the receipt")

    def test_totals_right_aligned(self):
        for columns in [42, 48]:
            with self.subTest(columns=columns):
                data = render({'receipt': RECEIPT}, columns=columns)
                line = b'Summe' + b' ' * (columns - 10) + b'47.30'
                self.assertIn(line, data)

    def test_long_note_wrapped(self):
        "A line's note is wrapped under it, indented, not cut"
        note = ("Kapucnis pulóver helyett 39,90, 5,03 % kedvezmény, "
            "Garancia: 2 év")
        line = dict(RECEIPT['lines'][0], note=note)
        data = render({'receipt': dict(RECEIPT, lines=[line])}, columns=48)
        text = data.decode('cp852', 'replace')
        self.assertIn(
            "\n  Kapucnis pulóver helyett 39,90, 5,03 %\n"
            "  kedvezmény, Garancia: 2 év\n", text)

    def test_sections(self):
        "A report's sections: a bold title, then its rows right-aligned"
        data = render({'receipt': {'title': "Sitzungsbericht", 'sections': [
                        {'title': "Zahlungsarten", 'rows': [
                                {'label': "Bar", 'amount': "27.30"}]}]}},
            columns=42)
        self.assertIn(b'Zahlungsarten', data)
        self.assertIn(b'Bar' + b' ' * 34 + b'27.30', data)

    def test_logo(self):
        "The logo above the header, fitted to the paper's 576 dots"
        image = io.BytesIO()
        Image.new('RGBA', (1000, 300), 'black').save(image, format='PNG')
        logo = base64.b64encode(image.getvalue()).decode()
        data = render({'receipt': dict(RECEIPT, logo=logo)}, columns=48)
        # GS v 0: a raster image of 576 / 8 = 72 bytes a row, 173 rows
        raster = data.index(b'\x1dv0\x00' + bytes([72, 0, 173, 0]))
        self.assertLess(raster, data.index(b'Filiale Wien'))
        with self.assertRaisesRegex(ReceiptError, 'logo'):
            render({'receipt': dict(RECEIPT, logo='bm90IGFuIGltYWdl')})

    def test_gift_card(self):
        data = render({'gift_card': {'title': "Christmas voucher",
                    'code': 'ABCD1234EFGH5K',
                    'lines': [{'label': "Guthaben", 'value': "50.00 €"}]}})
        self.assertIn(b'ABCD1234EFGH5K', data)
        self.assertIn(b'\x1dk', data)  # GS k: the barcode


class ServiceTestCase(unittest.TestCase):
    "The HTTP API and the queue, with a fake network printer"

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.queue_folder = Path(folder.name)
        self.printer = FakePrinter(free_port())
        self.start_service()

    def start_service(self):
        config = Config(token=TOKEN, queue=self.queue_folder,
            port=0, origins=('http://shop.example',), retry=0.1,
            printers={'receipt': PrinterConfig(name='receipt',
                    driver='network', columns=48,
                    options={'host': '127.0.0.1',
                        'port': str(self.printer.port), 'timeout': '2'})})
        self.server, self.service = make_server(config)
        self.service.start()
        thread = threading.Thread(target=self.server.serve_forever,
            daemon=True)
        thread.start()
        self.port = self.server.server_port
        self.addCleanup(self.stop_service)

    def stop_service(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.service.stop()
            self.server = None

    def request(self, method, path, body=None, token=TOKEN, origin=None):
        connection = HTTPConnection('127.0.0.1', self.port, timeout=10)
        headers = {'Content-Type': 'application/json'}
        if token:
            headers['Authorization'] = f'Bearer {token}'
        if origin:
            headers['Origin'] = origin
        connection.request(method, path,
            body=json.dumps(body) if body is not None else None,
            headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, json.loads(data) if data else None

    def status(self):
        return self.request('GET', '/status')[1]['printers']['receipt']

    def test_wrong_token_refused(self):
        for token in [None, 'wrong']:
            with self.subTest(token=token):
                response, body = self.request('GET', '/status', token=token)
                self.assertEqual(response.status, 401)
                response, _ = self.request(
                    'POST', '/print', {'receipt': RECEIPT}, token=token)
                self.assertEqual(response.status, 401)
        self.assertEqual(list(self.queue_folder.rglob('*.bin')), [])
        response, body = self.request('GET', '/status')
        self.assertEqual(response.status, 200)

    def test_cors_only_for_configured_origins(self):
        response, _ = self.request(
            'OPTIONS', '/print', token=None, origin='http://shop.example')
        self.assertEqual(response.getheader('Access-Control-Allow-Origin'),
            'http://shop.example')
        response, _ = self.request(
            'OPTIONS', '/print', token=None, origin='http://evil.example')
        self.assertIsNone(response.getheader('Access-Control-Allow-Origin'))

    def test_bad_job_refused(self):
        response, body = self.request('POST', '/print', {'invoice': {}})
        self.assertEqual(response.status, 400)
        response, body = self.request(
            'POST', '/print', {'printer': 'kitchen', 'receipt': RECEIPT})
        self.assertEqual(response.status, 404)

    def jobs(self):
        "What the printer received, without the connections that only probed"
        return [data for data in self.printer.received if data]

    def test_printer_away_and_back(self):
        "A queued receipt prints exactly once when the printer comes back"
        self.printer.start()
        response, body = self.request('POST', '/print', {'receipt': RECEIPT})
        self.assertEqual(response.status, 202)
        self.assertTrue(wait_until(lambda: len(self.printer.received) == 1))
        self.printer.stop()

        second = {**RECEIPT, 'title': "Rechnung POS/0043"}
        response, body = self.request('POST', '/print', {'receipt': second})
        self.assertEqual(response.status, 202)
        self.assertTrue(wait_until(lambda: self.status()['online'] is False))
        self.assertEqual(self.status()['queued'], 1)
        time.sleep(0.5)  # a few retries while it is away

        self.printer.start()
        self.assertTrue(wait_until(lambda: self.status()['queued'] == 0))
        self.assertTrue(wait_until(lambda: self.status()['online']))
        # the printer's thread keeps a job once its connection closes
        self.assertTrue(wait_until(lambda: len(self.jobs()) >= 2))
        time.sleep(0.3)  # time enough for a job printed twice
        jobs = self.jobs()
        self.assertEqual(len(jobs), 2)
        self.assertIn(b'POS/0043', jobs[1])
        self.assertEqual(sum(d.count(b'POS/0043') for d in jobs), 1)

    def test_queue_survives_a_restart(self):
        "Jobs queued while the printer is off print after a restart"
        self.request('POST', '/print', {'receipt': RECEIPT})
        self.assertTrue(wait_until(lambda: self.status()['online'] is False))
        self.stop_service()
        self.printer.start()
        self.start_service()
        self.assertTrue(wait_until(lambda: self.status()['queued'] == 0))
        self.assertTrue(wait_until(lambda: self.jobs()))
        time.sleep(0.3)
        self.assertEqual(len(self.jobs()), 1)

    def test_drawer(self):
        response, body = self.request('POST', '/drawer', {})
        self.assertEqual(response.status, 503)
        self.printer.start()
        response, body = self.request('POST', '/drawer', {})
        self.assertEqual(response.status, 200)
        self.assertTrue(wait_until(lambda: self.printer.received))
        self.assertTrue(self.printer.received[0].startswith(b'\x1bp'))


if __name__ == '__main__':
    unittest.main()
