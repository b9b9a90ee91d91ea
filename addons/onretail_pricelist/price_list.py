# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import gc
from contextlib import contextmanager
from decimal import Decimal

from sql import Null
from sql.functions import Lower
from sql.operators import Equal

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import Exclude, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.onretail_base import MEDIA
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import escape_wildcard
from trytond.transaction import Transaction

from .batch import (
    BatchPricer, ProductData, Rule, account_categories, customer_taxes,
    product_rows)
from .formula import apply_formula, message

# Rank of a rule's scope in the precedence of §3: the narrower the earlier.
SCOPE_RANK = {'product': 0, 'template': 1, 'category': 2, 'all': 3}


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    reference = fields.Char(
        "Reference",
        help="Free text such as the catalogue or the promotion the list "
        "belongs to.")
    gateway_name = fields.Char(
        "Gateway Name",
        states={'required': Bool(Eval('gateway_export'))},
        help="The unique key under which the gateway exports the list.")
    gateway_export = fields.Boolean(
        "Export via Gateway",
        help="Include the list in the gateway export, e.g. for an external "
        "web shop.")
    media = fields.MultiSelection(
        MEDIA, "Sales Media",
        help="Where the list may be used; empty for everywhere.")
    country_groups = fields.Many2Many(
        'product.price_list-country.organization', 'price_list',
        'organization', "Country Groups",
        help="Apply the list only to customers whose address country belongs "
        "to one of these groups; empty for every country.")
    shop_selectable = fields.Boolean(
        "Selectable in Shop",
        help="The customer may pick the list in the web shop.")
    coupon_code = fields.Char(
        "Coupon Code",
        help="A code that applies the list to a web shop cart; unique, "
        "upper and lower case are the same.")
    discount_policy = fields.Selection([
            ('included', "Discount Included in the Price"),
            ('with_discount', "Show Public Price and Discount"),
            ], "Discount Policy", required=True,
        help="Included: the line shows the list's price as unit price.\n"
        "Show public price and discount: the line shows the public price "
        "and the discount that leads to the list's price.")
    # The rules of compute_batch, remembered across transactions
    _rules_cache = Cache('product.price_list.rules', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('gateway_name_unique', Unique(t, t.gateway_name),
                'onretail_pricelist.msg_gateway_name_unique'),
            ('coupon_code_unique',
                Exclude(t, (Lower(t.coupon_code), Equal),
                    where=t.coupon_code != Null),
                'onretail_pricelist.msg_coupon_code_unique'),
            ]
        cls.lines.help = (
            "The rules of the list; the narrowest matching rule gives the "
            "price (variant, product, category, all products), then the "
            "higher minimum quantity, the lower priority, the newest.")
        cls.unit.help += "\nMinimum quantities of rules are in this unit."
        cls._buttons.update({
                'explain_price': {},
                'export_prices': {
                    'invisible': ~Eval('gateway_export'),
                    'depends': ['gateway_export'],
                    },
                })

    @classmethod
    def default_unit(cls):
        return 'product_sale'

    @classmethod
    def default_discount_policy(cls):
        return 'included'

    @classmethod
    def default_gateway_export(cls):
        return False

    @classmethod
    def default_shop_selectable(cls):
        return False

    @fields.depends('coupon_code')
    def on_change_coupon_code(self):
        if self.coupon_code:
            self.coupon_code = self.coupon_code.strip()

    @classmethod
    def validate(cls, price_lists):
        super().validate(price_lists)
        cls.check_cycles(price_lists)

    @classmethod
    def check_cycles(cls, price_lists):
        "Refuse a list that reaches itself through base lists or parents"
        for price_list in price_lists:
            path = price_list._find_cycle([])
            if path:
                raise ValidationError(gettext(
                        'onretail_pricelist.msg_price_list_cycle',
                        price_list=price_list.rec_name,
                        path=' → '.join(p.rec_name for p in path)))

    def _find_cycle(self, path):
        if self in path:
            return path[path.index(self):] + [self]
        path = path + [self]
        for other in self.referenced_price_lists():
            cycle = other._find_cycle(path)
            if cycle:
                return cycle
        return None

    def referenced_price_lists(self):
        """The lists whose prices this list uses, found without reading all
        its rules (a list may hold a rule per product)"""
        Line = Pool().get('product.price_list.line')
        lists = {l.base_price_list for l in Line.search([
                    ('price_list', '=', self.id),
                    ('compute_price', '=', 'formula'),
                    ('base', '=', 'price_list'),
                    ('base_price_list', '!=', None),
                    ])}
        parent = getattr(self, 'parent', None)
        if parent:
            lists.add(parent)
        return lists

    @classmethod
    def search_coupon(cls, code, domain=None):
        "Return the active list with the coupon code (any case) or None"
        if not code or not code.strip():
            return None
        lists = cls.search([
                ('coupon_code', 'ilike', escape_wildcard(code.strip())),
                ] + (domain or []), limit=1)
        return lists[0] if lists else None

    def allows(self, medium, party=None, date=None):
        "Tell if the list may be used in the medium for the party"
        if not self.active:
            return False
        if self.media and medium not in self.media:
            return False
        if self.country_groups:
            country = party_country(party)
            if not country or not self.groups_contain(country, date):
                return False
        return True

    def groups_contain(self, country, date=None):
        pool = Pool()
        Member = pool.get('country.organization.member')
        Date = pool.get('ir.date')
        with Transaction().set_context(date=date or Date.today()):
            return bool(Member.search([
                        ('organization', 'in',
                            [g.id for g in self.country_groups]),
                        ('country', '=', country.id),
                        ('active', '=', True),
                        ], limit=1))

    # Price computation

    def _today(self):
        pool = Pool()
        Date = pool.get('ir.date')
        return Transaction().context.get('date') or Date.today()

    def _rule_pattern(self, product, quantity, uom, pattern):
        pool = Pool()
        Uom = pool.get('product.uom')
        pattern = dict(pattern or {})
        pattern.setdefault('date', self._today())
        if product:
            pattern['categories'] = list(category_ancestors(
                    product.categories_all))
            pattern['product'] = product.id
            pattern['template'] = product.template.id
            pattern['quantity'] = Uom.compute_qty(
                uom, quantity, self.get_uom(product), round=False)
        else:
            pattern['quantity'] = quantity
        return pattern

    def lines_by_precedence(self):
        "The lines in the order of §3: the first matching one wins"
        return sorted(self.lines, key=lambda l: l.precedence_key)

    def rules(self):
        "The lines by precedence as the Rules of compute_batch"
        rules = self._rules_cache.get(self.id)
        if rules is None:
            rules = self._rules_cache.set(self.id, tuple(
                    Rule(line) for line in self.lines_by_precedence()))
        return rules

    @classmethod
    def on_modification(cls, mode, price_lists, field_names=None):
        super().on_modification(mode, price_lists, field_names=field_names)
        cls._rules_cache.clear()

    def compute(self, product, quantity, uom, pattern=None):
        return self.explain(product, quantity, uom, pattern=pattern)['price']

    def explain(self, product, quantity, uom, pattern=None):
        """Return how the list prices the product: the list, the winning
        line (or None), the base and the steps as (label, value)"""
        with Transaction().set_context(company=self.company.id):
            return self._explain(product, quantity, uom, pattern)

    def _candidate_lines(self, pattern):
        """The lines by precedence that may match the product of the pattern:
        a promo list has thousands, of which a product meets a few"""
        pool = Pool()
        Line = pool.get('product.price_list.line')
        if 'product' not in pattern:
            return self.lines_by_precedence()
        scopes = {
            'all': {None},
            'category': set(pattern.get('categories', [])),
            'template': {pattern.get('template')},
            'product': {pattern['product']},
            }
        return Line.browse([
                r.line_id for r in self.rules()
                if r.scope in scopes[r.applies_to]])

    def _explain(self, product, quantity, uom, pattern):
        rule_pattern = self._rule_pattern(product, quantity, uom, pattern)
        result = {
            'price_list': self, 'line': None, 'base': None, 'steps': [],
            'price': None,
            }
        for line in self._candidate_lines(rule_pattern):
            if line.match(rule_pattern):
                result['line'] = line
                result['base'], result['price'] = line.compute_steps(
                    product, quantity, uom, pattern, result['steps'])
                break
        return result

    def compute_batch(
            self, products, quantity, uom=None, pattern=None, data=None):
        """Return {product id: price or None} for many products at once,
        equal to calling compute for each product.
        data is the ProductData of the products when read already."""
        return {
            product_id: price for product_id, (price, _) in
            self.compute_batch_lines(
                products, quantity, uom=uom, pattern=pattern,
                data=data).items()}

    def compute_batch_lines(
            self, products, quantity, uom=None, pattern=None, data=None):
        "Return {product id: (price, winning line or None)}"
        pattern = dict(pattern or {})
        date = pattern.pop('date', None) or self._today()
        if pattern:
            # Only the date is known to the rule index; keep the exact path.
            result = {}
            for product in products:
                explanation = self.explain(
                    product, quantity, uom, dict(pattern, date=date))
                result[product.id] = (
                    explanation['price'], explanation['line'])
            return result
        with Transaction().set_context(company=self.company.id), \
                cyclic_gc_paused():
            if data is None:
                data = ProductData(products)
            return BatchPricer(self, date).compute(
                [p.id for p in products], quantity, uom, data)

    def base_sale_prices(self, products, sale_prices=None, taxes=None):
        """Return {product id: sale price} for the base 'sale price', with the
        customer taxes when the list's prices include them.
        sale_prices holds the prices without tax and taxes the customer taxes
        of each product (None without account category), when already read."""
        pool = Pool()
        Product = pool.get('product.product')
        prices = sale_prices
        if prices is None:
            prices = Product.get_price_list_sale_prices(products)
        if self.tax_included:
            prices = self._add_customer_taxes(products, prices, taxes)
        return prices

    def _add_customer_taxes(self, products, prices, taxes_of=None):
        pool = Pool()
        Tax = pool.get('account.tax')
        date = self._today()
        if taxes_of is None:
            taxes_of = customer_taxes(account_categories(products))
        gross_of = {}
        gross = {}
        for product in products:
            price = prices[product.id]
            if price is None:
                gross[product.id] = None
                continue
            taxes = taxes_of[product.id]
            if taxes is None:
                taxes = product.customer_taxes_used
            key = tuple(taxes), price
            if key not in gross_of:
                # Shops have few price points: compute each once
                amounts = Tax.compute(taxes, price, 1, date=date)
                gross_of[key] = round_price(
                    price + sum(t['amount'] for t in amounts))
            gross[product.id] = gross_of[key]
        return gross

    @classmethod
    @ModelView.button_action('onretail_pricelist.wizard_explain')
    def explain_price(cls, price_lists):
        pass

    @classmethod
    @ModelView.button_action('onretail_pricelist.wizard_export')
    def export_prices(cls, price_lists):
        pass


