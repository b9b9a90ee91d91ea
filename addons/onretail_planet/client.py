# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Planet's tax-free service "PI v2" as onRetail uses it.

Planet publishes no API; this follows NP Retail's open-source handler: a
SOAP 1.2 POST of an operation of the namespace NAMESPACE whose only
parameter holds the request, an XML document, in CDATA; the answer's
<Op>Result holds the result document as escaped text, with error (0 = ok)
and error_text. InsertInvoice sends the sale, CreateVoucher (by the sale's
barcode_data) makes the form, VoidVoucher voids it. Ours, as the spec
assumes: the traveller in customer_data, a security_hash, and
GetStoreConfig.

Every answer is parsed without DTD, entities or network, and checked
whole before anyone uses it: whatever goes wrong is a PlanetError naming
the register and the cause. The activation code is sent only as the HMAC
it keys, never logged."""
import datetime
import hashlib
import hmac
import logging
import re
from decimal import Decimal, InvalidOperation

import requests
from lxml import etree

from trytond.i18n import gettext

from .exceptions import PlanetError

logger = logging.getLogger(__name__)

LIVE_URL = 'https://pi.fintrax.com/pi_public_v2/service.asmx'
NAMESPACE = 'http://yes.fintrax.com/piserver/v2/'
SOAP = 'http://www.w3.org/2003/05/soap-envelope'
CONTENT_TYPE = 'application/soap+xml; charset="utf-8"'
XML_TYPES = {'application/soap+xml', 'application/xml', 'text/xml'}
# seconds to connect and to read an answer
TIMEOUT = (5, 15)
# An answer is a few kilobytes; a larger one is refused unread
MAX_ANSWER = 1024 * 1024
MAX_TEXT = 200
MAX_PRINT_LINES = 200
MAX_AMOUNT = Decimal('1000000')
VERSION = {'xml_version': '2.0', 'pos_application_version': 'onRetail'}
# The operations: their parameter and the root of their request
OPERATIONS = {
    'InsertInvoice': ('strInvoiceXML', 'taxfree_transaction_data'),
    'CreateVoucher': ('sXML', 'create_voucher'),
    'VoidVoucher': ('voidVoucherXML', 'void_voucher'),
    'GetStoreConfig': ('sXML', 'store_config'),
    }
# print_line codes: the barcode; a blank line; what is no text to print
# (logo, paper cut, signatures, stored logos, another voucher, base64)
BARCODE, BLANK = '11', '12'
NOT_PRINTED = {'01', '13', '50', '61', '70', '71', '72', '73'}
VOUCHER_NUMBER = re.compile(r'[A-Za-z0-9][A-Za-z0-9_./-]{0,63}')
# Printable ASCII: a CODE128 of fewer than 30 characters, as Planet prints
BARCODE_DATA = re.compile(r'[!-~]{1,29}')
# What the printer service refuses: it would reach the printer as commands
CONTROL = re.compile('[\x00-\x1f\x7f-\x9f]')
PARSER = etree.XMLParser(resolve_entities=False, no_network=True,
    load_dtd=False, dtd_validation=False, huge_tree=False, remove_pis=True)


def _refuse(message, point, **values):
    raise PlanetError(gettext('onretail_planet.' + message, point=point,
            **values))


def _unexpected(point, cause, **values):
    _refuse('msg_planet_bad_xml', point, cause=gettext(
            'onretail_planet.' + cause, **values))


def amount(value):
    "Two decimals and a point, as Planet reads amounts"
    return '%.2f' % value


def security_hash(activation_code, merchant_id, terminal_id, invoice_number,
        gross):
    "HMAC-SHA256 keyed by the activation code, hex"
    message = '|'.join([merchant_id, terminal_id, invoice_number,
            amount(gross)])
    return hmac.new(activation_code.encode(), message.encode(),
        hashlib.sha256).hexdigest()


def _element(parent, name, value=None):
    child = etree.SubElement(parent, name)
    if value is not None:
        child.text = str(value)
    return child


def _tree(parent, values):
    "Elements of values: a dict for children, else text"
    for name, value in values.items():
        if isinstance(value, dict):
            _tree(_element(parent, name), value)
        else:
            _element(parent, name, value)
    return parent


class Client:
    """Planet's service at url for the cash register named point; merchant
    is merchant_id, merchant_vat_number, merchant_country_code (numeric),
    terminal_id and training_mode"""

    def __init__(self, url, point, merchant, activation_code):
        self.url = url
        self.point = point
        self.merchant = merchant
        self.activation_code = activation_code

    def store_config(self):
        "The store's minimum amount and issue dates (GetStoreConfig)"
        root = self._request_root('store_config', 'CS get store config')
        result = self._call('GetStoreConfig', root)
        return {
            'country_threshold': self._amount(result, 'country_threshold'),
            'issue_start': self._date(result, 'issue_start'),
            'issue_end': self._date(result, 'issue_end'),
            }

    def insert_invoice(self, invoice):
        """Send the sale: invoice has operator_id, datetime (local),
        invoice_number, barcode_data, items, totals, payments, customer"""
        self._barcode_data(invoice['barcode_data'])
        root = etree.Element('taxfree_transaction_data')
        _tree(root, {
                'version': VERSION,
                'merchant_data': {
                    key: self.merchant[key] for key in [
                        'merchant_vat_number', 'merchant_country_code',
                        'merchant_id']},
                'terminal': {
                    'terminal_id': self.merchant['terminal_id'],
                    'training_mode': self.merchant['training_mode'],
                    },
                'operator_info': {'operator_id': invoice['operator_id']},
                'transaction_header': {
                    'transaction_type': 1,
                    'transaction_date': invoice['datetime'].strftime(
                        '%Y-%m-%d'),
                    'transaction_time': invoice['datetime'].strftime(
                        '%H:%M:%S'),
                    'invoice_number': invoice['invoice_number'],
                    'barcode_data': invoice['barcode_data'],
                    'number_of_items': len(invoice['items']),
                    },
                'original_invoice': {},
                })
        lines = _element(root, 'invoice_line_items')
        for number, item in enumerate(invoice['items'], 1):
            _tree(_element(lines, 'line_item'), {
                    'item_number': number,
                    'item_description': item['description'],
                    'item_vat_rate': amount(item['vat_rate']),
                    'item_net_amount': amount(item['net']),
                    'item_gross_amount': amount(item['gross']),
                    'item_vat_amount': amount(item['vat']),
                    'individual_item_value': amount(item['unit_value']),
                    'department_id': item['department_id'],
                    'item_quantity': item['quantity'],
                    })
        totals = invoice['totals']
        _tree(root, {'transaction_totals': {
                    'transaction_net_amount': amount(totals['net']),
                    'transaction_gross_amount': amount(totals['gross']),
                    'transaction_vat_amount': amount(totals['vat']),
                    }})
        payments = _element(root, 'payment_method_details')
        for payment in invoice['payments']:
            _tree(_element(payments, 'payment_method_detail'), {
                    'payment_method': payment['type'],
                    'amount': amount(payment['amount']),
                    })
        customer = dict(invoice['customer'])
        customer['birth_date'] = customer['birth_date'].isoformat()
        _tree(root, {
                'customer_data': customer,
                'loyality': {'customer_loyalty_number': {}},
                'security_hash': security_hash(self.activation_code,
                    self.merchant['merchant_id'],
                    self.merchant['terminal_id'], invoice['invoice_number'],
                    totals['gross']),
                })
        self._call('InsertInvoice', root)

    def create_voucher(self, barcode_data):
        """The form of the invoice sent with barcode_data: voucher_number,
        barcode, price_incl_vat, refund_amount and print_lines (text),
        only from a complete answer"""
        root = self._request_root('create_voucher', 'CS create voucher',
            operator=True)
        _tree(root, {
                'number_of_invoices': 1,
                'voucher_info': {
                    'barcodes': {'barcode_data': self._barcode_data(
                            barcode_data)},
                    'voucher_formula': {},
                    'voucher_design': 1,
                    },
                'customer_data': {},
                })
        result = self._call('CreateVoucher', root)
        number = self._text(result, 'voucher_number')
        if not VOUCHER_NUMBER.fullmatch(number):
            _unexpected(self.point, 'msg_cause_element',
                element='voucher_number')
        barcode, print_lines = self._print_lines(result)
        return {
            'voucher_number': number,
            'barcode': barcode,
            'price_incl_vat': self._amount(result, 'price_incl_vat'),
            'refund_amount': self._amount(result, 'refund_amount'),
            'print_lines': print_lines,
            }

    def void_voucher(self, voucher_number):
        root = self._request_root('void_voucher', 'CS void voucher',
            operator=True)
        _element(root, 'voucher_number', voucher_number)
        self._call('VoidVoucher', root)

    def _request_root(self, name, message_type, operator=False):
        root = etree.Element(name)
        _tree(root, {
                'xml_message_type': message_type,
                'version': VERSION,
                'terminal': {key: self.merchant[key] for key in [
                        'terminal_id', 'merchant_id', 'merchant_vat_number',
                        'training_mode', 'merchant_country_code']},
                })
        if operator:
            _tree(root, {'operator_info': {'operator_id': {}}})
        return root

    def _barcode_data(self, value):
        if not BARCODE_DATA.fullmatch(value or ''):
            raise PlanetError(gettext('onretail_planet.msg_barcode_data',
                    point=self.point, barcode=str(value)[:40]))
        return value

    def envelope(self, operation, document):
        "The SOAP 1.2 request of operation with document in CDATA"
        parameter, _ = OPERATIONS[operation]
        envelope = etree.Element('{%s}Envelope' % SOAP,
            nsmap={'soap': SOAP})
        body = etree.SubElement(envelope, '{%s}Body' % SOAP)
        call = etree.SubElement(body, '{%s}%s' % (NAMESPACE, operation),
            nsmap={'v2': NAMESPACE})
        argument = etree.SubElement(call, '{%s}%s' % (NAMESPACE, parameter))
        argument.text = etree.CDATA(etree.tostring(document,
                xml_declaration=True, encoding='utf-8').decode('utf-8'))
        return etree.tostring(envelope, xml_declaration=True,
            encoding='utf-8')

    def _call(self, operation, document):
        "The result document of operation; PlanetError unless error is 0"
        content = self._post(operation, self.envelope(operation, document))
        result = self._result(operation, content)
        error = self._optional_text(result, 'error')
        if error is None:
            _unexpected(self.point, 'msg_cause_element', element='error')
        if error != '0':
            text = self._optional_text(result, 'error_text') or ''
            _refuse('msg_planet_error', self.point, code=error[:20],
                text=text)
        return result

    def _post(self, operation, body):
        try:
            response = requests.post(self.url, data=body, timeout=TIMEOUT,
                allow_redirects=False, stream=True,
                headers={'Content-Type': CONTENT_TYPE})
            with response:
                content = self._read(response)
        except requests.Timeout:
            _refuse('msg_planet_timeout', self.point)
        except requests.RequestException:
            _refuse('msg_planet_unreachable', self.point, url=self.url)
        logger.info("Planet %s: %s", operation, response.status_code)
        if response.status_code != 200:
            fault = self._fault(content)
            if fault is not None:
                _refuse('msg_planet_fault', self.point, fault=fault)
            _refuse('msg_planet_http', self.point,
                status=response.status_code)
        content_type = response.headers.get('Content-Type', '')
        if content_type.split(';')[0].strip().lower() not in XML_TYPES:
            _unexpected(self.point, 'msg_cause_not_xml')
        return content

    def _read(self, response):
        content = b''
        for chunk in response.iter_content(64 * 1024):
            content += chunk
            if len(content) > MAX_ANSWER:
                _unexpected(self.point, 'msg_cause_too_big',
                    maximum=MAX_ANSWER)
        return content

    def parse(self, content):
        "The XML document of content, refused with a DTD or not XML"
        try:
            root = etree.fromstring(content, parser=PARSER)
        except (etree.XMLSyntaxError, ValueError):
            _unexpected(self.point, 'msg_cause_not_xml')
        if root.getroottree().docinfo.doctype:
            _unexpected(self.point, 'msg_cause_doctype')
        return root

    def _fault(self, content):
        "The reason of a SOAP fault in content, None when it is none"
        try:
            root = self.parse(content)
        except PlanetError:
            return None
        reasons = root.xpath('/soap:Envelope/soap:Body/soap:Fault'
            '/soap:Reason/soap:Text', namespaces={'soap': SOAP})
        if not reasons:
            return None
        return ' '.join((reasons[0].text or '').split())[:MAX_TEXT]

    def _result(self, operation, content):
        "The result document that the answer holds as escaped text"
        envelope = self.parse(content)
        results = envelope.xpath(
            '/soap:Envelope/soap:Body/v2:%sResponse/v2:%sResult' % (
                operation, operation),
            namespaces={'soap': SOAP, 'v2': NAMESPACE})
        if len(results) != 1 or len(results[0]) or not results[0].text:
            _unexpected(self.point, 'msg_cause_element',
                element=operation + 'Result')
        return self.parse(results[0].text.encode('utf-8'))

    def _optional_text(self, result, name):
        found = result.findall(name)
        if len(found) > 1 or (found and len(found[0])):
            _unexpected(self.point, 'msg_cause_element', element=name)
        if not found:
            return None
        text = ' '.join((found[0].text or '').split())
        if len(text) > MAX_TEXT:
            _unexpected(self.point, 'msg_cause_element', element=name)
        return text

    def _text(self, result, name):
        text = self._optional_text(result, name)
        if not text:
            _unexpected(self.point, 'msg_cause_element', element=name)
        return text

    def _amount(self, result, name):
        text = self._text(result, name)
        try:
            value = Decimal(text)
        except InvalidOperation:
            _unexpected(self.point, 'msg_cause_element', element=name)
        if (not value.is_finite() or not 0 <= value <= MAX_AMOUNT
                or value.as_tuple().exponent < -2):
            _unexpected(self.point, 'msg_cause_element', element=name)
        return value

    def _date(self, result, name):
        try:
            return datetime.date.fromisoformat(self._text(result, name))
        except ValueError:
            _unexpected(self.point, 'msg_cause_element', element=name)

    def _print_lines(self, result):
        """The barcode and the text lines of voucher_lines: each print_line
        is a code of two digits and its text"""
        lines = result.findall('voucher_lines/print_line')
        if not lines or len(lines) > MAX_PRINT_LINES:
            _unexpected(self.point, 'msg_cause_element',
                element='voucher_lines')
        barcode, texts = None, []
        for line in lines:
            raw = line.text or ''
            if len(line) or len(raw) > MAX_TEXT or not re.fullmatch(
                    r'[0-9]{2}.*', raw, re.DOTALL):
                _unexpected(self.point, 'msg_cause_element',
                    element='print_line')
            code, text = raw[:2], ' '.join(raw[2:].split())
            if CONTROL.search(text):
                _unexpected(self.point, 'msg_cause_element',
                    element='print_line')
            if code == BARCODE and barcode is None:
                barcode = text
            elif code == BLANK:
                texts.append('')
            elif code not in NOT_PRINTED and code != BARCODE:
                texts.append(text)
        if not barcode or not BARCODE_DATA.fullmatch(barcode):
            _unexpected(self.point, 'msg_cause_element', element='barcode')
        return barcode, texts
