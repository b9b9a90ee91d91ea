# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta

from .packaging import PackagingLineMixin


class PurchaseLine(PackagingLineMixin, metaclass=PoolMeta):
    __name__ = 'purchase.line'
    _packaging_flag = 'purchasable'
