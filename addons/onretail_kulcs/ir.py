# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


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
