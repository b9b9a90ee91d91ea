# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cartum (Horoshop), a web-shop platform: its API as onRetail uses it, on
test data.

Every function is POST /api/<function>/ with a JSON body and answers HTTP
200 with {"status": STATUS, "response": ...}: OK, EMPTY (nothing found),
WARNING (partly done, with a per-record "log"), ERROR or UNAUTHORIZED with
{"message": ...}. Every body but auth's carries "token".

auth                        {"login", "password"} -> {"token"}, valid 600 s
orders/get                  {"from", "to"} (creation, "YYYY-MM-DD" or
                            "YYYY-MM-DD HH:MM:SS", inclusive), "ids",
                            "status" (an id or a list), "limit" (at most
                            500) and "offset" -> {"orders": [...]} by
                            creation, else EMPTY
orders/get_available_statuses  -> {"statuses": {"1": {"id", "title": {LANG:
                            ...}, "is_successful"}, ...}}
orders/update               {"orders": [{"order_id", "status"}]} -> OK, or
                            WARNING with "log": [{"status": "OK"|"ERROR",
                            "messages"}] in the order of the request
catalog/export              {"expr": {"article": [...]}, "limit" (at most
                            500), "offset"} -> {"products": [{"article",
                            "title": {LANG: ...}, "description": {LANG:
                            ...}, "parent": {"id", "value"}}]}, else EMPTY

An order as answered:

    {"order_id": 1024, "stat_created": "2026-12-04 10:15:00",
     "stat_status": 1, "currency": "UAH",
     "delivery_name": "Olena Koval", "delivery_phone": "+380 67 123 4567",
     "delivery_email": "olena@example.com", "delivery_city": "Kyiv",
     "delivery_address": "Khreshchatyk 1", "delivery_price": 0,
     "total_default": 389.5, "total_sum": 389.5, "total_quantity": 3,
     "products": [{"article": "CUP-01", "title": "Cup", "quantity": 2,
         "price": 150.0, "total_price": 300.0, "type": "product"}]}

stat_created is in the shop's time zone; money and ids are JSON numbers;
delivery_price -1 is "not calculated".

In a test:

    sandbox = CartumSandbox(login='api', password='secret')
    url = sandbox.start()       # 'http://127.0.0.1:PORT/api'
    sandbox.orders              # the live orders, editable
    sandbox.products            # the catalogue by article
    sandbox.reports             # each orders/update: {"order_id",
                                # "status", "result"}
    sandbox.requests            # each call: {"function", "body"}, with
                                # the token and password masked
    sandbox.tokens              # the tokens given: {token: expiry}
    sandbox.answers['orders/get'] = '{"status": 1}'
                                # answers the function with this text
    sandbox.set_fault('503')    # or None
    sandbox.add_order(...)      # an order of a fixture's form

fixtures is None for those in fixtures/cartum/, or a dict with any of the
keys statuses, products and orders in the form of those files. An order
there has "day" (days from today, in the time zone) and "time" instead of
stat_created, and products with "article", "quantity" and "price": the
title comes from the catalogue and the totals are computed.

