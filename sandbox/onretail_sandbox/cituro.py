# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""cituro, the appointment calendar of salons: its REST API as onRetail uses
it, on test data.

All paths are under /api; every request carries X-API-Key (else 401).
Answers are JSON with the payload under "data"; errors are
{"error": {"code": STATUS, "message": ...}}.

GET /api/me                        {"data": {"id", "name"}} of the account
GET /api/appointments              ?filter[from]=YYYY-MM-DD&filter[to]=...
                                   (the local date of startDate, inclusive)
                                   &page=1&limit=20 (at most 100)
                                   &sort=startDate or -startDate
GET /api/appointments/{id}
PATCH /api/appointments/{id}       {"paymentStatus": "open" | "paid",
                                   "externalReference": TEXT | null}
GET /api/services, /api/services/{id}
GET /api/customers, /api/customers/{id}, ?filter[email]= (any case)

A list is {"data": [...], "meta": {"total", "page", "limit"}}. An
appointment:

    {"id": "A-100", "startDate": "2026-12-05T10:00:00+01:00",
     "status": "confirmed" | "cancelled", "paymentStatus": "open" | "paid",
     "externalReference": null,
     "booking": {"customerId": "c-1", "customer": {"id", "firstName",
         "lastName", "email", "mobilePhone"}},
     "items": [{"id": "A-100-1", "serviceId": "s-cut", "name": "Haircut",
         "price": "35.00", "duration": 30}]}

prices are gross, decimal strings.

In a test:

    from onretail_sandbox.cituro import CituroSandbox

    sandbox = CituroSandbox(api_key='test-key', fixtures=None,
        timezone='Europe/Vienna')
    url = sandbox.start()       # 'http://127.0.0.1:PORT/api'
    sandbox.appointments        # the live data: dicts as answered, editable
    sandbox.reports             # each PATCH: {"id", "body", "status"}
    sandbox.set_fault('500')    # or None; set_fault('slow', seconds=0.3)
    sandbox.reset()             # fixtures again, no reports, no fault
    sandbox.stop()

or "with CituroSandbox(api_key=...) as sandbox:" (started, sandbox.url).
A PATCH is reported even when refused (422, 404), not when a fault other
than slow answered it.

fixtures is None for those in fixtures/cituro/, or a dict with any of the
keys account, services, customers and appointments (the others are the
packaged ones), in the form of those files. An appointment there has "day"
(days from today in the time zone) and "time" ("10:00") instead of
startDate (or startDate itself), "customerId" instead of "booking", and
items of which only serviceId is needed: name, price and duration come from
the service, id is the appointment's id and the item's number. "Today" is
that of the last reset.

Faults besides those of every sandbox (see server): noid, noitems and
badprice answer appointments without "id", without "items", or with every
item's price "abc"."""
import argparse
import copy
import json
import re
from datetime import date, datetime, time, timedelta
from http import HTTPStatus
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.routing import Map, Rule

from .server import FAULTS, NOT_FOUND, Refused, Sandbox, json_response

FIXTURES = Path(__file__).parent / 'fixtures' / 'cituro'
FIXTURE_FILES = ('account', 'services', 'customers', 'appointments')
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAYMENT_STATUSES = ('open', 'paid')
PATCHABLE = {'paymentStatus', 'externalReference'}


def default_fixtures():
    "The packaged fixtures"
    return {name: json.loads(
            (FIXTURES / f'{name}.json').read_text(encoding='utf-8'))
        for name in FIXTURE_FILES}


