# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.i18n import gettext


class CartumError(UserError):
    "Cartum refused or could not answer; nothing was written"


class CartumOrderError(UserError):
    """One order cannot be imported; the others are. order_id is Cartum's
    (None when the order has none), field the one that is bad"""

    def __init__(self, order_id, field=None, message=None):
        if message is None:
            message = gettext('onretail_cartum.msg_order_field',
                field=field)
        super().__init__(message)
        self.order_id = order_id
