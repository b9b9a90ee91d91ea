# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The gateway export: the prices of the gateway lists for a date, as CSV or
JSON, produced row by row so that any number of products streams."""
import csv
import datetime as dt
import hashlib
import io
import json
import secrets
from decimal import Decimal
from urllib.parse import quote

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from .batch import BatchPricer, ProductData
from .price_list import cyclic_gc_paused

COLUMNS = [
    'gateway_name', 'product_code', 'variant_code', 'minimum_quantity',
    'price', 'currency', 'start_date', 'end_date']
CHUNK = 1000
LINK_VALIDITY = dt.timedelta(minutes=10)


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    @classmethod
    def gateway_lists(cls, names=None):
        "The active lists exported via the gateway, by gateway name"
        domain = [('gateway_export', '=', True)]
        if names:
            domain.append(('gateway_name', 'in', names))
        return cls.search(domain, order=[('gateway_name', 'ASC')])

    @classmethod
    def check_gateway_export(cls, price_lists):
        "Refuse the lists that are not exported via the gateway"
        for price_list in price_lists:
            if not price_list.gateway_export:
                raise UserError(gettext(
                        'onretail_pricelist.msg_export_not_gateway',
                        price_list=price_list.rec_name))

    @classmethod
    def export_gateway(cls, price_lists, date, format='csv'):
        "Yield the export of the lists as text chunks"
        cls.check_gateway_export(price_lists)
        rows = (row for price_list in price_lists
            for row in price_list.gateway_rows(date))
        if format == 'json':
            return json_chunks(rows)
        return csv_chunks(rows)

    def gateway_rows(self, date):
        "Yield a dict per product and quantity tier on the date"
        with Transaction().set_context(date=date, company=self.company.id):
            tiers = self._quantity_tiers(date)
            # The rules are indexed once; products are read by chunks.
            pricer = BatchPricer(self, date)
            for product_ids in grouped_slice(exportable_products(), CHUNK):
                yield from self._chunk_rows(list(product_ids), tiers, pricer)

    def _quantity_tiers(self, date):
        quantities = {0.0}
        for line in self.lines:
            if ((not line.start_date or line.start_date <= date)
                    and (not line.end_date or line.end_date >= date)):
                quantities.add(line.quantity or 0.0)
        return sorted(quantities)

    def _chunk_rows(self, product_ids, tiers, pricer):
        pool = Pool()
        Product = pool.get('product.product')
        products = Product.browse(product_ids)
        data = ProductData(products)
        with cyclic_gc_paused():
            tier_prices = [pricer.compute(product_ids, quantity, None, data)
                for quantity in tiers]
        sale_prices = self.base_sale_prices(products, data.sale_prices())
        codes = product_codes(product_ids)
        cent = Decimal(1).scaleb(-self.company.currency.digits)
        currency = self.company.currency.code
        dates = {}
        for product_id in product_ids:
            previous = None
            for quantity, prices in zip(tiers, tier_prices):
                price, line = prices[product_id]
                if price is None:
                    if quantity:
                        continue
                    price = sale_prices[product_id]
                if price is None or (price, line) == previous:
                    continue
                previous = (price, line)
                if line not in dates:
                    dates[line] = (
                        (line.start_date, line.end_date) if line
                        else (None, None))
                template_code, variant_code = codes[product_id]
                yield {
                    'gateway_name': self.gateway_name,
                    'product_code': template_code,
                    'variant_code': variant_code,
                    'minimum_quantity': (
                        int(quantity) if float(quantity).is_integer()
                        else quantity),
                    'price': at_least_cents(price, cent),
                    'currency': currency,
                    'start_date': dates[line][0],
                    'end_date': dates[line][1],
                    }


def at_least_cents(price, cent):
    "The price with the digits of the currency or more: 14.9900 is 14.99"
    rounded = price.quantize(cent)
    return rounded if rounded == price else price.normalize()


def exportable_products():
    "The ids of the active salable variants, in order"
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    product = Product.__table__()
    template = Template.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*product.join(
            template, condition=product.template == template.id).select(
            product.id,
            where=(product.active == True)  # noqa: E712
            & (template.active == True)  # noqa: E712
            & (template.salable == True),  # noqa: E712
            order_by=[product.id]))
    return [i for i, in cursor]


def product_codes(product_ids):
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    product = Product.__table__()
    template = Template.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*product.join(
            template, condition=product.template == template.id).select(
            product.id, template.code, product.code,
            where=fields.SQL_OPERATORS['in'](product.id, product_ids)))
    return {i: (t, p) for i, t, p in cursor}


def plain(value):
    if value is None:
        return ''
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_chunks(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\n')
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([plain(row[c]) for c in COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(rows):
    separator = '[\n'
    for row in rows:
        yield separator + json.dumps(
            {c: (row[c] if c == 'minimum_quantity' else (
                        plain(row[c]) or None)) for c in COLUMNS})
        separator = ',\n'
    yield '[]\n' if separator == '[\n' else '\n]\n'


def is_retail_manager(user_id=None):
    "Whether the user (of the transaction by default) is a Retail Manager"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    if user_id is None:
        user_id = transaction.user
    with transaction.set_user(user_id):
        return ModelData.get_id('onretail_base', 'group_retail_admin') in (
            User.get_groups())


def check_retail_manager():
    "Refuse the gateway export to users who are not Retail Managers"
    if not is_retail_manager():
        raise AccessError(gettext('onretail_pricelist.msg_export_access'))


def hash_token(token):
    # The table keeps only the hash: a token is found by an indexed equality
    # on its hash, which tells nothing about the token (no timing leak), and
    # the rows or a backup of them give no usable link.
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


class ExportLink(ModelSQL):
    """A short-lived link that streams a gateway export to the browser.

    sao opens the link in a new window, without Authorization header; but
    sao 8.0 keeps its session in the tryton_session cookie, which the browser
    sends with the link.  So the route authenticates the request as trytond
    does for RPC (that cookie or an Authorization: Session header) and serves
    a link only to its own user, for ten minutes, while that user is still an
    active Retail Manager and the list still exported via the gateway.  A
    leaked link is useless without its user's session, so it need not be
    single-use and a download can be retried."""
    __name__ = 'product.price_list.export.link'
    __string__ = "Price List Export Link"
    token_hash = fields.Char("Token Hash", required=True, strip=False)
    user = fields.Many2One('res.user', "User", required=True,
        ondelete='CASCADE')
    price_list = fields.Many2One(
        'product.price_list', "Price List", ondelete='CASCADE',
        help="Empty for every gateway list.")
    date = fields.Date("Date", required=True)
    format = fields.Selection([
            ('csv', "CSV"),
            ('json', "JSON"),
            ], "Format", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.token_hash, Index.Equality(cardinality='high'))))

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        # Migration from the clear tokens: the links live ten minutes, so
        # they are dropped rather than hashed.
        if table_h.column_exist('token'):
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.delete())
            table_h.drop_column('token')
        super().__register__(module)

    @classmethod
    @without_check_access
    def create_link(cls, price_list, date, format):
        "Return the URL path of a new link for the user of the transaction"
        pool = Pool()
        PriceList = pool.get('product.price_list')
        # The wizard runs its transitions without access checks.
        check_retail_manager()
        if price_list:
            PriceList.check_gateway_export([price_list])
        cls.delete(cls.search([
                    ('create_date', '<', dt.datetime.now() - LINK_VALIDITY),
                    ]))
        token = secrets.token_urlsafe(32)
        link = cls(
            token_hash=hash_token(token),
            user=Transaction().user, price_list=price_list, date=date,
            format=format)
        link.save()
        return '/%s/onretail_pricelist/export/%s' % (
            quote(Transaction().database.name), token)

    @classmethod
    @without_check_access
    def get_valid(cls, token, user_id):
        """Return the link of the token if it is the user's, not expired, and
        the user may still export the list"""
        links = cls.search([
                ('token_hash', '=', hash_token(token)),
                ('user', '=', user_id),
                ('create_date', '>=', dt.datetime.now() - LINK_VALIDITY),
                ], limit=1)
        link = links[0] if links else None
        if (not link
                or not link.user.active
                or not is_retail_manager(user_id)
                or (link.price_list and not link.price_list.gateway_export)):
            raise AccessError(gettext(
                    'onretail_pricelist.msg_export_link_invalid'))
        return link

    @property
    def filename(self):
        name = (self.price_list.gateway_name if self.price_list
            else 'prices')
        return '%s-%s.%s' % (name, self.date.isoformat(), self.format)


class ExportStart(ModelView):
    "Export gateway prices"
    __name__ = 'product.price_list.export.start'
    __string__ = "Export Gateway Prices"
    price_list = fields.Many2One(
        'product.price_list', "Price List",
        domain=[('gateway_export', '=', True)],
        help="Empty for every list exported via the gateway.")
    date = fields.Date("Date", required=True,
        help="The date the prices are computed for.")
    format = fields.Selection([
            ('csv', "CSV"),
            ('json', "JSON"),
            ], "Format", required=True)


class Export(Wizard):
    "Export gateway prices"
    __name__ = 'product.price_list.export'
    start = StateView(
        'product.price_list.export.start',
        'onretail_pricelist.price_list_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'download', 'tryton-ok', default=True),
            ])
    download = StateAction('onretail_pricelist.url_export')

    @classmethod
    def check_access(cls):
        super().check_access()
        # The groups of the action are not enough: they are skipped when the
        # context names another action.
        check_retail_manager()

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        values = {'date': Date.today(), 'format': 'csv'}
        if (self.model and self.model.__name__ == 'product.price_list'
                and self.record and self.record.gateway_export):
            values['price_list'] = self.record.id
        return values

    def do_download(self, action):
        pool = Pool()
        Link = pool.get('product.price_list.export.link')
        path = Link.create_link(
            self.start.price_list, self.start.date, self.start.format)
        action['url'] = path
        return action, {}
