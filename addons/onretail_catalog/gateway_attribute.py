# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from lxml_html_clean import Cleaner

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

TYPES = [
    ('boolean', "Yes/No"),
    ('text', "Text"),
    ('html', "HTML"),
    ('date', "Date"),
    ('datetime', "Date and Time"),
    ('number', "Number"),
    ('selection', "Selection"),
    ('multiselection', "Multiple Selection"),
    ('file', "File"),
    ('reference', "Reference"),
    ]
# The column that holds a value of each type.
VALUE_FIELDS = {
    'boolean': 'value_boolean',
    'text': 'value_text',
    'html': 'value_text',
    'date': 'value_date',
    'datetime': 'value_datetime',
    'number': 'value_number',
    'selection': 'value_selection',
    'multiselection': 'value_selections',
    'file': 'value_file',
    'reference': 'value_reference',
    }
_html_cleaner = Cleaner(
    scripts=True, javascript=True, style=True, forms=True, frames=True,
    embedded=True, meta=True, page_structure=True, safe_attrs_only=True)


def sanitize_html(html):
    "Strip scripts, event handlers, frames and forms from a piece of HTML"
    return _html_cleaner.clean_html(html) if html else html


class ValueMixin:
    "Typed value columns, of which only the one of the type may be filled"
    __slots__ = ()
    value_boolean = fields.Boolean(
        "Yes/No", states={'invisible': Eval('value_type') != 'boolean'})
    value_text = fields.Text(
        "Text", states={
            'invisible': ~Eval('value_type').in_(['text', 'html'])})
    value_date = fields.Date(
        "Date", states={'invisible': Eval('value_type') != 'date'})
    value_datetime = fields.DateTime(
        "Date and Time", states={'invisible': Eval('value_type') != 'datetime'})
    value_number = fields.Numeric(
        "Number", states={'invisible': Eval('value_type') != 'number'})
    value_selection = fields.Selection(
        'get_choices', "Choice", sort=False,
        states={'invisible': Eval('value_type') != 'selection'})
    value_selections = fields.MultiSelection(
        'get_multiple_choices', "Choices", sort=False,
        states={'invisible': Eval('value_type') != 'multiselection'})
    value_file = fields.Binary(
        "File", filename='value_file_name',
        states={'invisible': Eval('value_type') != 'file'})
    value_file_name = fields.Char(
        "File Name", states={'invisible': Eval('value_type') != 'file'})
    value_reference = fields.Reference(
        "Reference", selection=[
            (None, ""),
            ('product.template', "Product"),
            ('product.product', "Variant"),
            ('party.party', "Party"),
            ],
        states={'invisible': Eval('value_type') != 'reference'})

    @fields.depends(methods=['get_choices'])
    def get_multiple_choices(self):
        return [(key, label) for key, label in self.get_choices() if key]

    @property
    def value(self):
        field = VALUE_FIELDS.get(self.value_type)
        return getattr(self, field) if field else None

    def check_value(self):
        "Refuse a value in a column that is not the one of the type"
        field = VALUE_FIELDS.get(self.value_type)
        for name in set(VALUE_FIELDS.values()) - {field}:
            if getattr(self, name) not in {None, False, '', ()}:
                raise ValidationError(gettext(
                        'onretail_catalog.msg_gateway_value_wrong_type',
                        record=self.rec_name,
                        field=self.__names__(name)['field'],
                        type=self.__names__('value_type', self)['value']))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        "Store HTML values sanitised"
        super().on_modification(mode, records, field_names=field_names)
        if mode == 'delete':
            return
        for record in records:
            if record.value_type == 'html' and record.value_text:
                clean = sanitize_html(record.value_text)
                if clean != record.value_text:
                    cls.write([record], {'value_text': clean})


class GatewayAttribute(DeactivableMixin, ValueMixin, ModelSQL, ModelView):
    "A typed property of the products exported to external shops"
    __name__ = 'product.gateway_attribute'
    __string__ = "Gateway Attribute"
    name = fields.Char("Name", required=True, translate=True)
    type = fields.Selection(TYPES, "Type", required=True, sort=False,
        help="What kind of value the products get.")
    value_type = fields.Function(
        fields.Selection(TYPES, "Value Type"), 'on_change_with_value_type')
    required = fields.Boolean(
        "Required", help="If checked, a product must fill the attribute.")
    choices = fields.One2Many(
        'product.gateway_attribute.choice', 'attribute', "Choices",
        states={
            'invisible': ~Eval('type').in_(['selection', 'multiselection']),
            },
        help="The values a product may choose from.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        for name in set(VALUE_FIELDS.values()):
            field = getattr(cls, name)
            field.string = f"Default {field.string}"
            field.help = "The value a product gets when the attribute is added."

    @fields.depends('type')
    def on_change_with_value_type(self, name=None):
        return self.type

    @fields.depends('choices')
    def get_choices(self):
        return [(None, "")] + [
            (c.name, c.name) for c in self.choices or [] if c.name]

    @classmethod
    def validate_fields(cls, attributes, field_names):
        super().validate_fields(attributes, field_names)
        for attribute in attributes:
            attribute.check_value()


class GatewayAttributeChoice(sequence_ordered(), ModelSQL, ModelView):
    "A value a selection attribute offers"
    __name__ = 'product.gateway_attribute.choice'
    __string__ = "Gateway Attribute Choice"
    attribute = fields.Many2One(
        'product.gateway_attribute', "Attribute", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True)


class TemplateGatewayAttribute(ValueMixin, ModelSQL, ModelView):
    "The value of a gateway attribute for a product"
    __name__ = 'product.template-product.gateway_attribute'
    __string__ = "Product Gateway Attribute Value"
    template = fields.Many2One(
        'product.template', "Product", required=True, ondelete='CASCADE')
    attribute = fields.Many2One(
        'product.gateway_attribute', "Attribute", required=True,
        ondelete='RESTRICT')
    value_type = fields.Function(
        fields.Selection(TYPES, "Value Type"), 'on_change_with_value_type')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('template')

    def get_rec_name(self, name):
        return f'{self.template.rec_name} / {self.attribute.rec_name}'

    @fields.depends('attribute', '_parent_attribute.type')
    def on_change_with_value_type(self, name=None):
        return self.attribute.type if self.attribute else None

    @fields.depends('attribute', '_parent_attribute.choices')
    def get_choices(self):
        if not self.attribute:
            return [(None, "")]
        return self.attribute.get_choices()

    @fields.depends('attribute', *VALUE_FIELDS.values())
    def on_change_attribute(self):
        "Start from the attribute's default value"
        for name in set(VALUE_FIELDS.values()):
            setattr(self, name, getattr(self.attribute, name, None))

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            line.check_value()
            if line.attribute.required and line.value in {
                    None, '', (), False} and line.value_type != 'boolean':
                raise ValidationError(gettext(
                        'onretail_catalog.msg_gateway_value_required',
                        attribute=line.attribute.rec_name,
                        product=line.template.rec_name))


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    gateway_attributes = fields.One2Many(
        'product.template-product.gateway_attribute', 'template',
        "Gateway Attributes",
        help="The properties exported with the product to external shops.")

    @classmethod
    def default_gateway_attributes(cls):
        "The required attributes, with their default value"
        Attribute = Pool().get('product.gateway_attribute')
        return [
            {'attribute': a.id, **{n: getattr(a, n)
                    for n in set(VALUE_FIELDS.values())}}
            for a in Attribute.search([('required', '=', True)])]
