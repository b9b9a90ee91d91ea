# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Attacks on the printer service, replayed over HTTP on a real socket.

Each refused request must be answered (400, 401, 404, 408 or 413 with a
JSON message), queue nothing, and leave the service answering. The printer
of the service under attack is away, so a job queued by mistake stays in the
queue folder where the tests look for it."""
import base64
import io
import json
import logging
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
from http.client import HTTPConnection
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from onretail_iot.config import Config, PrinterConfig
from onretail_iot.receipt import (
    MAX_CODE, MAX_ITEMS, MAX_LOGO, MAX_TEXT, ReceiptError, validate)
from onretail_iot.server import MAX_BODY, make_server
from onretail_iot.tests.test_iot import RECEIPT, TOKEN, free_port

AUTHORIZATION = f'Authorization: Bearer {TOKEN}\r\n'.encode()
CUT = b'\x1dV'  # GS V: the cut that ends every job


def image_file(width, height, format='PNG'):
    data = io.BytesIO()
    Image.new('L', (width, height), 'black').save(data, format=format)
    return data.getvalue()


PNG = base64.b64encode(image_file(60, 20)).decode()


def request(port, method, path, body=None, token=TOKEN):
    "Status and JSON answer; body as bytes is sent as it is"
    connection = HTTPConnection('127.0.0.1', port, timeout=10)
    headers = {'Authorization': f'Bearer {token}'} if token else {}
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


def raw(port, data, stream=0, close=False):
    """Status and JSON answer of the bytes data sent on a socket, then of
    stream bytes more (sent while the answer is read: the server may answer
    before reading them), then the write side closed when close"""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(data)
        sender = threading.Thread(target=_send, args=(sock, stream))
        sender.start()
        if close:
            sock.shutdown(socket.SHUT_WR)
        answer = b''
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:  # for what the server did not read
            pass
        sender.join()
    if not answer:
        raise AssertionError("the connection was dropped, not answered")
    head, _, body = answer.partition(b'\r\n\r\n')
    return int(head.split()[1]), json.loads(body) if body else None


def _send(sock, size):
    piece = b'x' * 65536
    try:
        for _ in range(0, size, len(piece)):
            sock.sendall(piece)
    except OSError:  # the server closed: it read what it wanted
        pass


def post(headers=b'', body=b'', path=b'/print'):
    "A raw POST with the token"
    return (b'POST ' + path + b' HTTP/1.1\r\nHost: box\r\n'
        + AUTHORIZATION + headers + b'\r\n' + body)


class AttackedService:
    "A service in this process whose only printer is away"
    timeout = 1  # seconds a client may take to send its request

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.queue_folder = Path(folder.name)
        config = Config(token=TOKEN, queue=self.queue_folder, port=0,
            retry=60, printers={'receipt': PrinterConfig(name='receipt',
                    driver='network', options={'host': '127.0.0.1',
                        'port': str(free_port()), 'timeout': '1'})})
        self.server, self.service = make_server(config, timeout=self.timeout)
        self.service.start()
        # polled often: shutdown() waits for a poll
        threading.Thread(target=self.server.serve_forever, args=(0.05,),
            daemon=True).start()
        self.port = self.server.server_port
        self.addCleanup(self.service.stop)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def queued(self):
        "The files in the queue folder"
        return sorted(p for p in self.queue_folder.rglob('*') if p.is_file())

    def request(self, *args, **kwargs):
        return request(self.port, *args, **kwargs)

    def raw(self, *args, **kwargs):
        return raw(self.port, *args, **kwargs)

    def assertRefused(self, answer, status, field=None):
        "answer is status with a message, nothing queued, service answering"
        self.assertEqual(answer[0], status, answer[1])
        self.assertIsInstance(answer[1]['error'], str)
        if field is not None:
            self.assertEqual(answer[1].get('field'), field, answer[1])
        self.assertEqual(self.queued(), [])
        self.assertEqual(self.request('GET', '/status')[0], 200)


class BodyTestCase(AttackedService, unittest.TestCase):
    "Whatever its headers say, a body is read up to MAX_BODY bytes at most"

    def test_negative_content_length(self):
        self.assertRefused(self.raw(
                post(b'Content-Length: -1\r\n'), stream=1024 * 1024),
            400, 'Content-Length')

    def test_content_length_not_a_number(self):
        for value in [b'abc', b'1e3', b'+5', b'0x10', b'1 2', b'\xd9\xa1']:
            with self.subTest(value=value):
                self.assertRefused(self.raw(
                        post(b'Content-Length: ' + value + b'\r\n', b'{}')),
                    400, 'Content-Length')

    def test_content_length_huge(self):
        "413 at once, without waiting for the body"
        for value in [str(MAX_BODY + 1), str(10 ** 30), '9' * 5000]:
            with self.subTest(digits=len(value)):
                start = time.monotonic()
                self.assertRefused(self.raw(
                        post(f'Content-Length: {value}\r\n'.encode())),
                    413, 'Content-Length')
                self.assertLess(time.monotonic() - start, 0.5)

    def test_body_shorter_than_announced(self):
        "The client stops sending: the body is short; it waits: too late"
        self.assertRefused(self.raw(post(b'Content-Length: 1000\r\n',
                    b'{"receipt": {}}'), close=True),
            400, 'Content-Length')
        start = time.monotonic()
        self.assertRefused(self.raw(post(b'Content-Length: 1000\r\n',
                    b'{"receipt": {}}')), 408, 'body')
        self.assertLess(time.monotonic() - start, self.timeout + 1)

    def test_chunked(self):
        "A chunked body is read up to MAX_BODY too"
        body = json.dumps({'receipt': RECEIPT}).encode()
        status, answer = self.raw(post(b'Transfer-Encoding: chunked\r\n',
                b'%x\r\n%s\r\n0\r\n\r\n' % (len(body), body)))
        self.assertEqual(status, 202, answer)
        for path in self.queued():
            path.unlink()
        chunks = (b'10000\r\n' + b' ' * 0x10000 + b'\r\n') * (
            MAX_BODY // 0x10000 + 1) + b'0\r\n\r\n'
        self.assertRefused(self.raw(post(
                    b'Transfer-Encoding: chunked\r\n', chunks)), 413, 'body')
        self.assertRefused(self.raw(post(b'Transfer-Encoding: chunked\r\n',
                    b'%x\r\n' % (MAX_BODY * 10)), stream=MAX_BODY * 2),
            413, 'body')
        many = b'1\r\n \r\n' * (MAX_BODY // 6)
        self.assertIn(self.raw(post(b'Transfer-Encoding: chunked\r\n',
                    many), close=True)[0], {400, 413})
        self.assertEqual(self.queued(), [])
        self.assertRefused(self.raw(post(b'Transfer-Encoding: chunked\r\n',
                    b'zz\r\n{}\r\n0\r\n\r\n')), 400, 'body')
        self.assertRefused(self.raw(post(b'Transfer-Encoding: gzip\r\n',
                    b'{}')), 400, 'Transfer-Encoding')

    def test_no_content_length(self):
        "No Content-Length, no body: what follows is not read"
        self.assertRefused(self.raw(post(body=b'{"receipt": {}}')), 400)

    def test_idle_client(self):
        "A client that sends nothing keeps no one else waiting"
        with socket.create_connection(('127.0.0.1', self.port)):
            self.assertEqual(self.request('GET', '/status')[0], 200)

    def test_wrong_token(self):
        "Refused before the body is read, whatever it is"
        for token in [None, 'wrong', TOKEN + ' ', TOKEN.upper(), 'é']:
            with self.subTest(token=token):
                self.assertRefused(self.request('POST', '/print',
                        {'receipt': RECEIPT}, token=token), 401)
        data = post(f'Content-Length: {MAX_BODY * 10}\r\n'.encode())
        self.assertRefused(self.raw(data.replace(AUTHORIZATION, b'')), 401)


class ServiceProcessTestCase(unittest.TestCase):
    "The console script, as systemd starts it"

    def test_memory(self):
        """A Content-Length of -1 with 50 MB behind it: answered at once,
        the process does not read it (its peak memory stays), nor logs the
        token"""
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        config = Path(folder.name) / 'onretail-iot.ini'
        config.write_text(textwrap.dedent(f'''\
            [service]
            listen = 127.0.0.1:0
            token = {TOKEN}
            queue = {folder.name}/queue
            [printer:receipt]
            driver = dummy
            '''))
        process = subprocess.Popen(
            [sys.executable, '-m', 'onretail_iot.server', '-c', str(config)],
            stderr=subprocess.PIPE, text=True)
        self.addCleanup(process.wait, timeout=10)
        self.addCleanup(process.kill)
        for line in process.stderr:  # until the one that says the port
            if match := re.search(r'serves on http://127.0.0.1:(\d+)/', line):
                port = int(match.group(1))
                break

        def peak():
            status = Path(f'/proc/{process.pid}/status').read_text()
            return int(re.search(r'VmHWM:\s+(\d+) kB', status).group(1))

        queue = Path(folder.name) / 'queue'
        self.assertEqual(request(port, 'GET', '/status')[0], 200)
        before = peak()
        start = time.monotonic()
        status, answer = raw(port, post(b'Content-Length: -1\r\n'),
            stream=50 * 1024 * 1024)
        self.assertLess(time.monotonic() - start, 2)
        self.assertEqual((status, answer['field']), (400, 'Content-Length'))
        self.assertLess(peak() - before, 3 * 1024, "kB more at its peak")
        self.assertEqual(request(port, 'GET', '/status')[0], 200)
        self.assertEqual([p for p in queue.rglob('*') if p.is_file()], [])

        process.terminate()
        _, log = process.communicate(timeout=10)
        self.assertIn('"POST /print" 400', log)
        self.assertNotIn(TOKEN, log)


class ReceiptTestCase(AttackedService, unittest.TestCase):
    "Malformed jobs are answered 400 naming their field, and not queued"

    def assertJobRefused(self, job, field, status=400):
        self.assertRefused(self.request('POST', '/print', job), status,
            field)

    def test_not_json(self):
        for body in [b'{', b'\xff\xfe{}', b'{"receipt": {}} x', b'[' * 100000,
                b'{"a": ' * 50000, b'\x00', '{"receipt": "é"}'.encode(
                    'latin-1'), b'{"receipt": {"title": NaN}}',
                b'{"receipt": {"lines": [{"amount": -Infinity}]}}',
                b'{"receipt": {"lines": [{"amount": 1' + b'0' * 5000 + b'}]}}']:
            with self.subTest(body=body[:40]):
                self.assertJobRefused(body, 'body')

    def test_not_finite(self):
        "1e400 is JSON, and infinite"
        self.assertJobRefused(b'{"receipt": {"lines": [{"amount": 1e400}]}}',
            'receipt.lines[0].amount')

    def test_not_an_object(self):
        for body in [[], "receipt", 12, b'null', True]:
            with self.subTest(body=body):
                self.assertJobRefused(body, 'body')

    def test_printer(self):
        self.assertJobRefused({'printer': 'kitchen', 'receipt': RECEIPT},
            'printer', status=404)
        for printer in [1, [], {}, True]:
            with self.subTest(printer=printer):
                self.assertJobRefused(
                    {'printer': printer, 'receipt': RECEIPT}, 'printer')

    def test_job(self):
        for job, field in [
                ({}, None),
                ({'receipt': RECEIPT, 'gift_card': {'code': 'A'}}, None),
                ({'receipt': RECEIPT, 'copies': 2}, 'copies'),
                ({'receipt': []}, 'receipt'),
                ({'receipt': 'x'}, 'receipt'),
                ({'gift_card': [{'code': 'A'}]}, 'gift_card')]:
            with self.subTest(job=job):
                self.assertJobRefused(job, field)

    def test_receipt_fields(self):
        line = RECEIPT['lines'][0]
        long = 'x' * (MAX_TEXT + 1)
        for change, field in [
                ({'colour': 'red'}, 'receipt.colour'),
                ({'title': ['x']}, 'receipt.title'),
                ({'title': long}, 'receipt.title'),
                ({'title': 'cut\x1dV\x00'}, 'receipt.title'),
                ({'title': 'open\x1bp\x00'}, 'receipt.title'),
                ({'title': 'lone \ud800'}, 'receipt.title'),
                ({'header': 'Filiale'}, 'receipt.header'),
                ({'header': ['a', 3]}, 'receipt.header[1]'),
                ({'lines': {'name': 'x'}}, 'receipt.lines'),
                ({'lines': ['x']}, 'receipt.lines[0]'),
                ({'lines': [line] * (MAX_ITEMS + 1)}, 'receipt.lines'),
                ({'lines': [line, {**line, 'quantity': [1]}]},
                    'receipt.lines[1].quantity'),
                ({'lines': [{**line, 'quantity': True}]},
                    'receipt.lines[0].quantity'),
                ({'lines': [{**line, 'amount': {'value': 1}}]},
                    'receipt.lines[0].amount'),
                ({'lines': [{**line, 'amount': 10 ** 400}]},
                    'receipt.lines[0].amount'),
                ({'lines': [{**line, 'name': long}]},
                    'receipt.lines[0].name'),
                ({'lines': [{**line, 'discount': '10%'}]},
                    'receipt.lines[0].discount'),
                ({'lines': [json.loads('[' * 500 + ']' * 500)]},
                    'receipt.lines[0]'),
                ({'totals': [{'label': 'Summe'}]},
                    'receipt.totals[0].amount'),
                ({'payments': [{'label': None, 'amount': '1'}]},
                    'receipt.payments[0].label'),
                ({'sections': [{'rows': [{'label': 'a', 'amount': '1'}]
                                * 300}] * 2}, 'receipt.sections'),
                ({'sections': [{'rows': 'x'}]}, 'receipt.sections[0].rows'),
                ({'barcode': 'POS/0042 ő'}, 'receipt.barcode'),
                ({'barcode': 'POS\t0042'}, 'receipt.barcode'),
                ({'barcode': 'A' * (MAX_CODE + 1)}, 'receipt.barcode'),
                ({'barcode': 42}, 'receipt.barcode'),
                ({'qrcode': long}, 'receipt.qrcode'),
                ({'logo': 'not base64!'}, 'receipt.logo'),
                ({'logo': 'bm90IGFuIGltYWdl'}, 'receipt.logo'),
                ({'logo': PNG[:len(PNG) // 2 // 4 * 4]}, 'receipt.logo'),
                ({'logo': base64.b64encode(image_file(5000, 10)).decode()},
                    'receipt.logo'),
                ({'logo': base64.b64encode(
                            image_file(20, 20, 'TIFF')).decode()},
                    'receipt.logo'),
                ({'logo': 'A' * (MAX_LOGO * 4 // 3 + 8)}, 'receipt.logo'),
                ({'logo': 1}, 'receipt.logo'),
                ]:
            with self.subTest(field=field, change=str(change)[:60]):
                self.assertJobRefused({'receipt': {**RECEIPT, **change}},
                    field)

    def test_gift_card_fields(self):
        card = {'title': "Christmas voucher", 'code': 'ABCD1234EFGH5K',
            'lines': [{'label': "Guthaben", 'value': "50.00 €"}]}
        for change, field in [
                ({'code': None}, 'gift_card.code'),
                ({'code': ''}, 'gift_card.code'),
                ({'code': 'ABCD 1234 ÄÖ'}, 'gift_card.code'),
                ({'code': ['ABCD']}, 'gift_card.code'),
                ({'lines': [{'label': 'Guthaben'}]},
                    'gift_card.lines[0].value'),
                ({'lines': [{'label': 'a', 'value': float('nan')}]},
                    'gift_card.lines[0].value'),
                ({'lines': {'label': 'a', 'value': '1'}}, 'gift_card.lines'),
                ({'footer': [None]}, 'gift_card.footer[0]'),
                ({'barcode': 'x'}, 'gift_card.barcode'),
                ]:
            with self.subTest(field=field):
                job = {'gift_card': {**card, **change}}
                if 'nan' in str(change):  # sent as NaN: not JSON
                    field = 'body'
                self.assertJobRefused(job, field)

    def test_accepted(self):
        "What the cashier screen sends is queued as before"
        for job in [
                {'receipt': {**RECEIPT, 'logo': PNG, 'barcode': 'A{B1',
                        'qrcode': 'https://shop.example/r/42'}},
                {'receipt': {**RECEIPT, 'logo': None, 'lines': [{
                                'name': 'x', 'quantity': 2,
                                'unit_price': 1.5, 'amount': 3.0}]}},
                {'printer': None, 'gift_card': {'code': 'ABCD1234EFGH5K'}}]:
            with self.subTest(job=str(job)[:60]):
                status, answer = self.request('POST', '/print', job)
                self.assertEqual(status, 202, answer)
        jobs = [path.read_bytes() for path in self.queued()]
        self.assertEqual(len(jobs), 3)
        self.assertIn(b'{BA{{B1', jobs[0])  # '{' escaped in CODE128
        self.assertIn(b'  2 x 1.5', jobs[1])

    def test_drawer(self):
        for body, field in [({'printer': 'receipt', 'pulse': 5}, 'pulse'),
                ([], 'body'), ({'printer': 5}, 'printer')]:
            with self.subTest(body=body):
                self.assertRefused(
                    self.request('POST', '/drawer', body), 400, field)

    def test_token_never_logged(self):
        "Neither the token nor a wrong one, whatever the request"
        with self.assertLogs(level=logging.DEBUG) as logs:
            self.request('GET', '/status')
            self.request('GET', f'/status?token={TOKEN}')
            self.request('POST', '/print', {'receipt': {'title': 1}})
            self.request('GET', '/status', token=TOKEN + 'x')
            self.request('GET', f'/{TOKEN}')
            # http.server refuses a request of too many headers
            self.assertRefused(self.raw(f'GET /status?{TOKEN} HTTP/1.1\r\n'
                    .encode() + AUTHORIZATION * 101 + b'\r\n'), 431)
        self.assertFalse([r for r in logs.output if TOKEN in r], logs.output)


# Fuzzing: generated bodies must be answered 202 exactly when the job is
# valid, else 400 naming the field that validate() names; never 500 nor a
# dropped connection. Half of the jobs have the right shape with any text
# (valid), half have wrong values here and there.

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30)
    | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
# any printable text: every script, emoji, combining marks...
GOOD_TEXT = st.text(st.characters(blacklist_categories=['Cc', 'Cs']),
    max_size=40) | st.just('ő' * MAX_TEXT)
ANY_TEXT = (st.text(max_size=30) | st.sampled_from(['\ud800', '\x1bp\x00'])
    | st.text(min_size=MAX_TEXT - 1, max_size=MAX_TEXT + 1))
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7e)
LOGOS = [PNG, base64.b64encode(image_file(700, 900, 'JPEG')).decode()]
WRONG_LOGOS = ['not base64!', 'bm90IGFuIGltYWdl', PNG[:40]]


def jobs(wrong):
    """Receipts and gift cards; when wrong, a value in ten is any JSON value,
    an object in ten has an unknown field, any field may miss"""
    def maybe(good):
        if not wrong:
            return good
        return st.integers(0, 9).flatmap(lambda n: good if n else JSON)

    def objects(required=(), **fields):
        known = st.fixed_dictionaries(
            {name: maybe(fields[name]) for name in required if not wrong},
            optional={name: maybe(value) for name, value in fields.items()
                if wrong or name not in required})
        if wrong:
            known = st.tuples(known, st.integers(0, 9), JSON).map(
                lambda t: t[0] if t[1] else {**t[0], 'unknown': t[2]})
        return maybe(known)

    def items(item):
        return maybe(st.lists(item, max_size=4))

    text = ANY_TEXT if wrong else GOOD_TEXT
    amount = text | st.integers() | st.floats(
        allow_nan=wrong, allow_infinity=wrong)
    code = st.text(ASCII, min_size=1, max_size=MAX_CODE)
    if wrong:
        code |= text
    logo = st.sampled_from(LOGOS + WRONG_LOGOS if wrong else LOGOS)
    label_amount = objects(['label', 'amount'], label=text, amount=amount)
    receipt = objects(logo=logo, header=items(text), title=text,
        lines=items(objects(name=text, quantity=amount, unit_price=amount,
                amount=amount, note=text)),
        totals=items(label_amount), taxes=items(label_amount),
        payments=items(label_amount),
        sections=items(objects(title=text, rows=items(label_amount))),
        barcode=code, qrcode=text, footer=items(text))
    gift_card = objects(['code'], title=text, code=code,
        lines=items(objects(['label', 'value'], label=text, value=amount)),
        footer=items(text))
    printer = st.sampled_from(
        ['receipt', None, 1, [], True] if wrong else ['receipt', None])
    return st.one_of(*[
            st.fixed_dictionaries({kind: document},
                optional={'printer': printer})
            for kind, document in [
                ('receipt', receipt), ('gift_card', gift_card)]])


JOBS = jobs(False) | jobs(True)
FUZZ = settings(deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow,
        HealthCheck.data_too_large])


class FuzzTestCase(AttackedService, unittest.TestCase):

    def expected(self, job):
        "The status and the wrong field that the service must answer"
        try:
            json.dumps(job, allow_nan=False)
        except ValueError:  # NaN or Infinity
            return 400, 'body'
        if not isinstance(job, dict):
            return 400, 'body'
        job = dict(job)
        printer = job.pop('printer', None)
        if isinstance(printer, str) and printer != 'receipt':
            return 404, 'printer'
        if printer is not None and printer != 'receipt':
            return 400, 'printer'
        try:
            validate(job)
        except ReceiptError as error:
            return 400, error.field
        return 202, None

    def check(self, job):
        status, field = self.expected(job)
        answer = self.request('POST', '/print', json.dumps(job).encode())
        if status == 202:
            self.assertEqual(answer[0], 202, answer[1])
            job_file, = self.queued()
            self.assertIn(CUT, job_file.read_bytes()[-8:], "printed to the end")
            job_file.unlink()
        else:
            self.assertRefused(answer, status, field)
        return status

    @settings(FUZZ, max_examples=300)
    @given(JOBS)
    def test_jobs(self, job):
        self.check(job)

    @FUZZ
    @given(JSON)
    def test_json(self, job):
        self.check(job)

    @FUZZ
    @given(st.binary(max_size=200))
    def test_bytes(self, body):
        self.assertRefused(self.request('POST', '/print', body), 400)


if __name__ == '__main__':
    unittest.main()
