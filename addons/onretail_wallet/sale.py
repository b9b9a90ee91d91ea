# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cards in sales orders: selling a program's product issues or tops up a
card when the sale is processed; paying with a card is a negative line of
the program's product whose credit is taken when the sale is quoted and
given back when it returns to draft or is cancelled."""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import CreditError


class Program(metaclass=PoolMeta):
    __name__ = 'wallet.program'

    def fixed_amount(self):
        "The price of the product with its customer taxes, None when 0"
        pool = Pool()
        Date = pool.get('ir.date')
        amount = super().fixed_amount()
        if amount and self.product and self.product.account_category:
            with Transaction().set_context(company=self.company.id):
                taxes = self.product.customer_taxes_used
            amount = gross_amount(
                amount, taxes, Date.today(), self.currency)
        return amount


    def untaxed(self, amount, date=None):
        pool = Pool()
        Date = pool.get('ir.date')
        Tax = pool.get('account.tax')
        amount = super().untaxed(amount, date=date)
        if not amount or not self.product.account_category:
            return amount
        with Transaction().set_context(company=self.company.id):
            taxes = list(self.product.customer_taxes_used)
        return self.currency.round(
            Tax.reverse_compute(amount, taxes, date or Date.today()))


class Move(metaclass=PoolMeta):
    __name__ = 'wallet.move'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['sale.line']


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'wallet_pay': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @property
    def wallet_medium(self):
        "The sales medium in which the sale's cards are used"
        return 'sale'

    @classmethod
    @ModelView.button_action('onretail_wallet.wizard_sale_wallet_pay')
    def wallet_pay(cls, sales):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('quotation')
    def quote(cls, sales):
        super().quote(sales)
        for sale in sales:
            for line in sale.lines:
                line.redeem_wallet_card()

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sales):
        cls.refund_wallet_cards(sales)
        super().draft(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, sales):
        cls.refund_wallet_cards(sales)
        super().cancel(sales)

    @classmethod
    def refund_wallet_cards(cls, sales):
        for sale in sales:
            for line in sale.lines:
                line.refund_wallet_card()

    @classmethod
    @ModelView.button
    def process(cls, sales):
        cls.lock(sales)
        for sale in sales:
            if sale.state in {'confirmed', 'processing'}:
                for line in sale.lines:
                    line.load_wallet_cards()
        super().process(sales)


class WalletLineMixin:
    "A line that sells the credit of a program: its program and moves"
    __slots__ = ()

    wallet_programs = fields.Function(
        fields.Many2Many('wallet.program', None, None, "Wallet Programs"),
        'on_change_with_wallet_programs')
    wallet_program = fields.Many2One(
        'wallet.program', "Wallet Program", ondelete='RESTRICT',
        domain=[('id', 'in', Eval('wallet_programs', []))],
        states={
            'invisible': ~Eval('wallet_programs'),
            'required': Bool(Eval('wallet_programs')),
            'readonly': ~Eval('sale_state').in_(['draft', 'open']),
            },
        help="The gift card or eWallet program the product sells; chosen "
        "when the product belongs to several programs.")
    wallet_moves = fields.One2Many(
        'wallet.move', 'origin', "Wallet Movements", readonly=True,
        states={'invisible': ~Eval('wallet_moves')})

    @fields.depends('product', 'sale', '_parent_sale.company')
    def on_change_with_wallet_programs(self, name=None):
        Program = Pool().get('wallet.program')
        if not self.product:
            return []
        if self.sale and self.sale.company:
            return Program.browse(Program.product_programs(
                    self.sale.company.id).get(self.product.id, ()))
        return Program.search([('product', '=', self.product.id)])

    @fields.depends(
        'wallet_program', methods=['on_change_with_wallet_programs'])
    def on_change_product(self):
        super().on_change_product()
        programs = self.on_change_with_wallet_programs()
        self.wallet_programs = programs
        if len(programs) == 1:
            self.wallet_program, = programs
        elif self.wallet_program not in programs:
            self.wallet_program = None

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('wallet_moves')
        return super().copy(lines, default=default)


class Line(WalletLineMixin, metaclass=PoolMeta):
    __name__ = 'sale.line'

    wallet_card = fields.Many2One(
        'wallet.card', "Card", ondelete='RESTRICT',
        domain=[('program', '=', Eval('wallet_program', -1))],
        states={
            'invisible': ~Eval('wallet_program'),
            'required': Bool(Eval('wallet_program'))
            & (Eval('quantity', 0) < 0),
            'readonly': Eval('sale_state') != 'draft',
            },
        help="The card to top up (empty to issue new cards), or the card "
        "that pays when the quantity is negative.")

    def wallet_unit_amount(self):
        "The credit of one unit of the line: its price with taxes"
        return gross_amount(
            self.unit_price, self.taxes, self.sale.sale_date,
            self.sale.currency)

    def wallet_net(self):
        "The credit the line's moves have added (positive) or taken"
        return sum((m.amount for m in self.wallet_moves), Decimal(0))

    def redeem_wallet_card(self):
        if (self.type != 'line' or not self.wallet_card
                or (self.quantity or 0) >= 0 or self.wallet_net()):
            return
        amount = -self.wallet_unit_amount() * Decimal(str(self.quantity))
        self.wallet_card.redeem(
            self.sale.currency.round(amount), origin=self,
            medium=self.sale.wallet_medium,
            currency=self.sale.currency)

    def refund_wallet_card(self):
        """Give each card back what the line took from it: an undo (see
        refund), to the cards of the moves, whatever card the line names
        now"""
        if self.type != 'line':
            return
        taken = defaultdict(Decimal)
        for move in self.wallet_moves:
            taken[move.card] -= move.amount
        for card, amount in taken.items():
            if amount > 0:
                card.refund(amount, origin=self,
                    medium=self.sale.wallet_medium,
                    currency=self.sale.currency, undo=True)

    def load_wallet_cards(self):
        "Issue or top up the cards the line sells, once"
        pool = Pool()
        Card = pool.get('wallet.card')
        if (self.type != 'line' or not self.wallet_program
                or (self.quantity or 0) <= 0 or self.wallet_moves):
            return
        if self.quantity != int(self.quantity):
            raise CreditError(gettext(
                    'onretail_wallet.msg_sale_line_quantity',
                    line=self.rec_name))
        amount = self.wallet_unit_amount()
        existing = self.wallet_card or self.customer_ewallet()
        if existing:
            cards = [existing] * int(self.quantity)
        else:
            cards = Card.create([{
                        'program': self.wallet_program.id,
                        'party': self.sale.party.id,
                        } for _ in range(int(self.quantity))])
        for card in cards:
            card.load(amount, origin=self, currency=self.sale.currency)
        if not existing and self.wallet_program.email_template \
                and self.sale.party.email:
            Card.send_email(cards)

    def customer_ewallet(self):
        "The eWallet of the program the customer holds already, if any"
        Card = Pool().get('wallet.card')
        if self.wallet_program.type == 'ewallet':
            cards = Card.search([
                    ('program', '=', self.wallet_program.id),
                    ('party', '=', self.sale.party.id),
                    ], limit=1)
            if cards:
                return cards[0]

    def get_invoice_line(self):
        lines = super().get_invoice_line()
        if self.wallet_program:
            account = self.wallet_program.credit_account()
            for line in lines:
                line.account = account
        return lines


class WalletPay(Wizard):
    "Pay a sale with a gift card or eWallet"
    __name__ = 'sale.sale.wallet_pay'
    start = StateView(
        'sale.sale.wallet_pay.start',
        'onretail_wallet.sale_wallet_pay_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Pay", 'pay', 'tryton-ok', default=True),
            ])
    pay = StateTransition()

    def default_start(self, fields):
        return {
            'sale': self.record.id,
            'currency': self.record.currency.id,
            }

    def transition_pay(self):
        pool = Pool()
        Card = pool.get('wallet.card')
        Date = pool.get('ir.date')
        Line = pool.get('sale.line')
        sale = self.record
        card = Card.from_code(self.start.code)
        amount = self.start.amount
        amount = card.check_amount(amount)
        card.check_usable(sale.sale_date or Date.today())
        card.check_payment(sale.wallet_medium, None, sale.currency)
        if card.balance < amount:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_insufficient_credit',
                    card=card.rec_name, amount=amount, balance=card.balance))
        line = Line(sale=sale, type='line', quantity=-1,
            product=card.program.product)
        line.on_change_product()
        line.wallet_program = card.program
        line.wallet_card = card
        with Transaction().set_context(company=sale.company.id):
            line.unit_price = net_amount(
                amount, line.taxes, sale.sale_date)
        line.save()
        return 'end'


class WalletPayStart(ModelView):
    "Pay a sale with a gift card or eWallet"
    __name__ = 'sale.sale.wallet_pay.start'
    __string__ = "Pay with Card"

    sale = fields.Many2One('sale.sale', "Sale", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    code = fields.Char(
        "Code", required=True, help="The code on the card, scanned or typed.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)],
        help="The part of the sale the card pays, taxes included.")


def gross_amount(unit_price, taxes, date, currency):
    "unit_price with its taxes, rounded with currency"
    pool = Pool()
    Date = pool.get('ir.date')
    Tax = pool.get('account.tax')
    date = date or Date.today()
    amount = unit_price or Decimal(0)
    amount += sum(
        (t['amount'] for t in Tax.compute(list(taxes), amount, 1, date)),
        Decimal(0))
    return currency.round(amount)


def net_amount(amount, taxes, date):
    "The unit price without taxes that makes amount with its taxes"
    pool = Pool()
    Date = pool.get('ir.date')
    Tax = pool.get('account.tax')
    price = Tax.reverse_compute(amount, list(taxes), date or Date.today())
    return price.quantize(Decimal(1).scaleb(-price_digits[1]))
