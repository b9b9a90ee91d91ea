# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cartum's orders as sales: the import of a store's orders (scheduled, Sync
now, Update orders, Update) and the status of a sale sent back to Cartum.
An order is committed whole or not at all: the orders new to onRetail by
chunks, a chunk with a bad order again one by one, the others one per
transaction"""
import contextlib
import datetime
import hashlib
import json
import time
from decimal import Decimal

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelView, Unique, fields
from trytond.modules.onretail_connector import SyncRun
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import (
    Transaction, TransactionError, without_check_access)
from trytond.wizard import StateTransition, Wizard

from .client import parse_order
from .exceptions import CartumError, CartumOrderError
from .store import OVERLAP, UPDATE_PAUSE

# The states a sale goes through to reach a Cartum status's state: the
# import never forces processing or done, which Tryton reaches itself
STEPS = {
    'draft': {
        'quotation': ['quote'],
        'confirmed': ['quote', 'confirm'],
        'cancelled': ['cancel'],
        },
    'quotation': {
        'draft': ['draft'],
        'confirmed': ['confirm'],
        'cancelled': ['cancel'],
        },
    'confirmed': {
        'draft': ['draft'],
        'quotation': ['draft', 'quote'],
        'cancelled': ['draft', 'cancel'],
        },
    'cancelled': {
        'draft': ['draft'],
        'quotation': ['draft', 'quote'],
        'confirmed': ['draft', 'quote', 'confirm'],
        },
    }
# The fields of a sale that only a Cartum order has
CARTUM_ONLY = {'invisible': ~Eval('cartum_store')}
# Seconds an import or update waits for a concurrent one's lock
LOCK_WAIT = 60
# Where the lines of an order may still change
EDITABLE = {'draft', 'quotation', 'confirmed', 'cancelled'}
# The new orders of a run written in one transaction
CHUNK = 50


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    cartum_store = fields.Many2One('cartum.store', "Store", readonly=True,
        ondelete='RESTRICT',
        help="The Cartum store whose order the sale is; empty for a sale "
        "made in onRetail.")
    cartum_id = fields.Char("External ID", readonly=True,
        states=CARTUM_ONLY,
        help="The number of the order on Cartum.")
    cartum_status = fields.Integer("Cartum Status", readonly=True,
        states=CARTUM_ONLY,
        help="The order's status on Cartum when last read or sent: a "
        "status read again changes the sale's state only when it differs.")
    cartum_created = fields.DateTime("Created", readonly=True,
        states=CARTUM_ONLY,
        help="When the order was placed on Cartum.")
    cartum_updated = fields.DateTime("Last Update", readonly=True,
        states=CARTUM_ONLY,
        help="When the order last came from Cartum with a change, or was "
        "updated by hand.")
    cartum_next_update = fields.DateTime("Next Update", readonly=True,
        states=CARTUM_ONLY,
        help="Update reads the order again at most once in 10 minutes.")
    cartum_digest = fields.Char("Cartum Digest", readonly=True,
        help="The fingerprint of the order as last imported: an order read "
        "again with the same one is unchanged, and nothing is written.")
    cartum_url = fields.Function(fields.Char("Cartum Order",
            states=CARTUM_ONLY,
            help="The order's page in the shop's admin."),
        'get_cartum_url')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('cartum_id_unique', Unique(t, t.cartum_store, t.cartum_id),
                'onretail_cartum.msg_sale_cartum_id_unique'),
            ]
        cls._sql_indexes.add(Index(t,
                (t.cartum_store, Index.Range()),
                (t.cartum_id, Index.Equality())))
        cls._buttons.update({
                'cartum_update': {
                    'invisible': ~Bool(Eval('cartum_store')),
                    'depends': ['cartum_store'],
                    },
                })

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        for name in ['cartum_store', 'cartum_id', 'cartum_status',
                'cartum_created', 'cartum_digest',
                'cartum_updated', 'cartum_next_update']:
            default.setdefault(name)
        return super().copy(sales, default=default)

    def get_cartum_url(self, name):
        if self.cartum_store and self.cartum_id:
            return self.cartum_store.admin_url(self.cartum_id)

    @property
    def cartum_written_off(self):
        "Whether stock left for the sale: onRetail owns it from then on"
        return any(m.state == 'done' for m in self.moves)

    @classmethod
    def write(cls, *args):
        super().write(*args)
        if not Transaction().context.get('_cartum_import'):
            changed = []
            for sales, values in zip(args[::2], args[1::2]):
                if 'state' in values:
                    changed.extend(s for s in sales if s.cartum_store)
            if changed:
                Pool().get('cartum.status.push').queue(changed)

    @classmethod
    @ModelView.button
    def cartum_update(cls, sales):
        """Read the orders of the sales again now, at most once in 10
        minutes each"""
        cls.cartum_update_orders(sales, per_order=True)

    @classmethod
    def cartum_update_orders(cls, sales, per_order=False):
        """Read the orders of sales again: at most once in 10 minutes per
        order (per_order) or per store, checked under the row's lock"""
        Store = Pool().get('cartum.store')
        by_store = {}
        for sale in sales:
            if sale.cartum_store:
                by_store.setdefault(sale.cartum_store, []).append(sale)
        for store, store_sales in by_store.items():
            if per_order:
                cls._cartum_throttle(cls, store_sales)
            else:
                cls._cartum_throttle(Store, [store])
            ids = [s.cartum_id for s in store_sales]
            cls.cartum_import(store, trigger='manual', raise_failure=True,
                order_ids=ids, touch=True)

    @classmethod
    def _cartum_throttle(cls, Model, records):
        """Take the manual update of records (stores or sales) for the next
        10 minutes in a transaction of its own, under their rows' lock:
        UserError naming when the next is possible if one is not due"""
        now = cls._cartum_now()
        ids = [r.id for r in records]

        def take():
            for record in Model.browse(ids):
                if (record.cartum_next_update
                        and record.cartum_next_update > now):
                    raise UserError(gettext(
                            'onretail_cartum.msg_update_too_soon',
                            record=record.rec_name,
                            time=cls._cartum_local_time(
                                record, record.cartum_next_update)))
            with without_check_access():
                Model.write(Model.browse(ids),
                    {'cartum_next_update': now + UPDATE_PAUSE})
        cls._cartum_locked(Model, records, take)

    @staticmethod
    def _cartum_locked(Model, records, function):
        """The result of function() in a transaction of its own, committed,
        that holds the lock of the records' rows: waits up to LOCK_WAIT
        seconds for another transaction to release them"""
        ids = [r.id for r in records]
        extras = {'_lock_records': {Model._table: ids}}
        deadline = time.monotonic() + LOCK_WAIT
        delay = 0.05
        while True:
            try:
                with Transaction().new_transaction(**extras) as transaction:
                    try:
                        Model.lock(Model.browse(ids))
                        return function()
                    except TransactionError as error:
                        transaction.rollback()
                        error.fix(extras)
            except backend.DatabaseOperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1)

    @staticmethod
    @contextlib.contextmanager
    def _cartum_importing(store):
        """What the import writes: the store's company, no access checks
        (its caller's were), no status push queued"""
        with Transaction().set_context(_cartum_import=True,
                company=store.company.id), without_check_access():
            yield

    @staticmethod
    def _cartum_now():
        return datetime.datetime.now()

    @staticmethod
    def _cartum_local_time(record, value):
        "value (UTC) as the time of day in the company's time zone"
        Lang = Pool().get('ir.lang')
        store = getattr(record, 'cartum_store', record)
        return Lang.get().strftime(store.local_time(value), '%H:%M:%S')

    @classmethod
    def cartum_import(cls, store, trigger='cron', raise_failure=False,
            order_ids=None, touch=False, notify=False):
        """Import the store's orders (of order_ids, else those created since
        its watermark and those still open), each committed whole or not at
        all: the new ones by chunks, the others one by one; the run's sync
        log; CartumError when it failed as a whole and raise_failure;
        notify: the user is told how it went"""
        Store = Pool().get('cartum.store')
        run = SyncRun(store, 'cartum_import', trigger)
        started = datetime.datetime.now()
        try:
            orders = cls._cartum_fetch(store, order_ids)
            catalog = cls._cartum_catalog(store, orders)
        except CartumError as error:
            run.fail(error.message)
            run.save(notify=notify)
            if raise_failure:
                raise
            return run
        digests = {} if touch else cls._cartum_digests(store, orders)
        parsed = [parse(data) for data in orders]
        created = cls._cartum_create_new(store, [(o, d)
                for _, o, d, _ in parsed
                if o and not touch and o['id'] not in digests], catalog)
        newest = None
        for order_id, order, digest, error in parsed:
            run.count('read')
            if error:
                run.error(order_id, error.message)
                continue
            try:
                if order['id'] in created:
                    result = created.pop(order['id'])
                elif digests.get(order['id']) == digest:
                    result = 'unchanged', None
                else:
                    result = cls._cartum_import_order(
                        store, order, catalog, touch, digest)
            except UserError as error:
                run.error(order_id, error.message)
                continue
            kind, message = result
            if kind == 'skipped':
                run.skip(order_id, message)
            else:
                run.count(kind)
                if message:
                    run.warn(order_id, message)
            if newest is None or order['created'] > newest:
                newest = order['created']
        if order_ids is None:
            Store.cartum_ran(store, started, newest)
        run.save(notify=notify)
        return run

    @classmethod
    def _cartum_create_new(cls, store, pairs, catalog):
        """{order id: result} of the (order, digest) pairs of orders new to
        onRetail written CHUNK at once, each chunk in a transaction of its
        own under the store's lock; a chunk that fails is left out, for its
        orders to be written one by one and a bad one to fail alone"""
        Store = Pool().get('cartum.store')
        unique = {}
        for order, digest in pairs:
            unique.setdefault(order['id'], (order, digest))
        pairs = list(unique.values())
        results = {}
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start:start + CHUNK]

            def write():
                with cls._cartum_importing(store):
                    # another import may have written some meanwhile
                    ids = [o['id'] for o, _ in chunk]
                    known = {s.cartum_id for s in cls.search([
                                ('cartum_store', '=', store.id),
                                ('cartum_id', 'in', ids),
                                ])}
                    new = [(o, d) for o, d in chunk if o['id'] not in known]
                    if not new:
                        return {}
                    return dict(zip([o['id'] for o, _ in new],
                            cls._cartum_create(Store(store.id), new, catalog)))
            try:
                results.update(cls._cartum_locked(Store, [store], write))
            except UserError:
                pass
        return results

    @classmethod
    def _cartum_digests(cls, store, orders):
        "The digest of each of the orders imported before, by its id"
        ids = [str(o['order_id']) for o in orders
            if isinstance(o, dict) and isinstance(o.get('order_id'), int)]
        with without_check_access():
            sales = cls.search_read([
                    ('cartum_store', '=', store.id),
                    ('cartum_id', 'in', ids),
                    ], fields_names=['cartum_id', 'cartum_digest'])
        return {s['cartum_id']: s['cartum_digest'] for s in sales}

    @classmethod
    def _cartum_fetch(cls, store, order_ids):
        "The raw orders of order_ids, else those new and those still open"
        cartum = store.client()
        if order_ids is not None:
            return cartum.orders_of_ids([int(i) for i in order_ids])
        now = store.local_now()
        since = store.local_time(store.created_since or store.create_date)
        orders = cartum.orders(since - OVERLAP, now)
        read = {o.get('order_id') for o in orders if isinstance(o, dict)
            and isinstance(o.get('order_id'), int)}
        with without_check_access():
            open_ids = [int(s.cartum_id) for s in cls.search([
                        ('cartum_store', '=', store.id),
                        ('state', 'in', list(EDITABLE - {'cancelled'})),
                        ]) if int(s.cartum_id) not in read]
        return orders + cartum.orders_of_ids(open_ids)

    @classmethod
    def _cartum_catalog(cls, store, orders):
        """The catalogue of Cartum's products of orders that onRetail does
        not know yet (by SKU), read at once"""
        Product = Pool().get('product.product')
        articles = set()
        for order in orders:
            lines = order.get('products') if isinstance(order, dict) else None
            for line in lines if isinstance(lines, list) else []:
                article = line.get('article') if isinstance(
                    line, dict) else None
                if isinstance(article, str) and 0 < len(article) <= 100:
                    articles.add(article)
        if not articles:
            return {}
        with without_check_access():
            known = {p.code for p in Product.search([
                        ('code', 'in', list(articles))])}
        missing = articles - known
        return store.client().products(missing) if missing else {}

    @classmethod
    def _cartum_import_order(cls, store, order, catalog, touch=False,
            digest=None):
        """Write the order in a transaction of its own, under the store's
        lock: ('created' | 'updated' | 'unchanged', a warning or None) or
        ('skipped', why)"""
        Store = Pool().get('cartum.store')

        def write():
            with cls._cartum_importing(store):
                return cls._cartum_write_order(
                    Store(store.id), order, catalog, touch, digest)
        return cls._cartum_locked(Store, [store], write)

    @classmethod
    def _cartum_write_order(cls, store, order, catalog, touch, digest=None):
        pool = Pool()
        Product = pool.get('product.product')
        Push = pool.get('cartum.status.push')
        sales = cls.search([
                ('cartum_store', '=', store.id),
                ('cartum_id', '=', order['id']),
                ], limit=1)
        if not sales:
            return cls._cartum_create(store, [(order, digest)], catalog)[0]
        sale, = sales
        cls._cartum_check_currency(store, order)
        if sale.cartum_written_off:
            return ('skipped', gettext('onretail_cartum.msg_order_written_off',
                    sale=sale.rec_name))
        changed = False
        products = Product.from_cartum(store, order['lines'], catalog)
        lines = cls._cartum_lines(store, order, catalog, products, sale)
        if cls._cartum_line_values(sale.lines) != [
                (l.product.id, l.quantity, l.unit_price) for l in lines]:
            if sale.state not in EDITABLE:
                return ('skipped', gettext(
                        'onretail_cartum.msg_order_processing',
                        sale=sale.rec_name))
            cls._cartum_replace_lines(sale, lines)
            changed = True
        values = {}
        if order['status'] != sale.cartum_status:
            # a status set on Cartum; one sent from here is pending: ours
            if not Push.search([('sale', '=', sale.id),
                        ('state', '=', 'pending')], limit=1):
                values['cartum_status'] = order['status']
                cls._cartum_set_state(
                    [sale], store.state_of_status(order['status']))
                changed = True
        if changed or touch:
            values['cartum_updated'] = datetime.datetime.now()
        if digest and digest != sale.cartum_digest:
            values['cartum_digest'] = digest
        if values:
            cls.write([cls(sale.id)], values)
        if not changed:
            return 'unchanged', None
        return 'updated', cls._cartum_check_total(cls(sale.id), order)

    @classmethod
    def _cartum_create(cls, store, pairs, catalog):
        """The sales of the (order, digest) pairs, created at once with their
        customers and products and moved to their status's state:
        [('created', a warning or None)] in the pairs' order"""
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        orders = [o for o, _ in pairs]
        for order in orders:
            cls._cartum_check_currency(store, order)
        parties = Party.from_cartum(store, orders)
        products = Product.from_cartum(
            store, [l for o in orders for l in o['lines']], catalog)
        now = datetime.datetime.now()
        sales = []
        for order, digest in pairs:
            sale = cls._cartum_new(store, order, parties[order['id']])
            sale.lines = cls._cartum_lines(
                store, order, catalog, products, sale)
            sale.cartum_updated = now
            sale.cartum_status = order['status']
            sale.cartum_digest = digest
            sales.append(sale)
        cls.save(sales)
        by_state = {}
        for sale, order in zip(sales, orders):
            by_state.setdefault(
                store.state_of_status(order['status']), []).append(sale)
        for state, group in by_state.items():
            cls._cartum_set_state(group, state)
        sales = cls.browse(sales)
        return [('created', cls._cartum_check_total(s, o))
            for s, o in zip(sales, orders)]

    @staticmethod
    def _cartum_check_currency(store, order):
        if order['currency'] != store.currency.code:
            raise CartumOrderError(order['id'], message=gettext(
                    'onretail_cartum.msg_order_currency',
                    currency=order['currency'], store=store.rec_name,
                    store_currency=store.currency.code))

    @staticmethod
    def _cartum_check_total(sale, order):
        "The warning when the sale's total is not what the shopper pays"
        expected = sale.currency.round(order['total_sum'] + order['delivery'])
        if sale.total_amount != expected:
            return gettext('onretail_cartum.msg_order_total',
                sale=sale.rec_name, total=sale.total_amount,
                expected=expected)

    @staticmethod
    def _cartum_line_values(lines):
        return [(l.product.id, l.quantity, l.unit_price) for l in lines
            if l.type == 'line']

    @classmethod
    def _cartum_new(cls, store, order, party):
        address = party.address_get()
        created = store.utc_time(order['created'])
        sale = cls(
            company=store.company,
            currency=store.currency,
            party=party,
            invoice_address=address,
            shipment_address=address,
            warehouse=store.warehouse,
            sale_date=order['created'].date(),
            reference=order['id'],
            cartum_store=store,
            cartum_id=order['id'],
            cartum_created=created,
            )
        return sale

    @classmethod
    def _cartum_replace_lines(cls, sale, lines):
        Line = Pool().get('sale.line')
        state = sale.state
        if state != 'draft':
            cls.draft([sale])
        Line.delete([l for l in sale.lines])
        Line.save(lines)
        cls._cartum_set_state([cls(sale.id)], state)

    @classmethod
    def _cartum_set_state(cls, sales, state):
        "Move sales (of one state) to state the way a user would"
        if not state or not sales:
            return
        steps = STEPS.get(sales[0].state, {}).get(state)
        if state in {'processing', 'done'}:
            # never forced: a confirmed sale gets there on its own
            steps = STEPS.get(sales[0].state, {}).get('confirmed')
        for step in steps or []:
            getattr(cls, step)(sales)

    @classmethod
    def _cartum_lines(cls, store, order, catalog, products, sale):
        """The lines of the order for sale (not saved): goods (of products,
        by their key), shipping, discount"""
        Product = Pool().get('product.product')
        lines = []
        for values in order['lines']:
            product = products[Product._cartum_key(store, values, catalog)]
            lines.append(cls._cartum_line(sale, product, values['quantity'],
                    values['price'], values['title']))
        if order['delivery']:
            if not store.shipping_product:
                raise CartumOrderError(order['id'], message=gettext(
                        'onretail_cartum.msg_store_no_shipping',
                        store=store.rec_name))
            lines.append(cls._cartum_line(sale, store.shipping_product, 1,
                    order['delivery']))
        discount = order['total_default'] - order['total_sum']
        if discount > 0:
            if not store.discount_product:
                raise CartumOrderError(order['id'], message=gettext(
                        'onretail_cartum.msg_store_no_discount',
                        store=store.rec_name))
            lines.append(cls._cartum_line(sale, store.discount_product, 1,
                    -discount))
        for sequence, line in enumerate(lines, 1):
            line.sequence = sequence
        return lines

    @classmethod
    def _cartum_line(cls, sale, product, quantity, price, description=None):
        "The line of quantity × price (gross when the store's are) of product"
        Line = Pool().get('sale.line')
        line = Line(sale=sale, type='line', product=product,
            quantity=quantity, unit=product.sale_uom)
        # the taxes as on_change_product sets them, without its price,
        # which Cartum gives
        line.taxes = line.compute_taxes(sale.party)
        line.unit_price = sale.cartum_store.net_price(price, line.taxes)
        if description:
            line.description = description
        return line


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def create(cls, vlist):
        lines = super().create(vlist)
        cls._cartum_changed(lines)
        return lines

    @classmethod
    def write(cls, *args):
        super().write(*args)
        cls._cartum_changed(sum(args[::2], []))

    @classmethod
    def delete(cls, lines):
        cls._cartum_changed(lines)
        super().delete(lines)

    @classmethod
    def _cartum_changed(cls, lines):
        """Forget the digest of the Cartum orders whose lines a user changed:
        the next import puts Cartum's lines back"""
        if Transaction().context.get('_cartum_import'):
            return
        Sale = Pool().get('sale.sale')
        sales = {l.sale for l in lines if l.sale and l.sale.cartum_digest}
        if sales:
            with without_check_access():
                Sale.write(list(sales), {'cartum_digest': None})


def parse(data):
    """(the order's id as Cartum gave it, the order, its digest, None) or
    (the id, None, None, the UserError of why it is not one)"""
    order_id = str(data.get('order_id', '?')) if isinstance(
        data, dict) else '?'
    try:
        return order_id, parse_order(data), order_digest(data), None
    except UserError as error:
        return order_id, None, None, error


def order_digest(data):
    "The fingerprint of the order as Cartum answered it"
    return hashlib.sha256(json.dumps(
            data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class UpdateOrders(Wizard):
    "Read the selected sales' orders again from Cartum"
    __name__ = 'sale.sale.cartum_update'
    start = StateTransition()

    def transition_start(self):
        self.model.cartum_update_orders(self.records)
        return 'end'
