# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('cartum.store|synchronise', "Cartum: Synchronise Stores"))


class SyncLog(metaclass=PoolMeta):
    __name__ = 'onretail.sync.log'

    @classmethod
    def get_connections(cls):
        return super().get_connections() + [('cartum.store', "Cartum Store")]

    @classmethod
    def get_operations(cls):
        return super().get_operations() + [
            ('cartum_import', "Cartum: Import Orders"),
            ('cartum_push', "Cartum: Send Statuses"),
            ]
