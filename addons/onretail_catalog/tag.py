# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import re

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pyson import Bool, Eval

HTML_COLOR = re.compile(r'^#[0-9a-fA-F]{6}$')


def check_html_color(record, field_name):
    "Refuse a colour that is not #RRGGBB"
    value = getattr(record, field_name)
    if value and not HTML_COLOR.match(value):
        raise ValidationError(gettext(
                'onretail_catalog.msg_html_color_invalid',
                value=value, record=record.rec_name,
                field=record.__names__(field_name)['field']))


class Tag(DeactivableMixin, ModelSQL, ModelView):
    "A keyword that marks products, optionally with a ribbon in the shop"
    __name__ = 'product.tag'
    __string__ = "Product Tag"
    name = fields.Char("Name", required=True, translate=True)
    color = fields.Char(
        "Colour", help="The colour the tag shows in, as #RRGGBB.")
    ribbon = fields.Char(
        "Ribbon", translate=True,
        help="The text of the ribbon shown on the product in shop listings; "
        "empty for no ribbon.")
    ribbon_color = fields.Char(
        "Ribbon Colour",
        states={'invisible': ~Bool(Eval('ribbon'))},
        help="The colour of the ribbon, as #RRGGBB.")
    templates = fields.Many2Many(
        'product.template-product.tag', 'tag', 'template', "Products")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def validate_fields(cls, tags, field_names):
        super().validate_fields(tags, field_names)
        for tag in tags:
            for field_name in {'color', 'ribbon_color'} & field_names:
                check_html_color(tag, field_name)


class TemplateTag(ModelSQL):
    __name__ = 'product.template-product.tag'
    __string__ = "Product - Tag"
    template = fields.Many2One(
        'product.template', "Product", ondelete='CASCADE', required=True)
    tag = fields.Many2One(
        'product.tag', "Tag", ondelete='CASCADE', required=True)
