# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The customers of Cartum's orders as parties, found by phone number"
from trytond.modules.onretail_base import e164
from trytond.pool import Pool, PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def from_cartum(cls, store, orders):
        """{order id: the party of the order's customer}: the oldest active
        one with the phone number (as E.164), never renamed; else a new one
        with the order's name, phone, email and address, one per number"""
        Address = Pool().get('party.address')
        country = country_code(store)
        numbers = {o['id']: e164(o['phone'], country) for o in orders}
        found = cls._by_phones({n for n in numbers.values() if n})
        to_create, keys, addresses = [], [], {}
        for order in orders:
            key = numbers[order['id']] or ('order', order['id'])
            if key in found:
                party = found[key]
                if not party.addresses and party not in addresses:
                    addresses[party] = dict(
                        cls._address_values(order), party=party.id)
            elif key not in keys:
                keys.append(key)
                to_create.append(
                    cls._cartum_values(order, numbers[order['id']]))
        if addresses:
            Address.create(list(addresses.values()))
        found.update(zip(keys, cls.create(to_create)))
        return {o['id']: found[numbers[o['id']] or ('order', o['id'])]
            for o in orders}

    @classmethod
    def _by_phones(cls, numbers):
        "{number: the oldest active party with the phone number}"
        Mechanism = Pool().get('party.contact_mechanism')
        if not numbers:
            return {}
        parties = {}
        for mechanism in Mechanism.search([
                    ('type', 'in', ['phone', 'mobile']),
                    ('value_compact', 'in', sorted(numbers)),
                    ('party.active', '=', True),
                    ], order=[('party', 'ASC'), ('id', 'ASC')]):
            parties.setdefault(mechanism.value_compact, mechanism.party)
        return parties

    @classmethod
    def _cartum_values(cls, order, number):
        mechanisms = []
        if number or order['phone']:
            mechanisms.append({'type': 'phone',
                    'value': number or order['phone']})
        if order['email']:
            mechanisms.append({'type': 'email', 'value': order['email']})
        return {
            'name': (order['name'] or order['phone'] or order['email']
                or order['id']),
            'contact_mechanisms': [('create', mechanisms)],
            'addresses': [('create', [cls._address_values(order)])],
            }

    @staticmethod
    def _address_values(order):
        return {
            'street': order['address'],
            'city': order['city'],
            }


def country_code(store):
    return store.phone_country.code if store.phone_country else None
