# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The cituro sandbox over HTTP: its routes, its faults, its command"
import signal
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from onretail_sandbox.cituro import CituroSandbox

KEY = 'test-key'
VIENNA = ZoneInfo('Europe/Vienna')
TODAY_IDS = ['A-101', 'A-100', 'A-102', 'A-103', 'A-104']  # by startDate
ALL_IDS = ['A-099', *TODAY_IDS, 'A-105']


def today(zone=VIENNA):
    return datetime.now(zone).date()


class SandboxTestCase(unittest.TestCase):
    "One sandbox for the class, reset before each test"

    @classmethod
    def setUpClass(cls):
        cls.sandbox = CituroSandbox(api_key=KEY)
        cls.url = cls.sandbox.start()

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()

    def setUp(self):
        self.sandbox.reset()
        self.session = requests.Session()
        self.session.headers['X-API-Key'] = KEY
        self.addCleanup(self.session.close)

    def get(self, path, **params):
        return self.session.get(self.url + path, params=params, timeout=5)

    def patch(self, path, body=None, data=None):
        return self.session.patch(self.url + path, json=body, data=data,
            timeout=5)

    def control(self, body=None):
        "POST (or GET when body is None) /_control, without the key"
        base = self.url.removesuffix('/api')
        if body is None:
            return requests.get(base + '/_control', timeout=5)
        return requests.post(base + '/_control', json=body, timeout=5)

    def assertError(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers['Content-Type'], 'application/json')
        error = response.json()['error']
        self.assertEqual(error['code'], status)
        self.assertIsInstance(error['message'], str)
        return error['message']

    def ids(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        return [appointment['id'] for appointment in response.json()['data']]


class RoutesTestCase(SandboxTestCase):

    def test_me(self):
        response = self.get('/me')
        self.assertEqual(response.headers['Content-Type'], 'application/json')
        self.assertEqual(response.json(),
            {'data': {'id': 'acc-1', 'name': 'Salon Haarmonie Wien'}})

    def test_appointment(self):
        start = datetime.combine(today(), datetime.min.time().replace(
                hour=10), VIENNA).isoformat()
        self.assertEqual(self.get('/appointments/A-100').json(), {'data': {
                    'id': 'A-100', 'startDate': start,
                    'status': 'confirmed', 'paymentStatus': 'open',
                    'externalReference': None,
                    'booking': {'customerId': 'c-1', 'customer': {
                            'id': 'c-1', 'firstName': 'Anna',
                            'lastName': 'Muster',
                            'email': 'anna@example.org',
                            'mobilePhone': '+43 660 1234567'}},
                    'items': [
                        {'id': 'A-100-1', 'serviceId': 's-cut',
                            'name': 'Haircut', 'price': '35.00',
                            'duration': 30},
                        {'id': 'A-100-2', 'serviceId': 's-beard',
                            'name': 'Beard trim', 'price': '12.50',
                            'duration': 15}]}})

    def test_fixture_variety(self):
        appointments = {a['id']: a for a in self.sandbox.appointments}
        self.assertEqual(appointments['A-103']['status'], 'cancelled')
        self.assertIsNone(
            appointments['A-102']['booking']['customer']['email'])
        self.assertTrue(
            appointments['A-102']['booking']['customer']['mobilePhone'])

    def test_dated_ids(self):
        "With dated_ids, an appointment's id ends with its date"
        sandbox = CituroSandbox(api_key='key', dated_ids=True)
        today = datetime.now(ZoneInfo('Europe/Vienna')).date()
        anna, = [a for a in sandbox.appointments
            if a['id'].startswith('A-100-')]
        self.assertEqual(anna['id'], f'A-100-{today:%Y%m%d}')
        self.assertEqual(anna['items'][0]['id'], anna['id'] + '-1')

    def test_not_found(self):
        for path in ['/appointments/A-999', '/services/s-none',
                '/customers/c-999', '/nothing', '/appointments/']:
            with self.subTest(path=path):
                self.assertEqual(
                    self.assertError(self.get(path), 404), 'Not found')

    def test_method_not_allowed(self):
        self.assertError(
            self.session.delete(self.url + '/appointments/A-100'), 405)

    def test_unauthorized(self):
        for key in [None, '', 'wrong-key', KEY + 'x']:
            headers = {} if key is None else {'X-API-Key': key}
            for path in ['/me', '/appointments', '/appointments/A-100',
                    '/services', '/customers/c-1', '/nothing']:
                with self.subTest(key=key, path=path):
                    response = requests.get(self.url + path,
                        headers=headers, timeout=5)
                    self.assertEqual(response.json(), {'error': {
                                'code': 401, 'message': 'Unauthorized'}})
                    self.assertEqual(response.status_code, 401)
        response = requests.patch(self.url + '/appointments/A-100',
            json={'paymentStatus': 'paid'}, timeout=5)
        self.assertError(response, 401)
        self.assertEqual(self.sandbox.reports, [])

    def test_appointments(self):
        response = self.get('/appointments')
        self.assertEqual(self.ids(response), ALL_IDS)
        self.assertEqual(response.json()['meta'],
            {'total': 7, 'page': 1, 'limit': 20})

    def test_pages(self):
        day = today().isoformat()
        ids = []
        for number in [1, 2, 3]:
            response = self.get('/appointments', **{'filter[from]': day,
                    'filter[to]': day, 'page': number, 'limit': 2,
                    'sort': 'startDate'})
            self.assertEqual(response.json()['meta'],
                {'total': 5, 'page': number, 'limit': 2})
            ids += self.ids(response)
        self.assertEqual(ids, TODAY_IDS)
        self.assertEqual(self.ids(self.get('/appointments', page=4,
                    limit=2, **{'filter[from]': day, 'filter[to]': day})),
            [])
        self.assertEqual(len(self.ids(self.get('/appointments',
                        limit=100))), 7)

    def test_date_filter(self):
        day = today()
        yesterday = (day - timedelta(days=1)).isoformat()
        tomorrow = (day + timedelta(days=1)).isoformat()
        for params, ids in [
                ({'filter[to]': yesterday}, ['A-099']),
                ({'filter[from]': yesterday, 'filter[to]': yesterday},
                    ['A-099']),
                ({'filter[from]': tomorrow}, ['A-105']),
                ({'filter[from]': day.isoformat()}, TODAY_IDS + ['A-105']),
                ({'filter[from]': tomorrow, 'filter[to]': yesterday}, []),
                ]:
            with self.subTest(params=params):
                self.assertEqual(self.ids(self.get('/appointments',
                            **params)), ids)

    def test_date_filter_in_own_offset(self):
        # 23:30 in New York is the next day in UTC and in Vienna
        self.sandbox.appointments[0]['startDate'] = (
            '2026-03-01T23:30:00-05:00')
        self.assertEqual(self.ids(self.get('/appointments', **{
                        'filter[from]': '2026-03-01',
                        'filter[to]': '2026-03-01'})), ['A-099'])
        self.assertEqual(self.ids(self.get('/appointments', **{
                        'filter[from]': '2026-03-02',
                        'filter[to]': '2026-03-02'})), [])

    def test_sort(self):
        self.assertEqual(self.ids(self.get('/appointments',
                    sort='-startDate')), ALL_IDS[::-1])
        self.assertEqual(self.ids(self.get('/appointments',
                    sort='-startDate', limit=3, page=2)),
            ALL_IDS[::-1][3:6])

    def test_bad_query(self):
        for params in [{'page': '0'}, {'page': 'x'}, {'page': '-1'},
                {'limit': '0'}, {'limit': '101'}, {'limit': '2.5'},
                {'page': '99999999999999'},
                {'filter[from]': '20261205'}, {'filter[to]': '2026-13-01'},
                {'filter[from]': '2026-1-5'}, {'sort': 'id'}]:
            with self.subTest(params=params):
                self.assertError(self.get('/appointments', **params), 400)
        self.assertError(self.get('/services', limit='1000'), 400)

    def test_services(self):
        response = self.get('/services')
        self.assertEqual(response.json()['data'][0], {'id': 's-cut',
                'name': 'Haircut', 'price': '35.00', 'duration': 30})
        self.assertEqual(
            {s['id']: (s['name'], s['price'])
                for s in response.json()['data']},
            {'s-cut': ('Haircut', '35.00'),
                's-beard': ('Beard trim', '12.50'),
                's-color': ('Colouring', '68.00'),
                's-wash': ('Wash & blow-dry', '24.90'),
                's-manicure': ('Manicure', '29.00')})
        self.assertEqual(response.json()['meta'],
            {'total': 5, 'page': 1, 'limit': 20})
        response = self.get('/services', page=2, limit=2)
        self.assertEqual(self.ids(response), ['s-color', 's-wash'])
        self.assertEqual(self.get('/services/s-beard').json()['data']['name'],
            'Beard trim')

    def test_customers(self):
        response = self.get('/customers')
        self.assertEqual(response.json()['meta']['total'], 7)
        self.assertEqual(self.get('/customers/c-1').json()['data'], {
                'id': 'c-1', 'firstName': 'Anna', 'lastName': 'Muster',
                'email': 'anna@example.org',
                'mobilePhone': '+43 660 1234567'})
        for email, ids in [('anna@example.org', ['c-1']),
                ('ANNA@Example.ORG', ['c-1']),
                ('max.bauer@EXAMPLE.com', ['c-4']),
                ('nobody@example.org', []), ('', [])]:
            with self.subTest(email=email):
                response = self.get('/customers', **{'filter[email]': email})
                self.assertEqual(self.ids(response), ids)
                self.assertEqual(response.json()['meta']['total'], len(ids))

    def test_patch(self):
        body = {'paymentStatus': 'paid', 'externalReference': 'POS/0042'}
        response = self.patch('/appointments/A-100', body)
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()['data']
        self.assertEqual((data['id'], data['paymentStatus'],
                data['externalReference']), ('A-100', 'paid', 'POS/0042'))
        self.assertEqual(len(data['items']), 2)
        self.assertEqual(self.get('/appointments/A-100').json()['data'],
            data)
        self.assertEqual(self.sandbox.reports,
            [{'id': 'A-100', 'body': body, 'status': 200}])
        self.assertEqual(self.control().json()['reports'],
            self.sandbox.reports)
        # back to open: a refund
        response = self.patch('/appointments/A-100', {
                'paymentStatus': 'open', 'externalReference': None})
        self.assertEqual(response.json()['data']['paymentStatus'], 'open')
        self.assertEqual(len(self.sandbox.reports), 2)

    def test_patch_refused(self):
        for body, data, status in [
                ([], None, 422), ('paid', None, 422),
                (None, 'not json', 422),
                ({}, None, 422),
                ({'paymentStatus': 'paid', 'status': 'cancelled'}, None,
                    422),
                ({'paymentStatus': 'refunded'}, None, 422),
                ({'paymentStatus': ['paid']}, None, 422),
                ({'paymentStatus': 'paid', 'externalReference': 42}, None,
                    422),
                ]:
            with self.subTest(body=body, data=data):
                self.assertError(
                    self.patch('/appointments/A-100', body, data), status)
        self.assertError(self.patch('/appointments/A-999',
                {'paymentStatus': 'paid'}), 404)
        self.assertEqual([r['status'] for r in self.sandbox.reports],
            [422] * 8 + [404])
        self.assertEqual(self.sandbox.reports[2]['body'], 'not json')
        self.assertEqual(self.get('/appointments/A-100').json()['data'][
                'paymentStatus'], 'open')

    def test_live_data(self):
        self.sandbox.appointments[1]['items'][0]['price'] = '1.00'
        self.assertEqual(self.get('/appointments/A-100').json()['data'][
                'items'][0]['price'], '1.00')
        self.sandbox.reset()
        self.assertEqual(self.get('/appointments/A-100').json()['data'][
                'items'][0]['price'], '35.00')


class FixturesTestCase(unittest.TestCase):

    def test_python_fixtures(self):
        fixtures = {'appointments': [
                {'id': 'X-1', 'day': 2, 'time': '08:15', 'customerId': 'c-3',
                    'paymentStatus': 'paid', 'externalReference': 'R-1',
                    'items': [{'serviceId': 's-color', 'price': '60.00'},
                        {'id': 'own', 'serviceId': None, 'name': 'Tip',
                            'price': '5.00', 'duration': 0}]},
                {'id': 'X-2', 'startDate': '2026-01-02T09:00:00+01:00',
                    'booking': {'customerId': 'new', 'customer': {
                            'id': 'new', 'firstName': 'Eva',
                            'lastName': 'Berger', 'email': None,
                            'mobilePhone': None}},
                    'items': []},
                ]}
        with CituroSandbox(api_key=KEY, fixtures=fixtures,
                timezone='Asia/Tokyo') as sandbox:
            response = requests.get(sandbox.url + '/appointments',
                headers={'X-API-Key': KEY}, timeout=5)
            first, second = response.json()['data']
            self.assertEqual(first['id'], 'X-2')
            start = datetime.fromisoformat(second['startDate'])
            self.assertEqual(start.date(),
                today(ZoneInfo('Asia/Tokyo')) + timedelta(days=2))
            self.assertEqual(second['startDate'][-15:],
                'T08:15:00+09:00')
            self.assertEqual(second['items'], [
                    {'id': 'X-1-1', 'serviceId': 's-color',
                        'name': 'Colouring', 'price': '60.00',
                        'duration': 90},
                    {'id': 'own', 'serviceId': None, 'name': 'Tip',
                        'price': '5.00', 'duration': 0}])
            self.assertEqual(second['booking']['customer']['lastName'],
                'Huber')
            self.assertEqual((second['paymentStatus'],
                    second['externalReference']), ('paid', 'R-1'))
            # the fixtures given are not changed by the sandbox
            sandbox.appointments[0]['paymentStatus'] = 'open'
            sandbox.reset()
            self.assertEqual(sandbox.appointments[0]['paymentStatus'],
                'paid')
            self.assertNotIn('startDate', fixtures['appointments'][0])
        # stopped: refused
        with self.assertRaises(requests.ConnectionError):
            requests.get(sandbox.url + '/me', timeout=5)

    def test_unknown_timezone(self):
        with self.assertRaises(ZoneInfoNotFoundError):
            CituroSandbox(api_key=KEY, timezone='Europe/Nowhere')


class FaultTestCase(SandboxTestCase):

    def set_fault(self, fault, **arguments):
        response = self.control({'fault': fault, **arguments})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['fault'], fault)

    def test_down(self):
        self.set_fault('down')
        for request in [lambda: self.get('/me'),
                lambda: self.patch('/appointments/A-100',
                    {'paymentStatus': 'paid'})]:
            with self.assertRaises(requests.ConnectionError):
                request()
        self.assertEqual(self.sandbox.reports, [])
        self.set_fault(None)
        self.assertEqual(self.get('/me').status_code, 200)

    def test_slow(self):
        self.set_fault('slow', seconds=0.3)
        self.assertEqual(self.control().json()['seconds'], 0.3)
        with self.assertRaises(requests.ReadTimeout):
            self.session.get(self.url + '/me', timeout=0.1)
        self.sandbox.set_fault('slow', seconds=0.2)
        start = time.monotonic()
        self.assertEqual(self.get('/me').status_code, 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.2)
        # carried out after the wait, as a real server would
        response = self.patch('/appointments/A-100',
            {'paymentStatus': 'paid'})
        self.assertEqual(response.json()['data']['paymentStatus'], 'paid')
        self.assertEqual(len(self.sandbox.reports), 1)
        self.sandbox.set_fault('slow')
        self.assertEqual(self.sandbox.seconds, 20)

    def test_500(self):
        self.set_fault('500')
        self.assertError(self.get('/appointments'), 500)
        self.assertError(self.patch('/appointments/A-100',
                {'paymentStatus': 'paid'}), 500)
        self.assertEqual(self.sandbox.reports, [])
        self.assertEqual(self.sandbox.appointments[1]['paymentStatus'],
            'open')

    def test_429(self):
        self.set_fault('429')
        response = self.get('/appointments')
        self.assertError(response, 429)
        self.assertEqual(response.headers['Retry-After'], '30')

    def test_html(self):
        self.set_fault('html')
        response = self.get('/appointments')
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.headers['Content-Type'].startswith('text/html'))
        self.assertIn('<html>', response.text)

    def test_badjson(self):
        self.set_fault('badjson')
        response = self.get('/appointments/A-100')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/json')
        with self.assertRaises(ValueError):
            response.json()

    def test_nodata(self):
        self.set_fault('nodata')
        for path in ['/me', '/appointments', '/appointments/A-100']:
            response = self.get(path)
            self.assertEqual((response.status_code, response.json()),
                (200, {}))

    def test_appointment_faults(self):
        for fault, check in [
                ('noid', lambda a: self.assertNotIn('id', a)),
                ('noitems', lambda a: self.assertNotIn('items', a)),
                ('badprice', lambda a: self.assertEqual(
                        {item['price'] for item in a['items']}, {'abc'})),
                ]:
            with self.subTest(fault=fault):
                self.set_fault(fault)
                appointments = self.get('/appointments').json()['data']
                self.assertEqual(len(appointments), 7)
                for appointment in appointments + [
                        self.get('/appointments/A-100').json()['data']]:
                    check(appointment)
                    self.assertIn('startDate', appointment)
        # the data itself is whole
        self.sandbox.set_fault(None)
        self.assertEqual(self.get('/appointments/A-100').json()['data'][
                'items'][0]['price'], '35.00')

    def test_fault_still_needs_key(self):
        self.set_fault('noid')
        self.assertError(requests.get(self.url + '/appointments',
                timeout=5), 401)

    def test_control(self):
        self.assertEqual(self.control().json(),
            {'fault': None, 'seconds': 20, 'reports': []})
        for body in [{'fault': 'teapot'}, {'fault': 500},
                {'fault': 'slow', 'seconds': 'long'},
                {'fault': 'slow', 'seconds': -1}, {}, [], {'other': 1}]:
            with self.subTest(body=body):
                self.assertError(self.control(body), 400)
        response = requests.post(self.url.removesuffix('/api') + '/_control',
            data='{', timeout=5)
        self.assertError(response, 400)
        self.assertIsNone(self.sandbox.fault)
        with self.assertRaises(ValueError):
            self.sandbox.set_fault('teapot')

    def test_reset(self):
        self.patch('/appointments/A-100', {'paymentStatus': 'paid'})
        self.sandbox.appointments.clear()
        self.set_fault('500')
        response = self.control({'reset': True})
        self.assertEqual(response.json(),
            {'fault': None, 'seconds': 20, 'reports': []})
        response = self.get('/appointments/A-100')
        self.assertEqual(response.json()['data']['paymentStatus'], 'open')
        self.assertEqual(len(self.sandbox.appointments), 7)


class CommandTestCase(unittest.TestCase):

    def test_serve_and_stop(self):
        process = subprocess.Popen([sys.executable, '-m',
                'onretail_sandbox.server', 'cituro', '--port', '0',
                '--api-key', KEY, '--timezone', 'UTC'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            url = process.stdout.readline().strip()
            self.assertRegex(url, r'^http://127\.0\.0\.1:\d+/api$')
            response = requests.get(url + '/appointments/A-100',
                headers={'X-API-Key': KEY}, timeout=5)
            self.assertTrue(response.json()['data']['startDate'].endswith(
                    'T10:00:00+00:00'))
            process.send_signal(signal.SIGTERM)
            self.assertEqual(process.wait(5), 0)
        finally:
            process.kill()
            process.communicate()

    def test_unknown_timezone(self):
        process = subprocess.run([sys.executable, '-m',
                'onretail_sandbox.server', 'cituro', '--api-key', KEY,
                '--timezone', 'Mars/Olympus'],
            capture_output=True, text=True, timeout=10)
        self.assertEqual(process.returncode, 2)
        self.assertIn('unknown time zone', process.stderr)


if __name__ == '__main__':
    unittest.main()
