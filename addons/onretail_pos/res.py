# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"A user's companies decide at which cash registers they may sell."
from trytond.pool import Pool, PoolMeta


def clear_allows_user_cache():
    Pool().get('sale.point')._allows_user_cache.clear()


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        clear_allows_user_cache()


class UserCompany(metaclass=PoolMeta):
    __name__ = 'res.user-company.company'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        clear_allows_user_cache()
