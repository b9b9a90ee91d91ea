# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Categories remember their parents and the customer taxes of the account
categories across transactions: pricing reads them on every call and they
seldom change. A change of the categories also clears the rules that price
lists remember. The categories of a product are indexed by product."""
from trytond.cache import Cache
from trytond.model import Index
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'

    _customer_taxes_cache = Cache(
        'product.category.customer_taxes', context=False)
    _parents_cache = Cache('product.category.parents', context=False)

    @classmethod
    def on_modification(cls, mode, categories, field_names=None):
        pool = Pool()
        PriceList = pool.get('product.price_list')
        super().on_modification(mode, categories, field_names=field_names)
        cls._customer_taxes_cache.clear()
        cls._parents_cache.clear()
        # The precedence of a list's rules follows the depth of categories
        PriceList._rules_cache.clear()

    @classmethod
    def parents(cls):
        "{category id: parent id} of all categories"
        parents = cls._parents_cache.get(None)
        if parents is None:
            category = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*category.select(category.id, category.parent))
            parents = cls._parents_cache.set(None, dict(cursor))
        return parents

    @classmethod
    def customer_tax_ids(cls, category_ids):
        """{category id: tuple of the ids of its customer taxes} in the
        context's company, as customer_taxes_used gives them"""
        cache = cls._customer_taxes_cache
        company = Transaction().context.get('company')
        result, missing = {}, []
        for category_id in set(category_ids):
            tax_ids = cache.get((company, category_id))
            if tax_ids is None:
                missing.append(category_id)
            else:
                result[category_id] = tax_ids
        for category in cls.browse(missing):
            result[category.id] = cache.set((company, category.id), tuple(
                    t.id for t in category.customer_taxes_used))
        return result


def clear_customer_taxes_cache():
    Pool().get('product.category')._customer_taxes_cache.clear()


class CategoryCustomerTax(metaclass=PoolMeta):
    __name__ = 'product.category-customer-account.tax'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        clear_customer_taxes_cache()


class Tax(metaclass=PoolMeta):
    __name__ = 'account.tax'

    @classmethod
    def on_modification(cls, mode, taxes, field_names=None):
        super().on_modification(mode, taxes, field_names=field_names)
        clear_customer_taxes_cache()


class TemplateCategory(metaclass=PoolMeta):
    __name__ = 'product.template-product.category'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Pricing reads the categories of a few templates on every call;
        # product does not index the relation, so each read scans it all.
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.template, Index.Range())))
