# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Generating cards in bulk (§5): anonymous gift cards, or a card per
selected customer, each loaded with the same amount. The wizard records what
to generate; the queue generates it, so that thousands of cards and their
emails do not hold the request."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import GenerationError


class Generation(ModelSQL, ModelView):
    "A run of the card generation: the origin of the credit it issued"
    __name__ = 'wallet.generation'
    __string__ = "Wallet Card Generation"

    program = fields.Many2One(
        'wallet.program', "Program", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.Date("Date", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', readonly=True)
    end_date = fields.Date("End Date", readonly=True)
    quantity = fields.Integer(
        "Quantity", readonly=True,
        help="How many anonymous gift cards; empty for customer cards.")
    customers = fields.Many2Many(
        'wallet.generation-party.party', 'generation', 'party', "Customers",
        readonly=True,
        help="The customers that get a card, as the filters found them.")
    send_email = fields.Boolean(
        "Send by Email", readonly=True,
        help="Each customer is emailed the code with the program's "
        "template.")
    state = fields.Selection([
            ('queued', "Queued"),
            ('done', "Done"),
            ], "State", required=True, readonly=True,
        help="Queued until the cards are generated, which the queue does "
        "after the wizard.")
    cards = fields.One2Many(
        'wallet.card', 'generation', "Cards", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # Migration: generations were made in the request, done at once
        migrate_state = not table_h.column_exist('state')
        super().__register__(module)
        if migrate_state:
            cursor.execute(*table.update([table.state], ['done']))

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def default_send_email(cls):
        return False

    @fields.depends('program', '_parent_program.currency')
    def on_change_with_currency(self, name=None):
        return self.program.currency if self.program else None

    def get_rec_name(self, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        return '%s %s' % (self.program.rec_name,
            Lang.get().strftime(self.date))

    @classmethod
    def from_start(cls, start):
        """The generation that start asks for, queued; GenerationError when
        no customer gets a card"""
        pool = Pool()
        Card = pool.get('wallet.card')
        Date = pool.get('ir.date')
        program = start.program
        customers, quantity = [], None
        if start.for_customers or program.type == 'ewallet':
            customers = start.customers()
            if program.type == 'ewallet':
                # one eWallet per customer and program
                holders = {c.party for c in Card.search([
                            ('program', '=', program.id),
                            ('party', 'in', [p.id for p in customers]),
                            ])}
                customers = [p for p in customers if p not in holders]
            if not customers:
                raise GenerationError(gettext(
                        'onretail_wallet.msg_generation_no_customer'))
        else:
            quantity = start.quantity
        generation = cls(program=program, date=Date.today(),
            amount=start.amount, end_date=start.end_date, quantity=quantity,
            customers=customers,
            send_email=bool(start.send_email and customers))
        generation.save()
        return generation

    @classmethod
    def generate(cls, generations):
        """Create and load the cards of the queued generations, email them
        when asked, and tell the user who asked. A generation is done once:
        the queue may run a task again."""
        pool = Pool()
        Card = pool.get('wallet.card')
        cls.lock(generations)
        for generation in cls.browse([g.id for g in generations]):
            if generation.state != 'queued':
                continue
            holders = generation.customers or [None] * generation.quantity
            cards = Card.create([{
                        'program': generation.program.id,
                        'party': holder.id if holder else None,
                        'end_date': generation.end_date,
                        'generation': generation.id,
                        } for holder in holders])
            for card in cards:
                card.load(generation.amount, date=generation.date,
                    origin=generation)
            if generation.send_email:
                Card.send_email(cards)
            generation.state = 'done'
            generation.save()
            generation.notify_done(len(cards))

    def notify_done(self, count):
        """Tell the user who asked for the generation that its cards exist
        (stored when the transaction commits)"""
        self.notify_user('tryton-ok',
            gettext('onretail_wallet.msg_generation_done_label'),
            gettext('onretail_wallet.msg_generation_done',
                count=count, generation=self.rec_name),
            user=self.create_uid.id)


class GenerationCustomer(ModelSQL):
    "A customer that a generation makes a card for"
    __name__ = 'wallet.generation-party.party'
    __string__ = "Wallet Card Generation - Customer"

    generation = fields.Many2One(
        'wallet.generation', "Generation", required=True,
        ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')


class GenerateStart(ModelView):
    "Generate cards"
    __name__ = 'wallet.card.generate.start'
    __string__ = "Generate Cards"

    program = fields.Many2One('wallet.program', "Program", required=True)
    program_type = fields.Function(
        fields.Selection('get_program_types', "Program Type"),
        'on_change_with_program_type')
    for_customers = fields.Boolean(
        "For Customers",
        states={'invisible': Eval('program_type') != 'gift_card'},
        help="One card per customer that matches the filters below; "
        "otherwise anonymous gift cards.")
    quantity = fields.Integer(
        "Quantity",
        states={
            'invisible': Bool(Eval('for_customers')),
            'required': ~Eval('for_customers'),
            },
        domain=['OR',
            ('quantity', '=', None),
            ('quantity', '>', 0)],
        help="How many anonymous gift cards.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        help="The credit each card is loaded with.")
    end_date = fields.Date(
        "End Date", help="The last day the cards may be used; empty for "
        "never.")
    registered_from = fields.Date(
        "Registered From",
        states={'invisible': ~Eval('for_customers')},
        help="Only customers registered on or after this day.")
    registered_to = fields.Date(
        "Registered To",
        states={'invisible': ~Eval('for_customers')},
        help="Only customers registered on or before this day.")
    city = fields.Char(
        "City", states={'invisible': ~Eval('for_customers')},
        help="Only customers with an address in this city.")
    categories = fields.Many2Many(
        'party.category', None, None, "Tags",
        states={'invisible': ~Eval('for_customers')},
        help="Only customers with one of these tags (party categories, "
        "e.g. regulars).")
    send_email = fields.Boolean(
        "Send by Email",
        states={'invisible': ~Eval('for_customers')},
        help="Email each customer the code with the program's template.")

    @classmethod
    def default_for_customers(cls):
        return False

    @classmethod
    def default_send_email(cls):
        return False

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//separator[@id="customers"]', 'states', {
                    'invisible': ~Eval('for_customers'),
                    }, ['for_customers']),
            ]

    @classmethod
    def get_program_types(cls):
        Program = Pool().get('wallet.program')
        return Program.fields_get(['type'])['type']['selection']

    @fields.depends('program')
    def on_change_with_program_type(self, name=None):
        return self.program.type if self.program else None

    @fields.depends('program')
    def on_change_with_currency(self, name=None):
        return self.program.currency if self.program else None

    @fields.depends('program', 'amount', 'for_customers')
    def on_change_program(self):
        if self.program:
            self.amount = self.program.fixed_amount() or self.amount
            if self.program.type == 'ewallet':
                self.for_customers = True

    def customers(self):
        "The customers that match the filters"
        pool = Pool()
        Party = pool.get('party.party')
        domain = []
        if self.registered_from:
            domain.append(('create_date', '>=',
                    dt.datetime.combine(self.registered_from, dt.time.min)))
        if self.registered_to:
            domain.append(('create_date', '<=',
                    dt.datetime.combine(self.registered_to, dt.time.max)))
        if self.city:
            domain.append(('addresses.city', 'ilike', self.city))
        if self.categories:
            domain.append(('categories', 'child_of',
                    [c.id for c in self.categories], 'parent'))
        return Party.search(domain, order=[('name', 'ASC'), ('id', 'ASC')])


class Generate(Wizard):
    "Generate cards"
    __name__ = 'wallet.card.generate'
    start = StateView(
        'wallet.card.generate.start',
        'onretail_wallet.card_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateAction('onretail_wallet.act_generation_form')

    def default_start(self, fields):
        values = {}
        if self.model and self.model.__name__ == 'wallet.program':
            program = self.record
            values.update({
                    'program': program.id,
                    'program_type': program.type,
                    'for_customers': program.type == 'ewallet',
                    'amount': program.fixed_amount(),
                    })
        return values

    def do_generate(self, action):
        pool = Pool()
        Generation = pool.get('wallet.generation')
        generation = Generation.from_start(self.start)
        Generation.__queue__.generate([generation])
        action['res_id'] = [generation.id]
        action['views'].reverse()
        return action, {}
