# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from sql.aggregate import Count

from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.onretail_base import MEDIA
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

VALIDITY_UNITS = [
    ('day', "Days"),
    ('week', "Weeks"),
    ('month', "Months"),
    ('year', "Years"),
    ]


class Program(DeactivableMixin, ModelSQL, ModelView):
    "Gift card or eWallet program"
    __name__ = 'wallet.program'
    __string__ = "Wallet Program"

    _expiry_states = {
        'invisible': ~Eval('credit_expires'),
        'required': Bool(Eval('credit_expires')),
        }

    name = fields.Char("Name", required=True, translate=True)
    type = fields.Selection([
            ('gift_card', "Gift Card"),
            ('ewallet', "eWallet"),
            ], "Type", required=True,
        help="Gift card: loaded once with an amount and spent by its code.\n"
        "eWallet: an electronic purse of a customer, topped up again and "
        "again.")
    company = fields.Many2One('company.company', "Company", required=True)
    product = fields.Many2One(
        'product.product', "Product", required=True,
        domain=[('type', '=', 'service')],
        context={'company': Eval('company', -1)},
        depends={'company'},
        help="The service that sells or tops up the credit. Its sale price "
        "0 lets the amount be chosen at sale; any other price is the amount "
        "of every load. Its taxes apply to top-ups and redemptions.")
    currency = fields.Many2One('currency.currency', "Currency", required=True)
    media = fields.MultiSelection(
        MEDIA, "Sales Media",
        help="Where the cards may be used; empty for everywhere.")
    email_template = fields.Many2One(
        'ir.email.template', "Email Template",
        domain=[('model.name', '=', 'wallet.card')],
        help="Sends the code of a card to its customer.")
    print_template = fields.Many2One(
        'ir.action.report', "Print Template",
        domain=[('model', '=', 'wallet.card')],
        help="Prints a card sold at the point of sale.")
    credit_expires = fields.Boolean(
        "Credit Expires",
        states={'readonly': Bool(Eval('card_count'))},
        help="Each load expires after the validity period. Can be changed "
        "only while the program has no cards.")
    validity = fields.Integer(
        "Validity", states=_expiry_states,
        domain=[If(Bool(Eval('credit_expires')), ('validity', '>', 0), ())],
        help="How long each load of credit stays valid.")
    validity_unit = fields.Selection(
        [(None, '')] + VALIDITY_UNITS, "Validity Unit",
        states=_expiry_states)
    refund_type = fields.Selection([
            (None, ''),
            ('oldest', "Oldest Credit"),
            ('newest', "Newest Credit"),
            ('new', "New Credit"),
            ], "Refund Type", states=_expiry_states,
        help="Where credit given back goes: into the load that expires "
        "first, into the one that expires last, or into a new load that "
        "expires after the validity period.")
    cards = fields.One2Many('wallet.card', 'program', "Cards", readonly=True)
    card_count = fields.Function(
        fields.Integer("Cards"), 'get_card_count')

    del _expiry_states

    # Sales ask for the programs of each product they sell
    _product_programs_cache = Cache(
        'wallet.program.product_programs', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        cls._buttons.update({
                'open_cards': {},
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_type(cls):
        return 'gift_card'

    @classmethod
    def default_media(cls):
        return [key for key, _ in MEDIA]

    @classmethod
    def default_credit_expires(cls):
        return False

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            return Company(company).currency.id

    @fields.depends('company', 'currency')
    def on_change_company(self):
        if self.company and not self.currency:
            self.currency = self.company.currency

    @classmethod
    def get_card_count(cls, programs, name):
        pool = Pool()
        Card = pool.get('wallet.card')
        card = Card.__table__()
        cursor = Transaction().connection.cursor()
        counts = dict.fromkeys(map(int, programs), 0)
        for sub_ids in grouped_slice(counts, backend.MAX_QUERY_PARAMS):
            cursor.execute(*card.select(
                    card.program, Count(card.id),
                    where=fields.SQL_OPERATORS['in'](card.program, sub_ids),
                    group_by=[card.program]))
            counts.update(cursor)
        return counts

    @classmethod
    @ModelView.button_action('onretail_wallet.act_card_form')
    def open_cards(cls, programs):
        pass

    def expiry_date(self, date, end_date=None):
        "The expiry date of credit loaded on date"
        expiry = None
        if self.credit_expires:
            expiry = date + relativedelta(
                **{self.validity_unit + 's': self.validity})
        if end_date and (expiry is None or end_date < expiry):
            expiry = end_date
        return expiry

    def fixed_amount(self):
        "The amount of every load when the product has a price, else None"
        price = self.product.list_price_used if self.product else None
        return price or None

    def untaxed(self, amount, date=None):
        "amount without the taxes of the product"
        return amount

    @classmethod
    def on_modification(cls, mode, programs, field_names=None):
        super().on_modification(mode, programs, field_names=field_names)
        cls._product_programs_cache.clear()

    @classmethod
    def product_programs(cls, company_id):
        """{product id: tuple of the ids of the active programs that sell
        it} of the company, in the order of a search"""
        programs = cls._product_programs_cache.get(company_id)
        if programs is None:
            by_product = defaultdict(list)
            with without_check_access(), \
                    Transaction().set_context(active_test=True):
                for program in cls.search([('company', '=', company_id)]):
                    by_product[program.product.id].append(program.id)
            programs = cls._product_programs_cache.set(company_id, {
                    product_id: tuple(ids)
                    for product_id, ids in by_product.items()})
        return programs

    def allows_medium(self, medium):
        return not self.media or not medium or medium in self.media

    def allows_sale_point(self, sale_point):
        return True

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for programs, values in zip(actions, actions):
            if 'credit_expires' in values:
                for program in programs:
                    if (program.cards
                            and program.credit_expires
                            != values['credit_expires']):
                        raise AccessError(gettext(
                                'onretail_wallet.msg_credit_expires_locked',
                                program=program.rec_name))
        super().write(*args)

