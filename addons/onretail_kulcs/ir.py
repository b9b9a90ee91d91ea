# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access


def store_event_logs():
    """Save the events the transaction logged so far (writes, transitions)
    and forget them. At commit Tryton saves them in one list, and each of
    its instances checks the whole list: 40,000 events took many minutes."""
    transaction = Transaction()
    if transaction.log_records:
        Log = Pool().get('ir.model.log')
        with without_check_access():
            for records in grouped_slice(transaction.log_records, 100):
                Log.save(list(records))
        transaction.log_records.clear()


class SyncLog(metaclass=PoolMeta):
    __name__ = 'onretail.sync.log'

    @classmethod
    def get_connections(cls):
        return super().get_connections() + [
            ('kulcs.connection', "Kulcs Connection")]

    @classmethod
    def get_operations(cls):
        return super().get_operations() + [
            ('kulcs_products', "Kulcs: Products"),
            ('kulcs_categories', "Kulcs: Categories"),
            ('kulcs_orders', "Kulcs: Orders Fetched"),
            ('kulcs_confirm', "Kulcs: Orders Confirmed"),
            ]
