# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sale prices of the products of a cart, read for all of them at once:
Tryton reads them product by product, several queries each."""
from trytond.pool import PoolMeta

from .cart import Cart


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
        cart = Cart.building()
        if cart is None or not cart.has(self):
            return None
        return cart.sale_prices()
