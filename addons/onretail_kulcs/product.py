# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs's products document applied: the base prices, promo prices and
free stock of the products it names by code, and in a full sync their
names, units, taxes, images and categories, new products created"""
import base64
import binascii
import hashlib
import io
import warnings
from collections import defaultdict, namedtuple
from decimal import Decimal

from PIL import Image as PILImage
from sql import Null

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.product import round_price
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import document
from .exceptions import ItemError
from .ir import store_event_logs

# Items looked up and written at once
CHUNK = 250
MAX_PRICE = Decimal('1e12')
MAX_STOCK = Decimal('1e9')
# The largest picture Kulcs may send, in pixels a side
MAX_PIXELS = 10000
PICTURES = {b'\xff\xd8\xff', b'\x89PNG\r\n\x1a\n'}


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
    "The Items of the products document in data, each code once"
    return document.checked_items(
        data, 'termekek', 'termek', 'termekkod', Item, run)


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    kulcs_image = fields.Char("Kulcs Image", readonly=True,
        help="The picture Kulcs sent last: its http(s) URL (stored, never "
        "fetched) or the fingerprint of the image it sent.")

    @classmethod
    def copy(cls, templates, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kulcs_image')
        return super().copy(templates, default=default)


class Details:
    """What a full sync sets of a product, resolved from its item: the
    unit, the account category, the category, the picture"""
    __slots__ = ('unit', 'account_category', 'category', 'image', 'picture')

    def __init__(self, connection, item, cache):
        self.unit = cache.unit(item)
        self.account_category = cache.account_category(item)
        self.category = item.category and cache.category(item.category)
        self.image, self.picture = picture(item)


class Lookups:
    """The units, account categories, categories, customer taxes and net
    prices of one document"""

    def __init__(self, connection):
        self.connection = connection
        self.rates, self.categories = {}, {}
        self.taxes_of, self.nets = {}, {}

    def unit(self, item):
        if not item.unit:
            return None
        for unit in self.connection.units:
            if unit.name == item.unit:
                return unit.unit
        raise ItemError(gettext('onretail_kulcs.msg_item_unit',
                item=item.code, unit=item.unit))

    def account_category(self, item):
        "The oldest account category whose customer taxes make the rate"
        Category = Pool().get('product.category')
        if item.rate is None:
            return None
        if not self.rates:
            for category in Category.search([('accounting', '=', True)],
                    order=[('id', 'ASC')]):
                rate = sum((t.rate for t in category.customer_taxes_used
                        if t.type == 'percentage' and t.rate), Decimal(0))
                self.rates.setdefault(rate * 100, category)
        category = self.rates.get(item.rate)
        if category is None:
            raise ItemError(gettext('onretail_kulcs.msg_item_rate',
                    item=item.code, rate=item.rate))
        return category

    def category(self, kat):
        "The category of Kulcs's id kat, else of its name, else a new one"
        Category = Pool().get('product.category')
        if kat not in self.categories:
            category = Category.kulcs_of([kat]).get(kat)
            if category is None:
                categories = Category.search([('name', '=', kat)],
                    order=[('id', 'ASC')], limit=1)
                category, = categories or Category.create([{'name': kat}])
            self.categories[kat] = category
        return self.categories[kat]

    def taxes(self, product, row):
        """The customer taxes of the product of id product (row its Row),
        found once per account category (most products of a shop share a
        few)"""
        Product = Pool().get('product.product')
        category = row.account_category
        if category is None:
            return tuple(Product(product).customer_taxes_used)
        if category not in self.taxes_of:
            self.taxes_of[category] = tuple(
                Product(product).customer_taxes_used)
        return self.taxes_of[category]

    def net(self, taxes, price):
        "Kulcs's price as a unit price net of taxes, computed once"
        key = tuple(t.id for t in taxes), price
        if key not in self.nets:
            self.nets[key] = net_of(self.connection, taxes, price)
        return self.nets[key]


Row = namedtuple('Row', ['template', 'account_category', 'type', 'unit'])


def product_rows(ids):
    """{product id: its Row} of the products of ids, in one query: the ORM
    reads each field a product has from its template as a Function field,
    product by product. The caller found the products by a search, which
    checked the user's access."""
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    product, template = Product.__table__(), Template.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*product.join(template,
            condition=product.template == template.id
            ).select(product.id, template.id, template.account_category,
            template.type, template.default_uom,
            where=fields.SQL_OPERATORS['in'](product.id, ids)))
    return {r[0]: Row(*r[1:]) for r in cursor}


def net_of(connection, taxes, price):
    "Kulcs's price as a unit price net of taxes"
    pool = Pool()
    Date = pool.get('ir.date')
    Tax = pool.get('account.tax')
    if connection.gross_prices and taxes:
        price = Tax.reverse_compute(price, taxes, Date.today())
    return round_price(price)