class CituroSandbox(Sandbox):
    "cituro, the appointment calendar of salons"
    name = 'cituro'
    default_port = 8101
    faults = FAULTS | {'noid', 'noitems', 'badprice'}
    # no redirects to merged slashes: a client's wrong path is a 404
    routes = Map([
            Rule('/api/me', endpoint='me', methods=['GET']),
            Rule('/api/appointments', endpoint='appointment_list',
                methods=['GET']),
            Rule('/api/appointments/<id>', endpoint='appointment',
                methods=['GET']),
            Rule('/api/appointments/<id>', endpoint='appointment_patch',
                methods=['PATCH']),
            Rule('/api/services', endpoint='service_list', methods=['GET']),
            Rule('/api/services/<id>', endpoint='service', methods=['GET']),
            Rule('/api/customers', endpoint='customer_list',
                methods=['GET']),
            Rule('/api/customers/<id>', endpoint='customer',
                methods=['GET']),
            ], merge_slashes=False)

    def __init__(self, api_key, fixtures=None, timezone='Europe/Vienna',
            dated_ids=False):
        self.timezone = ZoneInfo(timezone)  # an unknown one fails here
        # ids that end with the appointment's date, as a long-lived demo
        # needs: cituro's ids never come again the next day
        self.dated_ids = dated_ids
        super().__init__(api_key, fixtures)

    def load(self, fixtures):
        data = default_fixtures()
        data.update(fixtures or {})
        self.account = data['account']
        self.services = data['services']
        self.customers = data['customers']
        today = datetime.now(self.timezone).date()
        self.appointments = [self.appointment_data(appointment, today)
            for appointment in data['appointments']]

    def appointment_data(self, fixture, today):
        "The appointment as answered of its fixture"
        start = fixture.get('startDate')
        if start is None:
            hour, minute = map(int, fixture['time'].split(':'))
            start = datetime.combine(
                today + timedelta(days=fixture.get('day', 0)),
                time(hour, minute), self.timezone).isoformat()
        services = {service['id']: service for service in self.services}
        id_ = fixture['id']
        if self.dated_ids:
            id_ = f"{id_}-{datetime.fromisoformat(start):%Y%m%d}"
        items = []
        for number, item in enumerate(fixture['items'], 1):
            service = services.get(item.get('serviceId'), {})
            items.append({
                    'id': item.get('id', f"{id_}-{number}"),
                    'serviceId': item.get('serviceId'),
                    **{key: item.get(key, service.get(key))
                        for key in ('name', 'price', 'duration')},
                    })
        booking = fixture.get('booking')
        if booking is None:
            customer_id = fixture['customerId']
            booking = {'customerId': customer_id, 'customer': copy.deepcopy(
                    find(self.customers, customer_id))}
        return {
            'id': id_,
            'startDate': start,
            'status': fixture.get('status', 'confirmed'),
            'paymentStatus': fixture.get('paymentStatus', 'open'),
            'externalReference': fixture.get('externalReference'),
            'booking': booking,
            'items': items,
            }

    def me(self, request, fault):
        return json_response({'data': {
                    'id': self.account['id'], 'name': self.account['name']}})

    def appointment_list(self, request, fault):
        first = date_argument(request, 'filter[from]')
        last = date_argument(request, 'filter[to]')
        sort = request.args.get('sort', 'startDate')
        if sort not in ('startDate', '-startDate'):
            raise Refused(HTTPStatus.BAD_REQUEST,
                "sort must be startDate or -startDate")
        appointments, undated = [], []
        for appointment in self.appointments:
            start = start_of(appointment)
            if start is None:
                # a test broke it on purpose: the client must cope
                undated.append(appointment)
            # the date where the appointment is, in its own offset
            elif ((first is None or start.date() >= first)
                    and (last is None or start.date() <= last)):
                appointments.append((start, str(appointment.get('id') or ''),
                        appointment))
        appointments.sort(key=lambda entry: entry[:2],
            reverse=sort.startswith('-'))
        return page(request, [distort(appointment, fault)
                for appointment in [a for _, _, a in appointments] + undated])

    def appointment(self, request, fault, id):
        return json_response(
            {'data': distort(find(self.appointments, id), fault)})

    def appointment_patch(self, request, fault, id):
        text = request.get_data(as_text=True)
        try:
            body = json.loads(text)
        except ValueError:
            body = text  # reported as it came
        report = {'id': id, 'body': body, 'status': HTTPStatus.OK.value}
        self.reports.append(report)
        try:
            appointment = find(self.appointments, id)
            check_patch(body)
        except Refused as refused:
            report['status'] = refused.status.value
            raise
        appointment.update(body)
        return json_response({'data': distort(appointment, fault)})

    def service_list(self, request, fault):
        return page(request, self.services)

    def service(self, request, fault, id):
        return json_response({'data': find(self.services, id)})

    def customer_list(self, request, fault):
        customers = self.customers
        email = request.args.get('filter[email]')
        if email is not None:
            customers = [customer for customer in customers
                if customer.get('email')
                and customer['email'].casefold() == email.casefold()]
        return page(request, customers)

    def customer(self, request, fault, id):
        return json_response({'data': find(self.customers, id)})

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument('--timezone', type=timezone,
            default='Europe/Vienna',
            help="of the appointments' times (default %(default)s)")
        parser.add_argument('--dated-ids', action='store_true',
            help="end the appointments' ids with their date (A-100-20261205)"
            ", so that a database that took one yesterday takes today's")

    @classmethod
    def from_arguments(cls, args):
        return cls(api_key=args.api_key, timezone=args.timezone,
            dated_ids=args.dated_ids)


