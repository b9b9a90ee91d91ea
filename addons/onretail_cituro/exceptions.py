# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class CituroError(UserError):
    "cituro refused or could not answer; nothing was written"
