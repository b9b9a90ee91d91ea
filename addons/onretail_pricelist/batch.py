# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Prices of many products from one list on one date.

The rules valid on the date are read once and indexed by scope (variant,
product, category, all); each product then looks only at the rules of its
own variant, product and category ancestors, in the precedence of §3.
"""
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class BatchPricer:

    def __init__(self, price_list, date):
        self.price_list = price_list
        self.date = date
        self.by_product = defaultdict(list)
        self.by_template = defaultdict(list)
        self.by_category = defaultdict(list)
        self.for_all = []
        for line in price_list.lines_by_precedence():
            if line.start_date and line.start_date > date:
                continue
            if line.end_date and line.end_date < date:
                continue
            if line.applies_to == 'product':
                self.by_product[line.product.id].append(line)
            elif line.applies_to == 'template':
                self.by_template[line.template.id].append(line)
            elif line.applies_to == 'category':
                self.by_category[line.category.id].append(line)
            else:
                self.for_all.append(line)
        self._category_rules = {}

    def compute(self, products, quantity, uom=None):
        "Return {product id: (price, line)}"
        products = list(products)
        rows = product_rows([p.id for p in products])
        parents = category_parents()
        quantities = self._quantities(products, quantity, uom)
        winners = {}
        for product in products:
            template, categories = rows[product.id]
            ancestors, category_lines = self._rules_of_categories(
                categories, parents)
            winners[product.id] = first_match(
                quantities[product.id], ancestors,
                self.by_product.get(product.id, ()),
                self.by_template.get(template, ()),
                category_lines, self.for_all)
        return self._prices(products, winners, quantity, uom)

    def _quantities(self, products, quantity, uom):
        "The quantity in the list's unit of each product"
        pool = Pool()
        Uom = pool.get('product.uom')
        if uom is None:
            return defaultdict(lambda: quantity)
        converted, cache = {}, {}
        for product in products:
            target = self.price_list.get_uom(product)
            if target.id not in cache:
                cache[target.id] = Uom.compute_qty(
                    uom, quantity, target, round=False)
            converted[product.id] = cache[target.id]
        return converted

    def _rules_of_categories(self, categories, parents):
        "The ancestors of the categories and their rules in precedence"
        if categories not in self._category_rules:
            ancestors = set()
            for category in categories:
                while category and category not in ancestors:
                    ancestors.add(category)
                    category = parents.get(category)
            lines = [l for c in ancestors for l in self.by_category.get(c, ())]
            lines.sort(key=lambda l: l.precedence_key)
            self._category_rules[categories] = (ancestors, lines)
        return self._category_rules[categories]

    def _prices(self, products, winners, quantity, uom):
        "Turn the winning lines into prices, reading bases in bulk"
        result = {}
        need_base = defaultdict(list)
        for product in products:
            line = winners[product.id]
            if line is None:
                result[product.id] = (None, None)
            elif line.compute_price == 'fixed':
                result[product.id] = (line.fixed_price, line)
            elif line.compute_price == 'expression':
                steps = []
                _, price = line.compute_steps(
                    product, quantity, uom, {'date': self.date}, steps)
                result[product.id] = (price, line)
            else:
                need_base[base_key(line)].append(product)
        for key, base_products in need_base.items():
            bases = self._bases(key, base_products, quantity, uom)
            for product in base_products:
                line = winners[product.id]
                result[product.id] = (
                    line.apply_formula(bases[product.id]), line)
        return result

    def _bases(self, key, products, quantity, uom):
        base, other = key
        if base == 'list_price':
            return self.price_list.base_sale_prices(products)
        elif base == 'cost_price':
            return cost_prices([p.id for p in products])
        with Transaction().set_context(date=self.date):
            prices = other.compute_batch(
                products, quantity, uom=uom, pattern={'date': self.date})
        missing = [p for p in products if prices[p.id] is None]
        if missing:
            prices.update(other.base_sale_prices(missing))
        return prices


def base_key(line):
    if line.compute_price == 'percentage':
        return ('list_price', None)
    return (line.base, line.base_price_list)


def first_match(quantity, ancestors, *groups):
    quantity = abs(quantity)
    for lines in groups:
        for line in lines:
            if line.quantity is not None and line.quantity > quantity:
                continue
            if (line.extra_category
                    and line.extra_category.id not in ancestors):
                continue
            return line
    return None


def product_rows(product_ids):
    "Return {product id: (template id, tuple of its category ids)}"
    pool = Pool()
    Product = pool.get('product.product')
    TemplateCategory = pool.get('product.template-product.category.all')
    product = Product.__table__()
    template_category = TemplateCategory.__table__()
    cursor = Transaction().connection.cursor()
    rows = {}
    for sub_ids in grouped_slice(product_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*product.join(template_category, 'LEFT',
                condition=template_category.template == product.template
                ).select(product.id, product.template,
                template_category.category,
                where=fields.SQL_OPERATORS['in'](product.id, sub_ids)))
        categories = defaultdict(set)
        templates = {}
        for product_id, template_id, category_id in cursor:
            templates[product_id] = template_id
            if category_id is not None:
                categories[product_id].add(category_id)
        for product_id, template_id in templates.items():
            rows[product_id] = (
                template_id, tuple(sorted(categories[product_id])))
    return rows


def category_parents():
    pool = Pool()
    Category = pool.get('product.category')
    category = Category.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*category.select(category.id, category.parent))
    return dict(cursor)


def cost_prices(product_ids):
    "Return {product id: cost price} of the context's company"
    pool = Pool()
    CostPrice = pool.get('product.cost_price')
    cost_price = CostPrice.__table__()
    cursor = Transaction().connection.cursor()
    company = Transaction().context.get('company')
    prices = dict.fromkeys(product_ids, Decimal(0))
    for sub_ids in grouped_slice(product_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*cost_price.select(
                cost_price.product, cost_price.cost_price,
                where=fields.SQL_OPERATORS['in'](cost_price.product, sub_ids)
                & (cost_price.company == company)))
        for product_id, price in cursor:
            if price:
                prices[product_id] = to_decimal(price)
    return prices


def to_decimal(value):
    # SQLite returns floats or strings for NUMERIC columns
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))
