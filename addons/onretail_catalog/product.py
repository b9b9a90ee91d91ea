# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC

from .packaging import check_barcodes_unique


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    pos_categories = fields.Many2Many(
        'product.template-product.pos_category', 'template', 'category',
        "POS Categories",
        help="Where the cashier screen shows the product.")
    shop_categories = fields.Many2Many(
        'product.template-product.shop_category', 'template', 'category',
        "Shop Categories",
        help="Where the online shop shows the product.")
    gateway_categories = fields.Many2Many(
        'product.template-product.gateway_category', 'template', 'category',
        "Gateway Categories",
        help="Under which categories the product is exported to external "
        "shops.")
    tags = fields.Many2Many(
        'product.template-product.tag', 'template', 'tag', "Tags",
        help="Keywords that mark the product.")

    def category_policy(self, name):
        """The stock policy of the product's category: the accounting
        category first, then its other categories, each inheriting from its
        parents"""
        categories = [getattr(self, 'account_category', None),
            *self.categories]
        for category in filter(None, categories):
            if value := category.inherited(name):
                return value


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'
    packagings = fields.One2Many(
        'product.packaging', 'product', "Packagings",
        help="The packagings the product is sold or bought in.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['scan'] = RPC(
            result=lambda found: found and (found[0].id, found[1]))

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        if operator in {'=', 'ilike', 'like', 'in'}:
            domain.append(('packagings.barcode', operator, operand, *extra))
        return domain

    @classmethod
    def scan(cls, code):
        """Return (product, quantity) for a scanned or typed code: a packaging
        barcode gives its product and quantity, a product barcode or code
        gives the product and 1. None when nothing has that code."""
        pool = Pool()
        Packaging = pool.get('product.packaging')
        code = (code or '').strip()
        if not code:
            return None
        packagings = Packaging.search([('barcode', '=', code)], limit=1)
        if packagings:
            packaging, = packagings
            return packaging.product, packaging.quantity
        for field in ['identifiers.code', 'code']:
            products = cls.search([(field, '=', code)], limit=1)
            if products:
                product, = products
                return product, 1
        return None


class ProductIdentifier(metaclass=PoolMeta):
    __name__ = 'product.identifier'

    @classmethod
    def validate_fields(cls, identifiers, field_names):
        super().validate_fields(identifiers, field_names)
        if 'code' in field_names:
            check_barcodes_unique([i.code for i in identifiers])
