# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql.aggregate import Max
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields, tree
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'
    removal_strategy = fields.Selection([
            (None, ""),
            ('fifo', "First In, First Out"),
            ('lifo', "Last In, First Out"),
            ('closest', "Closest Location"),
            ], "Removal Strategy",
        help="Which stock is reserved first for a delivery: the units that "
        "entered first, those that entered last, or those closest to the "
        "destination.\n"
        "Empty takes the parent category's strategy.")
    packaging_reservation = fields.Selection([
            (None, ""),
            ('full', "Full Packagings Only"),
            ('partial', "Partial Packagings Too"),
            ], "Packaging Reservation",
        help="Whether a delivery in packagings reserves only whole "
        "packagings or also the units of a broken one.\n"
        "Empty takes the parent category's choice; partial at the top.")

    def inherited(self, name):
        "The value of the field on the category or its nearest parent"
        category = self
        while category:
            if value := getattr(category, name):
                return value
            category = category.parent


class _TreeMixin(tree(separator=' / ')):
    "A category tree whose records show with their full path"
    __slots__ = ()
    name = fields.Char("Name", required=True, translate=True)
    image = fields.Binary(
        "Image", help="Shown with the name where the category is displayed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class POSCategory(_TreeMixin, ModelSQL, ModelView):
    "How the cashier screen groups the products"
    __name__ = 'product.pos_category'
    __string__ = "POS Category"
    parent = fields.Many2One(
        'product.pos_category', "Parent", ondelete='RESTRICT',
        help="The category above this one.")
    childs = fields.One2Many(
        'product.pos_category', 'parent', "Children",
        help="The categories below this one.")
    templates = fields.Many2Many(
        'product.template-product.pos_category', 'category', 'template',
        "Products")


class ShopCategory(_TreeMixin, ModelSQL, ModelView):
    "How the online shop groups the products"
    __name__ = 'product.shop_category'
    __string__ = "Shop Category"
    parent = fields.Many2One(
        'product.shop_category', "Parent", ondelete='RESTRICT',
        help="The category above this one.")
    childs = fields.One2Many(
        'product.shop_category', 'parent', "Children",
        help="The categories below this one.")
    hidden = fields.Boolean(
        "Hidden", help="If checked, the online shop does not show it.")
    templates = fields.Many2Many(
        'product.template-product.shop_category', 'category', 'template',
        "Products")


class ShopCategoryWebShop(metaclass=PoolMeta):
    __name__ = 'product.shop_category'
    website = fields.Many2One(
        'web.shop', "Website", ondelete='SET NULL',
        help="The web shop that uses the category; empty for all of them.")


class GatewayCategory(_TreeMixin, ModelSQL, ModelView):
    "How the products are exported to external shops"
    __name__ = 'product.gateway_category'
    __string__ = "Gateway Category"
    parent = fields.Many2One(
        'product.gateway_category', "Parent", ondelete='RESTRICT',
        help="The category above this one.")
    childs = fields.One2Many(
        'product.gateway_category', 'parent', "Children",
        help="The categories below this one.")
    visible = fields.Boolean(
        "Visible", help="If unchecked, the external shops do not show it.")
    sequence = fields.Integer(
        "Sequence", required=True,
        domain=[('sequence', '>=', 0)],
        help="The position among its siblings; 0 does not sort by sequence.")
    slug = fields.Char(
        "URL Slug",
        help="The part of the address under which the shop shows it; "
        "unique among the categories of the same parent.")
    templates = fields.Many2Many(
        'product.template-product.gateway_category', 'category', 'template',
        "Products")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC'))

    @staticmethod
    def default_visible():
        return True

    @classmethod
    def default_sequence(cls):
        "The number after the highest one"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                Coalesce(Max(table.sequence), 0)))
        highest, = cursor.fetchone()
        return highest + 1

    @classmethod
    def validate_fields(cls, categories, field_names):
        super().validate_fields(categories, field_names)
        if field_names & {'slug', 'parent'}:
            cls.check_slug(categories)

    @classmethod
    def check_slug(cls, categories):
        for category in categories:
            if not category.slug:
                continue
            others = cls.search([
                    ('id', '!=', category.id),
                    ('parent', '=', category.parent),
                    ('slug', '=', category.slug),
                    ], limit=1)
            if others:
                other, = others
                raise ValidationError(gettext(
                        'onretail_catalog.msg_gateway_category_slug_unique',
                        slug=category.slug,
                        category=category.rec_name,
                        other=other.rec_name))


class _TemplateCategoryMixin(ModelSQL):
    __slots__ = ()
    template = fields.Many2One(
        'product.template', "Product", ondelete='CASCADE', required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A product's categories and a category's products are read by
        # either side; without an index each read scans the whole table.
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.template, Index.Range())),
                Index(t, (t.category, Index.Range())),
                })


class TemplatePOSCategory(_TemplateCategoryMixin):
    __name__ = 'product.template-product.pos_category'
    __string__ = "Product - POS Category"
    category = fields.Many2One(
        'product.pos_category', "POS Category", ondelete='CASCADE',
        required=True)


class TemplateShopCategory(_TemplateCategoryMixin):
    __name__ = 'product.template-product.shop_category'
    __string__ = "Product - Shop Category"
    category = fields.Many2One(
        'product.shop_category', "Shop Category", ondelete='CASCADE',
        required=True)


class TemplateGatewayCategory(_TemplateCategoryMixin):
    __name__ = 'product.template-product.gateway_category'
    __string__ = "Product - Gateway Category"
    category = fields.Many2One(
        'product.gateway_category', "Gateway Category", ondelete='CASCADE',
        required=True)
