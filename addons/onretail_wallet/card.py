# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cards, their credit lots and the ledger of their movements.

The ledger is the truth: a lot's remaining credit is the sum of its moves,
a card's balance the sum of the moves of its lots that have not expired.
Every change of credit locks the card first, so that two cash registers
never spend the same credit."""
import base64
import datetime as dt
import logging
import math
import secrets
from collections import defaultdict
from decimal import Decimal
from weakref import WeakKeyDictionary

from sql import Column, Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.functions import Substring
from sql.operators import Concat
from stdnum.iso7064 import mod_37_36

from trytond import backend, config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.model.modelstorage import is_leaf
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.report import Report
from trytond.pyson import Eval, Id
from trytond.tools import barcode, grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import CardCodeError, CreditError

logger = logging.getLogger(__name__)
# Codes: 13 random characters of 0-9A-Z (67 bits) and a check character
# (ISO 7064 MOD 37,36), which catches any single wrong character and any
# swap of two neighbours.
CODE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
CODE_RANDOM_LENGTH = 13
CODE_LENGTH = CODE_RANDOM_LENGTH + 1
# What non-managers see of a code: its last characters, as the receipts show
MASK = '…'
MASK_VISIBLE = 4


def new_code():
    "A random card code with its check character"
    body = ''.join(
        secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM_LENGTH))
    return body + mod_37_36.calc_check_digit(body)


def clean_code(code):
    "The code as stored: without spaces and dashes, in capitals"
    return ''.join(c for c in (code or '') if c not in ' -').upper()


# Retail managers see the whole code instead of the masked one
_CODE_READER = Id('onretail_base', 'group_retail_admin').in_(
    Eval('context', {}).get('groups', []))


def mask_code(code):
    "The code as non-managers see it: its last characters only"
    return MASK + code[-MASK_VISIBLE:] if code else code


class Card(ModelSQL, ModelView):
    "Gift card or eWallet"
    __name__ = 'wallet.card'
    __string__ = "Wallet Card"
    _rec_name = 'code'
    # Records that refer to cards sort by their id, never by their codes
    _order_name = 'id'

    code = fields.Char(
        "Code", required=True, readonly=True, strip=False,
        help="The random code the customer pays with, with a check "
        "character at its end. Only Retail managers read it.")
    masked_code = fields.Function(
        fields.Char(
            "Code",
            states={'invisible': _CODE_READER},
            help="The last characters of the code: who is not a Retail "
            "manager sees only these."),
        'get_masked_code', searcher='search_masked_code')
    program = fields.Many2One(
        'wallet.program', "Program", required=True, ondelete='RESTRICT',
        states={'readonly': Eval('id', -1) >= 0})
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    party = fields.Many2One(
        'party.party', "Customer", ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The customer the card belongs to; empty for an anonymous "
        "gift card.")
    end_date = fields.Date(
        "End Date",
        help="The last day the card may be used; empty for never.")
    blocked = fields.Boolean(
        "Blocked", help="A blocked card can neither pay nor be topped up.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    balance = fields.Function(
        Monetary("Balance", currency='currency', digits='currency'),
        'get_balance')
    generation = fields.Many2One(
        'wallet.generation', "Generation", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('generation')})
    lots = fields.One2Many('wallet.lot', 'card', "Lots", readonly=True)
    moves = fields.One2Many('wallet.move', 'card', "Movements", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'onretail_wallet.msg_card_code_unique'),
            ]
        cls._order.insert(0, ('id', 'DESC'))
        cls._buttons.update({
                'send_email': {
                    'invisible': ~Eval('party'),
                    'depends': ['party'],
                    },
                'correct_balance': {},
                })

    @classmethod
    def default_blocked(cls):
        return False

    @fields.depends('program', '_parent_program.company')
    def on_change_with_company(self, name=None):
        return self.program.company if self.program else None

    @classmethod
    def search_company(cls, name, clause):
        return [('program.company',) + tuple(clause[1:])]

    @fields.depends('program', '_parent_program.currency')
    def on_change_with_currency(self, name=None):
        return self.program.currency if self.program else None

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('code'):
            values['code'] = new_code()
        return values

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree/field[@name="masked_code"]', 'tree_invisible',
                _CODE_READER),
            ]

    @classmethod
    def code_readable(cls):
        """Whether the user may see whole codes: Retail managers (the field
        access of code) and root"""
        FieldAccess = Pool().get('ir.model.field.access')
        if Transaction().user == 0:
            return True
        access = FieldAccess.get_access([cls.__name__])[cls.__name__]
        return bool(access.get('code', {}).get('read', True))

    def get_masked_code(self, name):
        return mask_code(self.code)

    @classmethod
    def _masked_code_column(cls, table):
        return Concat(MASK, Substring(
                table.code, CODE_LENGTH - MASK_VISIBLE + 1, MASK_VISIBLE))

    @classmethod
    def search_masked_code(cls, name, clause):
        # Matches what the user sees, so it reveals nothing more
        table = cls.__table__()
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        return [('id', 'in', table.select(table.id,
                    where=Operator(cls._masked_code_column(table), value)))]

    @classmethod
    def order_masked_code(cls, tables):
        table, _ = tables[None]
        return [cls._masked_code_column(table)]

    def get_rec_name(self, name):
        return self.code if self.code_readable() else self.masked_code

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value, *_ = clause
        if not cls.code_readable():
            # Searching by name must not tell whether a code exists
            return [('masked_code', operator, value)]
        if operator in {'=', '!='} and isinstance(value, str):
            value = clean_code(value)
        return [('code', operator, value)]

    @classmethod
    def search_domain(cls, domain, active_test=None, tables=None):
        # Tryton refuses a domain on a field the user may not read, but
        # converts nested domains ('where', paths of other models) without
        # access checks: those on the code are refused here.
        if (_uses_field(domain, 'code')
                and not Transaction().context.get('_wallet_code_lookup')
                and not cls.code_readable()):
            raise AccessError(gettext('ir.msg_access_rule_field_error',
                    **cls.__names__('code')))
        return super().search_domain(
            domain, active_test=active_test, tables=tables)

    @classmethod
    def from_code(cls, code, sale_point=None):
        """The card of the code as typed or scanned; UserError when none.
        The only way to find a card by its code without being a Retail
        manager: lookups of unknown codes are counted per user and per
        cash register (sale_point), and refused when too many."""
        pool = Pool()
        Attempt = pool.get('wallet.card.code.attempt')
        Rule = pool.get('ir.rule')
        code = clean_code(code)
        if len(code) != CODE_LENGTH or not mod_37_36.is_valid(code):
            # Not counted: the check character is computed by anyone, so a
            # code that fails it tells nothing about the cards.
            raise CardCodeError(gettext(
                    'onretail_wallet.msg_card_code_invalid', code=code))
        keys = Attempt.keys(sale_point)
        Attempt.check(keys)
        # The code is read by the system, the caller's record rules apply
        domain = [('code', '=', code), Rule.domain_get(cls.__name__)]
        with without_check_access(), \
                Transaction().set_context(_wallet_code_lookup=True):
            cards = cls.search(domain, limit=1)
        if not cards:
            Attempt.add(keys, code)
            raise CardCodeError(gettext(
                    'onretail_wallet.msg_card_code_unknown', code=code))
        # In the caller's context
        return cls(cards[0].id)

    @classmethod
    @ModelView.button
    def send_email(cls, cards):
        "Email the customers their card with the program's template"
        pool = Pool()
        Email = pool.get('ir.email')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        # The code goes to the card's holder: the template, which reads
        # fields as the user may, reads it as a Retail manager, whoever
        # sells the card
        groups = tuple(sorted(set(User.get_groups()) | {
                    ModelData.get_id('onretail_base', 'group_retail_admin')}))
        for card in cards:
            template = card.program.email_template
            if not template:
                raise CreditError(gettext(
                        'onretail_wallet.msg_card_no_email_template',
                        card=card.rec_name, program=card.program.rec_name))
            with Transaction().set_context(_groups=groups):
                values = template.get(card)
            if not card.party or not values.get('to'):
                raise CreditError(gettext(
                        'onretail_wallet.msg_card_no_email',
                        card=card.rec_name))
            Email.send(
                to=', '.join(values['to']),
                subject=values.get('subject', ''),
                body=values.get('body', ''),
                record=(cls.__name__, card.id),
                reports=values.get('reports'))

    @classmethod
    @ModelView.button_action('onretail_wallet.wizard_card_correct')
    def correct_balance(cls, cards):
        pass

    @classmethod
    def get_balance(cls, cards, name):
        "The credit of the cards at the context's date"
        pool = Pool()
        Date = pool.get('ir.date')
        Lot = pool.get('wallet.lot')
        Move = pool.get('wallet.move')
        date = Transaction().context.get('date') or Date.today()
        lot = Lot.__table__()
        move = Move.__table__()
        cursor = Transaction().connection.cursor()
        balances = {c.id: Decimal(0) for c in cards}
        for sub_ids in grouped_slice(balances, backend.MAX_QUERY_PARAMS):
            cursor.execute(*move.join(lot, condition=move.lot == lot.id
                    ).select(
                    move.card, Sum(move.amount),
                    where=fields.SQL_OPERATORS['in'](move.card, sub_ids)
                    & (move.date <= date)
                    & ((lot.expiry_date == Null) | (lot.expiry_date >= date)),
                    group_by=[move.card]))
            for card_id, amount in cursor:
                balances[card_id] = to_decimal(amount)
        for card in cards:
            balances[card.id] = card.currency.round(balances[card.id])
        return balances

    def load(self, amount, date=None, origin=None, currency=None):
        """Issue or top up the card with amount: a new lot of credit.
        currency is the one amount is in; another than the program's is
        refused."""
        pool = Pool()
        Date = pool.get('ir.date')
        Lot = pool.get('wallet.lot')
        # Locked first: the server restarts the transaction to take the lock
        self.lock()
        date = date or Date.today()
        amount = self.check_amount(amount)
        self.check_usable(date)
        self.check_currency(currency)
        fixed = self.program.fixed_amount()
        if fixed is not None and amount != fixed:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_amount_fixed',
                    card=self.rec_name, amount=amount, fixed=fixed,
                    product=self.program.product.rec_name))
        type_ = 'top_up' if self.moves_exist() else 'issue'
        with without_check_access():
            lot = Lot(card=self, date=date, amount=amount,
                expiry_date=self.program.expiry_date(date, self.end_date))
            lot.save()
            return self._move(lot, type_, amount, date, origin)

    def redeem(self, amount, date=None, origin=None, medium=None,
            sale_point=None, currency=None):
        """Pay amount with the card: it is taken from the lots that expire
        first. Return the moves."""
        pool = Pool()
        Date = pool.get('ir.date')
        self.lock()
        date = date or Date.today()
        amount = self.check_amount(amount)
        self.check_usable(date)
        self.check_payment(medium, sale_point, currency)
        moves = self._take(amount, date, 'redemption', origin)
        if moves is None:
            with Transaction().set_context(date=date):
                balance = self.__class__(self.id).balance
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_insufficient_credit',
                    card=self.rec_name, amount=amount, balance=balance))
        return moves

    def refund(self, amount, date=None, origin=None, medium=None,
            sale_point=None, currency=None, undo=False):
        """Give amount back to the card, into the lot the program's refund
        type names. Return the move.

        A refund pays back to the card: like a payment it is refused on a
        blocked or ended card, in another currency, medium or cash register.
        undo gives back what origin itself redeemed from this card (a
        payment deleted, a sale back to draft or cancelled): that credit
        was the customer's on this card a moment ago, so it comes back even
        when the card was blocked or ended or its program changed in
        between (refusing would keep the customer's money nowhere); but
        never more than origin took from this card, nor in another
        currency."""
        pool = Pool()
        Date = pool.get('ir.date')
        Lot = pool.get('wallet.lot')
        self.lock()
        date = date or Date.today()
        amount = self.check_amount(amount)
        if undo:
            self.check_currency(currency)
            taken = -self.origin_net(origin) if origin else Decimal(0)
            if amount > taken:
                raise CreditError(gettext(
                        'onretail_wallet.msg_card_undo_exceeds',
                        card=self.rec_name, amount=amount, taken=taken,
                        origin=origin.rec_name if origin else ''))
        else:
            self.check_usable(date)
            self.check_payment(medium, sale_point, currency)
        lot = self._refund_lot(date)
        with without_check_access():
            if lot is None:
                lot = Lot(card=self, date=date, amount=Decimal(0),
                    expiry_date=self.program.expiry_date(
                        date, self.end_date))
                lot.save()
            return self._move(lot, 'refund', amount, date, origin)

    def origin_net(self, origin):
        "The credit the moves of origin added to the card (negative: took)"
        Move = Pool().get('wallet.move')
        move = Move.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*move.select(Sum(move.amount),
                where=(move.card == self.id) & (move.origin == str(origin))))
        amount, = cursor.fetchone()
        return self.currency.round(to_decimal(amount))

    def correct(self, amount, reason, date=None):
        """Add (positive) or remove (negative) credit by hand, for the
        reason given. Return the moves."""
        pool = Pool()
        Date = pool.get('ir.date')
        Lot = pool.get('wallet.lot')
        self.lock()
        date = date or Date.today()
        if not amount:
            self.check_amount(amount)
        amount = self.currency.round(amount)
        if not (reason or '').strip():
            raise CreditError(gettext(
                    'onretail_wallet.msg_correction_reason',
                    card=self.rec_name))
        if amount > 0:
            with without_check_access():
                lot = Lot(card=self, date=date, amount=amount,
                    expiry_date=self.program.expiry_date(
                        date, self.end_date))
                lot.save()
                return [self._move(lot, 'correction', amount, date, None,
                        reason=reason)]
        moves = self._take(-amount, date, 'correction', None, reason=reason)
        if moves is None:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_insufficient_credit',
                    card=self.rec_name, amount=-amount,
                    balance=self.balance))
        return moves

    @classmethod
    def expire(cls, date=None):
        "Write off the credit of the lots expired before date"
        pool = Pool()
        Date = pool.get('ir.date')
        Lot = pool.get('wallet.lot')
        date = date or Date.today()
        with without_check_access():
            lots = Lot.search([
                    ('expiry_date', '<', date),
                    ('remaining', '>', 0),
                    ])
        if not lots:
            return []
        cls.lock(list({l.card for l in lots}))
        remaining = Lot.remaining_of(lots)
        moves = []
        with without_check_access():
            for lot in lots:
                if remaining[lot.id] > 0:
                    # dated the first day the credit is no longer valid
                    moves.append(lot.card._move(
                            lot, 'expiry', -remaining[lot.id],
                            lot.expiry_date + dt.timedelta(days=1), None,
                            save=False))
            pool.get('wallet.move').save(moves)
        return moves

    @classmethod
    def expire_credit(cls):
        "The scheduled job"
        cls.expire()

    def check_amount(self, amount):
        "The amount rounded with the currency; UserError unless positive"
        if amount is None or amount <= 0:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_amount_positive',
                    card=self.rec_name, amount=amount))
        return self.currency.round(amount)

    def check_usable(self, date):
        if self.blocked:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_blocked', card=self.rec_name))
        if self.end_date and self.end_date < date:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_ended',
                    card=self.rec_name, end_date=self.end_date))

    def check_currency(self, currency):
        program = self.program
        if currency and currency != program.currency:
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_currency',
                    card=self.rec_name, currency=currency.rec_name,
                    program_currency=program.currency.rec_name))

    def check_payment(self, medium, sale_point, currency):
        program = self.program
        self.check_currency(currency)
        if not program.allows_medium(medium):
            names = dict(
                program.fields_get(['media'])['media']['selection'])
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_medium',
                    card=self.rec_name, medium=names.get(medium, medium),
                    program=program.rec_name))
        if sale_point and not program.allows_sale_point(sale_point):
            raise CreditError(gettext(
                    'onretail_wallet.msg_card_sale_point',
                    card=self.rec_name, sale_point=sale_point.rec_name,
                    program=program.rec_name))

    def moves_exist(self):
        Move = Pool().get('wallet.move')
        # The ledger is the system's: read whoever changes the credit
        with without_check_access():
            return bool(Move.search([('card', '=', self.id)], limit=1))

    def usable_lots(self, date):
        """The lots with credit on date with their remaining credit, those
        that expire first first, as [(lot id, remaining)]"""
        pool = Pool()
        Lot = pool.get('wallet.lot')
        Move = pool.get('wallet.move')
        lot = Lot.__table__()
        move = Move.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*lot.join(move, condition=move.lot == lot.id).select(
                lot.id, lot.expiry_date, lot.date, Sum(move.amount),
                where=(lot.card == self.id)
                & ((lot.expiry_date == Null) | (lot.expiry_date >= date)),
                group_by=[lot.id, lot.expiry_date, lot.date]))
        lots = [(i, to_decimal(r), (e is None, e, d, i))
            for i, e, d, r in cursor]
        lots.sort(key=lambda l: l[2])
        return [(i, r) for i, r, _ in lots if r > 0]

    def _take(self, amount, date, type_, origin, reason=None):
        "Moves taking amount from the lots that expire first, None if short"
        lots = self.usable_lots(date)
        if sum(r for _, r in lots) < amount:
            return None
        moves = []
        with without_check_access():
            for lot, remaining in lots:
                taken = self.currency.round(min(amount, remaining))
                moves.append(self._move(
                        lot, type_, -taken, date, origin, reason=reason,
                        save=False))
                amount -= taken
                if not amount:
                    break
            Pool().get('wallet.move').save(moves)
        return moves

    def _refund_lot(self, date):
        "The lot a refund joins, None for a new lot"
        Lot = Pool().get('wallet.lot')
        refund_type = self.program.refund_type or 'new'
        if self.program.credit_expires and refund_type == 'new':
            return None
        with without_check_access():
            lots = Lot.search([
                    ('card', '=', self.id),
                    ['OR',
                        ('expiry_date', '=', None),
                        ('expiry_date', '>=', date),
                        ],
                    ])
        if not lots:
            return None
        lots.sort(key=lambda l: l.expiry_order)
        return lots[-1] if refund_type == 'newest' else lots[0]

    def _move(self, lot, type_, amount, date, origin, reason=None,
            save=True):
        Move = Pool().get('wallet.move')
        move = Move(card=self, lot=lot, type=type_, date=date,
            amount=amount, origin=origin, reason=reason)
        if save:
            move.save()
        return move


class CodeAttempt(ModelSQL):
    """An unknown card code looked up. Like Tryton's login attempts, kept
    in a table of their own that the failing transaction does not roll
    back: too many in a short time refuse every lookup for a while."""
    __name__ = 'wallet.card.code.attempt'
    __string__ = "Wallet Card Code Attempt"

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    date = fields.Timestamp("Date", required=True)

    # After LIMIT unknown codes within WINDOW, lookups are refused for
    # LOCK: the rare typo that passes the check character is forgiven, a
    # guess needs some 2**66 tries.
    LIMIT = 10
    WINDOW = dt.timedelta(minutes=1)
    LOCK = dt.timedelta(minutes=5)
    # Those of each transaction, stored once it has ended
    _pending = WeakKeyDictionary()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.user, Index.Equality()), (t.date, Index.Range())))

    @classmethod
    def now(cls):
        return dt.datetime.now()

    @classmethod
    def keys(cls, sale_point=None):
        "{column: id} of who looks up: each is throttled on its own"
        return {'user': Transaction().user}

    @classmethod
    def _dates(cls, keys, since):
        "{column: [dates of attempts]} of keys, stored or pending"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        columns = list(keys)
        where = Literal(False)
        for column in columns:
            where |= Column(table, column) == keys[column]
        cursor.execute(*table.select(
                *(Column(table, c) for c in columns), table.date,
                where=where & (table.date >= since)))
        dates = defaultdict(list)
        rows = [(*(r.get(c) for c in columns), r['date'])
            for r in cls._pending.get(Transaction(), [])]
        for *values, date in list(cursor) + rows:
            if isinstance(date, str):
                date = dt.datetime.fromisoformat(date)
            for column, value in zip(columns, values):
                if value == keys[column]:
                    dates[column].append(date)
        return dates

    @classmethod
    def locked_until(cls, dates):
        """The end of the lock that the dates of attempts impose, or None:
        LIMIT of them within WINDOW lock until LOCK after the last"""
        dates = sorted(dates)
        until = None
        for first, last in zip(dates, dates[cls.LIMIT - 1:]):
            if last - first <= cls.WINDOW:
                until = last + cls.LOCK
        return until

    @classmethod
    def check(cls, keys):
        "UserError when one of keys looked up too many unknown codes"
        now = cls.now()
        dates = cls._dates(keys, now - cls.LOCK - cls.WINDOW)
        for column in keys:
            until = cls.locked_until(dates[column])
            if until and until > now:
                name = cls._key_name(column, keys[column])
                logger.warning(
                    "card code lookup refused (%s): too many unknown codes "
                    "by %s %s", cls._key_text(keys), column, name)
                raise CardCodeError(gettext(
                        'onretail_wallet.msg_card_code_throttled_'
                        + column, name=name,
                        minutes=math.ceil((until - now).total_seconds() / 60)))

    @classmethod
    def add(cls, keys, code):
        """Count a lookup of an unknown code for keys: stored once the
        transaction has ended, in one of its own, so that it outlives the
        rollback of the lookup's error, and never waits on the lock that
        the lookup's transaction may hold on SQLite"""
        transaction = Transaction()
        pending = cls._pending.get(transaction)
        if pending is None:
            pending = cls._pending[transaction] = []
            transaction.atexit(
                cls._store, transaction.database.name, pending)
        pending.append(dict(keys, date=cls.now()))
        dates = cls._dates(keys, cls.now() - cls.WINDOW)
        # Never the code itself: a near miss may differ from a real one
        # in one character
        logger.warning(
            "unknown card code %s looked up (%s); unknown codes in the last "
            "%s: %s", mask_code(code), cls._key_text(keys), cls.WINDOW,
            ', '.join('%s %s' % (c, len(dates[c])) for c in keys))

    @classmethod
    def _store(cls, database_name, attempts):
        "Store attempts in a transaction of their own; purge the old ones"
        for count in range(config.getint('database', 'retry'), -1, -1):
            try:
                with Transaction(new=True).start(
                        database_name, 0) as transaction:
                    table = cls.__table__()
                    transaction.connection.cursor().execute(*table.delete(
                            where=table.date
                            < cls.now() - cls.LOCK - cls.WINDOW))
                    cls.create(attempts)
                return
            except backend.DatabaseOperationalError:
                if count:
                    continue
                logger.exception("wrong card codes not stored")
            except Exception:
                logger.exception("wrong card codes not stored")
                return

    @classmethod
    def _key_name(cls, column, value):
        Target = cls._fields[column].get_target()
        with without_check_access():
            return Target(value).rec_name

    @classmethod
    def _key_text(cls, keys):
        return ', '.join('%s %s' % (c, cls._key_name(c, v))
            for c, v in keys.items())


class Lot(ModelSQL, ModelView):
    "A load of credit on a card, with its own expiry"
    __name__ = 'wallet.lot'
    __string__ = "Wallet Credit Lot"

    card = fields.Many2One(
        'wallet.card', "Card", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.Date("Load Date", required=True, readonly=True)
    expiry_date = fields.Date(
        "Expiry Date", readonly=True,
        help="The last day the credit may be used; empty for never.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Loaded", currency='currency', digits='currency', required=True,
        readonly=True)
    remaining = fields.Function(
        Monetary("Remaining", currency='currency', digits='currency'),
        'get_remaining', searcher='search_remaining')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('expiry_date', 'ASC NULLS LAST'),
            ('date', 'ASC'),
            ('id', 'ASC'),
            ]

    @fields.depends('card', '_parent_card.program')
    def on_change_with_currency(self, name=None):
        return self.card.currency if self.card else None

    def get_rec_name(self, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        if self.expiry_date:
            return gettext('onretail_wallet.msg_lot_rec_name_expiry',
                date=lang.strftime(self.date),
                expiry_date=lang.strftime(self.expiry_date))
        return gettext('onretail_wallet.msg_lot_rec_name',
            date=lang.strftime(self.date))

    @property
    def expiry_order(self):
        "Lots that expire first come first; those that never expire last"
        return (self.expiry_date is None, self.expiry_date, self.date, self.id)

    @classmethod
    def remaining_of(cls, lots):
        "Return {lot id: remaining credit} from the ledger"
        pool = Pool()
        Move = pool.get('wallet.move')
        move = Move.__table__()
        cursor = Transaction().connection.cursor()
        remaining = {l.id: Decimal(0) for l in lots}
        for sub_ids in grouped_slice(remaining, backend.MAX_QUERY_PARAMS):
            cursor.execute(*move.select(
                    move.lot, Sum(move.amount),
                    where=fields.SQL_OPERATORS['in'](move.lot, sub_ids),
                    group_by=[move.lot]))
            remaining.update(
                (lot_id, to_decimal(amount)) for lot_id, amount in cursor)
        return remaining

    @classmethod
    def get_remaining(cls, lots, name):
        return cls.remaining_of(lots)

    @classmethod
    def search_remaining(cls, name, clause):
        pool = Pool()
        Move = pool.get('wallet.move')
        lot = cls.__table__()
        move = Move.__table__()
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        query = lot.join(move, 'LEFT', condition=move.lot == lot.id).select(
            lot.id,
            group_by=[lot.id],
            having=Operator(Coalesce(Sum(move.amount), Literal(0)), value))
        return [('id', 'in', query)]

    @classmethod
    def write(cls, *args):
        raise AccessError(gettext('onretail_wallet.msg_lot_immutable'))

    @classmethod
    def delete(cls, lots):
        if lots:
            raise AccessError(gettext('onretail_wallet.msg_lot_immutable'))


class Move(ModelSQL, ModelView):
    "An immutable movement of the credit of a card"
    __name__ = 'wallet.move'
    __string__ = "Wallet Movement"

    card = fields.Many2One(
        'wallet.card', "Card", required=True, readonly=True,
        ondelete='RESTRICT')
    lot = fields.Many2One(
        'wallet.lot', "Lot", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.Date("Date", required=True, readonly=True)
    type = fields.Selection([
            ('issue', "Issue"),
            ('top_up', "Top-up"),
            ('redemption', "Redemption"),
            ('refund', "Refund"),
            ('expiry', "Expiry"),
            ('correction', "Correction"),
            ], "Type", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True,
        help="Positive when credit is added, negative when it is taken.")
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True)
    reason = fields.Text("Reason", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @fields.depends('card', '_parent_card.program')
    def on_change_with_currency(self, name=None):
        return self.card.currency if self.card else None

    @classmethod
    def _get_origins(cls):
        "The models that may cause a movement"
        return ['wallet.generation']

    @classmethod
    def get_origins(cls):
        Model = Pool().get('ir.model')
        return [(None, '')] + [
            (m, Model.get_name(m)) for m in cls._get_origins()]

    @classmethod
    def validate_fields(cls, moves, field_names):
        super().validate_fields(moves, field_names)
        cls.check_lots_not_negative(moves)
        for move in moves:
            if move.type == 'correction' and not (move.reason or '').strip():
                raise CreditError(gettext(
                        'onretail_wallet.msg_correction_reason',
                        card=move.card.rec_name))

    @classmethod
    def check_lots_not_negative(cls, moves):
        Lot = Pool().get('wallet.lot')
        lots = Lot.browse(list({m.lot.id for m in moves}))
        for lot, remaining in Lot.remaining_of(lots).items():
            if remaining < 0:
                lot = Lot(lot)
                raise CreditError(gettext(
                        'onretail_wallet.msg_lot_negative',
                        card=lot.card.rec_name, date=lot.date))

    @classmethod
    def write(cls, *args):
        raise AccessError(gettext('onretail_wallet.msg_move_immutable'))

    @classmethod
    def delete(cls, moves):
        if moves:
            raise AccessError(gettext('onretail_wallet.msg_move_immutable'))


class CardReport(Report):
    "The card with its code as barcode, to print or send"
    __name__ = 'wallet.card'

    @classmethod
    def check_access(cls, action, model, ids):
        # Over RPC the groups of the actions let only Retail managers print
        # whole codes; the system (emailing a card, the cash register
        # printing the cards it sold) prints without access checks.
        if Transaction().check_access:
            super().check_access(action, model, ids)

    @classmethod
    def _get_records(cls, ids, model, data):
        "From a sale or cash register sale, the cards its lines loaded"
        if model in {'sale.sale', 'sale.point.sale'}:
            sales = Pool().get(model).browse(ids)
            cards = {}
            for sale in sales:
                for line in sale.lines:
                    for move in getattr(line, 'wallet_moves', []):
                        if move.type in {'issue', 'top_up'}:
                            cards.setdefault(move.card.id)
            ids, model = list(cards), 'wallet.card'
        return super()._get_records(ids, model, data)

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['barcode_uri'] = barcode_uri
        context['grouped_code'] = grouped_code
        return context


def barcode_uri(code):
    "The code as Code 128 barcode in an SVG data URI, for HTML templates"
    image = barcode.generate_svg('code128', code)
    return 'data:image/svg+xml;base64,' + base64.b64encode(
        image.getvalue()).decode()


def grouped_code(code):
    "The code in groups of four, easier to read out and type"
    return ' '.join(code[i:i + 4] for i in range(0, len(code), 4))


def _uses_field(domain, name):
    """Whether a leaf of domain is on the field name (the domains nested in
    a leaf are converted by the search of their own model)"""
    if is_leaf(domain):
        return domain[0].split('.', 1)[0] == name
    return any(_uses_field(d, name) for d in domain
        if isinstance(d, (list, tuple)))


def to_decimal(value):
    "The sum of amounts as Decimal"
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        # SQLite sums NUMERIC columns in floats: 0.1 + 0.2 - 0.3 is 5.6e-17
        value = round(value, 6)
    return Decimal(str(value))
