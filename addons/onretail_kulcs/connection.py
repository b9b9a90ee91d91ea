# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A connection with Kulcs Ügyvitel: its settings, the four URLs that Kulcs
calls (with their secret token) and the simulation of Kulcs in test mode"""
import hmac
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http import HTTPStatus

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.model.exceptions import ValidationError
from trytond.modules.onretail_connector import Secret, SyncRun
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.url import http_base
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import category, document, product
from .exceptions import KulcsError

logger = logging.getLogger(__name__)

# The URLs that Kulcs calls, in the order support asks for them
URL_NAMES = ['products', 'categories', 'orders', 'confirm']
ORDER_MEDIA = [
    ('sale', "Sales Orders"),
    ('web', "Website"),
    ]
# The documents Kulcs posts: the model that applies them, their reader
DOCUMENTS = {
    'products': ('product.product', product.read_items),
    'categories': ('product.category', category.read_items),
    }
# Seconds the simulation may take
SIMULATION_TIMEOUT = 120


def new_token():
    "32 random bytes, URL-safe"
    return secrets.token_urlsafe(32)


class Connection(DeactivableMixin, ModelSQL, ModelView):
    "Kulcs Connection"
    __name__ = 'kulcs.connection'
    __string__ = "Kulcs Connection"

    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    webshop_id = fields.Char("Webshop ID", strip=True,
        help="The ID in Kulcs Ügyvitel under Karbantartás › Webáruház "
        "beállítások › Web-Azonosító. When Kulcs sends one, it must be "
        "this.")
    password = Secret("Password", strip=False,
        help="The password of your Kulcs Ügyvitel ID. Only connector "
        "administrators read it; it is never logged.")
    sync_type = fields.Selection([
            ('stock_price', "Stock and Price"),
            ('full', "Full"),
            ], "Sync Type", required=True,
        help="Stock and price: only the stock and prices of existing "
        "products, by SKU. Full: also the categories and new products.")
    import_password = Secret("Import Password", strip=False,
        help="Optional; makes the sync secure: Kulcs must send it with "
        "every call.")
    shipping_sku = fields.Char("Shipping Fee SKU", strip=True,
        help="The code Kulcs-Soft uses for the shipping fee: an order's "
        "shipping goes over as an item with it.")
    payment_fee_sku = fields.Char("Payment Fee SKU", strip=True,
        help="The code Kulcs-Soft uses for the payment fee: an order's "
        "payment fee goes over as an item with it.")
    coupon_sku = fields.Char("Coupon SKU", strip=True,
        help="The code Kulcs-Soft uses for coupons: an order's discount "
        "goes over as a negative item with it.")
    shipping_product = fields.Many2One('product.product',
        "Shipping Product",
        domain=[('type', '=', 'service')],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The service of a sale's shipping: its lines go to Kulcs with "
        "the shipping fee SKU.")
    payment_fee_product = fields.Many2One('product.product',
        "Payment Fee Product",
        domain=[('type', '=', 'service')],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The service of a sale's payment fee: its lines go to Kulcs "
        "with the payment fee SKU.")
    coupon_product = fields.Many2One('product.product', "Coupon Product",
        domain=[('type', '=', 'service')],
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The service of a sale's coupon discount: its lines, and "
        "negative lines without a product, go to Kulcs with the coupon "
        "SKU.")
    token = Secret("Token", readonly=True,
        help="The secret part of the URLs; Regenerate URLs replaces it, and "
        "the old URLs stop working.")
    url_products = fields.Function(fields.Char("Products URL",
            help="Kulcs posts the products, prices and stock here."),
        'get_url')
    url_categories = fields.Function(fields.Char("Categories URL",
            help="Kulcs posts the category tree here: give it to support "
            "only if Kulcs manages the whole tree (full sync only)."),
        'get_url')
    url_orders = fields.Function(fields.Char("Orders URL",
            help="Kulcs fetches the shop's new orders here."),
        'get_url')
    url_confirm = fields.Function(fields.Char("Confirm URL",
            help="Kulcs confirms here the orders it received."),
        'get_url')
    warehouse = fields.Many2One('stock.location', "Warehouse", required=True,
        domain=[('type', '=', 'warehouse')],
        help="The warehouse whose stock Kulcs's free stock sets.")
    promo_price_list = fields.Many2One('product.price_list',
        "Promo Price List",
        domain=[('company', '=', Eval('company', -1))],
        help="The list of Kulcs's promo prices, as rules of priority 10; "
        "empty: promo prices are not taken.")
    sync_user = fields.Many2One('res.user', "Sync User", required=True,
        help="The user whose rights the calls of Kulcs have: it needs the "
        "groups Product Administration, Account Product Administration "
        "(full sync), Stock, Stock Administration and Sales, and the "
        "connection's company.")
    gross_prices = fields.Boolean("Gross Prices",
        help="Kulcs's prices include tax: the list prices and promo prices "
        "are made net of the products' customer taxes.")
    units = fields.One2Many('kulcs.connection.unit', 'connection', "Units",
        help="Kulcs's unit names (such as db) and their units, for the "
        "products a full sync creates.")
    order_media = fields.MultiSelection(ORDER_MEDIA, "Order Media",
        help="The confirmed sales of these media go to Kulcs as orders.")
    test_mode = fields.Boolean("Test Mode",
        help="Run Kulcs Simulation plays Kulcs against this connection.")
    logs = fields.One2Many('onretail.sync.log', 'connection', "Sync Logs",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.company, Index.Range())))
        cls._buttons.update({
                'regenerate': {
                    'icon': 'tryton-refresh',
                    },
                'simulate': {
                    'invisible': ~Eval('test_mode'),
                    'readonly': ~Eval('active', True),
                    'depends': ['test_mode', 'active'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_sync_type(cls):
        return 'stock_price'

    @classmethod
    def default_gross_prices(cls):
        return True

    @classmethod
    def default_order_media(cls):
        return ['web']

    @classmethod
    def default_test_mode(cls):
        return False

    @classmethod
    def default_warehouse(cls):
        return Pool().get('stock.location').get_default_warehouse()

    @classmethod
    def default_units(cls):
        ModelData = Pool().get('ir.model.data')
        return [{'name': 'db', 'unit': ModelData.get_id('product', 'uom_unit')}]

    @classmethod
    def create(cls, vlist):
        vlist = [dict(v, token=new_token()) for v in vlist]
        return super().create(vlist)

    @classmethod
    def copy(cls, connections, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('logs')
        return super().copy(connections, default=default)

    @classmethod
    def validate_fields(cls, connections, field_names):
        super().validate_fields(connections, field_names)
        for connection in connections:
            if connection.promo_price_list and (
                    connection.promo_price_list.company
                    != connection.company):
                raise ValidationError(gettext(
                        'onretail_kulcs.msg_connection_price_list_company',
                        connection=connection.rec_name))

    def get_url(self, name):
        return self.url(name[len('url_'):])

    def url(self, name):
        "The URL of name (products, categories, orders, confirm)"
        if not self.id or self.id < 0 or not self.token:
            return None
        database = urllib.parse.quote(Transaction().database.name)
        return urllib.parse.urljoin(http_base().rstrip('/') + '/',
            f'{database}/kulcs/{self.id}/{self.token}/{name}')

    def matches(self, token):
        "Whether token is the connection's, in constant time"
        return bool(self.token) and hmac.compare_digest(
            self.token.encode(), str(token).encode())

    def accepts(self, password, webshop_id):
        """Whether a call with password and webshop_id is allowed: the
        import password when one is set, the webshop ID when one is sent,
        each compared in constant time"""
        if self.import_password and not hmac.compare_digest(
                self.import_password.encode(), (password or '').encode()):
            return False
        if webshop_id is not None and not hmac.compare_digest(
                (self.webshop_id or '').encode(), webshop_id.encode()):
            return False
        return True

    def kulcs_products(self, data):
        """Check the products document of data and keep it for the queue:
        (HTTP status, answer)"""
        return self._kulcs_receive('products', data)

    def kulcs_categories(self, data):
        """Check the categories document of data (full sync only) and keep
        it for the queue: (HTTP status, answer)"""
        message = self._kulcs_not_full()
        if message:
            run = SyncRun(self, 'kulcs_categories', 'inbound',
                company=self.company)
            run.fail(message)
            self._kulcs_log(run)
            return HTTPStatus.CONFLICT, document.answer(False, message)
        return self._kulcs_receive('categories', data)

    def _kulcs_not_full(self):
        "Why categories are refused: the connection is no full sync; or None"
        if self.sync_type != 'full':
            return gettext('onretail_kulcs.msg_categories_full_only',
                connection=self.rec_name)

    def _kulcs_receive(self, kind, data):
        """Answer a document of kind: refused (and logged) when it is not
        one Kulcs sends, else kept and queued; the queue logs what it
        writes"""
        Document = Pool().get('kulcs.document')
        _, read_items = DOCUMENTS[kind]
        run = SyncRun(self, 'kulcs_' + kind, 'inbound', company=self.company)
        try:
            read_items(data, run)
        except UserError as error:
            run.fail(error.message)
            self._kulcs_log(run)
            return HTTPStatus.BAD_REQUEST, document.answer(False, run.message)
        Document.receive(self, kind, data, run.counts['read'])
        return HTTPStatus.OK, document.answer(True, gettext(
                'onretail_kulcs.msg_answer_received',
                read=run.counts['read'], errors=run.counts['errors']))

    def kulcs_apply(self, kind, data):
        """Apply the document of kind in data as one whole: (the run, its
        sync log)"""
        model, read_items = DOCUMENTS[kind]
        Model = Pool().get(model)

        def apply(run):
            # the connection may have changed since the document came
            message = kind == 'categories' and self._kulcs_not_full()
            if message:
                raise KulcsError(message)
            Model.kulcs_apply(self, read_items(data, run), run)
        return self._kulcs_run('kulcs_' + kind, apply)

    def kulcs_orders(self, data):
        "The orders Kulcs has yet to receive: (HTTP status, document)"
        Sale = Pool().get('sale.sale')
        run = SyncRun(self, 'kulcs_orders', 'inbound', company=self.company)
        sales = Sale.kulcs_pending(self)
        run.count('read', len(sales))
        content = Sale.kulcs_orders_document(self, sales)
        self._kulcs_log(run)
        return HTTPStatus.OK, content

    def kulcs_confirm(self, data):
        """Mark the orders of the confirmation document of data received:
        (HTTP status, answer)"""
        Sale = Pool().get('sale.sale')

        def apply(run):
            Sale.kulcs_confirm(self, list(document.read_texts(
                        data, 'visszaigazolas', 'azonosito')), run)
        run, _ = self._kulcs_run('kulcs_confirm', apply)
        if run.state == 'failed':
            return HTTPStatus.BAD_REQUEST, document.answer(False, run.message)
        return HTTPStatus.OK, document.answer(True, gettext(
                'onretail_kulcs.msg_answer_counts', **run.counts))

    def _kulcs_run(self, operation, function):
        """Run function(run) and write the run's sync log: with what the
        run wrote, or alone once that was undone. (The run, its log)"""
        run = SyncRun(self, operation, 'inbound', company=self.company)
        try:
            function(run)
        except UserError as error:
            Transaction().rollback()
            run.fail(error.message)
        return run, self._kulcs_log(run)

    @staticmethod
    def _kulcs_log(run):
        """Write the run's log in the call's transaction: SQLite has one
        writer, which the call is. The log is the system's: the sync user
        need not write logs"""
        Log = Pool().get('onretail.sync.log')
        with without_check_access():
            log, = Log.create([run.values()])
        return log

    @classmethod
    @ModelView.button
    def regenerate(cls, connections):
        "New URLs: the old ones stop working"
        for connection in connections:
            connection.token = new_token()
        cls.save(connections)

    @classmethod
    @ModelView.button_action('onretail_kulcs.wizard_simulate')
    def simulate(cls, connections):
        pass

    def start_simulation(self):
        """Start playing Kulcs against the connection's URLs with the
        sandbox's client, once this request has ended: its calls come in as
        Kulcs's do and leave their sync logs; KulcsError when it cannot
        start"""
        if not self.test_mode:
            raise KulcsError(gettext('onretail_kulcs.msg_simulation_test_mode',
                    connection=self.rec_name))
        command = shutil.which('onretail-sandbox',
            path=os.path.dirname(sys.executable))
        if not command:
            raise KulcsError(gettext('onretail_kulcs.msg_simulation_missing'))
        # the URL (its token) and the secrets on stdin: never on a command
        # line that ps shows
        config = json.dumps({
                'url': self.url('products').rsplit('/', 1)[0],
                'import_password': self.import_password,
                'webshop_id': self.webshop_id,
                }).encode()
        try:
            process = subprocess.Popen([command, 'kulcs', '--config', '-'],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True)
        except OSError as error:
            raise KulcsError(gettext('onretail_kulcs.msg_simulation_failed',
                    connection=self.rec_name, error=str(error)[:200]))
        # not waited for here: the calls need this request's transaction
        # ended (SQLite has one writer)
        threading.Thread(target=finish_simulation,
            args=(process, config, self.rec_name), daemon=True).start()


def finish_simulation(process, config, name):
    "Feed the simulation its settings, wait for it and log how it ended"
    try:
        out, err = process.communicate(config, timeout=SIMULATION_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        logger.warning("Kulcs simulation of %s took too long", name)
        return
    try:
        ok = json.loads(out).get('ok')
    except (ValueError, AttributeError):
        ok = False
    logger.info("Kulcs simulation of %s ended: %s", name,
        'as the protocol promises' if ok else 'with failures (exit %s)'
        % process.returncode)


class ConnectionUnit(ModelSQL, ModelView):
    "Kulcs Connection Unit"
    __name__ = 'kulcs.connection.unit'
    __string__ = "Kulcs Unit"

    connection = fields.Many2One('kulcs.connection', "Connection",
        required=True, ondelete='CASCADE')
    name = fields.Char("Kulcs Unit", required=True, strip=True,
        help="The unit as Kulcs names it (mee), such as db or kg.")
    unit = fields.Many2One('product.uom', "Unit", required=True,
        help="The unit of the products a full sync creates with it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.connection, t.name),
                'onretail_kulcs.msg_unit_unique'),
            ]


class SimulationResult(ModelView):
    "Kulcs Simulation Started"
    __name__ = 'kulcs.connection.simulate.result'
    __string__ = "Kulcs Simulation Started"


class Simulate(Wizard):
    "Run Kulcs Simulation"
    __name__ = 'kulcs.connection.simulate'
    start_state = 'run'
    run = StateTransition()
    result = StateView('kulcs.connection.simulate.result',
        'onretail_kulcs.simulate_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_run(self):
        self.record.start_simulation()
        return 'result'
