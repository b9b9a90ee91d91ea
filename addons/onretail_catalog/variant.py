# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import colorsys
import itertools
import re
import uuid
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .tag import HTML_COLOR

_RGB = re.compile(r'^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$', re.I)
_HSL = re.compile(
    r'^hsl\(\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)%\s*,'
    r'\s*(\d+(?:\.\d+)?)%\s*\)$', re.I)


def to_html_color(value):
    "Normalise a HEX, rgb(r, g, b) or hsl(h, s%, l%) colour to #RRGGBB"
    if not value:
        return value
    value = value.strip()
    if match := _RGB.match(value):
        red, green, blue = (min(int(c), 255) for c in match.groups())
    elif match := _HSL.match(value):
        hue, saturation, lightness = (float(c) for c in match.groups())
        red, green, blue = (round(c * 255) for c in colorsys.hls_to_rgb(
                hue / 360, lightness / 100, saturation / 100))
    elif HTML_COLOR.match(value):
        return value.upper()
    else:
        return value
    return f'#{red:02X}{green:02X}{blue:02X}'


def variant_suffix(values):
    """The code suffix of a variant: its value names, like -RED or -S-BLUE,
    which keeps the codes of a template's variants apart"""
    return ''.join(
        '-' + (re.sub(r'\W+', '', v.name).upper() or str(v.id))
        for v in sorted(values, key=lambda v: (v.attribute.id, v.id)))


