# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs's products document applied: the base prices, promo prices and
free stock of the products it names by code, and in a full sync their
names, units, taxes, images and categories, new products created"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.product import round_price
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice

from . import document
from .exceptions import ItemError

# Items looked up and written at once
CHUNK = 1000
MAX_PRICE = Decimal('1e12')
MAX_STOCK = Decimal('1e9')
FULL_ONLY = ['nev', 'tmegjegyzes', 'mee', 'afakulcs', 'kep', 'kat']


class Item:
    "One <termek> of a products document, its values checked"
    __slots__ = ('code', 'price', 'promo', 'stock', 'name', 'description',
        'unit', 'rate', 'image', 'category')

    def __init__(self, values):
        self.code = document.code(values, 'termekkod')
        self.price = number(values, 'ar', self.code, MAX_PRICE)
        self.promo = number(values, 'arakcios', self.code, MAX_PRICE)
        self.stock = number(values, 'szabadraktar', self.code, MAX_STOCK)
        self.name = document.text(values, 'nev', self.code, 200)
        self.description = document.text(values, 'tmegjegyzes', self.code)
        self.unit = document.text(values, 'mee', self.code, 20)
        self.rate = number(values, 'afakulcs', self.code, Decimal(100))
        self.image = document.text(
            values, 'kep', self.code, document.MAX_BODY)
        self.category = document.text(values, 'kat', self.code, 100)


def number(values, name, reference, maximum):
    value = document.decimal(values, name, reference)
    if value is not None and value > maximum:
        raise ItemError(gettext('onretail_kulcs.msg_item_too_large',
                item=reference, element=name, value=values[name][:50]))
    return value


def read_items(data, run):
    """The Items of the products document in data, each code once; the
    refused ones are the run's errors. DocumentError when data is none"""
    items = {}
    for values in document.read_items(data, 'termekek', 'termek'):
        run.count('read')
        reference = values.get('termekkod', '?') if isinstance(
            values, dict) else '?'
        try:
            if isinstance(values, ItemError):
                raise values
            item = Item(values)
            if item.code in items:
                raise ItemError(gettext('onretail_kulcs.msg_item_twice',
                        item=item.code))
        except ItemError as error:
            run.error(reference, error.message)
            continue
        items[item.code] = item
    return list(items.values())


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def kulcs_apply(cls, connection, items, run):
        """Write what items change of the connection's products, their
        promo rules and (in one inventory) their stock: the counts and
        lines of run"""
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        PriceList = pool.get('product.price_list')
        found, changed, quantities, promos = [], set(), {}, {}
        for chunk in grouped_slice(items, CHUNK):
            products = cls._kulcs_products(list(chunk), run)
            changed |= cls._kulcs_prices(connection, products)
            for item, product in products:
                found.append(product)
                if item.stock is not None:
                    quantities[product] = item.stock
                if item.promo is not None:
                    promos[product] = item.promo
        if promos and connection.promo_price_list:
            changed |= PriceList.kulcs_set_promos(
                connection.promo_price_list,
                {p: v and cls._kulcs_net(connection, p, v)
                    for p, v in promos.items()})
        elif promos:
            run.warn('', gettext('onretail_kulcs.msg_no_promo_list',
                    connection=connection.rec_name))
        changed |= Inventory.kulcs_set_quantities(
            connection.warehouse, quantities)
        run.count('updated', len(changed))
        run.count('unchanged', len(found) - len(changed))

    @classmethod
    def _kulcs_products(cls, items, run):
        """[(item, product)] of items by code; an unknown code is skipped
        (stock and price)"""
        by_code = {}
        for product in cls.search([
                    ('code', 'in', [i.code for i in items]),
                    ], order=[('id', 'ASC')]):
            by_code.setdefault(product.code, product)
        found = []
        for item in items:
            product = by_code.get(item.code)
            if product is None:
                run.skip(item.code, gettext(
                        'onretail_kulcs.msg_item_unknown', item=item.code))
            else:
                found.append((item, product))
        return found

    @classmethod
    def _kulcs_prices(cls, connection, products):
        """Write the base prices of products that changed: the set of those
        products"""
        Template = Pool().get('product.template')
        to_write, changed = {}, set()
        for item, product in products:
            if item.price is None:
                continue
            price = cls._kulcs_net(connection, product, item.price)
            template = product.template
            if template.list_price != price:
                to_write[template] = price
                changed.add(product)
        if to_write:
            Template.write(*[a for template, price in to_write.items()
                    for a in ([template], {'list_price': price})])
        return changed

    @classmethod
    def _kulcs_net(cls, connection, product, price):
        "Kulcs's price of product as a unit price net of tax"
        pool = Pool()
        Date = pool.get('ir.date')
        Tax = pool.get('account.tax')
        taxes = product.customer_taxes_used
        if connection.gross_prices and taxes:
            price = Tax.reverse_compute(price, taxes, Date.today())
        return round_price(price)
