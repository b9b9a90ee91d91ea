# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class PlanetError(UserError):
    "Planet refused or could not answer"


class TravellerError(UserError):
    "The traveller or the sale cannot have a tax-free form"