The faults (see server) down, slow, 500, html, badjson, nodata, and:
502      HTTP 502 with a proxy's HTML page
503      HTTP 503 with a proxy's HTML page
login    auth answers ERROR: the login or password is refused
expired  every token given so far has expired (UNAUTHORIZED); a new login
         gets a good one"""
import copy
import json
import secrets
import time
from datetime import datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
from zoneinfo import ZoneInfo

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .server import FAULTS, Refused, Sandbox, json_response

FIXTURES = Path(__file__).parent / 'fixtures' / 'cartum'
FIXTURE_FILES = ('statuses', 'products', 'orders')
TOKEN_SECONDS = 600
MAX_LIMIT = 500
DATETIME = '%Y-%m-%d %H:%M:%S'


def default_fixtures():
    "The packaged fixtures"
    return {name: json.loads(
            (FIXTURES / f'{name}.json').read_text(encoding='utf-8'))
        for name in FIXTURE_FILES}


def answer(status, response=None):
    return json_response({'status': status,
            'response': response if response is not None else {}})


def refuse(status, message):
    "Cartum's error answer: HTTP 200, status and message"
    return answer(status, {'message': message})


class Rejected(Exception):
    "A call answered with Cartum's status and message"

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class CartumSandbox(Sandbox):
    "Cartum, the web shop whose orders come into onRetail"
    name = 'cartum'
    default_port = 8103
    faults = FAULTS | {'502', '503', 'login', 'expired'}
    routes = Map([
            Rule('/api/auth/', endpoint='auth', methods=['POST']),
            Rule('/api/orders/get/', endpoint='orders_get',
                methods=['POST']),
            Rule('/api/orders/get_available_statuses/',
                endpoint='orders_statuses', methods=['POST']),
            Rule('/api/orders/update/', endpoint='orders_update',
                methods=['POST']),
            Rule('/api/catalog/export/', endpoint='catalog_export',
                methods=['POST']),
            ], merge_slashes=False, strict_slashes=False)

    def __init__(self, login='api', password='secret', fixtures=None,
            timezone='Europe/Kyiv', token_seconds=TOKEN_SECONDS):
        self.login = login
        self.timezone = ZoneInfo(timezone)
        self.token_seconds = token_seconds
        self.tokens = {}
        super().__init__(password, fixtures)

    def load(self, fixtures):
        data = default_fixtures()
        data.update(fixtures or {})
        self.statuses = data['statuses']
        self.products = {p['article']: p for p in data['products']}
        self.orders = []
        self.requests = []
        self.tokens = {}
        self.answers = {}
        for order in data['orders']:
            self.add_order(order)

    def add_order(self, fixture):
        "Add the order of a fixture (see the module's doc); the order"
        order = copy.deepcopy(fixture)
        if 'stat_created' not in order:
            today = datetime.now(self.timezone).date()
            hour, minute = map(int, order.pop('time', '10:00').split(':'))
            created = datetime.combine(
                today + timedelta(days=order.pop('day', 0)),
                datetime.min.time()).replace(hour=hour, minute=minute)
            order['stat_created'] = created.strftime(DATETIME)
        order.setdefault('stat_status', 1)
        order.setdefault('currency', 'UAH')
        order.setdefault('delivery_price', 0)
        lines = []
        for line in order.get('products', []):
            product = self.products.get(line.get('article'), {})
            title = product.get('title', {})
            line = {
                'article': line.get('article'),
                'title': line.get('title', first_text(title)),
                'quantity': line.get('quantity', 1),
                'price': line.get('price', product.get('price', 0)),
                'type': line.get('type', 'product'),
                **line,
                }
            line.setdefault('total_price', money(
                    Decimal(str(line['price'])) * Decimal(str(
                            line['quantity']))))
            lines.append(line)
        order['products'] = lines
        total = sum((Decimal(str(line['total_price'])) for line in lines),
            Decimal(0))
        order.setdefault('total_default', money(total))
        order.setdefault('total_sum', order['total_default'])
        order.setdefault('total_quantity', sum(
                line['quantity'] for line in lines))
        self.orders.append(order)
        return order

    def order(self, order_id):
        "The live order of order_id"
        for order in self.orders:
            if order.get('order_id') == order_id:
                return order
        raise KeyError(order_id)

    def set_quantity(self, order_id, number, quantity):
        """Set the quantity of the order's line number as the merchant does
        in the shop's admin: the line's and the order's totals follow"""
        order = self.order(order_id)
        line = order['products'][number]
        line['quantity'] = quantity
        line['total_price'] = money(
            Decimal(str(line['price'])) * Decimal(str(quantity)))
        total = money(sum((Decimal(str(l['total_price']))
                    for l in order['products']), Decimal(0)))
        discount = Decimal(str(order['total_default'])) - Decimal(
            str(order['total_sum']))
        order['total_default'] = total
        order['total_sum'] = money(Decimal(str(total)) - discount)
        order['total_quantity'] = sum(
            l['quantity'] for l in order['products'])

    def set_fault(self, fault, seconds=None):
        super().set_fault(fault, seconds)
        if fault == 'expired':
            with self.lock:
                self.tokens.clear()

    def authorize(self, request):
        "The token is in the body: each function checks it"

    def answer(self, request):
        with self.lock:
            fault = self.fault
        if fault in {'502', '503'}:
            status = HTTPStatus(int(fault))
            return Response(
                f'<html><head><title>{status.value} {status.phrase}</title>'
                f'</head><body><center><h1>{status.value} {status.phrase}'
                '</h1></center><hr><center>nginx</center></body></html>\n',
                status=status, content_type='text/html')
        return super().answer(request)

    def call(self, request, fault, function, authorized=True):
        "The answer of function(body, fault) to the request's JSON body"
        try:
            body = json.loads(request.get_data(as_text=False) or b'null')
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return refuse('HTTP_ERROR', "payload is not json")
        name = request.path.partition('/api/')[2].strip('/')
        self.requests.append({'function': name, 'body': masked(body)})
        if name in self.answers:
            return Response(self.answers[name], mimetype='application/json')
        try:
            if authorized:
                self.check_token(body.get('token'))
            return function(body, fault)
        except Rejected as rejected:
            return refuse(rejected.status, rejected.message)

    def auth(self, request, fault):
        return self.call(request, fault, self.login_token, authorized=False)

    def orders_get(self, request, fault):
        return self.call(request, fault, self.order_list)

    def orders_statuses(self, request, fault):
        return self.call(request, fault, self.status_list)

    def orders_update(self, request, fault):
        return self.call(request, fault, self.order_update)

    def catalog_export(self, request, fault):
        return self.call(request, fault, self.product_list)

    def check_token(self, token):
        expiry = self.tokens.get(token) if isinstance(token, str) else None
        if expiry is None or expiry < time.monotonic():
            raise Rejected('UNAUTHORIZED', "token expired")

    def login_token(self, body, fault):
        login, password = body.get('login'), body.get('password')
        if (fault == 'login' or not isinstance(login, str)
                or not isinstance(password, str)
                or not secrets.compare_digest(login.encode(),
                    self.login.encode())
                or not secrets.compare_digest(password.encode(),
                    self.api_key.encode())):
            raise Rejected('ERROR',
                "user with this login/password does not exist")
        token = secrets.token_hex(16)
        self.tokens[token] = time.monotonic() + self.token_seconds
        return answer('OK', {'token': token})

    def order_list(self, body, fault):
        first = datetime_argument(body, 'from')
        last = datetime_argument(body, 'to', end=True)
        ids = body.get('ids')
        if ids is not None and (not isinstance(ids, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool)
                    for i in ids)):
            raise Rejected('ERROR', "ids must be a list of order numbers")
        statuses = body.get('status')
        if isinstance(statuses, int) and not isinstance(statuses, bool):
            statuses = [statuses]
        limit, offset = limit_arguments(body)
        orders, undated = [], []
        for order in self.orders:
            created = created_of(order)
            value = order.get if isinstance(order, dict) else (
                lambda name: None)
            if ids is not None and value('order_id') not in ids:
                continue
            if statuses is not None and value('stat_status') not in statuses:
                continue
            if created is None:
                # a test broke it on purpose: the client must cope
                undated.append(order)
                continue
            if first is not None and created < first:
                continue
            if last is not None and created > last:
                continue
            orders.append(order)
        orders.sort(key=lambda o: (created_of(o), str(o.get('order_id'))))
        orders += undated
        orders = orders[offset:None if limit is None else offset + limit]
        if not orders:
            return answer('EMPTY', [])
        return answer('OK', {'orders': copy.deepcopy(orders)})

    def status_list(self, body, fault):
        return answer('OK', {'statuses': {
                    str(s['id']): s for s in self.statuses}})

    def order_update(self, body, fault):
        changes = body.get('orders')
        if not isinstance(changes, list) or not changes:
            raise Rejected('ERROR', "orders must be a list")
        known = {s['id'] for s in self.statuses}
        log = []
        for change in changes:
            entry = {'status': 'ERROR'}
            order_id = change.get('order_id') if isinstance(
                change, dict) else None
            status = change.get('status') if isinstance(
                change, dict) else None
            try:
                order = self.order(order_id)
            except KeyError:
                entry['messages'] = "order not found"
            else:
                if status not in known or isinstance(status, bool):
                    entry['messages'] = (
                        "status is not defined or defined incorrectly")
                else:
                    order['stat_status'] = status
                    entry = {'status': 'OK', 'messages': "UPDATED"}
            log.append(entry)
            self.reports.append({'order_id': order_id, 'status': status,
                    'result': entry['status']})
        if all(e['status'] == 'OK' for e in log):
            return answer('OK', {'log': log})
        return answer('WARNING', {'log': log})

    def product_list(self, body, fault):
        expr = body.get('expr', {})
        if not isinstance(expr, dict):
            raise Rejected('EXCEPTION', "expr must be an object")
        articles = expr.get('article')
        if isinstance(articles, str):
            articles = [articles]
        if articles is not None and not isinstance(articles, list):
            raise Rejected('EXCEPTION', "article must be a text or a list")
        limit, offset = limit_arguments(body, default=MAX_LIMIT)
        products = [p for a, p in sorted(self.products.items())
            if articles is None or a in articles]
        products = products[offset:offset + limit]
        if not products:
            return answer('EMPTY', [])
        return answer('OK', {'products': copy.deepcopy(products)})

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument('--login', default='api',
            help="the API user's login (default %(default)s)")
        parser.add_argument('--timezone', default='Europe/Kyiv',
            help="of the orders' creation times (default %(default)s)")

    @classmethod
    def from_arguments(cls, args):
        return cls(login=args.login, password=args.api_key,
            timezone=args.timezone)


