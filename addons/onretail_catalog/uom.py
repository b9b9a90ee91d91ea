# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta
from trytond.pyson import Eval, If


class Uom(metaclass=PoolMeta):
    __name__ = 'product.uom'
    uom_type = fields.Function(fields.Selection([
                ('reference', "Reference Unit"),
                ('bigger', "Bigger than the Reference"),
                ('smaller', "Smaller than the Reference"),
                ], "Type",
            help="Quantities convert through the reference unit of the "
            "category (factor 1); the others are bigger or smaller by their "
            "factor."),
        'on_change_with_uom_type', searcher='search_uom_type')

    @fields.depends('factor')
    def on_change_with_uom_type(self, name=None):
        if self.factor is None:
            return
        if self.factor == 1:
            return 'reference'
        return 'bigger' if self.factor > 1 else 'smaller'

    @classmethod
    def search_uom_type(cls, name, clause):
        _, operator, value = clause[:3]
        domains = {
            'reference': ('factor', '=', 1),
            'bigger': ('factor', '>', 1),
            'smaller': ('factor', '<', 1),
            }
        values = value if operator in {'in', 'not in'} else [value]
        domain = ['OR'] + [domains[v] for v in values if v in domains]
        if operator in {'!=', 'not in'}:
            return ['NOT', domain]
        return domain

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('uom_type') == 'reference', 'success', '')),
            ]

    @classmethod
    def validate_fields(cls, units, field_names):
        super().validate_fields(units, field_names)
        if field_names & {'factor', 'rate', 'category', 'active'}:
            cls.check_one_reference({u.category for u in units})

    @classmethod
    def check_one_reference(cls, categories):
        "Refuse a second reference unit in a category"
        for category in categories:
            references = cls.search([
                    ('category', '=', category.id),
                    ('factor', '=', 1),
                    ], order=[('id', 'ASC')])
            if len(references) > 1:
                raise ValidationError(gettext(
                        'onretail_catalog.msg_uom_one_reference',
                        category=category.rec_name,
                        first=references[0].rec_name,
                        second=references[1].rec_name))
