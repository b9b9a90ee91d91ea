# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The settings of a cash register that the cashier screen follows, and
what the screen loads when it opens"""
import base64
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlsplit

from sql import Literal, Null
from sql.conditionals import Coalesce, NullIf

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.onretail_pricelist import ProductData, cyclic_gc_paused
from trytond.modules.product import round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import boundary
from .exceptions import CheckoutError

# What the printer service (onretail-iot) takes: lines of a receipt's text
# and the logo file
RECEIPT_LINE_LENGTH = 300
LOGO_SIZE = 1024 * 1024


def is_cashier():
    """Whether the user of the transaction is in the group Cashier; true
    inside the server's own calls, which check no access"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    if not Transaction().check_access:
        return True
    return ModelData.get_id('onretail_base', 'group_cashier') in (
        User.get_groups())


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    printer_url = fields.Char(
        "Printer Service",
        help="The address of the shop's printer service (onretail-iot), "
        "e.g. http://192.168.1.20:8070; empty to print with the browser.")
    printer_token = fields.Char(
        "Printer Token", strip=False,
        states={
            'invisible': ~Eval('printer_url'),
            'required': Bool(Eval('printer_url')),
            },
        help="The token of the printer service's configuration.")
    printer_name = fields.Char(
        "Printer", states={'invisible': ~Eval('printer_url')},
        help="The printer of the service for the receipts; empty for its "
        "first one.")
    receipt_header = fields.Text(
        "Receipt Header", translate=True,
        help="Printed above each receipt: the shop's name, address, tax "
        "number.")
    receipt_footer = fields.Text(
        "Receipt Footer", translate=True,
        help="Printed below each receipt, e.g. the return policy.")
    logo = fields.Binary("Logo", help="Printed at the top of each receipt.")
    cash_drawer = fields.Boolean(
        "Cash Drawer",
        help="Open the cash drawer through the receipt printer when a sale "
        "is paid in cash.")
    cashier_may_change_prices = fields.Boolean(
        "Cashier May Change Prices",
        help="Cashiers may change the price and the discount of a line.")
    payment_methods = fields.Many2Many(
        'sale.point-sale.point.payment.method', 'point', 'method',
        "Payment Methods",
        domain=[('company', '=', Eval('company', -1))],
        help="The payment methods the cashier screen offers; empty for "
        "all of the company.")
    pos_categories = fields.Many2Many(
        'sale.point-product.pos_category', 'point', 'category',
        "POS Categories",
        help="The product categories the cashier screen shows; empty for "
        "all.")
    cashiers = fields.Many2Many(
        'sale.point-res.user', 'point', 'user', "Cashiers",
        help="The users of the group Cashier who may sell at this cash "
        "register; empty for all cashiers of the company.")
    returns_without_receipt = fields.Boolean(
        "Returns without Receipt",
        help="Cashiers may take back goods that no receipt shows, each "
        "such return approved by a Retail Manager's login on the screen.")
    cart_max_lines = fields.Integer(
        "Maximum Lines per Cart", required=True,
        domain=[('cart_max_lines', '>', 0), ('cart_max_lines', '<=', 1000)],
        help="The cashier screen refuses a cart with more lines.")
    cart_max_quantity = fields.Numeric(
        "Maximum Quantity per Line", digits=(16, 4), required=True,
        domain=[('cart_max_quantity', '>', 0)],
        help="The cashier screen refuses a line of a larger quantity.")
    cart_max_amount = fields.Numeric(
        "Maximum Amount per Cart", digits=(16, 2), required=True,
        domain=[('cart_max_amount', '>', 0)],
        help="The cashier screen refuses a line or a cart whose amount, "
        "sold or returned, is larger, and payments larger than it.")
    # Whether a user may sell at a register: checked on each cart pricing
    _allows_user_cache = Cache('sale.point.allows_user', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'screen_registers': RPC(),
                'screen_products': RPC(),
                'create_customer': RPC(readonly=False),
                })

    @classmethod
    def default_cash_drawer(cls):
        return True

    @classmethod
    def default_cashier_may_change_prices(cls):
        return False

    @classmethod
    def default_returns_without_receipt(cls):
        return False

    @classmethod
    def default_cart_max_lines(cls):
        return 200

    @classmethod
    def default_cart_max_quantity(cls):
        return Decimal(1000)

    @classmethod
    def default_cart_max_amount(cls):
        return Decimal(10000)

    @classmethod
    def validate_fields(cls, points, field_names):
        super().validate_fields(points, field_names)
        if 'printer_url' in field_names:
            for point in points:
                point.check_printer_url()
        if field_names & {'receipt_header', 'receipt_footer', 'logo'}:
            for point in points:
                point.check_receipt_texts()

    def check_printer_url(self):
        if not self.printer_url:
            return
        url = urlsplit(self.printer_url)
        if url.scheme not in {'http', 'https'} or not url.netloc:
            raise ValidationError(gettext(
                    'onretail_pos.msg_printer_url_invalid',
                    point=self.rec_name, url=self.printer_url))

    def check_receipt_texts(self):
        """Refuse what the printer service refuses to print, so that no
        receipt of the register fails at the printer"""
        for name in ['receipt_header', 'receipt_footer']:
            for line in (getattr(self, name) or '').splitlines():
                if (len(line) > RECEIPT_LINE_LENGTH
                        or any(ord(c) < 32 for c in line)):
                    raise ValidationError(gettext(
                            'onretail_pos.msg_receipt_text_invalid',
                            point=self.rec_name,
                            field=self.__names__(name)['field'],
                            maximum=RECEIPT_LINE_LENGTH))
        if self.logo and len(self.logo) > LOGO_SIZE:
            raise ValidationError(gettext(
                    'onretail_pos.msg_logo_too_big', point=self.rec_name,
                    maximum=LOGO_SIZE // 1024))

    def allowed_payment_methods(self):
        "The payment methods the cashier screen offers"
        Method = Pool().get('sale.point.payment.method')
        if self.payment_methods:
            return [m for m in self.payment_methods if m.active]
        return Method.search([('company', '=', self.company.id)])

    def shown_categories(self):
        "The POS categories the cashier screen shows at its top level"
        Category = Pool().get('product.pos_category')
        if self.pos_categories:
            return list(self.pos_categories)
        return Category.search([('parent', '=', None)])

    def allows_user(self, user):
        "Whether user, when a cashier, may sell at this cash register"
        return (not self.cashiers or user in self.cashiers) and (
            self.company in user.companies)

    @classmethod
    def for_user(cls, user):
        "The cash registers user may sell at"
        if not is_cashier():
            return []
        return [p for p in cls.search([]) if p.allows_user(user)]

    @classmethod
    def on_modification(cls, mode, points, field_names=None):
        super().on_modification(mode, points, field_names=field_names)
        cls._allows_user_cache.clear()

    def check_cashier(self):
        """Raise when the user of the transaction may not sell here: the
        first check of every method of the cashier screen"""
        User = Pool().get('res.user')
        if not Transaction().check_access:
            return
        user = User(Transaction().user)
        key = (self.id, user.id)
        allowed = self._allows_user_cache.get(key)
        if allowed is None:
            allowed = self._allows_user_cache.set(
                key, self.allows_user(user))
        if not (allowed and is_cashier()):
            raise CheckoutError(gettext(
                    'onretail_pos.msg_point_not_allowed',
                    point=self.rec_name, user=user.rec_name))

    @classmethod
    def screen_point(cls, point_id):
        """The cash register of point_id, once the user of the transaction
        proved to be its cashier; UserError otherwise"""
        point_id = boundary.identifier(
            point_id, gettext('onretail_pos.msg_cash_register'), 'id',
            required=True)
        with without_check_access():
            points = cls.search([('id', '=', point_id)])
        if not points:
            boundary.refuse('msg_point_unknown', point=point_id)
        point, = points
        point.check_cashier()
        return point

    def receipt_logo(self):
        "The logo as the receipts carry it: base64 of the image file"
        return base64.b64encode(self.logo).decode() if self.logo else None

    @classmethod
    @boundary.arguments
    def screen_registers(cls):
        "The registers of the user with what the cashier screen needs"
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        User = pool.get('res.user')
        user = User(Transaction().user)
        if not is_cashier():
            raise AccessError(gettext('onretail_pos.msg_not_cashier',
                    user=user.rec_name))
        with without_check_access():
            registers = []
            for point in cls.for_user(user):
                sessions = Session.search([
                        ('point', '=', point.id),
                        ('state', '=', 'open'),
                        ], limit=1)
                registers.append(point.screen_settings(
                        sessions[0] if sessions else None))
            return registers

    def screen_settings(self, session):
        currency = self.company.currency
        return {
            'id': self.id,
            'name': self.rec_name,
            'tax_included': self.tax_included,
            'price_list': (
                self.price_list.rec_name if self.price_list else None),
            'may_change_prices': self.cashier_may_change_prices,
            'returns_without_receipt': self.returns_without_receipt,
            'cash_drawer': self.cash_drawer,
            'printer': {
                'url': self.printer_url, 'token': self.printer_token,
                'name': self.printer_name,
                } if self.printer_url else None,
            'currency': {
                'code': currency.code, 'symbol': currency.symbol,
                'digits': currency.digits},
            'payment_methods': [
                m.screen_settings() for m in self.allowed_payment_methods()],
            'session': {
                'id': session.id, 'start_amount': session.start_amount,
                'opening_counted': session.opening_counted,
                } if session else None,
            }

    @classmethod
    @boundary.arguments
    def screen_products(cls, point_id):
        """The categories and the salable products of the register with
        their prices, as the product grid and the search need them"""
        point = cls.screen_point(point_id)
        with without_check_access(), Transaction().set_context(
                company=point.company.id), cyclic_gc_paused():
            categories = point.screen_categories()
            products = point.screen_product_rows(
                [c['id'] for c in categories])
            options = point.screen_options({p['template'] for p in products})
        return {'categories': categories, 'products': products,
            'options': options}

    def screen_categories(self):
        "The shown POS categories and their sub-categories"
        Category = Pool().get('product.pos_category')
        categories = Category.search([
                ('parent', 'child_of', [c.id for c in self.shown_categories()]),
                ])
        top = set(self.shown_categories())
        return [{
                'id': c.id, 'name': c.name,
                'parent': (c.parent.id if c.parent and c not in top
                    else None),
                'image': ('data:image;base64,'
                    + base64.b64encode(c.image).decode()
                    if c.image else None),
                } for c in categories]

    def screen_product_rows(self, category_ids):
        """The products as rows read in SQL: the ORM would build an
        instance of each of the thousands of products"""
        pool = Pool()
        Product = pool.get('product.product')
        rows = self._salable_products(category_ids)
        categories = self._values_by_key(
            'product.template-product.pos_category', 'template', 'category')
        barcodes = self._values_by_key(
            'product.identifier', 'product', 'code')
        packagings = self._product_packagings()
        variants = self._product_variants()
        product_ids = [r[0] for r in rows]
        # Browsed by tens: a browse checks each id against all its ids
        prices = self.screen_prices([p
                for sub_ids in grouped_slice(product_ids, 10)
                for p in Product.browse(list(sub_ids))])
        return [{
                'id': product_id,
                'template': template_id,
                'name': name,
                'variant': variants.get(product_id, ('', None))[0],
                'swatch': variants.get(product_id, ('', None))[1],
                'code': code,
                'barcodes': barcodes.get(product_id, []),
                'packagings': packagings.get(product_id, []),
                'categories': categories.get(template_id, []),
                'price': prices[product_id],
                } for product_id, template_id, code, name in rows]

    def _salable_products(self, category_ids):
        "(product, template, code, name) of the salable products shown"
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        TemplateCategory = pool.get('product.template-product.pos_category')
        product = Product.__table__()
        # The name in the user's language, as Tryton orders by it
        template, templates, name = Template.name._get_translation_column(
            Template, 'name')
        name = Coalesce(NullIf(name, ''), template.name)
        template_category = TemplateCategory.__table__()
        # Without an accounting category a product has no taxes, and a
        # register sale refuses it: the screen leaves it out.
        where = (template.salable == Literal(True)) & (
            template.active == Literal(True)) & (
            product.active == Literal(True)) & (
            template.account_category != Null)
        if self.pos_categories:
            where &= template.id.in_(template_category.select(
                    template_category.template,
                    where=template_category.category.in_(
                        category_ids or [-1])))
        cursor = Transaction().connection.cursor()
        cursor.execute(*templates.join(
                product, condition=product.template == template.id
                ).select(product.id, template.id, product.code, name,
                where=where, order_by=[product.id]))
        return cursor.fetchall()

    @staticmethod
    def _values_by_key(model_name, key, value):
        "{key: [value, ...]} over every row of the model's table"
        table = Pool().get(model_name).__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                getattr(table, key), getattr(table, value)))
        result = defaultdict(list)
        # fetchall: iterating the cursor row by row costs as much as the query
        for key_value, value_value in cursor.fetchall():
            result[key_value].append(value_value)
        return result

    @staticmethod
    def _product_variants():
        """{product id: (variant, swatch)} of the variants: the names of
        their attribute values in the order of their template's attribute
        lines, and the colour of the first value that has one"""
        pool = Pool()
        Line = pool.get('product.template.attribute_line')
        Product = pool.get('product.product')
        ProductValue = pool.get('product.product-product.attribute.value')
        Value = pool.get('product.attribute.value')
        relation = ProductValue.__table__()
        product = Product.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*relation.join(product,
                condition=product.id == relation.product).select(
                relation.product, product.template, relation.value))
        rows = cursor.fetchall()
        if not rows:
            return {}
        values = {v.id: v for v in Value.browse({r[2] for r in rows})}
        lines = Line.search([('template', 'in', list({r[1] for r in rows}))])
        position = {(l.template.id, l.attribute.id): i
            for i, l in enumerate(lines)}
        by_product = defaultdict(list)
        for product_id, template_id, value_id in rows:
            value = values[value_id]
            by_product[product_id].append((position.get(
                        (template_id, value.attribute.id), len(position)),
                    value))
        variants = {}
        for product_id, ordered in by_product.items():
            ordered = [v for _, v in sorted(ordered, key=lambda p: p[0])]
            swatches = [v.html_color for v in ordered if v.html_color]
            variants[product_id] = (', '.join(v.name for v in ordered),
                swatches[0] if swatches else None)
        return variants

    def screen_options(self, template_ids):
        """{str(template id): [option attribute]} of the templates: the
        attributes of their attribute lines that never create a variant,
        each value with its price extra in the register's mode"""
        Line = Pool().get('product.template.attribute_line')
        lines = Line.search([
                ('template', 'in', list(template_ids)),
                ('attribute.creation_mode', '=', 'never'),
                ])
        options = defaultdict(list)
        for line in lines:
            options[str(line.template.id)].append({
                    'attribute': line.attribute.id,
                    'name': line.attribute.rec_name,
                    'values': [{
                            'id': lv.value.id, 'name': lv.value.name,
                            'price_extra': self.screen_price_extra(
                                line.template, lv.price_extra)}
                        for lv in line.values if lv.value.active],
                    })
        return dict(options)

    def screen_price_extra(self, template, extra):
        """A price extra (net, as the product's price) in the register's
        mode, rounded as its lines are"""
        pool = Pool()
        Date = pool.get('ir.date')
        Tax = pool.get('account.tax')
        currency = self.company.currency
        if self.tax_included and extra:
            taxes = template.customer_taxes_used
            extra += sum((t['amount'] for t in Tax.compute(
                        taxes, extra, 1, Date.today())), Decimal(0))
        return currency.round(extra)

    def _product_packagings(self):
        Packaging = Pool().get('product.packaging')
        table = Packaging.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id, table.product, table.name, table.barcode,
                table.quantity,
                where=(table.salable == Literal(True))
                & (table.active == Literal(True))))
        packagings = defaultdict(list)
        for id_, product_id, name, barcode, quantity in cursor.fetchall():
            packagings[product_id].append({'id': id_, 'name': name,
                    'barcode': barcode, 'quantity': quantity})
        return packagings

    def screen_prices(self, products):
        """The unit price of the products at this register, with tax when
        the register shows prices with tax, rounded as its lines are"""
        # What pricing reads of the products, read once for all
        with Transaction().set_context(company=self.company.id):
            data = ProductData(products)
        price_list = self.price_list
        if price_list:
            prices = price_list.compute_batch(products, 1, data=data)
            missing = [p for p in products if prices[p.id] is None]
            if missing:
                prices.update(price_list.base_sale_prices(
                        missing, data.sale_prices(), data.customer_taxes()))
            included = price_list.tax_included
        else:
            prices = data.sale_prices()
            included = False
        if self.tax_included != included:
            prices = self._convert_taxes(
                products, prices, data.customer_taxes(), add=not included)
        # The rounding rule of the register's lines
        currency = self.company.currency
        return {product_id: currency.round(price) if price is not None
            else None for product_id, price in prices.items()}

    def _convert_taxes(self, products, prices, taxes_of, add):
        """Add the customer taxes to prices, or remove them; taxes_of holds
        the taxes of each product, None without account category"""
        pool = Pool()
        Date = pool.get('ir.date')
        Tax = pool.get('account.tax')
        today = Date.today()
        digits = Decimal(1) / 10 ** self.company.currency.digits
        result, converted = {}, {}
        for product in products:
            price = prices[product.id]
            taxes = taxes_of[product.id]
            if taxes is None:
                taxes = product.customer_taxes_used
            key = tuple(taxes), price
            if price is None or not taxes:
                result[product.id] = price
            elif key in converted:
                # Shops have few price points: convert each once
                result[product.id] = converted[key]
            elif add:
                result[product.id] = converted[key] = (price + sum(
                        t['amount'] for t in Tax.compute(
                            taxes, price, 1, today))).quantize(digits)
            else:
                result[product.id] = converted[key] = round_price(
                    Tax.reverse_compute(price, taxes, today))
        return result

    @classmethod
    @boundary.arguments
    def create_customer(cls, point_id, values):
        """Create the customer the cashier typed (name, email, phone);
        return its id"""
        pool = Pool()
        Party = pool.get('party.party')
        cls.screen_point(point_id)
        record = gettext('onretail_pos.msg_new_customer')
        values = boundary.mapping(values, record, {'name', 'email', 'phone'})
        name = boundary.text(values.get('name'), record, 'name', 100)
        if not name:
            raise ValidationError(gettext('onretail_pos.msg_customer_name'))
        mechanisms = []
        for type_ in ['email', 'phone']:
            value = boundary.text(values.get(type_), record, type_, 100)
            if value:
                mechanisms.append({'type': type_, 'value': value})
        with without_check_access():
            party, = Party.create([{
                        'name': name,
                        'contact_mechanisms': [('create', mechanisms)],
                        }])
        return party.id


class PaymentMethod(metaclass=PoolMeta):
    __name__ = 'sale.point.payment.method'

    def screen_settings(self):
        return {'id': self.id, 'name': self.rec_name, 'cash': self.cash}


class POSPaymentMethod(ModelSQL):
    __name__ = 'sale.point-sale.point.payment.method'
    __string__ = "Cash Register - Payment Method"

    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
    method = fields.Many2One(
        'sale.point.payment.method', "Payment Method", required=True,
        ondelete='CASCADE')


class POSCategory(ModelSQL):
    __name__ = 'sale.point-product.pos_category'
    __string__ = "Cash Register - POS Category"

    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'product.pos_category', "POS Category", required=True,
        ondelete='CASCADE')


class POSUser(ModelSQL):
    __name__ = 'sale.point-res.user'
    __string__ = "Cash Register - Cashier"

    point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        POS = Pool().get('sale.point')
        super().on_modification(mode, records, field_names=field_names)
        POS._allows_user_cache.clear()