def timezone(name):
    "name when it is a time zone, for argparse"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r}")
    return name


def start_of(appointment):
    "The start of the appointment, None when it has none that reads"
    try:
        return datetime.fromisoformat(appointment['startDate'])
    except (KeyError, TypeError, ValueError):
        return None


def find(records, id):
    for record in records:
        if isinstance(record, dict) and record.get('id') == id:
            return record
    raise Refused(HTTPStatus.NOT_FOUND, NOT_FOUND)


def check_patch(body):
    "Refused 422 unless body is a change of the payment"
    if not isinstance(body, dict):
        raise Refused(HTTPStatus.UNPROCESSABLE_ENTITY,
            "The body must be a JSON object")
    unknown = sorted(body.keys() - PATCHABLE)
    if unknown:
        raise Refused(HTTPStatus.UNPROCESSABLE_ENTITY,
            f"Unknown field {unknown[0][:40]!r}")
    if not body:
        raise Refused(HTTPStatus.UNPROCESSABLE_ENTITY, "Nothing to change")
    if 'paymentStatus' in body and (
            body['paymentStatus'] not in PAYMENT_STATUSES):
        raise Refused(HTTPStatus.UNPROCESSABLE_ENTITY,
            "paymentStatus must be open or paid")
    if not isinstance(body.get('externalReference', ''), (str, type(None))):
        raise Refused(HTTPStatus.UNPROCESSABLE_ENTITY,
            "externalReference must be a text or null")


def distort(appointment, fault):
    "The appointment as answered under fault"
    if fault == 'noid':
        return {key: value for key, value in appointment.items()
            if key != 'id'}
    if fault == 'noitems':
        return {key: value for key, value in appointment.items()
            if key != 'items'}
    if fault == 'badprice':
        return {**appointment, 'items': [{**item, 'price': 'abc'}
                for item in appointment.get('items', [])]}
    return appointment


def date_argument(request, name):
    "The date of the query's argument name, None when not given"
    value = request.args.get(name)
    if value is None:
        return None
    try:
        # the form checked first: date.fromisoformat takes 20261205 too
        if not re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"{name} must be a date YYYY-MM-DD")


def number_argument(request, name, default, maximum=None):
    value = request.args.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and len(value) < 10
            and 1 <= int(value) <= (maximum or int(value))):
        limit = f" to {maximum}" if maximum else ''
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"{name} must be a number from 1{limit}")
    return int(value)


def page(request, records):
    "The answer of the page that the query asks of records"
    number = number_argument(request, 'page', 1)
    limit = number_argument(request, 'limit', PAGE_SIZE, MAX_PAGE_SIZE)
    start = (number - 1) * limit
    return json_response({'data': records[start:start + limit],
            'meta': {'total': len(records), 'page': number,
                'limit': limit}})
