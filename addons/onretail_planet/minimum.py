# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The smallest gross amount of a receipt that a tax-free form may refund,
by the country of the shop"""
from trytond.model import ModelSQL, ModelView, Unique, fields


class Minimum(ModelSQL, ModelView):
    "Planet Tax-Free Minimum Amount"
    __name__ = 'onretail.planet.minimum'
    __string__ = "Tax-Free Minimum Amount"
    # Codes, not records: the countries and currencies are imported after
    # the module is activated, and its starting amounts come with it
    country_code = fields.Char("Country Code", required=True, size=2,
        help="The ISO code of the country of the shop, e.g. DE.")
    amount = fields.Numeric("Minimum Gross Amount", digits=(16, 2),
        required=True,
        domain=[('amount', '>=', 0)],
        help="The smallest gross amount of the tax-free goods of one "
        "receipt. In Germany 50.01 EUR since 2020 (§ 6 (3a) UStG); "
        "receipts are not added up.")
    currency_code = fields.Char("Currency Code", required=True, size=3,
        help="The ISO code of the amount's currency, e.g. EUR.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_constraints += [
            ('country_unique', Unique(table, table.country_code),
                'onretail_planet.msg_minimum_country_unique'),
            ]
        cls._order.insert(0, ('country_code', 'ASC'))

    @classmethod
    def default_currency_code(cls):
        return 'EUR'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name in ['country_code', 'currency_code']:
            if values.get(name):
                values[name] = values[name].strip().upper()
        return values

    @classmethod
    def for_country(cls, country):
        "The minimum of country (a country.country), None when there is none"
        if not country or not country.code:
            return None
        minimums = cls.search([('country_code', '=', country.code.upper())],
            limit=1)
        return minimums[0] if minimums else None