def first_text(texts):
    "The first non-empty text of a text per language"
    if isinstance(texts, dict):
        return next((t for t in texts.values() if t), '')
    return texts or ''


def money(value):
    "A decimal as Cartum's JSON number"
    value = Decimal(value).quantize(Decimal('0.01'))
    return int(value) if value == value.to_integral() else float(value)


def masked(body):
    return {key: '***' if key in {'token', 'password'} else value
        for key, value in body.items()}


def created_of(order):
    "The creation time of the order, None when it has none that reads"
    try:
        return datetime.strptime(order['stat_created'], DATETIME)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def datetime_argument(body, name, end=False):
    "The datetime of body's name: a day (its start or end) or a time"
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        for form in (DATETIME, '%d.%m.%Y %H:%M:%S'):
            try:
                return datetime.strptime(value, form)
            except ValueError:
                pass
        for form in ('%Y-%m-%d', '%d.%m.%Y'):
            try:
                day = datetime.strptime(value, form)
            except ValueError:
                continue
            return day + timedelta(days=1, microseconds=-1) if end else day
    raise Rejected('ERROR', f"{name} must be a date")


def limit_arguments(body, default=None):
    limit, offset = body.get('limit', default), body.get('offset', 0)
    for name, value in [('limit', limit), ('offset', offset)]:
        if value is not None and (isinstance(value, bool)
                or not isinstance(value, int) or value < 0):
            raise Rejected('ERROR', f"{name} must be a number")
    if limit is None:
        offset = 0  # as Cartum: offset only with limit
    return (min(limit, MAX_LIMIT) if limit is not None else None), offset

