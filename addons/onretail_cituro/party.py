# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The customers of cituro bookings as parties"

from trytond.model import Index, fields
from trytond.modules.onretail_base import e164
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    cituro_customer_id = fields.Char(
        "cituro Customer ID", readonly=True, strip=False,
        help="The id of the customer in cituro, set when an appointment of "
        "theirs was taken.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.cituro_customer_id, Index.Equality())))

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('cituro_customer_id')
        return super().copy(parties, default=default)

    @classmethod
    def from_cituro(cls, customer):
        """The party of the cituro customer: by cituro id, then email
        (whatever its case), then mobile number (as E.164), else a new one;
        a party found otherwise than by id is linked to the customer"""
        party = (cls._by_cituro_id(customer['id'])
            or cls._by_email(customer['email'])
            or cls._by_mobile(customer['mobile']))
        if party is None:
            return cls._create_from_cituro(customer)
        if customer['id'] and not party.cituro_customer_id:
            party.cituro_customer_id = customer['id']
            party.save()
        return party

    @classmethod
    def _by_cituro_id(cls, cituro_id):
        if not cituro_id:
            return None
        parties = cls.search([('cituro_customer_id', '=', cituro_id)],
            order=[('id', 'ASC')], limit=1)
        return parties[0] if parties else None

    @classmethod
    def _by_email(cls, email):
        Mechanism = Pool().get('party.contact_mechanism')
        if not email:
            return None
        email = email.lower()
        # ilike also matches "_" and "%" as wildcards: compare again
        for mechanism in Mechanism.search([
                    ('type', '=', 'email'),
                    ('value', 'ilike', email),
                    ('party.active', '=', True),
                    ], order=[('id', 'ASC')]):
            if mechanism.value.lower() == email:
                return mechanism.party
        return None

    @classmethod
    def _by_mobile(cls, mobile):
        Mechanism = Pool().get('party.contact_mechanism')
        number = e164(mobile, company_country_code())
        if not number:
            return None
        mechanisms = Mechanism.search([
                ('type', 'in', ['mobile', 'phone']),
                ('value_compact', '=', number),
                ('party.active', '=', True),
                ], order=[('id', 'ASC')], limit=1)
        return mechanisms[0].party if mechanisms else None

    @classmethod
    def _create_from_cituro(cls, customer):
        mechanisms = []
        if customer['email']:
            mechanisms.append({'type': 'email', 'value': customer['email']})
        if customer['mobile']:
            mechanisms.append({'type': 'mobile', 'value': customer['mobile']})
        party, = cls.create([{
                    'name': customer_name(customer),
                    'cituro_customer_id': customer['id'],
                    'contact_mechanisms': [('create', mechanisms)],
                    }])
        return party


def customer_name(customer):
    "The name of the cituro customer: first and last, else how to reach"
    return ' '.join(filter(None,
            [customer['first_name'], customer['last_name']])) or (
        customer['email'] or customer['mobile'] or '?')


def company_country_code():
    Company = Pool().get('company.company')
    company_id = Transaction().context.get('company')
    if not company_id:
        return None
    for address in Company(company_id).party.addresses:
        if address.country:
            return address.country.code
    return None