class Attribute(metaclass=PoolMeta):
    __name__ = 'product.attribute'
    gateway_id = fields.Char(
        "Gateway ID", required=True, readonly=True,
        help="The unique and stable identifier of the attribute for the "
        "export and import through the gateway.")
    display_type = fields.Selection([
            ('radio', "Radio Buttons"),
            ('pills', "Pills"),
            ('select', "Drop-down"),
            ('color', "Colour"),
            ], "Display Type", required=True, sort=False,
        help="How the choice of a value is shown in the shop and when the "
        "product is added to an order.")
    creation_mode = fields.Selection([
            ('instantly', "Instantly"),
            ('dynamically', "Dynamically"),
            ('never', "Never"),
            ], "Variant Creation", required=True, sort=False,
        help="Instantly: every combination of values becomes a variant as "
        "soon as the attribute is added to a product.\n"
        "Dynamically: a variant is created the first time its combination "
        "is sold.\n"
        "Never: no variant; the value is chosen when selling.")
    shop_filter = fields.Selection([
            ('visible', "Visible"),
            ('hidden', "Hidden"),
            ], "Shop Filter", required=True,
        help="Whether the shop may filter the products by this attribute.")
    values = fields.One2Many(
        'product.attribute.value', 'attribute', "Values",
        help="The values a product may have, like S, M and L for a size.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('gateway_id_unique', Unique(t, t.gateway_id),
                'onretail_catalog.msg_attribute_gateway_id_unique'),
            ]

    @classmethod
    def default_gateway_id(cls):
        return uuid.uuid4().hex

    @classmethod
    def default_type_(cls):
        return 'selection'

    @classmethod
    def default_display_type(cls):
        return 'radio'

    @classmethod
    def default_creation_mode(cls):
        return 'instantly'

    @classmethod
    def default_shop_filter(cls):
        return 'visible'

    @classmethod
    def copy(cls, attributes, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('gateway_id', None)
        default.setdefault('values', None)
        return super().copy(attributes, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not values.get('gateway_id'):
                values['gateway_id'] = cls.default_gateway_id()
            # The label of Tryton's attribute schema is the name by default.
            values.setdefault('string', values.get('name'))
        return values


class AttributeValue(
        sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "A value of a variant attribute"
    __name__ = 'product.attribute.value'
    __string__ = "Attribute Value"
    attribute = fields.Many2One(
        'product.attribute', "Attribute", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    html_color = fields.Char(
        "HTML Colour",
        states={
            'invisible': Eval('_parent_attribute', {}).get(
                'display_type') != 'color',
            },
        help="The colour shown for the value, as #RRGGBB; rgb(…) and "
        "hsl(…) are converted.")
    custom = fields.Boolean(
        "Custom Value",
        help="If checked, the buyer types a text when choosing the value, "
        "for example an engraving.")

    def get_rec_name(self, name):
        return self.name

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('html_color'):
            values['html_color'] = to_html_color(values['html_color'])
        return values

    @classmethod
    def validate_fields(cls, values, field_names):
        pool = Pool()
        Template = pool.get('product.template')
        super().validate_fields(values, field_names)
        if 'html_color' in field_names:
            for value in values:
                if value.html_color and not HTML_COLOR.match(value.html_color):
                    raise ValidationError(gettext(
                            'onretail_catalog.msg_html_color_invalid',
                            value=value.html_color, record=value.rec_name,
                            field=cls.__names__('html_color')['field']))
        if 'active' in field_names:
            Template.sync_variants(Template.search([
                        ('attribute_lines.values.value', 'in',
                            [v.id for v in values]),
                        ]))


class _SyncVariantsMixin:
    "Keep the variants of the templates in step with what changed"
    __slots__ = ()

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Template = pool.get('product.template')
        super().on_modification(mode, records, field_names=field_names)
        if mode != 'delete':
            Template.sync_variants({r.template_to_sync for r in records})

    @classmethod
    def on_delete(cls, records):
        pool = Pool()
        Template = pool.get('product.template')
        callback = super().on_delete(records)
        template_ids = {r.template_to_sync.id for r in records}
        callback.append(lambda: Template.sync_variants(
                Template.browse(list(template_ids))))
        return callback


class TemplateAttributeLine(
        _SyncVariantsMixin, sequence_ordered(), ModelSQL, ModelView):
    "A variant attribute of a product with the values it uses"
    __name__ = 'product.template.attribute_line'
    __string__ = "Product Attribute Line"
    template = fields.Many2One(
        'product.template', "Product", required=True, ondelete='CASCADE')
    attribute = fields.Many2One(
        'product.attribute', "Attribute", required=True, ondelete='RESTRICT')
    creation_mode = fields.Function(fields.Selection(
            'get_creation_modes', "Variant Creation"),
        'on_change_with_creation_mode')
    values = fields.One2Many(
        'product.template.attribute_line.value', 'line', "Values",
        help="The values the product uses, each with its price extra.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')
        t = cls.__table__()
        cls._sql_constraints += [
            ('attribute_unique', Unique(t, t.template, t.attribute),
                'onretail_catalog.msg_attribute_line_unique'),
            ]

    @classmethod
    def get_creation_modes(cls):
        Attribute = Pool().get('product.attribute')
        return Attribute.fields_get(['creation_mode'])['creation_mode'][
            'selection']

    @fields.depends('attribute', '_parent_attribute.creation_mode')
    def on_change_with_creation_mode(self, name=None):
        return self.attribute.creation_mode if self.attribute else None

    @fields.depends('attribute', 'values')
    def on_change_attribute(self):
        "Start with every active value of the attribute, without extra"
        if self.attribute and not self.values:
            self.values = [
                {'value': v.id, 'price_extra': Decimal(0)}
                for v in self.attribute.values if v.active]

    def get_rec_name(self, name):
        return self.attribute.rec_name

    @property
    def template_to_sync(self):
        return self.template


class TemplateAttributeLineValue(_SyncVariantsMixin, ModelSQL, ModelView):
    "A value of an attribute used by a product, with its price extra"
    __name__ = 'product.template.attribute_line.value'
    __string__ = "Product Attribute Value"
    line = fields.Many2One(
        'product.template.attribute_line', "Line", required=True,
        ondelete='CASCADE')
    value = fields.Many2One(
        'product.attribute.value', "Value", required=True,
        ondelete='RESTRICT',
        domain=[('attribute', '=', Eval('_parent_line', {}).get('attribute'))],
        help="The value of the line's attribute.")
    price_extra = fields.Numeric(
        "Price Extra", digits=(16, 4), required=True,
        help="Added to the product's sale price, before price lists, when "
        "the value is chosen.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('line')
        t = cls.__table__()
        cls._sql_constraints += [
            ('value_unique', Unique(t, t.line, t.value),
                'onretail_catalog.msg_attribute_line_value_unique'),
            ]

    @classmethod
    def default_price_extra(cls):
        return Decimal(0)

    def get_rec_name(self, name):
        return self.value.rec_name

    @property
    def template_to_sync(self):
        return self.line.template


class ProductAttributeValue(ModelSQL):
    __name__ = 'product.product-product.attribute.value'
    product = fields.Many2One(
        'product.product', "Variant", required=True, ondelete='CASCADE')
    value = fields.Many2One(
        'product.attribute.value', "Value", required=True,
        ondelete='RESTRICT')


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    attribute_lines = fields.One2Many(
        'product.template.attribute_line', 'template', "Variant Attributes",
        help="The attributes that tell the variants apart, with the values "
        "and price extras the product uses.")

    @classmethod
    def sync_variants(cls, templates):
        """Create a variant for every combination of the values of the
        attributes created instantly; archive the variants whose values the
        product no longer uses (never delete them: they may have been sold)"""
        pool = Pool()
        Product = pool.get('product.product')
        to_create, to_save = [], []
        for template in templates:
            creating, saving = template._variants_to_sync()
            to_create.extend(creating)
            to_save.extend(saving)
        with Transaction().set_context(active_test=False):
            Product.save(to_save + to_create)

    def _used_values(self, modes):
        "The active values per line whose attribute has one of the modes"
        return [
            [lv.value for lv in line.values if lv.value.active]
            for line in self.attribute_lines
            if line.attribute.creation_mode in modes]

    def _variants_to_sync(self):
        pool = Pool()
        Product = pool.get('product.product')
        with Transaction().set_context(active_test=False):
            products = Product.search([('template', '=', self.id)])
        combinations = {
            frozenset(v.id for v in combination): combination
            for combination in itertools.product(
                *self._used_values({'instantly'}))
            if combination}
        used = set().union(*(
                {v.id for v in values}
                for values in self._used_values(
                    {'instantly', 'dynamically'})))
        existing = {}
        blank = []
        to_save = []
        for product in products:
            key = frozenset(v.id for v in product.attribute_values)
            if not key:
                blank.append(product)
                continue
            existing[key] = product
            active = key <= used
            if product.active != active:
                product.active = active
                to_save.append(product)
        to_create = []
        for key, combination in combinations.items():
            if key in existing:
                continue
            if blank:
                product = blank.pop(0)
                to_save.append(product)
            else:
                product = Product(template=self)
                to_create.append(product)
            product.attribute_values = list(combination)
            if self.code:
                product.suffix_code = variant_suffix(combination)
            product.active = True
        if combinations:
            # A product with variants keeps no variant without values.
            for product in blank:
                if product.active:
                    product.active = False
                    to_save.append(product)
        return to_create, to_save

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['variant_for'] = RPC(
            instantiate=0, readonly=False, result=int)

    def variant_for(self, values):
        """Return the variant of the values (attribute values, or their ids,
        of the attributes that create variants), creating it when missing"""
        pool = Pool()
        Product = pool.get('product.product')
        Value = pool.get('product.attribute.value')
        values = Value.browse(values)
        key = frozenset(v.id for v in values
            if v.attribute.creation_mode != 'never')
        with Transaction().set_context(active_test=False):
            for product in Product.search([('template', '=', self.id)]):
                if frozenset(v.id for v in product.attribute_values) == key:
                    return product
        combination = [v for v in values if v.id in key]
        product = Product(template=self, attribute_values=combination)
        if self.code:
            product.suffix_code = variant_suffix(combination)
        product.save()
        return product


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'
    attribute_values = fields.Many2Many(
        'product.product-product.attribute.value', 'product', 'value',
        "Attribute Values", readonly=True,
        help="The combination of values that makes the variant.")
    price_extra = fields.Function(fields.Numeric(
            "Price Extra", digits=(16, 4),
            help="The sum of the price extras of the variant's values."),
        'get_price_extra')

    @classmethod
    def get_price_extra(cls, products, name=None):
        "The sum of each variant's price extras, read in one query"
        pool = Pool()
        ProductValue = pool.get('product.product-product.attribute.value')
        Line = pool.get('product.template.attribute_line')
        LineValue = pool.get('product.template.attribute_line.value')
        relation = ProductValue.__table__()
        product = cls.__table__()
        line = Line.__table__()
        line_value = LineValue.__table__()
        cursor = Transaction().connection.cursor()
        extras = dict.fromkeys((p.id for p in products), Decimal(0))
        for sub_ids in grouped_slice(list(extras), backend.MAX_QUERY_PARAMS):
            cursor.execute(*relation
                .join(product, condition=product.id == relation.product)
                .join(line, condition=line.template == product.template)
                .join(line_value, condition=(line_value.line == line.id)
                    & (line_value.value == relation.value))
                .select(relation.product, line_value.price_extra,
                    where=fields.SQL_OPERATORS['in'](
                        relation.product, list(sub_ids))))
            for product_id, price_extra in cursor:
                extras[product_id] += Decimal(str(price_extra))
        return extras

    def get_list_price_used(self, name):
        price = super().get_list_price_used(name)
        if price is not None:
            price += self.price_extra
        return price

    def get_rec_name(self, name):
        name = super().get_rec_name(name)
        if self.attribute_values:
            name += ' - ' + ', '.join(
                v.name for v in sorted(
                    self.attribute_values,
                    key=lambda v: (v.attribute.id, v.sequence or 0, v.id)))
        return name


class ProductPriceList(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def adjust_price_list_sale_prices(cls, products, prices):
        # Price lists read sale prices in bulk; variants add their extras.
        prices = super().adjust_price_list_sale_prices(products, prices)
        for product_id, extra in cls.get_price_extra(products).items():
            if prices.get(product_id) is not None:
                prices[product_id] += extra
        return prices
