# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cart of the cashier screen while it becomes a sale: its checked
values, its products and what pricing reads of them, read once for all its
lines: Tryton reads them product by product, several queries each."""
from contextlib import contextmanager
from contextvars import ContextVar

from trytond import backend
from trytond.model import fields
from trytond.modules.onretail_pricelist import ProductData, to_decimal
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

# Tryton computes the products' price fields on instances of its own: they
# find the cart being built here
_building = ContextVar('onretail_pos_cart', default=None)


class Cart:
    """A checked cart at a cash register, priced for the screen or checked
    out; values is what Sale.checked_cart returns, sale the unsaved sale
    built from it"""

    def __init__(self, point, values, pricing=False):
        self.point = point
        self.values = values
        self.pricing = pricing
        self.sale = None
        self.products = {}
        self.product_data = None
        self._sale_prices = None
        self._list_prices = {}

    @staticmethod
    def building():
        "The cart being built into a sale, or None"
        return _building.get()

    @contextmanager
    def build(self):
        "Within, the products' prices are read from this cart"
        token = _building.set(self)
        try:
            yield self
        finally:
            _building.reset(token)

    def read_products(self):
        "Read the lines' products and what pricing reads of them at once"
        pool = Pool()
        Packaging = pool.get('product.packaging')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        lines = self.values['lines']
        packagings = Packaging.browse(
            {v['packaging'] for v in lines if v['packaging']})
        # One instance list: reading a field reads it for every product
        products = Product.browse(
            {v['product'] for v in lines
                if v['product'] and not v['packaging']}
            | {p.product.id for p in packagings})
        self.products = {p.id: p for p in products}
        # Each product reads its template on its own: read them together
        # into the transaction's cache
        templates = Template.browse({p.template.id for p in products})
        for template in templates[:1]:
            template.sale_uom
        # and the units that pricing reads of the products, from the first
        # product: each read covers the products after the one read
        for product in products[:1]:
            product.sale_uom, product.default_uom
        with Transaction().set_context(company=self.point.company.id):
            self.product_data = ProductData(products)

    def product(self, product_id):
        "The cart's instance of the product"
        Product = Pool().get('product.product')
        return self.products.get(product_id) or Product(product_id)

    def has(self, product):
        return product is not None and product.id in self.products

    def customer_taxes(self, product):
        "The product's customer taxes, None when Tryton's rules decide"
        return self.product_data.customer_taxes()[product.id]

    def sale_prices(self):
        "{'list': {product id: price}, 'gross': {...}} of the products"
        if self._sale_prices is None:
            self._sale_prices = {
                'list': self.product_data.sale_prices(),
                'gross': gross_prices(list(self.products)),
                }
        return self._sale_prices

    def list_prices(self, price_list, quantity, uom, date):
        "The list's prices of the cart's products of the unit, at once"
        key = price_list.id, quantity, uom.id
        if key not in self._list_prices:
            products = [p for p in self.products.values()
                if p.sale_uom == uom]
            with Transaction().set_context(company=self.point.company.id):
                self._list_prices[key] = price_list.compute_batch(
                    products, quantity, uom, pattern={'date': date},
                    data=self.product_data)
        return self._list_prices[key]


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
