# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta
from trytond.transaction import Transaction

from .batch import product_rows


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    def _get_sale_unit_price(self, quantity=0):
        # A list without a rule for the product leaves its sale price.
        price = super()._get_sale_unit_price(quantity=quantity)
        if price is None and Transaction().context.get('price_list'):
            with Transaction().set_context(price_list=None):
                price = super()._get_sale_unit_price(quantity=quantity)
        return price

    @classmethod
    def get_price_list_sale_prices(cls, products):
        """Return {product id: sale price} equal to list_price_used, read in
        bulk for price lists"""
        ids = [p.id for p in products]
        prices = {i: row[2] for i, row in product_rows(ids).items()}
        return cls.adjust_price_list_sale_prices(products, prices)

    @classmethod
    def adjust_price_list_sale_prices(cls, products, prices):
        """Add to the stored list prices what list_price_used adds to them;
        prices is {product id: list price} and may be changed"""
        return prices
