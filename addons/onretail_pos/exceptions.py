# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class CheckoutError(UserError):
    "The cart cannot be paid as it is"


class SessionError(ValidationError):
    "The cash session cannot be opened or closed so"
