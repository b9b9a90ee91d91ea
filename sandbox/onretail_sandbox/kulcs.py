# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs Ügyvitel, Kulcs-Soft's ERP, as the client it is: every other
partner is a server that onRetail calls, Kulcs calls onRetail. The
simulator plays it against onRetail's four URLs, under one base URL
(<host>/<db>/kulcs/<connection id>/<token>):

POST <base>/categories  <kategoriak><kategoria> azonosito, nev, szulo; a
                        stock-and-price connection answers 409
POST <base>/products    <termekek><termek> termekkod, ar, arakcios,
                        szabadraktar, nev, tmegjegyzes, mee, afakulcs,
                        kep, kat (each may be missing)
GET  <base>/orders      <rendelesek><rendeles> of the orders not confirmed
POST <base>/confirm     <visszaigazolas><azonosito>...: received

A POST carries its document as the body (application/xml) or, with
form=True, in the form field xml; the import password goes as jelszo and
the webshop ID as webshopid, in the query or with the form. The documents
are in UTF-8, ISO-8859-2 or windows-1250, as their declaration says; a
form field holds the document's bytes percent-encoded, as a form in that
charset does. A POST is answered <valasz><allapot>OK|HIBA</allapot>
<uzenet/></valasz>.

In a test:

    simulator = KulcsSimulator(base, import_password='secret')
    report = simulator.run()        # categories, products, orders, confirm
    report = simulator.run('token') # one faulty request, see FAULTS
    simulator.requests              # each exchange, secrets masked

fixtures is None for those in fixtures/kulcs/, or a dict with the keys
products and categories, each a list of dicts of element -> text.

