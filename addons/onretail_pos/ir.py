# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Record rules that know the user: a cashier sees her registers only"
from trytond.pool import PoolMeta
from trytond.transaction import Transaction

# The models whose rules restrict a cashier to the registers she may use
CASHIER_MODELS = {
    'sale.point', 'sale.point.sale', 'sale.point.cash.session',
    }


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in CASHIER_MODELS:
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if model_names & CASHIER_MODELS:
            key = (*key, Transaction().user)
        return key
