# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Planet (formerly Premier Tax Free, Fintrax), tax-free forms for
travellers: its SOAP service "PI v2" as onRetail uses it, on test data.

POST /pi_public_v2/service.asmx, Content-Type application/soap+xml: a SOAP
1.2 envelope whose body is one operation of the namespace NAMESPACE with
one parameter holding the request document as text (CDATA):

InsertInvoice   strInvoiceXML   taxfree_transaction_data: the sale
CreateVoucher   sXML            create_voucher: the form of an invoice, by
                                its barcode_data
VoidVoucher     voidVoucherXML  void_voucher: by voucher_number
GetStoreConfig  sXML            store_config: country_threshold,
                                issue_start, issue_end

The answer is <OpResponse><OpResult> holding the result document as
escaped text, whose error is 0 or a code with error_text. A request that is
no such envelope is answered with a SOAP fault (HTTP 500), as ASP.NET does.

The sandbox checks what Planet would: the merchant (id, VAT number,
numeric country), the security_hash (HMAC-SHA256 keyed by the activation
code of merchant_id|terminal_id|invoice_number|gross), that the lines add
up to the totals, the threshold, and the traveller (adult, living outside
the EU). A repeated identical invoice keeps its voucher; another invoice
with the barcode of an issued voucher is refused. Vouchers are numbered
T-<country>-<merchant>-<seq>, have a 22-digit barcode and refund the VAT
less 15 %.

In a test:

    from onretail_sandbox.planet import PlanetSandbox

    sandbox = PlanetSandbox(api_key='activation-code')  # the code of
    url = sandbox.start()       # every merchant of the fixtures
    sandbox.vouchers            # {number: {state, merchant_id, barcode_data,
                                #   gross, vat, refund}}
    sandbox.reports             # each operation served: {"operation"}
    sandbox.set_fault('error')  # or None; set_fault('slow', seconds=0.3)

