# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Cartum's products as products: found by SKU or name, else created"
from trytond.pool import Pool, PoolMeta


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def from_cartum(cls, store, line, catalog):
        """The product of the order's line: the one of its article (SKU) or
        title (name) as the store identifies them, else a new goods product
        from Cartum's catalogue with its category"""
        if store.identify_products == 'sku' and line['article']:
            products = cls.search([('code', '=', line['article'])],
                order=[('id', 'ASC')], limit=1)
        else:
            name = cls._cartum_name(line, catalog)
            products = cls.search([('template.name', '=', name)],
                order=[('id', 'ASC')], limit=1)
        if products:
            return products[0]
        return cls._create_from_cartum(store, line, catalog)

    @staticmethod
    def _cartum_name(line, catalog):
        known = catalog.get(line['article']) or {}
        return known.get('name') or line['title'] or line['article']

    @classmethod
    def _create_from_cartum(cls, store, line, catalog):
        pool = Pool()
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        ModelData = pool.get('ir.model.data')
        known = catalog.get(line['article']) or {}
        unit = Uom(ModelData.get_id('product', 'uom_unit'))
        categories = []
        if known.get('category'):
            categories = Category.search([('name', '=', known['category'])],
                order=[('id', 'ASC')], limit=1) or Category.create([
                    {'name': known['category']}])
        template, = Template.create([{
                    'name': cls._cartum_name(line, catalog),
                    'type': 'goods',
                    'default_uom': unit.id,
                    'sale_uom': unit.id,
                    'salable': True,
                    'account_category': store.account_category.id,
                    'list_price': store.net_price(line['price'],
                        store.account_category.customer_taxes_used),
                    'categories': [('add', [c.id for c in categories])],
                    'products': [('create', [{
                                    'suffix_code': line['article'],
                                    'description': known.get('description'),
                                    }])],
                    }])
        product, = template.products
        return product


