# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The documents that Kulcs posts (products, categories). The call checks a
document, keeps it and answers at once; the queue applies the documents of
a connection one after the other, in the order they came, each as one whole
in a transaction of its own."""
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, check_access, without_check_access

KINDS = [
    ('products', "Products"),
    ('categories', "Categories"),
    ]


class Document(ModelSQL, ModelView):
    "A document that Kulcs posted, applied by the queue"
    __name__ = 'kulcs.document'
    __string__ = "Kulcs Document"

    connection = fields.Many2One(
        'kulcs.connection', "Connection", required=True, readonly=True,
        ondelete='CASCADE')
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    data = fields.Binary(
        "Document", readonly=True,
        help="The document as Kulcs sent it, kept until it is applied.")
    size = fields.Integer(
        "Size", readonly=True, help="The bytes Kulcs sent.")
    items = fields.Integer(
        "Items", readonly=True, help="The items the document holds.")
    state = fields.Selection([
            ('queued', "Queued"),
            ('done', "Done"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True,
        help="Queued until the queue has applied the document; failed "
        "when it was refused as a whole (see its sync log).")
    log = fields.Many2One(
        'onretail.sync.log', "Sync Log", readonly=True, ondelete='SET NULL',
        help="What applying the document wrote or refused.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('id', 'DESC'))
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.connection, Index.Range()), (t.id, Index.Range()),
                where=t.state == 'queued'))

    @classmethod
    def default_state(cls):
        return 'queued'

    def get_rec_name(self, name):
        return '%s #%s' % (
            self.__names__('kind', self)['value'], self.id)

    @classmethod
    def receive(cls, connection, kind, data, items):
        "Keep the checked document of kind in data and queue it"
        with without_check_access():
            document = cls(connection=connection, kind=kind, data=data,
                size=len(data), items=items)
            document.save()
        cls.__queue__.apply([document])
        return document

    @classmethod
    def apply(cls, documents):
        """Apply the oldest queued document of the connection of each
        document: each task applies one, so that the documents are applied
        in the order they came whichever task runs first"""
        pool = Pool()
        Connection = pool.get('kulcs.connection')
        for connection in {d.connection for d in documents}:
            Connection.lock([connection])
            oldest = cls.search([
                    ('connection', '=', connection.id),
                    ('state', '=', 'queued'),
                    ], order=[('id', 'ASC')], limit=1)
            if oldest:
                oldest[0].apply_as_sync_user()

    def apply_as_sync_user(self):
        "Apply the document with the rights of its connection's sync user"
        connection = self.connection
        transaction = Transaction()
        with transaction.set_user(connection.sync_user.id), \
                transaction.set_context(company=connection.company.id), \
                check_access():
            run, log = connection.kulcs_apply(self.kind, self.data)
        # A refused document's writes were undone: only its state is kept
        self.state = 'failed' if run.state == 'failed' else 'done'
        if self.state == 'done':
            self.data = None
        self.log = log
        with without_check_access():
            self.save()