Faults besides down, slow and html of every sandbox: 500 (an HTML error
page with HTTP 500), soapfault (a SOAP fault), badxml (a cut answer),
error (error 99 for every operation), novoucher (CreateVoucher answers
without voucher_number)."""
import hashlib
import hmac
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from pathlib import Path

from lxml import etree
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .server import Refused, Sandbox

FIXTURES = Path(__file__).parent / 'fixtures' / 'planet'
NAMESPACE = 'http://yes.fintrax.com/piserver/v2/'
SOAP = 'http://www.w3.org/2003/05/soap-envelope'
OPERATIONS = {
    'InsertInvoice': 'strInvoiceXML',
    'CreateVoucher': 'sXML',
    'VoidVoucher': 'voidVoucherXML',
    'GetStoreConfig': 'sXML',
    }
FAULTS = {'down', 'slow', 'html', '500', 'soapfault', 'badxml', 'error',
    'novoucher'}
EU = {'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR',
    'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO',
    'SE', 'SI', 'SK'}
REFUND_RATE = Decimal('0.85')  # the VAT less Planet's 15 % (sandbox rule)
CENT = Decimal('0.01')
MAX_BODY = 256 * 1024
PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
    load_dtd=False, huge_tree=False)


class Rejected(Exception):
    "A request that Planet answers with an error code and text"

    def __init__(self, code, text):
        super().__init__(text)
        self.code = code
        self.text = text


class PlanetSandbox(Sandbox):
    "Planet's tax-free service (SOAP) on test data"
    name = 'planet'
    prefix = '/pi_public_v2/service.asmx'
    default_port = 8102
    faults = FAULTS
    routes = Map([
            Rule('/pi_public_v2/service.asmx', endpoint='service',
                methods=['POST']),
            ])

    def load(self, fixtures):
        if fixtures is None:
            fixtures = json.loads((FIXTURES / 'merchants.json').read_text())
        self.merchants = {m['merchant_id']: m for m in fixtures}
        self.invoices = {}
        self.vouchers = {}

    def authorize(self, request):
        "Planet knows a terminal by its merchant and hash, not a header"

    def answer(self, request):
        with self.lock:
            fault = self.fault
        if fault == '500':
            return Response('<!DOCTYPE html><html><head><title>500 - '
                'Internal server error.</title></head><body><h1>Server '
                'Error</h1></body></html>', status=500,
                content_type='text/html; charset=utf-8')
        return super().answer(request)

    def error_response(self, status, message):
        "A SOAP 1.2 fault, as ASP.NET answers what it cannot serve"
        code = 'soap:Sender' if status < 500 else 'soap:Receiver'
        envelope = etree.Element('{%s}Envelope' % SOAP, nsmap={'soap': SOAP})
        fault = etree.SubElement(etree.SubElement(
                envelope, '{%s}Body' % SOAP), '{%s}Fault' % SOAP)
        value = etree.SubElement(etree.SubElement(
                fault, '{%s}Code' % SOAP), '{%s}Value' % SOAP)
        value.text = code
        text = etree.SubElement(etree.SubElement(
                fault, '{%s}Reason' % SOAP), '{%s}Text' % SOAP)
        text.set('{http://www.w3.org/XML/1998/namespace}lang', 'en')
        text.text = message
        return soap_response(envelope, HTTPStatus.INTERNAL_SERVER_ERROR)

    def service(self, request, fault):
        if fault == 'soapfault':
            raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR,
                "Server was unable to process request. ---> Object "
                "reference not set to an instance of an object.")
        operation, document = read_request(request)
        self.reports.append({'operation': operation})
        if fault == 'error':
            result = {'error': '99',
                'error_text': "Service temporarily unavailable"}
        else:
            try:
                result = getattr(self, operation)(document)
            except Rejected as rejected:
                result = {'error': rejected.code,
                    'error_text': rejected.text}
            if fault == 'novoucher':
                result.pop('voucher_number', None)
        response = result_response(operation, result)
        if fault == 'badxml':
            response.set_data(response.get_data()[:120])
        return response

    def terminal(self, document, path='terminal'):
        "The merchant of the request's terminal, checked"
        merchant_id = text(document, path + '/merchant_id')
        merchant = self.merchants.get(merchant_id)
        if merchant is None:
            raise Rejected('101', f"Unknown merchant {merchant_id[:20]}")
        if text(document, path + '/merchant_vat_number') != (
                merchant['vat_number']):
            raise Rejected('102', "The VAT number is not the merchant's")
        if text(document, path + '/merchant_country_code') != (
                merchant['country_code']):
            raise Rejected('103', "The country is not the merchant's")
        text(document, 'terminal/terminal_id')
        return merchant

    def InsertInvoice(self, document):
        merchant = self.terminal(document, 'merchant_data')
        terminal_id = text(document, 'terminal/terminal_id')
        number = text(document, 'transaction_header/invoice_number')
        barcode = text(document, 'transaction_header/barcode_data')
        totals = {key: amount(document, f'transaction_totals/transaction_'
                f'{key}_amount') for key in ['net', 'vat', 'gross']}
        expected = hmac.new(self.api_key.encode(), '|'.join([
                    merchant['merchant_id'], terminal_id, number,
                    '%.2f' % totals['gross']]).encode(),
            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(
                text(document, 'security_hash').encode(), expected.encode()):
            raise Rejected('105', "Invalid security hash")
        check_lines(document, totals)
        if totals['gross'] < Decimal(merchant['threshold']):
            raise Rejected('201', "Gross amount %.2f is below the minimum "
                "%s" % (totals['gross'], merchant['threshold']))
        check_traveller(document)
        invoice = {'merchant_id': merchant['merchant_id'], 'number': number,
            'content': canonical(document), **totals}
        key = (merchant['merchant_id'], barcode)
        known = self.invoices.get(key)
        if known and known['voucher'] and (
                self.vouchers[known['voucher']]['state'] == 'issued'):
            if known['content'] != invoice['content']:
                raise Rejected('202', "Invoice %s has a voucher already"
                    % barcode[:30])
            return {'error': '0'}
        self.invoices[key] = dict(invoice, voucher=None)
        return {'error': '0'}

    def CreateVoucher(self, document):
        merchant = self.terminal(document)
        barcode = text(document, 'voucher_info/barcodes/barcode_data')
        invoice = self.invoices.get((merchant['merchant_id'], barcode))
        if invoice is None:
            raise Rejected('301', "No invoice with barcode %s" % barcode[:30])
        number = invoice['voucher']
        if number is None or self.vouchers[number]['state'] != 'issued':
            number = self.new_voucher(merchant, barcode, invoice)
            invoice['voucher'] = number
        voucher = self.vouchers[number]
        return {
            'error': '0',
            'voucher_number': number,
            'price_incl_vat': '%.2f' % voucher['gross'],
            'refund_amount': '%.2f' % voucher['refund'],
            'voucher_lines': print_lines(merchant, number, voucher),
            }

    def new_voucher(self, merchant, barcode, invoice):
        sequence = sum(1 for v in self.vouchers.values()
            if v['merchant_id'] == merchant['merchant_id']) + 1
        country, merchant_id = merchant['country_code'], merchant[
            'merchant_id']
        number = f'T-{country}-{merchant_id}-{sequence}'
        self.vouchers[number] = {
            'state': 'issued', 'merchant_id': merchant_id,
            'barcode_data': barcode, 'gross': invoice['gross'],
            'vat': invoice['vat'],
            'refund': (invoice['vat'] * REFUND_RATE).quantize(CENT),
            'barcode': f'{country:0>3}{merchant_id:0>10}{sequence:0>9}',
            }
        return number

    def VoidVoucher(self, document):
        merchant = self.terminal(document)
        number = text(document, 'voucher_number')
        voucher = self.vouchers.get(number)
        if voucher is None or voucher['merchant_id'] != (
                merchant['merchant_id']):
            raise Rejected('401', "Unknown voucher %s" % number[:40])
        if voucher['state'] != 'issued':
            raise Rejected('402', "Voucher %s is voided already"
                % number[:40])
        voucher['state'] = 'voided'
        return {'error': '0'}

    def GetStoreConfig(self, document):
        merchant = self.terminal(document)
        return {
            'error': '0',
            'country_threshold': merchant['threshold'],
            'issue_start': merchant['issue_start'],
            'issue_end': merchant['issue_end'],
            }



def read_request(request):
    "The operation and its request document; Refused as a SOAP fault"
    if request.mimetype != 'application/soap+xml':
        raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/soap+xml")
    if (request.content_length or 0) > MAX_BODY:
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "The request is too large")
    envelope = parse(request.get_data()[:MAX_BODY + 1])
    calls = envelope.xpath('/soap:Envelope/soap:Body/*',
        namespaces={'soap': SOAP})
    if len(calls) != 1:
        raise Refused(HTTPStatus.BAD_REQUEST, "Expected one operation")
    call = calls[0]
    name = etree.QName(call)
    if name.namespace != NAMESPACE or name.localname not in OPERATIONS:
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"Unknown operation {name.localname[:40]}")
    parameter = call.find('{%s}%s' % (NAMESPACE, OPERATIONS[name.localname]))
    if parameter is None or not parameter.text:
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"Missing parameter {OPERATIONS[name.localname]}")
    return name.localname, parse(parameter.text.encode('utf-8'))


def parse(content):
    try:
        root = etree.fromstring(content, parser=PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise Refused(HTTPStatus.BAD_REQUEST, f"Not XML: {error}"[:200])
    if root.getroottree().docinfo.doctype:
        raise Refused(HTTPStatus.BAD_REQUEST, "No DTD allowed")
    return root


def text(document, path):
    "The text of the element at path; Rejected when missing"
    found = document.find(path)
    if found is None or not (found.text or '').strip():
        raise Rejected('100', f"Missing {path}")
    return found.text.strip()


def amount(element, path):
    value = text(element, path)
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise Rejected('100', f"Invalid amount {path}")
    if not result.is_finite() or result.as_tuple().exponent != -2:
        raise Rejected('100', f"Invalid amount {path}")
    return result


def check_lines(document, totals):
    "The lines add up to the totals; each is net + VAT with a whole quantity"
    lines = document.findall('invoice_line_items/line_item')
    if not lines:
        raise Rejected('110', "No line items")
    sums = dict.fromkeys(totals, Decimal(0))
    for line in lines:
        values = {key: amount(line, f'item_{key}_amount')
            for key in ['net', 'vat', 'gross']}
        if values['net'] + values['vat'] != values['gross']:
            raise Rejected('111', "Line gross is not net + VAT")
        quantity = text(line, 'item_quantity')
        if not quantity.isdigit() or int(quantity) < 1:
            raise Rejected('112', "Quantity must be a whole number")
        amount(line, 'item_vat_rate')
        for key in sums:
            sums[key] += values[key]
    if sums != totals:
        raise Rejected('113', "The lines do not add up to the totals")


def check_traveller(document):
    birth = text(document, 'customer_data/birth_date')
    try:
        born = date.fromisoformat(birth)
    except ValueError:
        raise Rejected('120', "Invalid birth_date")
    day = date.fromisoformat(text(document,
            'transaction_header/transaction_date'))
    if (day.year - born.year - ((day.month, day.day) < (
                    born.month, born.day))) < 18:
        raise Rejected('121', "The traveller is under 18")
    if text(document, 'customer_data/residence_country').upper() in EU:
        raise Rejected('122', "The traveller lives in the EU")
    for name in ['first_name', 'last_name', 'document_number']:
        text(document, f'customer_data/{name}')


def canonical(document):
    "The invoice as compared with a repeated one"
    return etree.tostring(document, method='c14n')


def print_lines(merchant, number, voucher):
    "The form as the printer prints it: code and text per line"
    return [
        '10TAX FREE',
        '05' + merchant['name'],
        '05Form ' + number,
        '12',
        '05Gross %.2f' % voucher['gross'],
        '05VAT %.2f' % voucher['vat'],
        '06Refund %.2f' % voucher['refund'],
        '12',
        '11' + voucher['barcode'],
        '09Have it stamped by customs before you leave the EU.',
        ]


def result_response(operation, result):
    "The SOAP answer of operation holding result as escaped text"
    document = etree.Element('result')
    for name, value in result.items():
        element = etree.SubElement(document, name)
        if isinstance(value, list):
            for line in value:
                etree.SubElement(element, 'print_line').text = line
        else:
            element.text = value
    envelope = etree.Element('{%s}Envelope' % SOAP, nsmap={'soap': SOAP})
    body = etree.SubElement(envelope, '{%s}Body' % SOAP)
    response = etree.SubElement(body, '{%s}%sResponse' % (
            NAMESPACE, operation), nsmap={None: NAMESPACE})
    etree.SubElement(response, '{%s}%sResult' % (NAMESPACE, operation)
        ).text = etree.tostring(document, encoding='unicode')
    return soap_response(envelope)


def soap_response(envelope, status=HTTPStatus.OK):
    return Response(etree.tostring(envelope, xml_declaration=True,
            encoding='utf-8'), status=status,
        content_type='application/soap+xml; charset=utf-8')
