# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The field of a connection's password, API key or token"
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError


class Secret(fields.Char):
    """A Char that no domain tests: a search by a password would reveal it
    letter by letter. Tryton checks the access to the fields of a domain
    but not within a "where" clause, such as [('cartum_store', 'where',
    [('api_password', 'like', 'a%')])] on the sales."""

    def searchable(self, model):
        return False

    def convert_domain(self, domain, tables, Model):
        raise AccessError(gettext('ir.msg_access_rule_field_error',
                **Model.__names__(self.name)))
