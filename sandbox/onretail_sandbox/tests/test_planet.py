# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Planet sandbox over HTTP, as a client of the SOAP service sees it"""
import hashlib
import hmac
import unittest
import urllib.error
import urllib.request

from lxml import etree

from onretail_sandbox.planet import NAMESPACE, SOAP, PlanetSandbox

CODE = 'test-code'
TERMINAL = ('<terminal><terminal_id>1</terminal_id><merchant_id>123456'
    '</merchant_id><merchant_vat_number>DE123456788</merchant_vat_number>'
    '<training_mode>1</training_mode><merchant_country_code>276'
    '</merchant_country_code></terminal>')


def envelope(operation, parameter, document):
    return (f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
        f'<v2:{operation} xmlns:v2="{NAMESPACE}"><v2:{parameter}>'
        f'<![CDATA[{document}]]></v2:{parameter}></v2:{operation}>'
        '</soap:Body></soap:Envelope>').encode()


def invoice(gross='119.00', net='100.00', vat='19.00', number='B-1',
        residence='US', code=CODE):
    digest = hmac.new(code.encode(), f'123456|1|{number}|{gross}'.encode(),
        hashlib.sha256).hexdigest()
    return ('<taxfree_transaction_data><merchant_data>'
        '<merchant_vat_number>DE123456788</merchant_vat_number>'
        '<merchant_country_code>276</merchant_country_code>'
        '<merchant_id>123456</merchant_id></merchant_data>'
        '<terminal><terminal_id>1</terminal_id><training_mode>1'
        '</training_mode></terminal><transaction_header>'
        '<transaction_date>2026-12-04</transaction_date>'
        f'<invoice_number>{number}</invoice_number>'
        f'<barcode_data>{number}</barcode_data></transaction_header>'
        '<invoice_line_items><line_item><item_vat_rate>19.00</item_vat_rate>'
        f'<item_net_amount>{net}</item_net_amount>'
        f'<item_gross_amount>{gross}</item_gross_amount>'
        f'<item_vat_amount>{vat}</item_vat_amount>'
        '<item_quantity>1</item_quantity></line_item></invoice_line_items>'
        f'<transaction_totals><transaction_net_amount>{net}'
        f'</transaction_net_amount><transaction_gross_amount>{gross}'
        f'</transaction_gross_amount><transaction_vat_amount>{vat}'
        '</transaction_vat_amount></transaction_totals>'
        '<customer_data><first_name>Mary</first_name><last_name>Smith'
        '</last_name><birth_date>1980-05-17</birth_date>'
        f'<residence_country>{residence}</residence_country>'
        '<document_number>P1</document_number></customer_data>'
        f'<security_hash>{digest}</security_hash>'
        '</taxfree_transaction_data>')


def voucher_request(number='B-1'):
    return (f'<create_voucher>{TERMINAL}<voucher_info><barcodes>'
        f'<barcode_data>{number}</barcode_data></barcodes></voucher_info>'
        '</create_voucher>')


class PlanetSandboxTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.sandbox = PlanetSandbox(api_key=CODE)
        cls.url = cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)

    def setUp(self):
        self.sandbox.reset()

    def post(self, body, content_type='application/soap+xml; charset=utf-8'):
        "Status, content type and body of the answer"
        request = urllib.request.Request(self.url, data=body,
            headers={'Content-Type': content_type})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.headers.get_content_type(), (
                    answer.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get_content_type(), error.read()

    def result(self, operation, parameter, document):
        "The result document of the operation, as the client reads it"
        status, _, body = self.post(envelope(operation, parameter, document))
        self.assertEqual(status, 200, body)
        root = etree.fromstring(body)
        text = root.find(f'.//{{{NAMESPACE}}}{operation}Result').text
        return etree.fromstring(text.encode())

    def test_issue_repeat_and_void(self):
        """An invoice and its voucher: 22-digit barcode, VAT less 15 %; the
        same invoice again keeps the voucher; voided, a new one"""
        self.assertEqual(self.result('InsertInvoice', 'strInvoiceXML',
                invoice()).findtext('error'), '0')
        voucher = self.result('CreateVoucher', 'sXML', voucher_request())
        self.assertEqual(voucher.findtext('voucher_number'), 'T-276-123456-1')
        self.assertEqual(voucher.findtext('refund_amount'), '16.15')
        barcode, = [line.text[2:] for line in voucher.iterfind(
                'voucher_lines/print_line') if line.text.startswith('11')]
        self.assertRegex(barcode, r'^[0-9]{22}$')
        self.result('InsertInvoice', 'strInvoiceXML', invoice())
        again = self.result('CreateVoucher', 'sXML', voucher_request())
        self.assertEqual(again.findtext('voucher_number'), 'T-276-123456-1')
        changed = self.result('InsertInvoice', 'strInvoiceXML',
            invoice(gross='238.00', net='200.00', vat='38.00'))
        self.assertEqual(changed.findtext('error'), '202')
        self.assertEqual(self.result('VoidVoucher', 'voidVoucherXML',
                f'<void_voucher>{TERMINAL}<voucher_number>T-276-123456-1'
                '</voucher_number></void_voucher>').findtext('error'), '0')
        self.result('InsertInvoice', 'strInvoiceXML', invoice())
        new = self.result('CreateVoucher', 'sXML', voucher_request())
        self.assertEqual(new.findtext('voucher_number'), 'T-276-123456-2')

    def test_refusals(self):
        "A wrong hash, a traveller of the EU, lines that do not add up"
        for document, code in [
                (invoice(code='wrong'), '105'),
                (invoice(residence='AT'), '122'),
                (invoice(gross='119.01'), '111'),
                (invoice(gross='50.00', net='42.02', vat='7.98'), '201'),
                ]:
            with self.subTest(code=code):
                result = self.result('InsertInvoice', 'strInvoiceXML',
                    document)
                self.assertEqual(result.findtext('error'), code)
                self.assertTrue(result.findtext('error_text'))
        self.assertEqual(self.sandbox.vouchers, {})

    def test_no_soap_no_dtd(self):
        """What is no SOAP request of the service, an XML bomb included, is
        answered with a SOAP fault"""
        bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>')
        for body, content_type in [
                (b'{}', 'application/json'),
                (b'<x', 'application/soap+xml'),
                (bomb, 'application/soap+xml'),
                (envelope('Unknown', 'sXML', '<x/>'), 'application/soap+xml'),
                (envelope('CreateVoucher', 'wrong', '<x/>'),
                    'application/soap+xml'),
                ]:
            with self.subTest(body=body[:40]):
                status, kind, answer = self.post(body, content_type)
                self.assertEqual((status, kind),
                    (500, 'application/soap+xml'))
                self.assertIn(b'Fault', answer)

    def test_faults(self):
        "Each fault of the control answers as promised"
        body = envelope('CreateVoucher', 'sXML', voucher_request())
        for fault, status, marker in [
                ('500', 500, b'Server Error'),
                ('soapfault', 500, b'Fault'),
                ('html', 200, b'<html'),
                ('error', 200, b'99'),
                ]:
            with self.subTest(fault=fault):
                self.sandbox.set_fault(fault)
                answer_status, _, answer = self.post(body)
                self.assertEqual(answer_status, status)
                self.assertIn(marker, answer)
        self.sandbox.set_fault('badxml')
        with self.assertRaises(etree.XMLSyntaxError):
            etree.fromstring(self.post(body)[2])