The command onretail-sandbox kulcs --url BASE runs run() once and prints the
report; the secrets come in a JSON object on stdin with --config -."""
import codecs
import copy
import http.client
import json
import secrets
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from lxml import etree

FIXTURES = Path(__file__).parent / 'fixtures' / 'kulcs'
# codec name -> the name that the XML declaration gives
ENCODINGS = {'utf-8': 'UTF-8', 'iso8859-2': 'ISO-8859-2',
    'cp1250': 'windows-1250'}
FORM = 'application/x-www-form-urlencoded'
XML = 'application/xml'
MAX_BODY = 20 * 1024 * 1024  # onRetail answers 413 above
MAX_ANSWER = 64 * 1024 * 1024  # read no more of an answer
RECORD_LIMIT = 1024 * 1024  # larger documents are recorded by length only
MASK = '***'
# an answer comes from the server under test: no DTD, entity or network
PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
    load_dtd=False, huge_tree=False)

# fault -> (what onRetail must answer, its HTTP statuses); 200 only with HIBA
FAULTS = {
    'token': ("404 with an empty body", [404]),
    'password': ("403 with an empty body", [403]),
    'malformed': ("400, or HIBA", [400, 200]),
    'oversized': ("413 with an empty body", [413]),
    'bomb': ("400, or HIBA", [400, 200]),
    'entity': ("400, or HIBA, without the file's content", [400, 200]),
    }
# nine levels of ten: a billion "lol" when expanded
BOMB = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE termekek [\n'
    '<!ENTITY l0 "lol">\n' + ''.join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">\n'
        for i in range(1, 10))
    + ']>\n<termekek><termek><termekkod>BOMB</termekkod><nev>&l9;</nev>'
    '</termek></termekek>\n').encode('ascii')
ENTITY = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE termekek [\n'
    '<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<termekek><termek>'
    '<termekkod>ENTITY</termekkod><nev>&x;</nev></termek></termekek>\n'
    ).encode('ascii')
LEAK = b'root:'  # in /etc/passwd: an answer quoting it leaked the file


class KulcsError(Exception):
    "An orders answer that is no <rendelesek>"

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status


class KulcsSimulator:
    "Kulcs Ügyvitel calling onRetail's four URLs once (a JSON report)"

    def __init__(self, base_url, import_password=None, webshop_id=None,
            encoding='utf-8', form=False, timeout=30, fixtures=None):
        parts = urlsplit(base_url)
        if (parts.scheme not in {'http', 'https'} or not parts.netloc
                or parts.query or parts.fragment
                or not parts.path.strip('/')):
            raise ValueError("the base URL must be http(s)://host/.../TOKEN")
        self.base_url = base_url.rstrip('/')
        self.import_password = import_password or None
        self.webshop_id = str(webshop_id) if webshop_id else None
        self.encoding = declared(encoding)
        self.form = form
        self.timeout = timeout
        self.fixtures = fixtures
        self.requests = []

    def fixture(self, name):
        "The fixture's items, the packaged ones unless given"
        if self.fixtures is not None and name in self.fixtures:
            return copy.deepcopy(self.fixtures[name])
        return json.loads((FIXTURES / f'{name}.json').read_text(
                encoding='utf-8'))

    def products_document(self, items, encoding=None):
        "The <termekek> of items (dicts of element -> text)"
        return document('termekek', 'termek', items,
            encoding or self.encoding)

    def categories_document(self, items, encoding=None):
        "The <kategoriak> of items (dicts of element -> text)"
        return document('kategoriak', 'kategoria', items,
            encoding or self.encoding)

    def confirm_document(self, ids, encoding=None):
        "The <visszaigazolas> of the orders' ids"
        root = etree.Element('visszaigazolas')
        for id_ in ids:
            etree.SubElement(root, 'azonosito').text = str(id_)
        return serialize(root, encoding or self.encoding)

    def post_products(self, items=None):
        "The products step: status, allapot, uzenet, sent, ok"
        items = self.fixture('products') if items is None else items
        return self.post('products', self.products_document(items),
            len(items))

    def post_categories(self, items=None):
        "The categories step: status, allapot, uzenet, sent, ok"
        items = self.fixture('categories') if items is None else items
        return self.post('categories', self.categories_document(items),
            len(items))

    def orders(self):
        """The orders onRetail lists, as dicts of texts with 'vevo' (a dict)
        and 'tetelek' (a list of dicts); KulcsError when there is none"""
        record = self.exchange('GET', 'orders')
        if record['status'] != 200:
            raise KulcsError(record['error'] or f"HTTP {record['status']}",
                record['status'])
        try:
            root = parse(record['answer'])
        except ValueError as error:
            raise KulcsError(str(error), 200)
        if root.tag != 'rendelesek':
            raise KulcsError(f"the answer is <{root.tag}>, not "
                "<rendelesek>", 200)
        encoding = root.getroottree().docinfo.encoding
        if encoding.upper() != 'UTF-8':
            raise KulcsError(f"the orders are in {encoding}, not UTF-8", 200)
        return [read_order(order) for order in root.iterfind('rendeles')]

    def confirm(self, ids):
        "The confirm step of the orders' ids"
        ids = list(ids)
        return self.post('confirm', self.confirm_document(ids), len(ids))

    def run(self, fault=None):
        """Categories (a 409 tolerated: a stock-and-price connection),
        products, orders and confirm of the orders read; with fault, only
        that faulty request. The report (see the command's help)"""
        report = {
            'url': masked(self.base_url),
            'encoding': self.encoding,
            'form': self.form,
            'jelszo': MASK if self.import_password else None,
            'webshopid': MASK if self.webshop_id else None,
            }
        if fault is not None:
            report['fault'] = self.send_fault(fault)
            report['ok'] = report['fault']['ok']
            return report
        steps = report['steps'] = {}
        categories = steps['categories'] = self.post_categories()
        if categories['status'] == 409:
            categories.update(ok=True,
                note="409: a stock-and-price connection takes none")
        steps['products'] = self.post_products()
        orders = []
        try:
            orders = self.orders()
        except KulcsError as error:
            steps['orders'] = {'status': error.status,
                'error': error.message, 'ok': False}
        else:
            problems = order_problems(orders)
            steps['orders'] = {'status': 200, 'read': len(orders),
                'problems': problems, 'ok': not problems}
        ids = list(dict.fromkeys(
                o['azonosito'] for o in orders if o.get('azonosito')))
        steps['orders']['ids'] = ids
        report['orders'] = orders
        report['confirmed'] = []
        if ids:
            confirm = steps['confirm'] = self.confirm(ids)
            if confirm['ok']:
                report['confirmed'] = ids
                self.check_confirmed(confirm, ids)
        else:
            steps['confirm'] = {'status': None, 'sent': 0, 'ok': True,
                'note': "no order to confirm"}
        report['ok'] = all(step['ok'] for step in steps.values())
        return report

    def check_confirmed(self, step, ids):
        "A confirmed order is no longer listed: the protocol's promise"
        try:
            listed = {o.get('azonosito') for o in self.orders()}
        except KulcsError as error:
            step.update(ok=False, error=f"orders after confirm: {error}")
            return
        step['still_listed'] = [i for i in ids if i in listed]
        step['ok'] = not step['still_listed']

    def send_fault(self, name):
        """Posts the faulty products request of name (see FAULTS): its
        status, length and allapot, what was expected and whether it came"""
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}")
        items = self.fixture('products')
        count, options = len(items), {}
        if name == 'token':
            head, token = self.base_url.rsplit('/', 1)
            options['base_url'] = f'{head}/{altered(token)}'
        elif name == 'password':
            options['jelszo'] = secrets.token_urlsafe(12)  # never the right
        if name == 'malformed':
            document = self.products_document(items)
            document = document[:len(document) // 2]
        elif name == 'oversized':
            # generated, not stored: 20 MB of description in one product
            count, document = 1, self.products_document([{
                        'termekkod': 'BIG', 'tmegjegyzes': 'x' * MAX_BODY}])
        elif name in {'bomb', 'entity'}:
            count, document = 1, BOMB if name == 'bomb' else ENTITY
        else:
            document = self.products_document(items)
        expected, statuses = FAULTS[name]
        step = {'name': name, 'request': 'POST products',
            **self.post('products', document, count, **options),
            'expected': expected, 'expected_status': statuses}
        if name in {'token', 'password', 'oversized'}:
            step['ok'] = step['status'] in statuses and step['length'] == 0
        else:
            step['ok'] = step['status'] == 400 or (
                step['status'] == 200 and step['allapot'] == 'HIBA')
        if name == 'entity':
            step['leaked'] = LEAK in self.requests[-1]['answer']
            step['ok'] = step['ok'] and not step['leaked']
        return step

    def post(self, name, document, count, **options):
        "A POST step: status, allapot, uzenet, sent (items), length, ok"
        record = self.exchange('POST', name, document, **options)
        allapot, uzenet, error = read_answer(record['status'],
            record['answer'])
        return {'status': record['status'], 'allapot': allapot,
            'uzenet': uzenet, 'sent': count, 'length': len(record['answer']),
            'error': record['error'] or error,
            'ok': record['status'] == 200 and allapot == 'OK'}

    def exchange(self, method, name, document=None, base_url=None,
            jelszo=None):
        """One request to onRetail, recorded in self.requests with the
        secrets masked: never raises for what the network or onRetail do"""
        base_url = base_url or self.base_url
        params = {}
        jelszo = jelszo or self.import_password
        if jelszo:
            params['jelszo'] = jelszo
        if self.webshop_id:
            params['webshopid'] = self.webshop_id
        query, body, headers = params, None, {
            'User-Agent': 'onretail-sandbox kulcs'}
        if document is not None:
            if self.form:
                # the bytes as they are: the declaration names their charset
                body = urlencode({'xml': document, **params}).encode('ascii')
                query, headers['Content-Type'] = {}, FORM
            else:
                body, headers['Content-Type'] = document, XML
        url = f'{base_url}/{name}'
        record = {'method': method, 'name': name,
            'url': f'{masked(base_url)}/{name}',
            'params': dict.fromkeys(params, MASK),
            'form': bool(self.form and document is not None),
            'content_type': headers.get('Content-Type'),
            'length': len(body or b''),
            'document': document if document is not None and len(
                document) <= RECORD_LIMIT else None,
            'status': None, 'answer': b'', 'error': None}
        start = time.monotonic()
        try:
            record['status'], record['answer'] = self.http(method,
                url + ('?' + urlencode(query) if query else ''), body,
                headers)
        except (OSError, http.client.HTTPException) as error:
            record['error'] = f"{type(error).__name__}: {error}"
        if len(record['answer']) > MAX_ANSWER:
            record['error'] = f"an answer over {MAX_ANSWER} bytes"
        record['seconds'] = round(time.monotonic() - start, 3)
        self.requests.append(record)
        return record

    def http(self, method, url, body, headers):
        "The status and body of the answer (at most MAX_ANSWER + 1 bytes)"
        parts = urlsplit(url)
        connection = (http.client.HTTPSConnection if parts.scheme == 'https'
            else http.client.HTTPConnection)(parts.netloc,
            timeout=self.timeout)
        path = parts.path + ('?' + parts.query if parts.query else '')
        try:
            try:
                connection.request(method, path, body, headers)
            except (BrokenPipeError, ConnectionResetError):
                # a server may answer a body too large (413) and close
                # before reading it all: its answer may be there to read
                pass
            response = connection.getresponse()
            return response.status, response.read(MAX_ANSWER + 1)
        finally:
            connection.close()

    @classmethod
    def add_arguments(cls, parser):
        "The command line of onretail-sandbox kulcs"
        parser.description = (
            "Runs Kulcs's exchange once against onRetail: categories (a "
            "409 of a stock-and-price connection is fine), products, "
            "orders, confirm of the orders read; or, with --fault, one "
            "faulty request. Prints the report in JSON: url (the token "
            "masked), encoding, form, jelszo and webshopid (\"***\" when "
            "set); steps: categories, products and confirm {status, "
            "allapot, uzenet, sent, length, error, ok}, orders {status, "
            "read, ids, problems, ok}; orders (as read), confirmed (their "
            "ids), ok. With --fault, instead of the steps: fault {name, "
            "request, status, allapot, uzenet, length, error, expected, "
            "expected_status, ok}. Exit status 0 when every step got what "
            "the protocol promises, else 1; 2 for a usage error.")
        parser.add_argument('--url',
            help="the base URL of the four URLs, .../kulcs/ID/TOKEN "
            "(or \"url\" in the configuration, out of sight of ps)")
        parser.add_argument('--encoding', default='utf-8',
            help="of the documents: utf-8 (default), iso-8859-2 or "
            "windows-1250")
        parser.add_argument('--form', action='store_true',
            help="posts the XML in the form field xml, not as the body")
        parser.add_argument('--fault', choices=sorted(FAULTS),
            help="sends only this faulty products request")
        parser.add_argument('--config', metavar='FILE',
            help="a JSON object {\"import_password\", \"webshop_id\", "
            "\"url\"}, all optional; - reads it from stdin")
        parser.add_argument('--timeout', type=float, default=30,
            help="seconds per request (default %(default)s)")

    @classmethod
    def command(cls, args):
        "Runs the command of args; the exit status"
        try:
            config = read_config(args.config)
            url = args.url or config.get('url')
            if not isinstance(url, str) or not url:
                raise ValueError("--url or \"url\" in the configuration")
            simulator = cls(url, import_password=config.get(
                    'import_password'), webshop_id=config.get('webshop_id'),
                encoding=args.encoding, form=args.form, timeout=args.timeout)
        except ValueError as error:
            print(f"onretail-sandbox kulcs: error: {error}", file=sys.stderr)
            return 2
        report = simulator.run(args.fault)
        print(json.dumps(report, ensure_ascii=False, indent=2), flush=True)
        return 0 if report['ok'] else 1


def declared(encoding):
    "The declaration's name of encoding; ValueError when Kulcs has none"
    try:
        return ENCODINGS[codecs.lookup(encoding).name]
    except (LookupError, KeyError):
        raise ValueError(f"encoding {encoding!r} is none of UTF-8, "
            "ISO-8859-2, windows-1250")


def document(root_tag, item_tag, items, encoding):
    """The document of items: lxml escapes the values, a value None is a
    missing element, the others are sent as their text (4,99 stays)"""
    root = etree.Element(root_tag)
    for item in items:
        element = etree.SubElement(root, item_tag)
        for tag, value in item.items():
            if value is not None:
                etree.SubElement(element, tag).text = str(value)
    return serialize(root, encoding)


def serialize(root, encoding):
    # lxml writes what the encoding lacks as character references
    return etree.tostring(root, encoding=declared(encoding),
        xml_declaration=True, pretty_print=True)


def parse(content):
    "The root of an answer; ValueError when it is no XML or has a DTD"
    try:
        root = etree.fromstring(content, parser=PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ValueError(f"the answer is not XML: {error}"[:300])
    if root.getroottree().docinfo.doctype:
        raise ValueError("the answer has a DTD")
    return root


def read_answer(status, body):
    """(allapot, uzenet, error) of a POST's answer; error says why it is no
    <valasz> (an empty body is one only with 200)"""
    if not body:
        return None, None, "an empty answer" if status == 200 else None
    try:
        root = parse(body)
    except ValueError as error:
        return None, None, str(error)
    if root.tag != 'valasz':
        return None, None, f"the answer is <{root.tag}>, not <valasz>"
    allapot = (root.findtext('allapot') or '').strip() or None
    uzenet = (root.findtext('uzenet') or '').strip() or None
    if allapot not in {'OK', 'HIBA'}:
        return allapot, uzenet, f"allapot {allapot!r} is neither OK nor HIBA"
    return allapot, uzenet, None


def texts(element):
    "The texts of element's children that have no children"
    return {child.tag: (child.text or '').strip() for child in element
        if isinstance(child.tag, str) and not len(child)}


def read_order(element):
    order = texts(element)
    vevo = element.find('vevo')
    order['vevo'] = texts(vevo) if vevo is not None else {}
    order['tetelek'] = [texts(line) for line in
        element.iterfind('tetelek/tetel')]
    return order


def order_problems(orders):
    "What Kulcs could not take of the orders: no or a repeated id, bad lines"
    problems, seen = [], set()
    for number, order in enumerate(orders, 1):
        id_ = order.get('azonosito')
        name = id_ or f"order {number}"
        if not id_:
            problems.append(f"{name}: no azonosito")
        elif id_ in seen:
            problems.append(f"{name}: listed twice")
        seen.add(id_)
        if not order['tetelek']:
            problems.append(f"{name}: no tetel")
        for line in order['tetelek']:
            if not line.get('termekkod'):
                problems.append(f"{name}: a tetel without termekkod")
            for key in ['mennyiseg', 'nettoar', 'bruttoar', 'afakulcs']:
                if key in line and not is_decimal(line[key]):
                    problems.append(f"{name}: {key} {line[key]!r}")
    return problems


def is_decimal(text):
    try:
        return Decimal(text.replace(',', '.')).is_finite()
    except InvalidOperation:
        return False


def masked(base_url):
    "The base URL with its token (the last segment) masked"
    return base_url.rsplit('/', 1)[0] + '/' + MASK


def altered(token):
    "The token with its last character changed"
    return token[:-1] + ('A' if token[-1:] != 'A' else 'B')


def read_config(path):
    """The secrets: a JSON object from the file, '-' for stdin (never the
    command line, which ps shows); {} when None"""
    if path is None:
        return {}
    try:
        if path == '-':
            config = json.load(sys.stdin)
        else:
            with open(path, encoding='utf-8') as file:
                config = json.load(file)
    except (OSError, ValueError) as error:
        raise ValueError(f"configuration: {error}")
    if not isinstance(config, dict) or not set(config) <= {
            'import_password', 'webshop_id', 'url'}:
        raise ValueError("the configuration must be an object with "
            "import_password, webshop_id, url")
    for key, value in config.items():
        if isinstance(value, bool) or not (
                value is None or isinstance(value, (str, int))):
            raise ValueError(f"configuration: {key} must be a text")
    return config
