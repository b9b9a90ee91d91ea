# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The gateway export: the prices of the gateway lists for a date, as CSV or
JSON, produced row by row so that any number of products streams. From the
client it is a file that the queue computes (ExportFile)."""
import csv
import datetime as dt
import io
import json
import tempfile
from decimal import Decimal

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from .batch import BatchPricer, ProductData
from .price_list import cyclic_gc_paused

COLUMNS = [
    'gateway_name', 'product_code', 'variant_code', 'minimum_quantity',
    'price', 'currency', 'start_date', 'end_date']
CHUNK = 1000
KEEP = dt.timedelta(days=7)  # how long a manager's exports are kept
SPOOL_SIZE = 1024 * 1024
OLD_LINK_TABLE = 'product_price_list_export_link'


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


def check_retail_manager():
    "Refuse the gateway export to users who are not Retail Managers"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    if ModelData.get_id('onretail_base', 'group_retail_admin') not in (
            User.get_groups()):
        raise AccessError(gettext('onretail_pricelist.msg_export_access'))


class ExportFile(ModelSQL, ModelView):
    """A gateway price export that the queue computes for the manager who
    asked for it: the request answers at once, the file follows."""
    __name__ = 'product.price_list.export.file'
    __string__ = "Gateway Price Export"

    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        ondelete='CASCADE', help="The Retail Manager who asked for it.")
    price_list = fields.Many2One(
        'product.price_list', "Price List", readonly=True,
        ondelete='CASCADE', help="Empty for every gateway list.")
    date = fields.Date(
        "Date", required=True, readonly=True,
        help="The date the prices are computed for.")
    format = fields.Selection([
            ('csv', "CSV"),
            ('json', "JSON"),
            ], "Format", required=True, readonly=True)
    state = fields.Selection([
            ('queued', "Queued"),
            ('done', "Done"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True,
        help="Queued until the queue has computed the file.")
    # In the table, not Tryton's file store, which never deletes a file:
    # deleting an export frees its space.
    file = fields.Binary(
        "File", filename='filename', readonly=True,
        states={'invisible': Eval('state') != 'done'})
    filename = fields.Char("File Name", readonly=True)
    error = fields.Text(
        "Error", readonly=True,
        states={'invisible': Eval('state') != 'failed'},
        help="Why the export was refused when the queue ran it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))

    @classmethod
    def __register__(cls, module):
        # Migration: the downloads went through links that lived ten minutes
        if backend.TableHandler.table_exist(OLD_LINK_TABLE):
            backend.TableHandler.drop_table(
                'product.price_list.export.link', OLD_LINK_TABLE)
        super().__register__(module)

    @classmethod
    def default_state(cls):
        return 'queued'

    def get_rec_name(self, name):
        return '%s %s' % (
            self.price_list.rec_name if self.price_list
            else gettext('onretail_pricelist.msg_export_all_lists'),
            self.date.isoformat())

    @classmethod
    @without_check_access
    def queue(cls, price_list, date, format):
        """Record an export for the user of the transaction and queue its
        computation; the user's exports older than KEEP are deleted"""
        pool = Pool()
        PriceList = pool.get('product.price_list')
        # The wizard runs its transitions without access checks.
        check_retail_manager()
        if price_list:
            PriceList.check_gateway_export([price_list])
        user = Transaction().user
        cls.delete(cls.search([
                    ('user', '=', user),
                    ('create_date', '<', dt.datetime.now() - KEEP),
                    ]))
        export = cls(user=user, price_list=price_list, date=date,
            format=format)
        export.filename = export.export_filename()
        export.save()
        cls.__queue__.compute([export])
        return export

    def export_filename(self):
        name = (self.price_list.gateway_name if self.price_list
            else 'prices')
        return '%s-%s.%s' % (name, self.date.isoformat(), self.format)

    @classmethod
    def compute(cls, exports):
        """Compute the queued exports and tell their users. An export is
        computed once (the queue may run a task again), and only while its
        user is a Retail Manager and its list exported via the gateway."""
        cls.lock(exports)
        for export in cls.browse([e.id for e in exports]):
            if export.state != 'queued':
                continue
            try:
                # The queue runs the task as the user who queued it.
                with Transaction().set_context(company=export.company_id()):
                    export.file = export.compute_file()
                export.state = 'done'
            except UserError as error:
                export.state = 'failed'
                export.error = error.message
            export.save()
            export.notify()

    def company_id(self):
        company = (self.price_list.company if self.price_list
            else self.user.company)
        return company.id if company else None

    def compute_file(self):
        "The bytes of the export, streamed through a file on disk"
        pool = Pool()
        PriceList = pool.get('product.price_list')
        check_retail_manager()
        price_lists = ([self.price_list] if self.price_list
            else PriceList.gateway_lists())
        # Spilled to disk beyond SPOOL_SIZE: the rows are never all in
        # memory as text, only the finished file once, to be stored.
        with tempfile.SpooledTemporaryFile(SPOOL_SIZE) as spool:
            for chunk in PriceList.export_gateway(
                    price_lists, self.date, self.format):
                spool.write(chunk.encode('utf-8'))
            spool.seek(0)
            return spool.read()

    def notify(self):
        """Tell the user who asked for the export that it is ready or refused
        (stored when the transaction commits)"""
        if self.state == 'done':
            label = gettext('onretail_pricelist.msg_export_done_label')
            description = gettext('onretail_pricelist.msg_export_done',
                export=self.rec_name, filename=self.filename)
            icon = 'tryton-ok'
        else:
            label = gettext('onretail_pricelist.msg_export_failed_label')
            description = self.error
            icon = 'tryton-warning'
        self.notify_user(icon, label, description, user=self.user.id)


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

    def check_values(self):
        """Refuse what the client may send wrong: a list that does not
        exist, a date that is none, an unknown format"""
        pool = Pool()
        PriceList = pool.get('product.price_list')
        price_list = self.price_list
        if price_list is not None and not (
                isinstance(price_list.id, int) and price_list.id > 0
                and PriceList.search([('id', '=', price_list.id)])):
            self.refuse('price_list')
        if not isinstance(self.date, dt.date):
            self.refuse('date')
        if not (isinstance(self.format, str)
                and self.format in dict(self._fields['format'].selection)):
            self.refuse('format')

    def refuse(self, name):
        raise UserError(gettext('onretail_pricelist.msg_export_value_invalid',
                field=self.__names__(name)['field']))


class Export(Wizard):
    "Export gateway prices"
    __name__ = 'product.price_list.export'
    start = StateView(
        'product.price_list.export.start',
        'onretail_pricelist.price_list_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateAction('onretail_pricelist.act_export_file_form')

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

    def do_export(self, action):
        pool = Pool()
        ExportFile = pool.get('product.price_list.export.file')
        self.start.check_values()
        export = ExportFile.queue(
            self.start.price_list, self.start.date, self.start.format)
        action['res_id'] = [export.id]
        action['views'].reverse()
        return action, {}
