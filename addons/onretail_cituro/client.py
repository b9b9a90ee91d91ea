# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cituro API as onRetail uses it (header X-API-Key, JSON with its
payload under data): the account, the appointments of a day over all their
pages, one appointment, and the paid report. Every answer is checked before
anyone uses it; whatever goes wrong is a CituroError naming the register and
the cause, raised before the caller writes anything. The key is sent in its
header only, never logged."""
import datetime
import logging
import re
from decimal import Decimal, InvalidOperation

import requests

from trytond.i18n import gettext

from .exceptions import CituroError

logger = logging.getLogger(__name__)

LIVE_URL = 'https://app.cituro.com/api'
# seconds to connect and to read an answer
TIMEOUT = (5, 15)
PAGE_LIMIT = 100
# 2,000 appointments a day is far beyond any salon; more is a broken answer
MAX_PAGES = 20
MAX_ITEMS = 50
MAX_TEXT = 200
MAX_PRICE = Decimal('1000000')
IDENTIFIER = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}')


def _refuse(message, point, **values):
    raise CituroError(gettext(
            'onretail_cituro.' + message, point=point, **values))


def _unexpected(point, cause, **values):
    _refuse('msg_cituro_unexpected', point, cause=gettext(
            'onretail_cituro.' + cause, **values))


class Client:
    "The cituro API at url with api_key, for the cash register named point"

    def __init__(self, url, api_key, point):
        self.url = url.rstrip('/')
        self.api_key = api_key
        self.point = point

    def account_name(self):
        "The name of the cituro account of the key (GET /me)"
        data = self._get('/me')
        if not isinstance(data, dict):
            _unexpected(self.point, 'msg_cause_no_data')
        return self._text(data.get('name'), 'name', required=True)

    def appointments(self, day):
        "The appointments of day (a date) of every page, by start"
        appointments = []
        for page in range(1, MAX_PAGES + 1):
            data, meta = self._get('/appointments', params={
                    'filter[from]': day.isoformat(),
                    'filter[to]': day.isoformat(),
                    'sort': 'startDate',
                    'page': page,
                    'limit': PAGE_LIMIT,
                    }, with_meta=True)
            if not isinstance(data, list):
                _unexpected(self.point, 'msg_cause_no_data')
            appointments.extend(self.parse_appointment(a) for a in data)
            total = meta.get('total') if isinstance(meta, dict) else None
            if (isinstance(total, bool) or not isinstance(total, int)
                    or total < 0):
                _unexpected(self.point, 'msg_cause_field', field='meta.total')
            if len(appointments) >= total or len(data) < PAGE_LIMIT:
                return appointments
        _unexpected(self.point, 'msg_cause_pages', maximum=MAX_PAGES)

    def appointment(self, cituro_id):
        "The appointment of cituro_id, read again"
        return self.parse_appointment(
            self._get('/appointments/%s' % self._identifier(
                    cituro_id, 'id')))

    def customer(self, cituro_id):
        "The customer of cituro_id, for a booking that names only its id"
        customer = self._customer(self._get('/customers/%s' % (
                    self._identifier(cituro_id, 'customerId'))))
        customer['id'] = cituro_id
        return customer

    def report_paid(self, cituro_id, reference):
        "Tell cituro that the appointment is paid by the sale reference"
        self._request('PATCH', '/appointments/%s' % self._identifier(
                cituro_id, 'id'), json={
                'paymentStatus': 'paid',
                'externalReference': reference,
                })

    def _get(self, path, params=None, with_meta=False):
        answer = self._request('GET', path, params=params)
        if not isinstance(answer, dict) or 'data' not in answer:
            _unexpected(self.point, 'msg_cause_no_data')
        if with_meta:
            return answer['data'], answer.get('meta')
        return answer['data']

    def _request(self, method, path, params=None, json=None):
        try:
            response = requests.request(method, self.url + path,
                params=params, json=json, timeout=TIMEOUT,
                allow_redirects=False, headers={
                    'X-API-Key': self.api_key,
                    'Accept': 'application/json',
                    })
        except requests.Timeout:
            _refuse('msg_cituro_timeout', self.point)
        except requests.RequestException:
            _refuse('msg_cituro_unreachable', self.point, url=self.url)
        logger.info("cituro %s %s: %s", method, path, response.status_code)
        status = response.status_code
        if status in {401, 403}:
            _refuse('msg_cituro_key_refused', self.point)
        if status == 404:
            _refuse('msg_cituro_not_found', self.point, path=path)
        if status == 429:
            _refuse('msg_cituro_rate_limited', self.point)
        if status >= 500:
            _refuse('msg_cituro_server_error', self.point, status=status)
        if not 200 <= status < 300:
            _refuse('msg_cituro_http_error', self.point, status=status)
        try:
            return response.json()
        except ValueError:
            _unexpected(self.point, 'msg_cause_not_json')

    def parse_appointment(self, data):
        """The appointment of cituro's data, checked: id, start (UTC without
        time zone, as Tryton stores it), status, customer and items"""
        if not isinstance(data, dict):
            _unexpected(self.point, 'msg_cause_field', field='appointment')
        booking = data.get('booking')
        if booking is None:
            booking = {}
        if not isinstance(booking, dict):
            _unexpected(self.point, 'msg_cause_field', field='booking')
        items = data.get('items')
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            _unexpected(self.point, 'msg_cause_field', field='items')
        customer = self._customer(booking.get('customer'))
        customer_id = booking.get('customerId')
        if customer_id is not None:
            customer['id'] = self._identifier(
                customer_id, 'booking.customerId')
        return {
            'id': self._identifier(data.get('id'), 'id'),
            'start': self._start(data.get('startDate')),
            'status': self._text(data.get('status'), 'status') or '',
            'customer': customer,
            'items': [self._item(i) for i in items],
            }

    def _customer(self, data):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            _unexpected(self.point, 'msg_cause_field', field='customer')
        customer = {
            'id': None,
            'first_name': self._text(data.get('firstName'), 'firstName'),
            'last_name': self._text(data.get('lastName'), 'lastName'),
            'email': self._text(data.get('email'), 'email'),
            'mobile': self._text(data.get('mobilePhone'), 'mobilePhone'),
            }
        if data.get('id') is not None:
            customer['id'] = self._identifier(data['id'], 'customer.id')
        return customer

    def _item(self, data):
        if not isinstance(data, dict):
            _unexpected(self.point, 'msg_cause_field', field='items')
        service_id = data.get('serviceId')
        return {
            'id': self._identifier(data.get('id'), 'items.id'),
            'service_id': (self._identifier(service_id, 'items.serviceId')
                if service_id is not None else None),
            'name': self._text(data.get('name'), 'items.name', required=True),
            'price': self._price(data.get('price')),
            }

    def _identifier(self, value, field):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
            _unexpected(self.point, 'msg_cause_field', field=field)
        return value

    def _text(self, value, field, required=False):
        if value is None or value == '':
            if required:
                _unexpected(self.point, 'msg_cause_field', field=field)
            return None
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            _unexpected(self.point, 'msg_cause_field', field=field)
        value = ' '.join(value.split())
        if required and not value:
            _unexpected(self.point, 'msg_cause_field', field=field)
        return value or None

    def _start(self, value):
        try:
            start = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            _unexpected(self.point, 'msg_cause_field', field='startDate')
        if start.tzinfo is not None:
            start = start.astimezone(datetime.timezone.utc).replace(
                tzinfo=None)
        return start

    def _price(self, value):
        "A gross price: a decimal string (or number) of at most 4 decimals"
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            _unexpected(self.point, 'msg_cause_price', price=str(value)[:20])
        try:
            price = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            _unexpected(self.point, 'msg_cause_price', price=str(value)[:20])
        if (not price.is_finite() or not 0 <= price <= MAX_PRICE
                or price.as_tuple().exponent < -4):
            _unexpected(self.point, 'msg_cause_price', price=str(value)[:20])
        return price
