# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Prices of many products from one list on one date.

The rules valid on the date are read once and indexed by scope (variant,
product, category, all); each product then looks only at the rules of its
own variant, product and category ancestors, in the precedence of §3.
"""
from collections import defaultdict
from decimal import Decimal

from sql import Null

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .formula import apply_formula

FEW_TEMPLATES = 500


class Rule:
    """What compute_batch reads of a line, as plain values: the rules of a
    list are remembered across transactions"""
    __slots__ = (
        'line_id', 'quantity', 'extra_category', 'compute_price',
        'fixed_price', 'percent_price', 'base', 'discount', 'rounding',
        'surcharge', 'min_margin', 'max_margin', 'precedence_key',
        'applies_to', 'start_date', 'end_date', 'base_price_list', 'scope',
        'base_key')

    def __init__(self, line):
        self.line_id = line.id
        self.quantity = line.quantity or 0
        self.extra_category = (
            line.extra_category.id if line.extra_category else None)
        for name in self.__slots__[3:-3]:
            setattr(self, name, getattr(line, name))
        self.base_price_list = (
            line.base_price_list.id if line.base_price_list else None)
        # The id of the variant, product or category the rule applies to
        scope = (getattr(line, self.applies_to)
            if self.applies_to != 'all' else None)
        self.scope = scope.id if scope else None
        # Rules of the same key share the bases they are computed from
        if self.compute_price == 'percentage':
            self.base_key = ('list_price', None)
        else:
            self.base_key = (self.base, self.base_price_list)

    @property
    def line(self):
        "The price list line, of the current transaction"
        return Pool().get('product.price_list.line')(self.line_id)


class ProductData:
    """What compute_batch reads of the products, read once in bulk and
    shared with the lists that other lists are based on"""

    def __init__(self, products):
        self.records = {p.id: p for p in products}
        self.ids = list(self.records)
        self.rows = product_rows(self.ids)
        self.parents = Pool().get('product.category').parents()
        self._sale_prices = self._cost_prices = None
        self._customer_taxes = None

    def products(self, product_ids):
        records = self.records
        return [records[i] for i in product_ids]

    def sale_prices(self):
        "The products' sale prices without tax"
        pool = Pool()
        Product = pool.get('product.product')
        if self._sale_prices is None:
            self._sale_prices = Product.adjust_price_list_sale_prices(
                list(self.records.values()),
                {i: row[2] for i, row in self.rows.items()})
        return self._sale_prices

    def customer_taxes(self):
        "{product id: its customer taxes}, None without account category"
        if self._customer_taxes is None:
            self._customer_taxes = customer_taxes(
                {i: row[4] for i, row in self.rows.items()})
        return self._customer_taxes

    def cost_prices(self):
        if self._cost_prices is None:
            self._cost_prices = {i: row[3] for i, row in self.rows.items()}
        return self._cost_prices


class BatchPricer:
    "The rules of a list valid on a date, indexed by scope, for many products"

    def __init__(self, price_list, date):
        self.price_list = price_list
        self.date = date
        self._base_pricers = {}
        self.by_product = defaultdict(list)
        self.by_template = defaultdict(list)
        self.by_category = defaultdict(list)
        self.for_all = []
        for rule in price_list.rules():
            if rule.start_date and rule.start_date > date:
                continue
            if rule.end_date and rule.end_date < date:
                continue
            if rule.applies_to == 'product':
                self.by_product[rule.scope].append(rule)
            elif rule.applies_to == 'template':
                self.by_template[rule.scope].append(rule)
            elif rule.applies_to == 'category':
                self.by_category[rule.scope].append(rule)
            else:
                self.for_all.append(rule)
        self.by_product = {k: tuple(v) for k, v in self.by_product.items()}
        self.by_template = {k: tuple(v) for k, v in self.by_template.items()}
        self._category_rules = {}
        self._lines = {}

    def compute(self, product_ids, quantity, uom, data):
        """Return {product id: (price, line)} of the products, whose rows
        and records data holds"""
        self.data = data
        rows = data.rows
        quantities = self._quantities(product_ids, quantity, uom)
        by_product, by_template = self.by_product, self.by_template
        # Products of the same categories share the winner of their rules
        category_winners = {}
        winners = {}
        for product_id in product_ids:
            template, categories = rows[product_id][:2]
            product_quantity = (
                quantities[product_id] if quantities else abs(quantity))
            rule = None
            own_rules = (by_product.get(product_id, ())
                + by_template.get(template, ()))
            if own_rules:
                ancestors, _ = self._rules_of_categories(categories)
                rule = first_match(product_quantity, ancestors, own_rules)
            if rule is None:
                key = categories, product_quantity
                if key not in category_winners:
                    category_winners[key] = first_match(
                        product_quantity,
                        *self._rules_of_categories(categories))
                rule = category_winners[key]
            winners[product_id] = rule
        return self._prices(winners, quantity, uom)

    def _quantities(self, product_ids, quantity, uom):
        "The quantity in the list's unit of each product, None if the same"
        pool = Pool()
        Uom = pool.get('product.uom')
        if uom is None:
            return None
        converted, cache = {}, {}
        for product_id, product in zip(
                product_ids, self.data.products(product_ids)):
            target = self.price_list.get_uom(product)
            if target.id not in cache:
                cache[target.id] = abs(Uom.compute_qty(
                        uom, quantity, target, round=False))
            converted[product_id] = cache[target.id]
        return converted

    def _rules_of_categories(self, categories):
        "The ancestors of the categories and the rules from them on"
        if categories not in self._category_rules:
            parents = self.data.parents
            ancestors = set()
            for category in categories:
                while category and category not in ancestors:
                    ancestors.add(category)
                    category = parents.get(category)
            rules = [r for c in ancestors for r in self.by_category.get(c, ())]
            rules.sort(key=lambda r: r.precedence_key)
            self._category_rules[categories] = (
                ancestors, rules + self.for_all)
        return self._category_rules[categories]

    def _prices(self, winners, quantity, uom):
        "Turn the winning rules into prices, reading bases in bulk"
        result = {}
        need_base = defaultdict(list)
        for product_id, rule in winners.items():
            if rule is None:
                result[product_id] = (None, None)
            elif rule.compute_price == 'fixed':
                result[product_id] = (rule.fixed_price, self._line(rule))
            elif rule.compute_price == 'expression':
                product = self.data.records[product_id]
                _, price = self._line(rule).compute_steps(
                    product, quantity, uom, {'date': self.date}, [])
                result[product_id] = (price, self._line(rule))
            else:
                need_base[rule.base_key].append(product_id)
        for (base, other), product_ids in need_base.items():
            bases = self._bases(base, other, product_ids, quantity, uom)
            for product_id in product_ids:
                rule = winners[product_id]
                result[product_id] = (
                    apply_formula(rule, bases[product_id]), self._line(rule))
        return result

    def _line(self, rule):
        "The line of the rule, one instance for all products"
        if rule.line_id not in self._lines:
            self._lines[rule.line_id] = rule.line
        return self._lines[rule.line_id]

    def _bases(self, base, other, product_ids, quantity, uom):
        pool = Pool()
        PriceList = pool.get('product.price_list')
        if base == 'list_price':
            return self.price_list.base_sale_prices(
                self.data.products(product_ids), self.data.sale_prices(),
                self.data.customer_taxes())
        elif base == 'cost_price':
            return self.data.cost_prices()
        if other not in self._base_pricers:
            self._base_pricers[other] = BatchPricer(
                PriceList(other), self.date)
        pricer = self._base_pricers[other]
        other = pricer.price_list
        prices = {i: price for i, (price, _) in pricer.compute(
                product_ids, quantity, uom, self.data).items()}
        missing = [i for i in product_ids if prices[i] is None]
        if missing:
            # No rule of the other list: its base is the sale price
            sale_prices = other.base_sale_prices(
                self.data.products(missing), self.data.sale_prices(),
                self.data.customer_taxes())
            for product_id in missing:
                prices[product_id] = sale_prices[product_id]
        return prices


def first_match(quantity, ancestors, rules):
    for rule in rules:
        if rule.quantity > quantity:
            continue
        if rule.extra_category and rule.extra_category not in ancestors:
            continue
        return rule
    return None


def product_rows(product_ids):
    """Return {product id: [template id, sorted tuple of its category ids,
    list price, cost price, account category id]} with the prices of the
    context's company, in two queries"""
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    ListPrice = pool.get('product.list_price')
    CostPrice = pool.get('product.cost_price')
    product = Product.__table__()
    template = Template.__table__()
    template_price = ListPrice.__table__()
    product_price = ListPrice.__table__()
    cost_price = CostPrice.__table__()
    company = Transaction().context.get('company')
    query = (product
        .join(template, condition=template.id == product.template)
        .join(template_price, 'LEFT', condition=(
                (template_price.template == product.template)
                & (template_price.product == Null)
                & (template_price.company == company)))
        .join(product_price, 'LEFT', condition=(
                (product_price.product == product.id)
                & (product_price.company == company)))
        .join(cost_price, 'LEFT', condition=(
                (cost_price.product == product.id)
                & (cost_price.company == company))))
    cursor = Transaction().connection.cursor()
    rows = {}
    for sub_ids in grouped_slice(product_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*query.select(
                product.id, product.template,
                product_price.list_price, template_price.list_price,
                cost_price.cost_price, template.account_category,
                where=fields.SQL_OPERATORS['in'](product.id, sub_ids)))
        # fetchall: iterating the cursor row by row costs as much as the query
        for (product_id, template_id, own_price, template_price_,
                cost, account_category) in cursor.fetchall():
            rows[product_id] = [template_id, (),
                to_decimal(own_price if own_price is not None
                    else template_price_),
                to_decimal(cost) or Decimal(0), account_category]
    categories = template_categories({row[0] for row in rows.values()})
    for row in rows.values():
        row[1] = categories.get(row[0], ())
    return rows


