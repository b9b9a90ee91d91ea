# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class KulcsError(UserError):
    "A call of Kulcs or a button of the connection refused as a whole"


class DocumentError(KulcsError):
    "A document that is not one Kulcs sends: nothing of it is written"


class ItemError(KulcsError):
    "An item of a document refused; the others are written"
