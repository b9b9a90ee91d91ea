# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Null

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .batch import to_decimal


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def get_price_list_sale_prices(cls, products):
        """Return {product id: sale price} equal to list_price_used, read in
        bulk for price lists"""
        pool = Pool()
        ListPrice = pool.get('product.list_price')
        product = cls.__table__()
        template_price = ListPrice.__table__()
        product_price = ListPrice.__table__()
        cursor = Transaction().connection.cursor()
        company = Transaction().context.get('company')
        prices = {}
        for sub_products in grouped_slice(products, backend.MAX_QUERY_PARAMS):
            sub_ids = [p.id for p in sub_products]
            cursor.execute(*product
                .join(template_price, 'LEFT', condition=(
                        (template_price.template == product.template)
                        & (template_price.product == Null)
                        & (template_price.company == company)))
                .join(product_price, 'LEFT', condition=(
                        (product_price.product == product.id)
                        & (product_price.company == company)))
                .select(product.id, product_price.list_price,
                    template_price.list_price,
                    where=fields.SQL_OPERATORS['in'](product.id, sub_ids)))
            for product_id, own_price, template_price_ in cursor:
                prices[product_id] = to_decimal(
                    own_price if own_price is not None else template_price_)
        return prices
