# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A Cartum web shop as onRetail imports its orders: the connection, the
correspondence of its order statuses with sale states, the settings of the
import, and its buttons (Test connection, Load statuses, Sync now)"""
import datetime
import re
from zoneinfo import ZoneInfo

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.model.exceptions import ValidationError
from trytond.modules.onretail_connector import Secret
from trytond.modules.product import round_price
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import client
from .exceptions import CartumError

# What the demo's sandbox listens on (make run)
DEFAULT_TEST_URL = 'http://127.0.0.1:8103/api'
DEFAULT_ADMIN_URL = 'https://{domain}/edit/orders/{order_id}/'
DOMAIN = re.compile(
    r'(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+'
    r'[A-Za-z]{2,63}')
# The least time between two manual updates of a store or of an order
UPDATE_PAUSE = datetime.timedelta(minutes=10)
# Cartum's creation dates are read again from a day before the newest one
OVERLAP = datetime.timedelta(days=1)
SALE_STATES = [
    (None, ""),
    ('draft', "Draft"),
    ('quotation', "Quotation"),
    ('confirmed', "Confirmed"),
    ('processing', "Processing"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]


class Store(DeactivableMixin, ModelSQL, ModelView):
    "Cartum Store"
    __name__ = 'cartum.store'
    __string__ = "Cartum Store"

    name = fields.Char("Name", required=True,
        help="The name shown in the Store column of the sale list.")
    domain = fields.Char("Domain", required=True, strip=True,
        help="The domain of the shop on Cartum, such as shop.example.com: "
        "its API is https://<domain>/api/.")
    api_login = fields.Char("API Login", required=True, strip=True,
        help="The login of the shop's API user (Cartum admin › Settings › "
        "Users, with access to the API).")
    api_password = Secret("API Password", strip=False,
        help="The password of the API user. Only connector administrators "
        "read it; it is never logged.")
    company = fields.Many2One('company.company', "Company", required=True)
    warehouse = fields.Many2One('stock.location', "Warehouse", required=True,
        domain=[('type', '=', 'warehouse')],
        help="The warehouse the shop's orders ship from.")
    currency = fields.Many2One('currency.currency', "Currency",
        required=True,
        help="The currency of the shop's prices: orders in another "
        "currency are refused.")
    language = fields.Char("Language", required=True, strip=True,
        help="The language key of the shop (such as ua, ru, en) whose "
        "product names and descriptions imported products get.")
    identify_products = fields.Selection([
            ('sku', "SKU"),
            ('name', "Name"),
            ], "Identify Products By", required=True,
        help="SKU: a product of the order is the product whose code is its "
        "article. Name: the product of the same name. Equal values are the "
        "same product, never duplicated.")
    statuses = fields.One2Many('cartum.store.status', 'store', "Statuses",
        help="One Cartum status for one sale state: an order's status sets "
        "the state of its sale, and a sale entering a state sets the "
        "order's status. Load Statuses fills in Cartum's statuses.")
    account_category = fields.Many2One('product.category',
        "Account Category", required=True,
        domain=[('accounting', '=', True)],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The account category (customer taxes, revenue account) of the "
        "products that an order brings in new.")
    shipping_product = fields.Many2One('product.product', "Shipping Product",
        domain=[('type', '=', 'service'), ('salable', '=', True)],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The service of the line for the delivery price of an order.")
    discount_product = fields.Many2One('product.product', "Discount Product",
        domain=[('type', '=', 'service'), ('salable', '=', True)],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The service of the negative line for an order's discount.")
    gross_prices = fields.Boolean("Gross Prices",
        help="Cartum's prices include tax: the sale lines get them net of "
        "the products' customer taxes.")
    phone_country = fields.Many2One('country.country', "Phone Country",
        help="The country whose prefix a phone number without one has.")
    admin_order_url = fields.Char("Admin Order URL", strip=True,
        help="Where the Store column opens an order in the shop's admin; "
        "{domain} and {order_id} are replaced.")
    sync_interval = fields.Integer("Sync Interval", required=True,
        help="In minutes: the scheduled action \"Cartum: synchronise "
        "stores\" (every 10 minutes) imports the store's orders when this "
        "long has passed since its last run.")
    test_mode = fields.Boolean("Test Mode",
        help="Send the requests to the test URL instead of the shop.")
    test_url = fields.Char("Test URL", strip=True,
        states={'invisible': ~Eval('test_mode')},
        help="The API of the test mode; empty for the local sandbox "
        "(%s)." % DEFAULT_TEST_URL)
    created_since = fields.DateTime("Orders Created Since",
        help="The import asks Cartum for the orders created from a day "
        "before this on; each run moves it to the newest order it read.")
    last_sync = fields.DateTime("Last Sync", readonly=True)
    cartum_next_update = fields.DateTime("Next Manual Update",
        readonly=True,
        help="Update Orders of the sale list runs at most once in 10 "
        "minutes per store.")
    logs = fields.One2Many('onretail.sync.log', 'connection', "Sync Logs",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.company, Index.Range())))
        cls._buttons.update({
                'test_connection': {},
                'load_statuses': {},
                'sync_now': {
                    'readonly': ~Eval('active', True),
                    'depends': ['active'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_identify_products(cls):
        return 'sku'

    @classmethod
    def default_gross_prices(cls):
        return True

    @classmethod
    def default_sync_interval(cls):
        return 10

    @classmethod
    def default_test_mode(cls):
        return False

    @classmethod
    def default_admin_order_url(cls):
        return DEFAULT_ADMIN_URL

    @classmethod
    def default_created_since(cls):
        return datetime.datetime.now() - datetime.timedelta(days=7)

    @classmethod
    def default_warehouse(cls):
        Location = Pool().get('stock.location')
        return Location.get_default_warehouse()

    @fields.depends('company')
    def on_change_company(self):
        if self.company:
            self.currency = self.company.currency

    @classmethod
    def validate_fields(cls, stores, field_names):
        super().validate_fields(stores, field_names)
        for store in stores:
            if not DOMAIN.fullmatch(store.domain or ''):
                raise ValidationError(gettext(
                        'onretail_cartum.msg_store_domain',
                        store=store.rec_name, domain=store.domain))
            if store.sync_interval is not None and store.sync_interval < 10:
                raise ValidationError(gettext(
                        'onretail_cartum.msg_store_interval',
                        store=store.rec_name))
            if store.admin_order_url and (
                    '{order_id}' not in store.admin_order_url
                    or not store.admin_order_url.startswith('https://')):
                raise ValidationError(gettext(
                        'onretail_cartum.msg_store_admin_url',
                        store=store.rec_name))

    @property
    def api_url(self):
        if self.test_mode:
            return self.test_url or DEFAULT_TEST_URL
        return 'https://%s/api' % self.domain

    def client(self):
        """The client of the store's API; CartumError when its password is
        missing, before any request"""
        if not self.api_password:
            raise CartumError(gettext('onretail_cartum.msg_store_password',
                    store=self.rec_name))
        return client.Client(
            self.id, self.api_url, self.api_login, self.api_password,
            self.rec_name, self.language)

    @property
    def timezone(self):
        return ZoneInfo(self.company.timezone or 'UTC')

    def local_now(self):
        "Now in the shop's time, naive as Cartum's times"
        return datetime.datetime.now(self.timezone).replace(tzinfo=None)

    def local_time(self, value):
        "value (UTC, as Tryton stores it) in the shop's time"
        return value.replace(tzinfo=datetime.timezone.utc).astimezone(
            self.timezone).replace(tzinfo=None)

    def utc_time(self, value):
        "value (the shop's time) in UTC, as Tryton stores it"
        return value.replace(tzinfo=self.timezone).astimezone(
            datetime.timezone.utc).replace(tzinfo=None)

    def net_price(self, price, taxes):
        "The unit price of Cartum's price: net of taxes when it is gross"
        pool = Pool()
        Date = pool.get('ir.date')
        Tax = pool.get('account.tax')
        if self.gross_prices and taxes:
            with Transaction().set_context(company=self.company.id):
                today = Date.today()
            price = Tax.reverse_compute(price, taxes, today)
        return round_price(price)

    @classmethod
    def cartum_ran(cls, store, started, newest):
        """Remember the run of started and the newest creation time (the
        shop's) it read, in a transaction of its own"""
        with Transaction().new_transaction(), without_check_access():
            store = cls(store.id)
            values = {'last_sync': started}
            if newest is not None:
                newest = store.utc_time(newest)
                if not store.created_since or newest > store.created_since:
                    values['created_since'] = newest
            cls.write([store], values)

    def admin_url(self, order_id):
        "The page of the order in the shop's admin"
        template = self.admin_order_url or DEFAULT_ADMIN_URL
        return template.format(domain=self.domain, order_id=order_id)

    def state_of_status(self, status_id):
        "The sale state of Cartum's status, None when it has none"
        for status in self.statuses:
            if status.cartum_id == status_id:
                return status.state
        return None

    def status_of_state(self, state):
        "Cartum's status of the sale state, None when it has none"
        for status in self.statuses:
            if status.state == state:
                return status.cartum_id
        return None

    @classmethod
    @ModelView.button_action('onretail_cartum.wizard_test_connection')
    def test_connection(cls, stores):
        pass

    @classmethod
    @ModelView.button
    def load_statuses(cls, stores):
        "Fill in the statuses of each store as Cartum names them"
        Status = Pool().get('cartum.store.status')
        to_save = []
        for store in stores:
            known = {s.cartum_id: s for s in store.statuses}
            for status_id, name in store.client().statuses():
                status = known.get(status_id) or Status(
                    store=store, cartum_id=status_id, cartum_name=None)
                if status.cartum_name != name:
                    status.cartum_name = name
                    to_save.append(status)
        Status.save(to_save)

    @classmethod
    @ModelView.button
    def sync_now(cls, stores):
        """Queue the import of the orders of each store: the request answers
        at once, the user is told how it went"""
        cls.__queue__.import_now(stores)

    @classmethod
    def import_now(cls, stores):
        "Import the orders of each store, as Sync now asked"
        Sale = Pool().get('sale.sale')
        for store in stores:
            Sale.cartum_import(store, trigger='manual', notify=True)

    @classmethod
    def synchronise(cls):
        "The scheduled import of the stores that are due"
        Sale = Pool().get('sale.sale')
        now = datetime.datetime.now()
        for store in cls.search([]):
            due = store.last_sync is None or (store.last_sync
                + datetime.timedelta(minutes=store.sync_interval) <= now
                + datetime.timedelta(seconds=30))
            if due:
                Sale.cartum_import(store, trigger='cron')
        Pool().get('cartum.status.push').send_pending()


class StoreStatus(ModelSQL, ModelView):
    "Cartum Store Status"
    __name__ = 'cartum.store.status'
    __string__ = "Cartum Store Status"

    store = fields.Many2One('cartum.store', "Store", required=True,
        ondelete='CASCADE')
    cartum_id = fields.Integer("Cartum ID", required=True,
        help="The id of the status in Cartum (1 New, 2 Processing, "
        "3 Delivered, 4 Not delivered, 6 Shipping are built in).")
    cartum_name = fields.Char("Cartum Status", readonly=True)
    state = fields.Selection(SALE_STATES, "Sale State",
        help="The sale state of the status; empty: none, orders in this "
        "status keep their sale's state.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('store_cartum_unique', Unique(t, t.store, t.cartum_id),
                'onretail_cartum.msg_status_unique'),
            ('store_state_unique', Unique(t, t.store, t.state),
                'onretail_cartum.msg_state_unique'),
            ]
        cls._order.insert(0, ('cartum_id', 'ASC'))

    def get_rec_name(self, name):
        return '%s %s' % (self.cartum_id, self.cartum_name or '')


class TestConnectionResult(ModelView):
    "The answer of Cartum to the test of a store's connection"
    __name__ = 'cartum.store.test.result'
    __string__ = "Cartum Connection Test"
    statuses = fields.Integer("Statuses", readonly=True,
        help="The order statuses the shop has.")


class TestConnection(Wizard):
    "Test the connection of a store to Cartum"
    __name__ = 'cartum.store.test'
    start = StateTransition()
    result = StateView('cartum.store.test.result',
        'onretail_cartum.test_result_view_form', [
            Button("OK", 'end', 'tryton-ok', default=True),
            ])

    def transition_start(self):
        return 'result'

    def default_result(self, fields):
        return {'statuses': len(self.record.client().statuses())}