def picture(item):
    """(the fingerprint or URL that the template keeps, the image bytes or
    None) of the item's kep; ItemError when it is no JPEG or PNG"""
    kep = item.image
    if not kep:
        return None, None
    if kep.startswith(('http://', 'https://')):
        if len(kep) > 1000 or not kep.isprintable():
            raise ItemError(gettext('onretail_kulcs.msg_item_image',
                    item=item.code))
        return kep, None
    try:
        data = base64.b64decode(kep, validate=True)
        if not any(data.startswith(m) for m in PICTURES):
            raise ValueError
        with warnings.catch_warnings():
            warnings.simplefilter('error', PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as image:
                if max(image.size) > MAX_PIXELS:
                    raise ValueError
                image.verify()
    except (binascii.Error, ValueError, OSError, SyntaxError,
            PILImage.DecompressionBombError,
            PILImage.DecompressionBombWarning):
        raise ItemError(gettext('onretail_kulcs.msg_item_image',
                item=item.code))
    return 'sha256:' + hashlib.sha256(data).hexdigest(), data


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def kulcs_apply(cls, connection, items, run):
        """Write what items change of the connection's products (created
        in a full sync), their promo rules and (in one inventory) their
        stock: the counts and lines of run"""
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        full = connection.sync_type == 'full'
        lookups = Lookups(connection)
        found, created, changed, quantities, promos = 0, set(), set(), {}, {}
        for chunk in grouped_slice(items, CHUNK):
            chunk = list(chunk)
            details = cls._kulcs_details(connection, chunk, lookups, run
                ) if full else {}
            chunk = [i for i in chunk if not full or i.code in details]
            by_code = cls._kulcs_by_code(chunk)
            missing = [i for i in chunk if i.code not in by_code]
            if full:
                new = cls._kulcs_create(connection, missing, details, run)
                created.update(p.id for p in new.values())
                by_code.update(new)
            else:
                for item in missing:
                    run.skip(item.code, gettext(
                            'onretail_kulcs.msg_item_unknown',
                            item=item.code))
            pairs = [(i, by_code[i.code]) for i in chunk if i.code in by_code]
            existing = [(i, p) for i, p in pairs if p.id not in created]
            found += len(existing)
            if full:
                changed |= cls._kulcs_write_details(existing, details)
            rows = product_rows([p.id for _, p in pairs])
            changed |= cls._kulcs_prices(existing, rows, lookups)
            for item, product in pairs:
                if item.stock is not None:
                    quantities[product.id] = item.stock
            promos.update(
                cls._kulcs_promos(connection, pairs, rows, lookups))
            store_event_logs()
        if promos and connection.promo_price_list:
            changed |= connection.promo_price_list.kulcs_set_promos(promos)
        elif promos:
            run.warn('', gettext('onretail_kulcs.msg_no_promo_list',
                    connection=connection.rec_name))
        changed |= Inventory.kulcs_set_quantities(
            connection.warehouse, quantities)
        changed -= created
        run.count('created', len(created))
        run.count('updated', len(changed))
        run.count('unchanged', found - len(changed))

    @classmethod
    def _kulcs_by_code(cls, items):
        "{code: the oldest product of the code} of items"
        by_code = {}
        for product in cls.search([
                    ('code', 'in', [i.code for i in items]),
                    ], order=[('id', 'ASC')]):
            by_code.setdefault(product.code, product)
        return by_code

    @classmethod
    def _kulcs_details(cls, connection, items, lookups, run):
        "{code: Details} of the items that are right; the others are errors"
        details = {}
        for item in items:
            try:
                details[item.code] = Details(connection, item, lookups)
            except ItemError as error:
                run.error(item.code, error.message)
        return details

    @classmethod
    def _kulcs_create(cls, connection, items, details, run):
        """{code: new product} of items; an item without a tax rate is an
        error: a product needs its taxes"""
        pool = Pool()
        Image = pool.get('product.image')
        ModelData = pool.get('ir.model.data')
        Template = pool.get('product.template')
        unit_id = ModelData.get_id('product', 'uom_unit')
        values, accepted = [], []
        for item in items:
            detail = details[item.code]
            if not detail.account_category:
                run.error(item.code, gettext(
                        'onretail_kulcs.msg_item_no_rate', item=item.code))
                continue
            unit = detail.unit.id if detail.unit else unit_id
            taxes = detail.account_category.customer_taxes_used
            values.append({
                    'name': item.name or item.code,
                    'type': 'goods',
                    'default_uom': unit,
                    'sale_uom': unit,
                    'salable': True,
                    'account_category': detail.account_category.id,
                    'list_price': net_of(connection, taxes, item.price or 0),
                    'categories': [('add', [detail.category.id]
                            if detail.category else [])],
                    'kulcs_image': detail.image,
                    'products': [('create', [{
                                    'suffix_code': item.code,
                                    'description': item.description,
                                    }])],
                    })
            accepted.append(item)
        templates = Template.create(values)
        images = [{'template': t.id, 'image': details[i.code].picture}
            for i, t in zip(accepted, templates) if details[i.code].picture]
        if images:
            Image.create(images)
        return {i.code: t.products[0] for i, t in zip(accepted, templates)}

    @classmethod
    def _kulcs_write_details(cls, pairs, details):
        """Write the name, description, account category, category and
        picture of the products of pairs that Kulcs changed: the ids of
        those products"""
        pool = Pool()
        Image = pool.get('product.image')
        Template = pool.get('product.template')
        templates, products, old, images, changed = [], [], [], [], set()
        for item, product in pairs:
            detail, template = details[item.code], product.template
            values = {}
            if item.name and template.name != item.name:
                values['name'] = item.name
            if (detail.account_category
                    and template.account_category
                    != detail.account_category):
                values['account_category'] = detail.account_category.id
            if detail.category and list(template.categories) != [
                    detail.category]:
                values['categories'] = [('set', [detail.category.id])]
            if detail.image and template.kulcs_image != detail.image:
                values['kulcs_image'] = detail.image
                if detail.picture:
                    old.extend(template.images)
                    images.append({'template': template.id,
                            'image': detail.picture})
            if values:
                templates.extend(([template], values))
                changed.add(product.id)
            if (item.description is not None
                    and (product.description or '') != item.description):
                products.extend(([product], {
                            'description': item.description}))
                changed.add(product.id)
        if templates:
            Template.write(*templates)
        if products:
            cls.write(*products)
        if old:
            Image.delete(old)
        if images:
            Image.create(images)
        return changed

    @classmethod
    def _kulcs_prices(cls, pairs, rows, lookups):
        """Write the base prices of the products of pairs that changed: the
        ids of those products. The company's list prices of their templates
        are read and written at once, as records of their own."""
        pool = Pool()
        ListPrice = pool.get('product.list_price')
        Template = pool.get('product.template')
        pairs = [(i, p) for i, p in pairs if i.price is not None]
        if not pairs:
            return set()
        check_write_access('product.template', ['list_price'])
        records = cls._kulcs_list_prices(
            {rows[p.id].template for _, p in pairs})
        by_price, without, changed = defaultdict(list), {}, set()
        for item, product in pairs:
            row = rows[product.id]
            price = lookups.net(lookups.taxes(product.id, row), item.price)
            record, current = records.get(row.template, (None, None))
            if record is None:
                without[row.template] = price
            elif current != price:
                by_price[price].append(record)
            else:
                continue
            changed.add(product.id)
        if by_price:
            ListPrice.write(*[a for price, ids in by_price.items()
                    for a in (ListPrice.browse(ids), {'list_price': price})])
        if without:
            Template.write(*[a for template, price in without.items()
                    for a in (Template.browse([template]),
                        {'list_price': price})])
        return changed

    @classmethod
    def _kulcs_list_prices(cls, template_ids):
        """{template id: (id, list price) of its list price record of the
        company}, in one query"""
        ListPrice = Pool().get('product.list_price')
        table = ListPrice.__table__()
        cursor = Transaction().connection.cursor()
        records = {}
        cursor.execute(*table.select(
                table.template, table.id, table.list_price,
                where=fields.SQL_OPERATORS['in'](
                    table.template, list(template_ids))
                & (table.product == Null)
                & (table.company == Transaction().context.get('company')),
                order_by=[table.id.asc]))
        for template, id_, price in cursor:
            records.setdefault(template, (id_, price))
        return records

    @classmethod
    def _kulcs_promos(cls, connection, pairs, rows, lookups):
        """{product id: the promo price of its item as the promo list's
        rules hold prices (with tax when the list includes it, else net),
        0 to end it}"""
        pool = Pool()
        Date = pool.get('ir.date')
        Tax = pool.get('account.tax')
        price_list = connection.promo_price_list
        promos = {}
        for item, product in pairs:
            price = item.promo
            if price is None:
                continue
            elif not price or not price_list:
                promos[product.id] = price
                continue
            taxes = lookups.taxes(product.id, rows[product.id])
            if not taxes or connection.gross_prices == price_list.tax_included:
                price = round_price(price)
            elif price_list.tax_included:
                price = round_price(price + sum(t['amount']
                        for t in Tax.compute(taxes, price, 1, Date.today())))
            else:
                price = lookups.net(taxes, price)
            promos[product.id] = price
        return promos


def check_write_access(model, field_names):
    """Refuse the user who may not write field_names of model: what is
    written for it is written as records of their own"""
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    FieldAccess = pool.get('ir.model.field.access')
    ModelAccess.check(model, 'write')
    FieldAccess.check(model, field_names, 'write')
