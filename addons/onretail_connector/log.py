# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sync logs of the connectors: one per run (scheduled, by a button or
by a partner's call) with its figures and one line per bad item, written in
a transaction of its own so that it outlives a failed run."""
import datetime
import logging

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

COUNTS = ('read', 'created', 'updated', 'unchanged', 'skipped', 'errors')
STATES = [
    ('done', "Done"),
    ('partial', "Partial"),
    ('failed', "Failed"),
    ]
TRIGGERS = [
    ('cron', "Scheduled"),
    ('manual', "Manual"),
    ('inbound', "Partner's Call"),
    ]
# Lines of one run: enough to find every bad item of a page, never a flood
MAX_LINES = 1000
MAX_MESSAGE = 2000
KEEP_DAYS = 90


class SyncLog(ModelSQL, ModelView):
    "Sync Log"
    __name__ = 'onretail.sync.log'
    __string__ = "Sync Log"

    company = fields.Many2One('company.company', "Company", readonly=True,
        help="The company whose connection ran.")
    connection = fields.Reference("Connection", selection='get_connections',
        readonly=True, help="The store or connection that ran.")
    operation = fields.Selection('get_operations', "Operation",
        readonly=True, help="What the run did.")
    trigger = fields.Selection(TRIGGERS, "Trigger", readonly=True,
        help="Scheduled: the scheduled action; Manual: a user's button; "
        "Partner's Call: the partner called onRetail.")
    user = fields.Many2One('res.user', "User", readonly=True,
        help="Who pressed the button of a manual run.")
    started = fields.DateTime("Started", readonly=True)
    ended = fields.DateTime("Ended", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, sort=False,
        help="Done: every item went through. Partial: some items were "
        "skipped or failed (see the lines). Failed: nothing was written; "
        "the message says why and the next run tries again.")
    count_read = fields.Integer("Read", readonly=True,
        help="The items the partner sent.")
    count_created = fields.Integer("Created", readonly=True)
    count_updated = fields.Integer("Updated", readonly=True)
    count_unchanged = fields.Integer("Unchanged", readonly=True,
        help="Items read again that changed nothing.")
    count_skipped = fields.Integer("Skipped", readonly=True,
        help="Items left alone on purpose (see the lines).")
    count_errors = fields.Integer("Errors", readonly=True,
        help="Items refused; the others were written (see the lines).")
    message = fields.Text("Message", readonly=True,
        help="Why the run failed.")
    lines = fields.One2Many('onretail.sync.log.line', 'log', "Lines",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.started, Index.Range())))
        cls._order.insert(0, ('started', 'DESC'))

    @classmethod
    def get_connections(cls):
        "The models whose records run: extended by each connector"
        return [(None, "")]

    @classmethod
    def get_operations(cls):
        "The operations of the connectors: extended by each connector"
        return [(None, "")]

    def get_rec_name(self, name):
        return '%s @ %s' % (
            self.connection.rec_name if self.connection else '',
            self.started)

    def notify(self, user_id):
        """Tell the user how the run went, with a notification that opens
        the log (stored when the transaction commits)"""
        operation = self.__names__('operation', self)['value']
        state = self.__names__('state', self)['value']
        self.notify_user(
            'tryton-error' if self.state == 'failed' else 'tryton-ok',
            f'{operation}: {state}', self.message or self.rec_name,
            user=user_id)

    @classmethod
    def purge(cls, days=KEEP_DAYS):
        "Delete the logs started more than days ago, with their lines"
        before = datetime.datetime.now() - datetime.timedelta(days=days)
        cls.delete(cls.search([('started', '<', before)]))


class SyncLogLine(ModelSQL, ModelView):
    "Sync Log Line"
    __name__ = 'onretail.sync.log.line'
    __string__ = "Sync Log Line"

    log = fields.Many2One('onretail.sync.log', "Log", required=True,
        ondelete='CASCADE', readonly=True)
    kind = fields.Selection([
            ('warning', "Warning"),
            ('skipped', "Skipped"),
            ('error', "Error"),
            ], "Kind", readonly=True)
    reference = fields.Char("Item", readonly=True,
        help="The partner's identifier of the item.")
    message = fields.Text("Message", readonly=True)


class SyncRun:
    """The figures of one run of a connection, written as its sync log in a
    transaction of its own by save(), whatever the run did:

        run = SyncRun(store, 'cartum_import', trigger='cron')
        run.count('read', 20)
        run.error('1024', "the currency EUR is not the store's")
        try:
            ...
        except UserError as error:
            run.fail(error.message)
        run.save()
    """

    def __init__(self, connection, operation, trigger='manual',
            company=None):
        self.connection = connection
        self.company = company or connection.company
        self.operation = operation
        self.trigger = trigger
        self.counts = dict.fromkeys(COUNTS, 0)
        self.lines = []
        self.message = None
        self.started = datetime.datetime.now()

    def count(self, name, number=1):
        self.counts[name] += number

    def warn(self, reference, message):
        "An item written, with something to look at"
        self._line('warning', reference, message)

    def skip(self, reference, message):
        "An item left alone on purpose"
        self.count('skipped')
        self._line('skipped', reference, message)

    def error(self, reference, message):
        "An item refused; the others go on"
        self.count('errors')
        self._line('error', reference, message)

    def fail(self, message):
        "The run failed as a whole: nothing of it was written"
        self.message = text(message)

    def _line(self, kind, reference, message):
        if len(self.lines) < MAX_LINES:
            self.lines.append({
                    'kind': kind,
                    # a Char: a partner's control characters shown as ?
                    'reference': ''.join(c if c.isprintable() else '?'
                        for c in str(reference)[:100]),
                    'message': text(message),
                    })

    @property
    def state(self):
        if self.message is not None:
            return 'failed'
        if self.counts['errors'] or self.counts['skipped']:
            return 'partial'
        return 'done'

    def values(self):
        transaction = Transaction()
        values = {
            'company': self.company.id,
            'connection': str(self.connection),
            'operation': self.operation,
            'trigger': self.trigger,
            'user': transaction.user if self.trigger == 'manual' else None,
            'started': self.started,
            'ended': datetime.datetime.now(),
            'state': self.state,
            'message': self.message,
            'lines': [('create', self.lines)],
            }
        values.update(('count_' + k, v) for k, v in self.counts.items())
        return values

    def save(self, notify=False):
        """Write the log in a transaction of its own and commit it; its id.
        notify: tell the user of the transaction how the run went (a run
        they asked for, which the queue made)"""
        values = self.values()
        with Transaction().new_transaction() as transaction:
            Log = Pool().get('onretail.sync.log')
            log, = Log.create([values])
            if notify:
                log.notify(transaction.user)
            transaction.commit()
        logger.info("%s of %s: %s %s", self.operation, values['connection'],
            values['state'], self.counts)
        return log.id


def text(message):
    "message as the Text of a log: PostgreSQL stores no NUL character"
    return str(message)[:MAX_MESSAGE].replace('\x00', '')
