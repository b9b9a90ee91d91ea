# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sale prices of the products of a cart, read for all of them at once:
Tryton reads them product by product, several queries each."""
from trytond import backend
from trytond.model import fields
from trytond.modules.onretail_pricelist.batch import to_decimal
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .sale import cart_cached


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    def get_list_price_used(self, name):
        prices = self._cart_sale_prices()
        if prices is None:
            return super().get_list_price_used(name)
        return prices['list'][self.id]

    def get_gross_price_used(self, name):
        prices = self._cart_sale_prices()
        if prices is None:
            return super().get_gross_price_used(name)
        return prices['gross'][self.id]

    def _cart_sale_prices(self):
        "The prices of the cart's products, None outside a cart or for others"
        products = cart_cached('products', dict)
        if self.id not in products:
            return None
        return cart_cached('sale prices', lambda: {
                'list': cart_cached('product data', None).sale_prices(),
                'gross': gross_prices(list(products)),
                })


def gross_prices(product_ids):
    """{product id: gross price} as sale_point's gross_price_used: the
    product's own for the context's company, else its template's"""
    pool = Pool()
    GrossPrice = pool.get('product.gross_price')
    Product = pool.get('product.product')
    gross_price = GrossPrice.__table__()
    product = Product.__table__()
    company = Transaction().context.get('company')
    cursor = Transaction().connection.cursor()
    own, of_template, template_of = {}, {}, {}
    for sub_ids in grouped_slice(product_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*product.join(gross_price,
                condition=gross_price.template == product.template
                ).select(product.id, product.template, gross_price.product,
                gross_price.gross_price,
                where=fields.SQL_OPERATORS['in'](product.id, list(sub_ids))
                & (gross_price.company == company),
                order_by=[gross_price.id]))
        for product_id, template_id, row_product, price in cursor:
            template_of[product_id] = template_id
            if row_product == product_id:
                own.setdefault(product_id, price)
            # Like Template.get_multivalue: the template's first value
            of_template.setdefault(template_id, price)
    prices = {}
    for product_id in product_ids:
        price = own.get(product_id)
        if price is None:
            price = of_template.get(template_of.get(product_id))
        prices[product_id] = to_decimal(price)
    return prices