@contextmanager
def cyclic_gc_paused():
    """Pause the cyclic garbage collector: pricing many products allocates
    many small objects, and each collection would scan every record again"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def party_country(party):
    "The country of the party's main address"
    if not party:
        return None
    address = party.address_get()
    return address.country if address else None


def category_ancestors(categories):
    seen = set()
    for category in categories:
        while category and category.id not in seen:
            seen.add(category.id)
            yield category.id
            category = category.parent


class PriceListCountryGroup(ModelSQL):
    __name__ = 'product.price_list-country.organization'
    __string__ = "Price List - Country Group"
    price_list = fields.Many2One(
        'product.price_list', "Price List", ondelete='CASCADE',
        required=True)
    organization = fields.Many2One(
        'country.organization', "Country Group", ondelete='CASCADE',
        required=True)


FORMULA_ONLY = {'invisible': Eval('compute_price') != 'formula'}


class PriceListLine(metaclass=PoolMeta):
    __name__ = 'product.price_list.line'

    applies_to = fields.Selection([
            ('all', "All Products"),
            ('category', "Product Category"),
            ('template', "Product"),
            ('product', "Variant"),
            ], "Applies To", required=True,
        help="Which products the rule prices.")
    template = fields.Many2One(
        'product.template', "Product", ondelete='CASCADE',
        states={
            'invisible': Eval('applies_to') != 'template',
            'required': Eval('applies_to') == 'template',
            },
        help="Apply only to the variants of this product.")
    extra_category = fields.Many2One(
        'product.category', "Extra Category Filter", ondelete='CASCADE',
        states={
            'invisible': Eval('applies_to') == 'category',
            },
        help="Apply only when the product also belongs to this category "
        "or one of its sub-categories.")
    compute_price = fields.Selection([
            ('fixed', "Fixed Price"),
            ('percentage', "Discount"),
            ('formula', "Formula"),
            ('expression', "Expression"),
            ], "Compute", required=True,
        help="Fixed price: the price below.\n"
        "Discount: a percentage off the product's sale price.\n"
        "Formula: based on the sale price, the cost or another list, then "
        "discount, rounding, surcharge and margins.\n"
        "Expression: Tryton's free formula.")
    fixed_price = fields.Numeric(
        "Fixed Price", digits=price_digits,
        states={
            'invisible': Eval('compute_price') != 'fixed',
            'required': Eval('compute_price') == 'fixed',
            })
    percent_price = fields.Numeric(
        "Discount %", digits=(16, 2),
        states={
            'invisible': Eval('compute_price') != 'percentage',
            'required': Eval('compute_price') == 'percentage',
            },
        help="The percentage taken off the product's sale price.")
    base = fields.Selection([
            (None, ""),
            ('list_price', "Sale Price"),
            ('cost_price', "Cost Price"),
            ('price_list', "Other Price List"),
            ], "Based On",
        states={
            'invisible': Eval('compute_price') != 'formula',
            'required': Eval('compute_price') == 'formula',
            },
        help="The price the formula starts from.")
    base_price_list = fields.Many2One(
        'product.price_list', "Other Price List", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('_parent_price_list', {}).get(
                    'company', -1)),
            ],
        states={
            'invisible': ((Eval('compute_price') != 'formula')
                | (Eval('base') != 'price_list')),
            'required': ((Eval('compute_price') == 'formula')
                & (Eval('base') == 'price_list')),
            },
        help="The list whose price for the same product, quantity and date "
        "is the base.")
    discount = fields.Numeric(
        "Discount %", digits=(16, 2),
        states=FORMULA_ONLY,
        help="Taken off the base; negative for a mark-up.")
    rounding = fields.Numeric(
        "Rounding", digits=price_digits,
        states=FORMULA_ONLY,
        help="Round half-up to a multiple of this after the discount and "
        "before the surcharge; 0 for no rounding.\n"
        "Rounding 10 and surcharge -0.01 give prices like 9.99.")
    surcharge = fields.Numeric(
        "Surcharge", digits=price_digits,
        states=FORMULA_ONLY,
        help="Added after rounding; negative for a fixed amount off.")
    min_margin = fields.Numeric(
        "Minimum Margin", digits=price_digits,
        states=FORMULA_ONLY,
        help="The price is at least the base plus this amount.")
    max_margin = fields.Numeric(
        "Maximum Margin", digits=price_digits,
        states=FORMULA_ONLY,
        help="The price is at most the base plus this amount.")
    priority = fields.Integer(
        "Priority", required=True,
        help="Between rules of the same scope and minimum quantity, the lower "
        "number wins; connectors write their rules with their own number.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.product.string = "Variant"
        cls.product.states = {
            'invisible': Eval('applies_to') != 'product',
            'required': Eval('applies_to') == 'product',
            }
        cls.product.help = "Apply only to this variant."
        cls.category.states = {
            'invisible': Eval('applies_to') != 'category',
            'required': Eval('applies_to') == 'category',
            }
        cls.category.help = (
            "Apply to the products of this category and its sub-categories.")
        cls.quantity.string = "Minimum Quantity"
        cls.quantity.help = (
            "Apply from this quantity on, in the unit of the price list.")
        cls.formula.states = {
            'invisible': Eval('compute_price') != 'expression',
            }
        cls._order = [
            ('priority', 'ASC'), ('quantity', 'DESC NULLS LAST'),
            ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        migrate = not table_h.column_exist('compute_price')
        super().__register__(module)
        if migrate:
            cls._migrate_tryton_lines()

    @classmethod
    def _migrate_tryton_lines(cls):
        "Lines written before activation are Tryton formulas"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.compute_price], ['expression']))
        for applies_to, column in [
                ('category', table.category), ('product', table.product)]:
            cursor.execute(*table.update(
                    [table.applies_to], [applies_to],
                    where=column != Null))

    @classmethod
    def default_applies_to(cls):
        return 'all'

    @classmethod
    def default_compute_price(cls):
        return 'fixed'

    @classmethod
    def default_priority(cls):
        return 0

    @classmethod
    def default_base(cls):
        return 'list_price'

    @classmethod
    def default_discount(cls):
        return Decimal(0)

    @classmethod
    def default_rounding(cls):
        return Decimal(0)

    @classmethod
    def default_surcharge(cls):
        return Decimal(0)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            # Lines written the Tryton way name only what they match.
            if 'applies_to' not in values:
                for field in ['product', 'template', 'category']:
                    if values.get(field):
                        values['applies_to'] = field
                        break
            if 'compute_price' not in values and values.get('formula'):
                values['compute_price'] = 'expression'
        return values

    @fields.depends('applies_to')
    def on_change_applies_to(self):
        for field in ['product', 'template', 'category']:
            if self.applies_to != field:
                setattr(self, field, None)
        if self.applies_to == 'category':
            self.extra_category = None

    @fields.depends('product', 'applies_to')
    def on_change_product(self):
        if self.product:
            self.applies_to = 'product'

    @fields.depends('template', 'applies_to')
    def on_change_template(self):
        if self.template and self.applies_to not in {'template', 'product'}:
            self.applies_to = 'template'

    @property
    def precedence_key(self):
        depth = 0
        if self.applies_to == 'category':
            depth = -len(list(category_ancestors([self.category])))
        return (SCOPE_RANK[self.applies_to], depth, -(self.quantity or 0),
            self.priority or 0, -self.id)

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        pool = Pool()
        PriceList = pool.get('product.price_list')
        super().on_modification(mode, lines, field_names=field_names)
        PriceList._rules_cache.clear()

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            line.check_scope()
            line.check_price_values()

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        pool = Pool()
        PriceList = pool.get('product.price_list')
        # only a rule based on another list can close a cycle
        PriceList.check_cycles({l.price_list for l in lines
                if l.compute_price == 'formula' and l.base == 'price_list'})

    @classmethod
    def check_formula(cls, lines, field_names=None):
        super().check_formula(
            [l for l in lines if l.compute_price == 'expression'],
            field_names)

    def _raise(self, message, field, **kwargs):
        raise ValidationError(gettext(
                'onretail_pricelist.' + message,
                line=self.rec_name,
                price_list=self.price_list.rec_name,
                field=self.__names__(field)['field'], **kwargs))

    def check_scope(self):
        if self.applies_to in {'product', 'template', 'category'}:
            if not getattr(self, self.applies_to):
                self._raise('msg_line_scope_required', self.applies_to)
        for field in ['product', 'template', 'category']:
            if field != self.applies_to and getattr(self, field):
                self._raise('msg_line_scope_extra', field,
                    applies_to=self.__names__('applies_to', self)['value'])

    def check_price_values(self):
        if self.compute_price == 'fixed':
            if self.fixed_price is None:
                self._raise('msg_line_value_required', 'fixed_price')
            if self.fixed_price < 0:
                self._raise('msg_line_negative', 'fixed_price')
        elif self.compute_price == 'percentage':
            if self.percent_price is None:
                self._raise('msg_line_value_required', 'percent_price')
            if self.percent_price > 100:
                self._raise('msg_line_discount_too_high', 'percent_price')
        elif self.compute_price == 'formula':
            if not self.base:
                self._raise('msg_line_value_required', 'base')
            if self.base == 'price_list' and not self.base_price_list:
                self._raise('msg_line_value_required', 'base_price_list')
            if (self.discount or 0) > 100:
                self._raise('msg_line_discount_too_high', 'discount')
            if (self.rounding or 0) < 0:
                self._raise('msg_line_negative', 'rounding')
            if (self.min_margin is not None and self.max_margin is not None
                    and self.min_margin > self.max_margin):
                self._raise('msg_line_margins', 'min_margin')

    def match(self, pattern):
        pattern = pattern.copy()
        categories = pattern.get('categories', [])
        if (self.extra_category
                and self.extra_category.id not in categories):
            return False
        if 'template' not in pattern:
            pattern['template'] = None
        return super().match(pattern)

    # The steps of §2; compute_batch applies the same functions.

    def compute_steps(self, product, quantity, uom, pattern, steps):
        "Return (base, price) and append the steps as (label, value)"
        if self.compute_price == 'fixed':
            steps.append((message('msg_step_fixed'), self.fixed_price))
            return None, self.fixed_price
        if self.compute_price == 'expression':
            context = self.price_list.get_context_formula(
                product, quantity, uom, pattern=pattern)
            price = self.get_unit_price(**context)
            steps.append(
                (message('msg_step_expression', formula=self.formula), price))
            return None, price
        base = self.get_base(product, quantity, uom, pattern)
        if base is not None:
            steps.append((self.base_label(), base))
        return base, apply_formula(self, base, steps)

    def base_label(self):
        if self.compute_price == 'percentage':
            return message('msg_step_base_list_price')
        return message('msg_step_base_' + self.base,
            price_list=getattr(self.base_price_list, 'rec_name', ''))

    def get_base(self, product, quantity, uom, pattern):
        if self.compute_price == 'percentage' or self.base == 'list_price':
            return self.price_list.base_sale_prices([product])[product.id]
        elif self.base == 'cost_price':
            return product_rows([product.id])[product.id][3]
        elif self.base == 'price_list':
            price = self.base_price_list.compute(
                product, quantity, uom, pattern=pattern)
            if price is None:
                price = self.base_price_list.base_sale_prices(
                    [product])[product.id]
            return price

    def get_rec_name(self, name):
        scope = {
            'product': self.product, 'template': self.template,
            'category': self.category}.get(self.applies_to)
        text = scope.rec_name if scope else self.__names__(
            'applies_to', self)['value']
        if self.quantity:
            text += ' ≥ %s' % self.quantity
        return text