def template_categories(template_ids):
    """Return {template id: sorted tuple of its category ids}, with its
    account category as Tryton's category.all has them"""
    pool = Pool()
    TemplateCategory = pool.get('product.template-product.category.all')
    # A union of tables: filtered by a few templates, PostgreSQL filters
    # each table instead of building all of the union; for many templates
    # building it once costs less than testing each row against the list.
    template_category = TemplateCategory.__table__()
    template_ids = set(template_ids)
    if len(template_ids) <= FEW_TEMPLATES:
        queries = [template_category.select(
                template_category.template, template_category.category,
                where=fields.SQL_OPERATORS['in'](
                    template_category.template, sub_ids))
            for sub_ids in grouped_slice(
                template_ids, backend.MAX_QUERY_PARAMS)]
    else:
        queries = [template_category.select(
                template_category.template, template_category.category)]
    cursor = Transaction().connection.cursor()
    categories = defaultdict(set)
    for query in queries:
        cursor.execute(*query)
        for template_id, category_id in cursor.fetchall():
            if template_id in template_ids and category_id is not None:
                categories[template_id].add(category_id)
    return {t: tuple(sorted(c)) for t, c in categories.items()}


def account_categories(products):
    """{product id: account category id} read in one query: through the
    instances, trytond reads it one product at a time"""
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    product = Product.__table__()
    template = Template.__table__()
    cursor = Transaction().connection.cursor()
    result = {}
    for sub_ids in grouped_slice(
            [p.id for p in products], backend.MAX_QUERY_PARAMS):
        cursor.execute(*product.join(
                template, condition=product.template == template.id
                ).select(product.id, template.account_category,
                where=product.id.in_(list(sub_ids))))
        result.update(cursor)
    return result


def customer_taxes(category_of):
    """{product id: its customer taxes, the same records for all products}
    from {product id: account category id}; None without account category"""
    pool = Pool()
    Category = pool.get('product.category')
    Tax = pool.get('account.tax')
    tax_ids = Category.customer_tax_ids(filter(None, category_of.values()))
    records = {t.id: t for t in Tax.browse(
            {i for ids in tax_ids.values() for i in ids})}
    return {
        product_id: [records[i] for i in tax_ids[category]]
        if category else None
        for product_id, category in category_of.items()}


def to_decimal(value):
    # SQLite returns floats or strings for NUMERIC columns
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))
