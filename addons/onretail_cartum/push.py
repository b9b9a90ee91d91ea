# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The statuses that sales send back to Cartum: queued when a sale enters a
state that has a Cartum status, sent by a task of the queue and retried by
the scheduled action while Cartum refuses or cannot be reached"""
from trytond.exceptions import UserError
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.onretail_connector import SyncRun
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access


class StatusPush(ModelSQL, ModelView):
    "Cartum Status Push"
    __name__ = 'cartum.status.push'
    __string__ = "Cartum Status Push"

    sale = fields.Many2One('sale.sale', "Sale", required=True,
        ondelete='CASCADE', readonly=True)
    store = fields.Many2One('cartum.store', "Store", required=True,
        ondelete='CASCADE', readonly=True)
    status = fields.Integer("Cartum Status", required=True, readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('sent', "Sent"),
            ('replaced', "Replaced"),
            ], "State", readonly=True, required=True,
        help="Pending: not taken by Cartum yet; the scheduled action sends "
        "it again. Replaced: a later state of the sale was queued.")
    attempts = fields.Integer("Attempts", readonly=True)
    message = fields.Text("Message", readonly=True,
        help="Why Cartum did not take the status at the last attempt.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality()),
                where=t.state == 'pending'))
        cls._order.insert(0, ('id', 'DESC'))

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def queue(cls, sales):
        """Queue the Cartum status of each sale's state that has one,
        replacing what was pending, and send it once this transaction is
        committed"""
        to_create = []
        for sale in sales:
            status = sale.cartum_store.status_of_state(sale.state)
            # a state without status (processing) keeps what is pending
            if status is not None:
                to_create.append({'sale': sale.id,
                        'store': sale.cartum_store.id,
                        'status': status})
        with without_check_access():
            cls.write(cls.search([
                        ('sale', 'in', [v['sale'] for v in to_create]),
                        ('state', '=', 'pending'),
                        ]), {'state': 'replaced'})
            pushes = cls.create(to_create)
        if pushes:
            cls.__queue__.send(pushes)

    @classmethod
    def send_pending(cls):
        "Send every pending status (the scheduled action)"
        cls.send(cls.search([('state', '=', 'pending')]))

    @classmethod
    def send(cls, pushes):
        """Send the pending pushes to Cartum, one call per store; the
        statuses that Cartum refused stay pending with its message"""
        by_store = {}
        for push in cls.browse(pushes):
            if push.state == 'pending':
                by_store.setdefault(push.store, []).append(push)
        for store, store_pushes in by_store.items():
            cls._send_store(store, store_pushes)

    @classmethod
    def _send_store(cls, store, pushes):
        run = SyncRun(store, 'cartum_push',
            'cron' if Transaction().context.get('_cron') else 'manual')
        run.count('read', len(pushes))
        changes = [(int(p.sale.cartum_id), p.status) for p in pushes]
        try:
            refusals = store.client().update_statuses(changes)
        except UserError as error:
            run.fail(error.message)
            refusals = {order_id: error.message for order_id, _ in changes}
        sent, kept = [], []
        for push, (order_id, _) in zip(pushes, changes):
            refusal = refusals.get(order_id)
            if refusal is None:
                sent.append(push)
                push.state = 'sent'
                push.message = None
            else:
                kept.append(push)
                if run.message is None:
                    run.error(order_id, refusal)
                push.message = refusal
            push.attempts += 1
        run.count('updated', len(sent))
        # the log first: on SQLite its transaction cannot write once this
        # one has written
        run.save()
        cls.save(sent + kept)
        Sale = Pool().get('sale.sale')
        for push in sent:
            # what Cartum has now: not a change when read back
            Sale.write([push.sale], {'cartum_status': push.status})
