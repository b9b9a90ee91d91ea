# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Planet tax-free settings of a cash register and the test of its
connection"""
import re

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.onretail_pos import boundary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.rpc import RPC
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import client
from .exceptions import PlanetError

MODES = [
    (None, ""),
    ('live', "Live"),
    ('test', "Test"),
    ]
# What the demo's sandbox listens on (make run)
DEFAULT_TEST_URL = 'http://127.0.0.1:8102/pi_public_v2/service.asmx'
MERCHANT_ID = re.compile(r'[1-9][0-9]{0,19}')


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    planet_mode = fields.Selection(MODES, "Planet Mode",
        help="Live: Planet's server issues real forms. Test: the same "
        "requests to the test URL, as training forms. Empty: the register "
        "issues no tax-free forms.")
    planet_test_url = fields.Char("Planet Test URL",
        states={'invisible': Eval('planet_mode') != 'test'},
        help="Where the test mode sends its requests; empty for the local "
        "sandbox (%s)." % DEFAULT_TEST_URL)
    planet_merchant_id = fields.Char("Planet Merchant ID", strip=True,
        states={'required': Bool(Eval('planet_mode'))},
        help="The merchant ID of the Planet contract, digits without "
        "leading zero.")
    planet_activation_code = fields.Char("Planet Activation Code",
        strip=True,
        states={'required': Bool(Eval('planet_mode'))},
        help="The activation code of the Planet contract; it signs every "
        "form. Only Retail managers read it.")
    planet_terminal_id = fields.Char("Planet Terminal ID", strip=True,
        help="The terminal ID that Planet knows the register by; empty for "
        "the register's own ID.")
    planet_product = fields.Many2One('product.product', "Planet Product",
        domain=[('type', '=', 'service')],
        context={'company': Eval('company', -1)}, depends={'company'},
        states={'required': Bool(Eval('planet_mode'))},
        help="A service without tax at price 0: its line marks a tax-free "
        "sale and carries the form's number to the receipt.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'screen_planet_countries': RPC(),
                })
        cls._buttons.update({
                'planet_test_connection': {
                    'invisible': ~Eval('planet_mode'),
                    },
                })

    @classmethod
    def validate_fields(cls, points, field_names):
        super().validate_fields(points, field_names)
        if field_names & {'planet_merchant_id'}:
            for point in points:
                if (point.planet_merchant_id
                        and not MERCHANT_ID.fullmatch(
                            point.planet_merchant_id)):
                    raise PlanetError(gettext(
                            'onretail_planet.msg_merchant_id_invalid',
                            point=point.rec_name))

    @classmethod
    def screen_extensions(cls):
        return super().screen_extensions() + ['onretail_planet']

    @property
    def planet_enabled(self):
        return bool(self.planet_mode)

    def screen_settings(self, session):
        settings = super().screen_settings(session)
        settings['planet'] = self.planet_enabled
        return settings

    @classmethod
    @boundary.arguments
    def screen_planet_countries(cls, point_id):
        "The countries the cashier picks a traveller's from, by name"
        Country = Pool().get('country.country')
        cls.screen_point(point_id)
        with without_check_access():
            countries = Country.search([], order=[('name', 'ASC')])
        return [{'id': c.id, 'name': c.name, 'code': c.code}
            for c in countries]

    def planet_client(self):
        """The client of the register's Planet contract; PlanetError naming
        what is missing before any request"""
        with without_check_access():
            code = self.planet_activation_code
        for name, value in [
                ('planet_mode', self.planet_mode),
                ('planet_merchant_id', self.planet_merchant_id),
                ('planet_activation_code', code)]:
            if not value:
                self.planet_missing(name)
        if self.planet_mode == 'test':
            url = self.planet_test_url or DEFAULT_TEST_URL
        else:
            url = client.LIVE_URL
        return client.Client(url, self.rec_name, merchant={
                'merchant_id': self.planet_merchant_id,
                'merchant_vat_number': self.planet_vat_number(),
                'merchant_country_code': self.planet_country_code(),
                'terminal_id': self.planet_terminal(),
                'training_mode': '1' if self.planet_mode == 'test' else '0',
                }, activation_code=code)

    def planet_missing(self, name):
        raise PlanetError(gettext('onretail_planet.msg_setting_missing',
                point=self.rec_name, field=self.__names__(name)['field']))

    def planet_terminal(self):
        return self.planet_terminal_id or str(self.id)

    def planet_vat_number(self):
        "The company's VAT identifier, which Planet needs on every form"
        party = self.company.party
        if not party.tax_identifier:
            raise PlanetError(gettext('onretail_planet.msg_company_vat',
                    company=self.company.rec_name))
        return party.tax_identifier.code

    def planet_country(self):
        "The country of the register's address, else of its company's"
        address = self.address or self.company.party.address_get()
        if not address or not address.country:
            raise PlanetError(gettext('onretail_planet.msg_point_country',
                    point=self.rec_name))
        return address.country

    def planet_country_code(self):
        country = self.planet_country()
        if not country.code_numeric:
            raise PlanetError(gettext('onretail_planet.msg_country_numeric',
                    point=self.rec_name, country=country.name))
        return country.code_numeric

    def planet_minimum(self):
        """The minimum gross amount of the register's country in the
        company's currency; PlanetError when none is set"""
        Minimum = Pool().get('onretail.planet.minimum')
        country = self.planet_country()
        minimum = Minimum.for_country(country)
        if not minimum:
            raise PlanetError(gettext('onretail_planet.msg_minimum_missing',
                    point=self.rec_name, country=country.name))
        if minimum.currency_code != self.company.currency.code:
            raise PlanetError(gettext('onretail_planet.msg_minimum_currency',
                    country=country.name,
                    currency=minimum.currency_code,
                    company_currency=self.company.currency.code))
        return minimum.amount

    @classmethod
    @ModelView.button_action('onretail_planet.wizard_test_connection')
    def planet_test_connection(cls, points):
        pass


class TestConnectionResult(ModelView):
    "The answer of Planet to the test of a register's connection"
    __name__ = 'sale.point.planet.test.result'
    __string__ = "Planet Connection Test"
    threshold = fields.Numeric("Minimum Amount", digits=(16, 2), readonly=True,
        help="The smallest gross amount of a form, as Planet knows it for "
        "the shop's country.")
    issue_start = fields.Date("Issue From", readonly=True,
        help="The first day Planet accepts forms of this contract.")
    issue_end = fields.Date("Issue Until", readonly=True,
        help="The last day Planet accepts forms of this contract.")


class TestConnection(Wizard):
    "Test the connection of a cash register to Planet"
    __name__ = 'sale.point.planet.test'
    __string__ = "Test Planet Connection"
    start = StateTransition()
    result = StateView('sale.point.planet.test.result',
        'onretail_planet.test_result_view_form', [
            Button("OK", 'end', 'tryton-ok', default=True),
            ])

    def transition_start(self):
        return 'result'

    def default_result(self, fields):
        config = self.record.planet_client().store_config()
        return {
            'threshold': config['country_threshold'],
            'issue_start': config['issue_start'],
            'issue_end': config['issue_end'],
            }
