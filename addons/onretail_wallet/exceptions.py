# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class CardCodeError(UserError):
    "A code that is mistyped or belongs to no card"


class CreditError(UserError):
    "A change of credit that the card or its program refuses"


class GenerationError(UserError):
    "A card generation that finds nothing to generate"
