# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The shop's orders as Kulcs fetches them: the confirmed sales of the
connection's media that Kulcs has not confirmed receiving, each line with
its code, net and gross price and tax rate; shipping, payment fee and
coupon as items of the codes Kulcs uses"""
import datetime
from decimal import Decimal

from lxml import etree

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.transaction import without_check_access

from . import document

# The states of a sale that Kulcs may receive
SENT_STATES = ['confirmed', 'processing', 'done']


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    kulcs_received = fields.DateTime("Received by Kulcs", readonly=True,
        help="When Kulcs confirmed receiving the order; until then it is "
        "among the orders Kulcs fetches.")

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kulcs_received')
        return super().copy(sales, default=default)

    @classmethod
    def kulcs_pending(cls, connection):
        "The sales of connection that Kulcs has yet to receive"
        sales = cls.search([
                ('company', '=', connection.company.id),
                ('state', 'in', SENT_STATES),
                ('kulcs_received', '=', None),
                ], order=[('number', 'ASC'), ('id', 'ASC')])
        media = set(connection.order_media or [])
        return [s for s in sales if s._price_list_medium() in media]

    @classmethod
    def kulcs_orders_document(cls, connection, sales):
        "The <rendelesek> of sales, as Kulcs fetches them (UTF-8 bytes)"
        root = etree.Element('rendelesek')
        for sale in sales:
            root.append(sale._kulcs_order(connection))
        return etree.tostring(root, xml_declaration=True, encoding='UTF-8')

    def _kulcs_order(self, connection):
        order = etree.Element('rendeles')
        add(order, 'azonosito', self.number)
        add(order, 'datum', self.sale_date.isoformat()
            if self.sale_date else '')
        add(order, 'penznem', self.currency.code)
        add(order, 'fizetesimod',
            self.payment_term.rec_name if self.payment_term else '')
        carrier = getattr(self, 'carrier', None)
        add(order, 'szallitasimod', carrier.rec_name if carrier else '')
        order.append(self._kulcs_customer())
        lines = etree.SubElement(order, 'tetelek')
        for line in self.lines:
            if line.type == 'line':
                lines.append(line._kulcs_item(connection))
        return order

    def _kulcs_customer(self):
        party = self.party
        customer = etree.Element('vevo')
        add(customer, 'nev', party.name)
        add(customer, 'email', party.email or '')
        add(customer, 'telefon', party.phone or '')
        add(customer, 'adoszam', party.tax_identifier.code
            if party.tax_identifier else '')
        for name, address in [('szamlazasi_cim', self.invoice_address),
                ('szallitasi_cim', self.shipment_address)]:
            add(customer, name, ', '.join(
                    (address.full_address or '').splitlines())
                if address else '')
        return customer

    @classmethod
    def kulcs_confirm(cls, connection, numbers, run):
        """Mark the sales of numbers received by Kulcs: those already
        received are unchanged, a number that is no pending sale of the
        connection is skipped"""
        sales = {s.number: s for s in cls.search([
                    ('company', '=', connection.company.id),
                    ('number', 'in', list(numbers)),
                    ('state', 'in', SENT_STATES),
                    ])}
        media = set(connection.order_media or [])
        now = datetime.datetime.now()
        received = []
        for number in numbers:
            run.count('read')
            sale = sales.get(number)
            if sale is None or sale._price_list_medium() not in media:
                run.skip(number, gettext('onretail_kulcs.msg_confirm_unknown',
                        order=number))
            elif sale.kulcs_received:
                run.count('unchanged')
            else:
                received.append(sale)
        if received:
            # the sync user read them: the mark is the connector's
            with without_check_access():
                cls.write(received, {'kulcs_received': now})
            run.count('updated', len(received))


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    def _kulcs_item(self, connection):
        "The <tetel> of the line"
        rate = sum((t.rate for t in self.taxes
                if t.type == 'percentage' and t.rate), Decimal(0))
        gross = self.sale.currency.round(self.unit_price * (1 + rate))
        item = etree.Element('tetel')
        add(item, 'termekkod', self._kulcs_code(connection))
        add(item, 'nev', self.description or (
                self.product.name if self.product else ''))
        add(item, 'mennyiseg', number(self.quantity))
        add(item, 'mee', self._kulcs_unit(connection))
        add(item, 'nettoar', number(self.unit_price))
        add(item, 'bruttoar', number(gross))
        add(item, 'afakulcs', number(rate * 100))
        return item

    def _kulcs_code(self, connection):
        "The line's product code, or the code Kulcs uses for its service"
        product = self.product
        for service, code in [
                (connection.shipping_product, connection.shipping_sku),
                (connection.payment_fee_product, connection.payment_fee_sku),
                (connection.coupon_product, connection.coupon_sku),
                ]:
            if service and product == service:
                return code or product.code or ''
        if not product and self.amount < 0 and connection.coupon_sku:
            return connection.coupon_sku
        return product.code or '' if product else ''

    def _kulcs_unit(self, connection):
        for unit in connection.units:
            if unit.unit == self.unit:
                return unit.name
        return self.unit.symbol if self.unit else ''


def add(parent, tag, text):
    etree.SubElement(parent, tag).text = document.clean(text)


def number(value):
    "value as Kulcs reads numbers: a point, no exponent, no trailing zeros"
    value = Decimal(str(value)).normalize()
    return format(value, 'f') if value else '0'
