# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .packaging import PackagingLineMixin


def options_price_extra(product, options):
    "The extras of the options that the product's own price lacks"
    if not product or not options:
        return Decimal(0)
    own = set(product.attribute_values)
    chosen = {o for o in options if o not in own}
    return sum((lv.price_extra
            for line in product.template.attribute_lines
            for lv in line.values if lv.value in chosen),
        Decimal(0))


class SaleLine(PackagingLineMixin, metaclass=PoolMeta):
    __name__ = 'sale.line'
    _packaging_flag = 'salable'
    options = fields.Many2Many(
        'sale.line-product.attribute.value', 'line', 'value', "Options",
        domain=[('id', 'in', Eval('available_options', []))],
        states={'readonly': Eval('sale_state') != 'draft'},
        help="The values chosen when selling for the attributes that create "
        "variants dynamically or never; their price extras add to the price.")
    available_options = fields.Function(fields.Many2Many(
            'product.attribute.value', None, None, "Available Options"),
        'on_change_with_available_options')
    custom_text = fields.Char(
        "Custom Text",
        states={
            'invisible': ~Eval('options'),
            'readonly': Eval('sale_state') != 'draft',
            },
        help="The text the customer asks for with a custom value, for "
        "example an engraving.")

    @fields.depends('product')
    def on_change_with_available_options(self, name=None):
        if not self.product:
            return []
        return [lv.value.id
            for line in self.product.template.attribute_lines
            if line.attribute.creation_mode in {'dynamically', 'never'}
            for lv in line.values if lv.value.active]

    @fields.depends('options', 'product')
    def compute_unit_price(self):
        pool = Pool()
        Uom = pool.get('product.uom')
        price = super().compute_unit_price()
        extra = self._options_price_extra()
        if price is not None and extra:
            if self.unit and self.product:
                extra = Uom.compute_price(
                    self.product.default_uom, extra, self.unit)
            price += extra
        return price

    def _options_price_extra(self):
        return options_price_extra(self.product, self.options)

    @fields.depends(methods=['on_change_quantity', 'on_change_with_amount'])
    def on_change_options(self):
        self.on_change_quantity()
        self.amount = self.on_change_with_amount()

    def dynamic_variant(self):
        """The variant of the product with the dynamic options chosen, which
        is created the first time the combination is sold"""
        dynamic = [o for o in self.options
            if o.attribute.creation_mode == 'dynamically']
        if not self.product or not dynamic:
            return self.product
        values = list(self.product.attribute_values) + [
            o for o in dynamic if o not in self.product.attribute_values]
        return self.product.template.variant_for(values)

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        super().on_modification(mode, lines, field_names=field_names)
        if mode == 'delete':
            return
        to_write = []
        for line in lines:
            variant = line.dynamic_variant()
            if variant and variant != line.product:
                to_write.extend(([line], {'product': variant.id}))
        if to_write:
            cls.write(*to_write)


class SaleLineOption(ModelSQL):
    __name__ = 'sale.line-product.attribute.value'
    __string__ = "Sale Line - Attribute Value"
    line = fields.Many2One(
        'sale.line', "Sale Line", required=True, ondelete='CASCADE')
    value = fields.Many2One(
        'product.attribute.value', "Value", required=True,
        ondelete='RESTRICT')
