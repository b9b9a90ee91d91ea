# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Cartum (Horoshop) API as onRetail uses it: JSON POST to
/api/<function>/, the answer {"status", "response"}, the token of auth in
every body, kept until it expires and renewed once on UNAUTHORIZED.

What goes wrong with a call as a whole is a CartumError naming the store and
the cause, raised before the caller writes anything. The orders come back
as Cartum sent them: parse_order checks one, so that a bad order fails
alone. The password and the token are sent in the body only, never
logged."""
import datetime
import hashlib
import logging
import re
import threading
import time
from decimal import Decimal, InvalidOperation

import requests

from trytond.i18n import gettext

from .exceptions import CartumError, CartumOrderError

logger = logging.getLogger(__name__)

# seconds to connect and to read an answer
TIMEOUT = (5, 30)
# Cartum's tokens live 600 s: renewed a little before
TOKEN_SECONDS = 600 - 30
PAGE_SIZE = 100
# 100,000 orders in one run is far beyond a shop's 10 minutes
MAX_PAGES = 1000
CATALOG_LIMIT = 500
MAX_LINES = 500
MAX_TEXT = 500
MAX_AMOUNT = Decimal('1000000000')
MAX_QUANTITY = Decimal('1000000')
MAX_ORDER_ID = 2 ** 53
DATETIME = '%Y-%m-%d %H:%M:%S'
SUCCESS = {'OK', 'EMPTY', 'WARNING'}
ARTICLE = re.compile(r'\S(.{0,98}\S)?')


def refuse(msg_id, store, **values):
    raise CartumError(gettext(
            'onretail_cartum.' + msg_id, store=store, **values))


def unexpected(store, cause, **values):
    refuse('msg_cartum_unexpected', store, cause=gettext(
            'onretail_cartum.' + cause, **values))


class Client:
    """The API of a store at url (https://<domain>/api), logging in as login
    with password; store is its name in the messages"""
    _tokens = {}
    _tokens_lock = threading.Lock()

    def __init__(self, key, url, login, password, store, language='ua'):
        self.url = url.rstrip('/')
        self.login = login
        self.password = password
        self.store = store
        self.language = language
        # the token of a store is for its url, login and password only
        self._key = (key, self.url, login, hashlib.sha256(
                (password or '').encode()).hexdigest())

    def statuses(self):
        "Cartum's order statuses as [(id, name)] by id"
        response = self.call('orders/get_available_statuses')
        statuses = response.get('statuses') if isinstance(
            response, dict) else None
        if isinstance(statuses, dict):
            statuses = list(statuses.values())
        if not isinstance(statuses, list):
            unexpected(self.store, 'msg_cause_field', field='statuses')
        result = []
        for status in statuses:
            if not isinstance(status, dict):
                unexpected(self.store, 'msg_cause_field', field='statuses')
            status_id = status.get('id')
            if (isinstance(status_id, bool) or not isinstance(status_id, int)
                    or not 0 < status_id < 2 ** 31):
                unexpected(self.store, 'msg_cause_field', field='statuses.id')
            name = self.translated(status.get('title')) or str(status_id)
            result.append((status_id, text(name, 100)))
        return sorted(result)

    def orders(self, created_from, created_to):
        """The orders created from created_from to created_to (naive, the
        shop's time) of every page, as Cartum sent them"""
        return self._pages('orders', {
                'from': created_from.strftime(DATETIME),
                'to': created_to.strftime(DATETIME),
                })

    def orders_of_ids(self, order_ids):
        "The orders of order_ids, as Cartum sent them"
        orders = []
        order_ids = list(order_ids)
        for start in range(0, len(order_ids), PAGE_SIZE):
            ids = order_ids[start:start + PAGE_SIZE]
            orders.extend(self._pages('orders', {'ids': ids}, len(ids)))
        return orders

    def _pages(self, key, body, expected=None):
        "The records of key of each page, up to expected ones when given"
        records = []
        for number in range(MAX_PAGES):
            response = self.call('orders/get', dict(body,
                    limit=PAGE_SIZE, offset=number * PAGE_SIZE))
            if response is None:  # EMPTY
                return records
            page = response.get(key) if isinstance(response, dict) else None
            if not isinstance(page, list) or len(page) > PAGE_SIZE:
                unexpected(self.store, 'msg_cause_field', field=key)
            records.extend(page)
            if len(page) < PAGE_SIZE or (
                    expected is not None and len(records) >= expected):
                return records
        unexpected(self.store, 'msg_cause_pages', maximum=MAX_PAGES)

    def update_statuses(self, changes):
        """Set the status of each (order id, status) of changes: the message
        of Cartum's refusal per order id, None for those it took"""
        if not changes:
            return {}
        body = {'orders': [{'order_id': int(order_id), 'status': status}
                for order_id, status in changes]}
        status, response = self.call('orders/update', body, with_status=True)
        if status == 'OK':
            return {order_id: None for order_id, _ in changes}
        log = response.get('log') if isinstance(response, dict) else None
        if not isinstance(log, list) or len(log) != len(changes):
            unexpected(self.store, 'msg_cause_field', field='log')
        result = {}
        for (order_id, _), entry in zip(changes, log):
            if not isinstance(entry, dict):
                unexpected(self.store, 'msg_cause_field', field='log')
            if entry.get('status') == 'OK':
                result[order_id] = None
            else:
                message = entry.get('messages', entry.get('message'))
                result[order_id] = text(message, MAX_TEXT) or '?'
        return result

    def products(self, articles):
        """The catalogue's products of articles: {article: {"name",
        "description", "category"}} in the store's language"""
        products = {}
        articles = sorted(set(articles))
        for start in range(0, len(articles), CATALOG_LIMIT):
            response = self.call('catalog/export', {
                    'expr': {'article': articles[start:start + CATALOG_LIMIT]},
                    'limit': CATALOG_LIMIT,
                    })
            if response is None:
                continue
            page = response.get('products') if isinstance(
                response, dict) else None
            if not isinstance(page, list):
                unexpected(self.store, 'msg_cause_field', field='products')
            for product in page:
                if not isinstance(product, dict):
                    unexpected(self.store, 'msg_cause_field',
                        field='products')
                article = product.get('article')
                if not isinstance(article, str) or article not in articles:
                    continue
                parent = product.get('parent')
                if isinstance(parent, dict):
                    parent = parent.get('value')
                products[article] = {
                    'name': text(self.translated(product.get('title')), 200),
                    'description': text(
                        self.translated(product.get('description')), 5000),
                    'category': category_name(parent),
                    }
        return products

    def translated(self, texts):
        "The text of the store's language, else the first one"
        if isinstance(texts, str):
            return texts
        if not isinstance(texts, dict):
            return None
        value = texts.get(self.language)
        if isinstance(value, str) and value.strip():
            return value
        return next((v for v in texts.values()
                if isinstance(v, str) and v.strip()), None)

    def call(self, function, body=None, with_status=False):
        """The response of function; None for EMPTY. A refused token is
        renewed once."""
        for attempt in range(2):
            token = self._token(renew=bool(attempt))
            status, response = self._post(function, dict(body or {},
                    token=token))
            if status != 'UNAUTHORIZED':
                break
        else:
            refuse('msg_cartum_token_refused', self.store)
        if status not in SUCCESS:
            refuse('msg_cartum_refused', self.store, function=function,
                status=status, message=message_of(response))
        if status == 'WARNING':
            logger.warning("Cartum %s of %s: WARNING %s", function,
                self.store, str(response)[:MAX_TEXT])
        if status == 'EMPTY':
            response = None
        elif not isinstance(response, (dict, list)):
            unexpected(self.store, 'msg_cause_field', field='response')
        return (status, response) if with_status else response

    def _token(self, renew=False):
        with self._tokens_lock:
            token, expiry = self._tokens.get(self._key, (None, 0))
        if token and not renew and time.monotonic() < expiry:
            return token
        status, response = self._post('auth', {
                'login': self.login, 'password': self.password})
        if status != 'OK':
            refuse('msg_cartum_login_refused', self.store,
                message=message_of(response))
        token = response.get('token') if isinstance(response, dict) else None
        if not isinstance(token, str) or not 8 <= len(token) <= 200:
            unexpected(self.store, 'msg_cause_field', field='token')
        with self._tokens_lock:
            self._tokens[self._key] = (
                token, time.monotonic() + TOKEN_SECONDS)
        return token

    def _post(self, function, body):
        url = '%s/%s/' % (self.url, function)
        try:
            response = requests.post(url, json=body, timeout=TIMEOUT,
                allow_redirects=False, headers={'Accept': 'application/json'})
        except requests.Timeout:
            refuse('msg_cartum_timeout', self.store)
        except requests.RequestException:
            refuse('msg_cartum_unreachable', self.store, url=self.url)
        logger.info("Cartum %s of %s: HTTP %s", function, self.store,
            response.status_code)
        if response.status_code >= 500:
            refuse('msg_cartum_server_error', self.store,
                status=response.status_code)
        if response.status_code != 200:
            refuse('msg_cartum_http_error', self.store,
                status=response.status_code)
        try:
            answer = response.json()
        except ValueError:
            unexpected(self.store, 'msg_cause_not_json')
        if not isinstance(answer, dict) or not isinstance(
                answer.get('status'), str):
            unexpected(self.store, 'msg_cause_field', field='status')
        return answer['status'][:40], answer.get('response')


def message_of(response):
    if isinstance(response, dict):
        return text(response.get('message'), MAX_TEXT) or ''
    return ''


def text(value, size):
    "value as one line of at most size characters, None when empty"
    if not isinstance(value, str):
        return None
    value = ' '.join(value.split())[:size]
    return value or None


def category_name(value):
    "The last name of a category path (Toys\\Kids), None when none"
    value = text(value, 500)
    if not value:
        return None
    return text(re.split(r'\\|/|»', value)[-1], 100)


def parse_order(data):
    """The order of Cartum's data, checked: a dict of the fields onRetail
    uses; CartumOrderError naming the first bad field otherwise"""
    if not isinstance(data, dict):
        raise CartumOrderError(None, 'order')
    order_id = data.get('order_id')
    if (isinstance(order_id, bool) or not isinstance(order_id, int)
            or not 0 < order_id < MAX_ORDER_ID):
        raise CartumOrderError(None, 'order_id')
    order_id = str(order_id)

    def field(name, check):
        try:
            return check(data.get(name))
        except (TypeError, ValueError, InvalidOperation):
            raise CartumOrderError(order_id, name)

    lines = data.get('products')
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise CartumOrderError(order_id, 'products')
    order = {
        'id': order_id,
        'created': field('stat_created', created_time),
        'status': field('stat_status', status_id),
        'currency': field('currency', currency_code),
        'name': field('delivery_name', lambda v: optional_text(v, 100)),
        'phone': field('delivery_phone', lambda v: optional_text(v, 40)),
        'email': field('delivery_email', lambda v: optional_text(v, 200)),
        'city': field('delivery_city', lambda v: optional_text(v, 100)),
        'address': field('delivery_address',
            lambda v: optional_text(v, 300)),
        'delivery': field('delivery_price', delivery_price),
        'total_default': field('total_default', amount),
        'total_sum': field('total_sum', amount),
        'lines': [],
        }
    for number, line in enumerate(lines):
        name = 'products[%s]' % number
        if not isinstance(line, dict):
            raise CartumOrderError(order_id, name)
        try:
            article = line.get('article')
            if article is not None and not (isinstance(article, str)
                    and ARTICLE.fullmatch(article)):
                raise ValueError(article)
            order['lines'].append({
                    'article': article,
                    'title': optional_text(line.get('title'), 200),
                    'quantity': quantity(line.get('quantity')),
                    'price': amount(line.get('price')),
                    })
        except (TypeError, ValueError, InvalidOperation):
            raise CartumOrderError(order_id, name)
        if not order['lines'][-1]['article'] and not order['lines'][-1][
                'title']:
            raise CartumOrderError(order_id, name)
    return order


def created_time(value):
    return datetime.datetime.strptime(value, DATETIME)


def status_id(value):
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not (
            0 < value < 2 ** 31):
        raise ValueError(value)
    return value


def currency_code(value):
    if not (isinstance(value, str) and re.fullmatch('[A-Z]{3}', value)):
        raise ValueError(value)
    return value


def optional_text(value, size):
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 10 * size:
        raise ValueError(value)
    return text(value, size)


def decimal(value):
    "A JSON number or a numeric text as a finite Decimal"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(value)
    if isinstance(value, str) and len(value) > 30:
        raise ValueError(value)
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise ValueError(value)
    return number


def amount(value):
    number = decimal(value)
    if not 0 <= number <= MAX_AMOUNT:
        raise ValueError(value)
    return number.quantize(Decimal('0.0001'))


def quantity(value):
    number = decimal(value)
    if not 0 < number <= MAX_QUANTITY or number.as_tuple().exponent < -4:
        raise ValueError(value)
    return number


def delivery_price(value):
    "The delivery price; -1 (not calculated) and none are 0"
    if value is None:
        return Decimal(0)
    number = decimal(value)
    if number == -1:
        return Decimal(0)
    return amount(value)
