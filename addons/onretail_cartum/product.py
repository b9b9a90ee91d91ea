# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Cartum's products as products: found by SKU or name, else created"
from trytond.pool import Pool, PoolMeta


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def from_cartum(cls, store, lines, catalog):
        """{the key of each order line: its product}: the oldest one of its
        article (SKU) or title (name) as the store identifies them, else a
        new goods product from Cartum's catalogue with its category, one
        per key"""
        keys = {cls._cartum_key(store, l, catalog): l for l in lines}
        products = cls._cartum_search(
            {v for k, v in keys if k == 'code'},
            {v for k, v in keys if k == 'name'})
        missing = [k for k in keys if k not in products]
        if missing:
            products.update(zip(missing, cls._create_from_cartum(
                        store, [keys[k] for k in missing], catalog)))
        return products

    @classmethod
    def _cartum_key(cls, store, line, catalog):
        "('code', article) or ('name', name): how the store finds the line's"
        if store.identify_products == 'sku' and line['article']:
            return 'code', line['article']
        return 'name', cls._cartum_name(line, catalog)

    @classmethod
    def _cartum_search(cls, codes, names):
        "{('code' | 'name', value): the oldest product of that value}"
        products = {}
        for key, field, values in [
                ('code', 'code', codes), ('name', 'template.name', names)]:
            if not values:
                continue
            for product in cls.search([(field, 'in', sorted(values))],
                    order=[('id', 'ASC')]):
                value = product.code if key == 'code' else product.name
                products.setdefault((key, value), product)
        return products

    @staticmethod
    def _cartum_name(line, catalog):
        known = catalog.get(line['article']) or {}
        return known.get('name') or line['title'] or line['article']

    @classmethod
    def _create_from_cartum(cls, store, lines, catalog):
        "The new products of lines, in their order"
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        ModelData = pool.get('ir.model.data')
        unit = Uom(ModelData.get_id('product', 'uom_unit'))
        taxes = store.account_category.customer_taxes_used
        categories = cls._cartum_categories(
            {(catalog.get(l['article']) or {}).get('category')
                for l in lines} - {None, ''})
        values = []
        for line in lines:
            known = catalog.get(line['article']) or {}
            category = categories.get(known.get('category'))
            values.append({
                    'name': cls._cartum_name(line, catalog),
                    'type': 'goods',
                    'default_uom': unit.id,
                    'sale_uom': unit.id,
                    'salable': True,
                    'account_category': store.account_category.id,
                    'list_price': store.net_price(line['price'], taxes),
                    'categories': [('add', [category.id] if category else [])],
                    'products': [('create', [{
                                    'suffix_code': line['article'],
                                    'description': known.get('description'),
                                    }])],
                    })
        return [t.products[0] for t in Template.create(values)]

    @staticmethod
    def _cartum_categories(names):
        "{name: the oldest category of the name, else a new one}"
        Category = Pool().get('product.category')
        categories = {}
        if names:
            for category in Category.search([('name', 'in', sorted(names))],
                    order=[('id', 'ASC')]):
                categories.setdefault(category.name, category)
        new = sorted(names - set(categories))
        categories.update(
            zip(new, Category.create([{'name': n} for n in new])))
        return categories
