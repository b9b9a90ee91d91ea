# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What joins the wallet to the web shops of web_shop"
from trytond.pool import PoolMeta


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @property
    def wallet_medium(self):
        return 'web' if self.web_shop else super().wallet_medium
