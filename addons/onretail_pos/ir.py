# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Record rules that know the user: a cashier sees her registers only"
from trytond.pool import PoolMeta


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The models whose rules restrict a cashier to her registers
        cls._user_models |= {
            'sale.point', 'sale.point.sale', 'sale.point.cash.session'}
