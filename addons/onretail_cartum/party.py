# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The customers of Cartum's orders as parties, found by phone number"
from trytond.modules.onretail_base import e164
from trytond.pool import Pool, PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def from_cartum(cls, store, order):
        """The party of the order's customer: the oldest active one with
        the phone number (as E.164), never renamed; else a new one with the
        order's name, phone, email and address"""
        party = cls._by_phone(e164(order['phone'], country_code(store)))
        if party is None:
            party = cls._create_from_cartum(store, order)
        elif not party.addresses:
            cls._cartum_address(party, order)
        return party

    @classmethod
    def _by_phone(cls, number):
        Mechanism = Pool().get('party.contact_mechanism')
        if not number:
            return None
        mechanisms = Mechanism.search([
                ('type', 'in', ['phone', 'mobile']),
                ('value_compact', '=', number),
                ('party.active', '=', True),
                ], order=[('party', 'ASC'), ('id', 'ASC')], limit=1)
        return mechanisms[0].party if mechanisms else None

    @classmethod
    def _create_from_cartum(cls, store, order):
        mechanisms = []
        number = e164(order['phone'], country_code(store))
        if number:
            mechanisms.append({'type': 'phone', 'value': number})
        elif order['phone']:
            mechanisms.append({'type': 'phone', 'value': order['phone']})
        if order['email']:
            mechanisms.append({'type': 'email', 'value': order['email']})
        party, = cls.create([{
                    'name': (order['name'] or order['phone']
                        or order['email'] or order['id']),
                    'contact_mechanisms': [('create', mechanisms)],
                    'addresses': [('create', [cls._address_values(order)])],
                    }])
        return party

    @classmethod
    def _cartum_address(cls, party, order):
        Address = Pool().get('party.address')
        Address.create([dict(cls._address_values(order), party=party.id)])

    @staticmethod
    def _address_values(order):
        return {
            'street': order['address'],
            'city': order['city'],
            }



def country_code(store):
    return store.phone_country.code if store.phone_country else None
