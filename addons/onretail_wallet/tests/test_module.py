# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import threading
import unittest
from decimal import Decimal
from unittest.mock import patch

from trytond import backend
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.currency.tests import create_currency
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, with_transaction)
from trytond.transaction import Transaction, TransactionError

from ..card import clean_code, grouped_code, new_code

D = Decimal


def generate_cards(start):
    "The generation of start, generated as the queue does it"
    Generation = Pool().get('wallet.generation')
    generation = Generation.from_start(start)
    Generation.generate([generation])
    return generation


def generation_start(**values):
    "The wizard's form as the client sends it, unset fields empty"
    Start = Pool().get('wallet.card.generate.start')
    blank = dict.fromkeys([
            'for_customers', 'quantity', 'end_date', 'registered_from',
            'registered_to', 'city', 'send_email'], None)
    blank['categories'] = []
    return Start(**{**blank, **values})


def JAN(day):
    return dt.date(2027, 1, day)


class WalletTestMixin:
    "Helpers that build programs and cards in the test company"

    def setup_company(self):
        company = create_company()
        return set_company(company), company

    def service(self, name="Voucher", price=D(0)):
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        template, = Template.create([{
                    'name': name, 'type': 'service',
                    'default_uom': unit.id, 'list_price': price,
                    'products': [('create', [{}])],
                    }])
        return template.products[0]

    def program(self, name="Voucher", price=D(0), **values):
        Program = Pool().get('wallet.program')
        program = Program(name=name, product=self.service(name, price),
            **values)
        program.save()
        return program

    def card(self, program, **values):
        Card = Pool().get('wallet.card')
        card = Card(program=program, **values)
        card.save()
        return card

    def balance(self, card, date):
        Card = Pool().get('wallet.card')
        with Transaction().set_context(date=date):
            return Card(card.id).balance

    def lots(self, card):
        "(expiry date, remaining) of the card's lots"
        Lot = Pool().get('wallet.lot')
        lots = Lot.search([('card', '=', card.id)])
        return [(l.expiry_date, l.remaining) for l in lots]


class OnRetailWalletTestCase(
        WalletTestMixin, TranslationsTestMixin, CompanyTestMixin,
        ModuleTestCase):
    "Test onretail_wallet module"
    module = 'onretail_wallet'
    extras = ['sale_point', 'web_shop']

    def test_code(self):
        "Codes are random, long and carry a check character"
        codes = {new_code() for _ in range(1000)}
        self.assertEqual(len(codes), 1000)
        # 13 random characters of 36: 67 bits
        self.assertTrue(all(len(c) == 14 for c in codes))
        self.assertEqual(clean_code(' ab12-cd34 '), 'AB12CD34')

    @with_transaction()
    def test_code_typo(self):
        "A mistyped code is caught by its check character"
        Card = Pool().get('wallet.card')
        context, _ = self.setup_company()
        with context:
            card = self.card(self.program())
            self.assertEqual(Card.from_code(
                    card.code.lower()[:7] + '-' + card.code[7:]), card)
            wrong = 'X' if card.code[3] != 'X' else 'Y'
            typo = card.code[:3] + wrong + card.code[4:]
            code = card.code
            swapped = code[:3] + code[4] + code[3] + code[5:]
            for code in [typo, swapped, card.code[:-1]]:
                if code == card.code:
                    continue
                with self.subTest(code=code), \
                        self.assertRaisesRegex(UserError, 'check character'):
                    Card.from_code(code)

    @with_transaction()
    def test_expiry_example(self):
        "§2: lots expire after 14 days; the first to expire pays first"
        context, _ = self.setup_company()
        with context:
            program = self.program(
                credit_expires=True, validity=14, validity_unit='day',
                refund_type='oldest')
            card = self.card(program)
            card.load(D('10.00'), date=JAN(1))
            card.load(D('20.00'), date=JAN(10))
            self.assertEqual(self.lots(card),
                [(JAN(15), D('10.00')), (JAN(24), D('20.00'))])
            self.assertEqual(self.balance(card, JAN(15)), D('30.00'))
            self.assertEqual(self.balance(card, JAN(16)), D('20.00'))

            with self.assertRaisesRegex(UserError, 'not enough'):
                card.redeem(D('25.00'), date=JAN(16))
            card.redeem(D('12.00'), date=JAN(16))
            self.assertEqual(self.balance(card, JAN(16)), D('8.00'))
            self.assertEqual(self.lots(card),
                [(JAN(15), D('10.00')), (JAN(24), D('8.00'))])

            Card = Pool().get('wallet.card')
            Card.expire(date=JAN(16))
            self.assertEqual(self.lots(card),
                [(JAN(15), D('0.00')), (JAN(24), D('8.00'))])
            self.assertEqual(
                [(m.type, m.amount) for m in Card(card.id).moves],
                [('expiry', D('-10.00')), ('redemption', D('-12.00')),
                    ('top_up', D('20.00')), ('issue', D('10.00'))])
            # Expiring again changes nothing
            self.assertEqual(Card.expire(date=JAN(16)), [])

    @with_transaction()
    def test_expiry_accounting(self):
        "Expired credit moves from the credit account to revenue"
        pool = Pool()
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Card = pool.get('wallet.card')
        FiscalYear = pool.get('account.fiscalyear')
        Journal = pool.get('account.journal')
        MoveLine = pool.get('account.move.line')
        context, company = self.setup_company()
        with context:
            create_chart(company)
            fiscalyear = get_fiscalyear(company, today=JAN(1))
            fiscalyear.save()
            FiscalYear.create_period([fiscalyear])
            liabilities, = AccountType.search([('name', '=', "Liabilities")])
            credit_type = AccountType(name="Credit", parent=liabilities,
                statement='balance', wallet=True)
            credit_type.save()
            credit = Account(name="Credit", type=credit_type)
            credit.save()
            revenue, = Account.search([
                    ('type.revenue', '=', True),
                    ('closed', '!=', True),
                    ('childs', '=', None),
                    ], limit=1)
            journal, = Journal.search([('code', '=', 'MISC')])
            program = self.program(
                credit_expires=True, validity=14, validity_unit='day',
                refund_type='oldest', account=credit, expiry_account=revenue,
                expiry_journal=journal)
            for _ in range(2):
                self.card(program).load(D('10.00'), date=JAN(1))

            Card.expire(date=JAN(16))

            credit, revenue = Account.browse([credit, revenue])
            self.assertEqual((credit.debit, credit.credit), (D(20), D(0)))
            self.assertEqual((revenue.debit, revenue.credit), (D(0), D(20)))
            line, = MoveLine.search([('account', '=', revenue.id)])
            self.assertEqual(line.move.date, JAN(16))
            self.assertEqual(line.move.state, 'posted')
            self.assertEqual(line.move.origin, program)

    @with_transaction()
    def test_card_report(self):
        "The printed card shows its code as barcode and its balance"
        Report = Pool().get('wallet.card', type='report')
        context, _ = self.setup_company()
        with context:
            card = self.card(self.program(name="Christmas voucher"))
            card.load(D('50.00'))
            extension, content, _, name = Report.execute([card.id], {})
        self.assertEqual(extension, 'html')
        self.assertIn("Christmas voucher", content)
        self.assertIn(grouped_code(card.code), content)
        self.assertEqual(grouped_code('ABCDEFGHIJKLMN'), 'ABCD EFGH IJKL MN')
        self.assertIn('src="data:image/svg+xml;base64,', content)
        self.assertIn('50.00', content)

    @with_transaction()
    def test_send_email_by_seller(self):
        """A seller who may not read codes sends the card's code to its
        customer; the archived email is for Retail managers only"""
        pool = Pool()
        Card = pool.get('wallet.card')
        Email = pool.get('ir.email')
        IrModel = pool.get('ir.model')
        ModelData = pool.get('ir.model.data')
        Party = pool.get('party.party')
        Template = pool.get('ir.email.template')
        User = pool.get('res.user')
        context, company = self.setup_company()
        with context:
            model, = IrModel.search([('name', '=', 'wallet.card')])
            field, = pool.get('ir.model.field').search([
                    ('model', '=', 'wallet.card'), ('name', '=', 'party')])
            template = Template(name="Card", model=model, recipients=field,
                subject="Your card", body="Your code: ${record.code}")
            template.save()
            party = Party(name="Anna", contact_mechanisms=[
                    {'type': 'email', 'value': 'anna@example.com'}])
            party.save()
            card = self.card(
                self.program(email_template=template), party=party)
            seller = User(login='seller', groups=[
                    ModelData.get_id('onretail_base', 'group_cashier')],
                companies=[company], company=company)
            seller.save()
            with patch('trytond.ir.email_.send_message_transactional'
                    ) as send, Transaction().set_user(seller.id):
                Card.send_email([Card(card.id)])
                message, = send.call_args[0]
                self.assertIn(card.code, message.get_body().get_content())
                with Transaction().set_context(_check_access=True):
                    self.assertEqual(Email.search(
                            [('resource', '=', str(card))]), [])
            email, = Email.search([('resource', '=', str(card))])
            self.assertIn(card.code, email.body)

    @with_transaction()
    def test_sales_medium(self):
        "Sales orders of a web shop use the cards in the website medium"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Shop = pool.get('web.shop')
        self.assertEqual(Sale(web_shop=None).wallet_medium, 'sale')
        self.assertEqual(Sale(web_shop=Shop()).wallet_medium, 'web')

    @with_transaction()
    def test_refund_types(self):
        "§3: the refund joins the oldest, the newest or a new lot"
        context, _ = self.setup_company()
        expected = {
            'oldest': [(dt.date(2027, 3, 30), D('15.00')),
                (dt.date(2027, 4, 2), D('20.00'))],
            'newest': [(dt.date(2027, 3, 30), D('10.00')),
                (dt.date(2027, 4, 2), D('25.00'))],
            'new': [(dt.date(2027, 3, 30), D('10.00')),
                (dt.date(2027, 4, 2), D('20.00')),
                (dt.date(2027, 4, 14), D('5.00'))],
            }
        with context:
            for refund_type, lots in expected.items():
                with self.subTest(refund_type=refund_type):
                    program = self.program(
                        credit_expires=True, validity=30,
                        validity_unit='day', refund_type=refund_type)
                    card = self.card(program)
                    card.load(D('10.00'), date=dt.date(2027, 2, 28))
                    card.load(D('20.00'), date=dt.date(2027, 3, 3))
                    card.refund(D('5.00'), date=dt.date(2027, 3, 15))
                    self.assertEqual(self.lots(card), lots)

    @with_transaction()
    def test_end_date_limits_expiry(self):
        "A card's end date caps the expiry of its lots and ends the card"
        context, _ = self.setup_company()
        with context:
            program = self.program(
                credit_expires=True, validity=1, validity_unit='year',
                refund_type='new')
            card = self.card(program, end_date=JAN(20))
            card.load(D('10.00'), date=JAN(1))
            self.assertEqual(self.lots(card), [(JAN(20), D('10.00'))])
            card.redeem(D('1.00'), date=JAN(20))
            with self.assertRaisesRegex(UserError, 'ended'):
                card.redeem(D('1.00'), date=JAN(21))

    @with_transaction()
    def test_refusals(self):
        "Blocked card, other currency, medium, amount rule, bad amounts"
        context, _ = self.setup_company()
        with context:
            euro = create_currency('EUR')
            program = self.program(media=['pos'])
            card = self.card(program)
            card.load(D('50.00'), date=JAN(1))
            for amount in [D(0), D('-1.00')]:
                with self.subTest(amount=amount), \
                        self.assertRaisesRegex(UserError, 'positive'):
                    card.redeem(amount, date=JAN(2))
            with self.assertRaisesRegex(UserError, 'not valid for'):
                card.redeem(D('1.00'), date=JAN(2), medium='web')
            with self.assertRaisesRegex(UserError, 'cannot pay in'):
                card.redeem(D('1.00'), date=JAN(2), currency=euro)
            card.redeem(D('1.00'), date=JAN(2), medium='pos',
                currency=program.currency)

            card.blocked = True
            card.save()
            with self.assertRaisesRegex(UserError, 'blocked'):
                card.redeem(D('1.00'), date=JAN(2))
            with self.assertRaisesRegex(UserError, 'blocked'):
                card.load(D('1.00'), date=JAN(2))

            fixed = self.program("Twenty", price=D(20))
            card = self.card(fixed)
            with self.assertRaisesRegex(UserError, 'only be loaded with'):
                card.load(D('25.00'), date=JAN(1))
            card.load(D('20.00'), date=JAN(1))
            self.assertEqual(self.balance(card, JAN(1)), D('20.00'))

    @with_transaction()
    def test_cash_registers(self):
        "A card is refused at a cash register outside its program's list"
        pool = Pool()
        Journal = pool.get('account.journal')
        Location = pool.get('stock.location')
        ModelData = pool.get('ir.model.data')
        POS = pool.get('sale.point')
        Sequence = pool.get('ir.sequence.strict')
        SequenceType = pool.get('ir.sequence.type')
        context, company = self.setup_company()
        with context:
            storage, = Location.search([('code', '=', 'STO')])
            customer, = Location.search([('code', '=', 'CUS')])
            journal, = Journal.search([('code', '=', 'REV')])
            sequence_type = SequenceType(ModelData.get_id(
                    'sale_point', 'sequence_type_sale'))
            registers = POS.create([{
                        'name': name, 'company': company.id,
                        'sequence': Sequence.create([{
                                    'name': name, 'company': company.id,
                                    'sequence_type': sequence_type.id,
                                    }])[0].id,
                        'storage_location': storage.id,
                        'customer_location': customer.id,
                        'journal': journal.id,
                        } for name in ["Wien", "Graz"]])
            wien, graz = registers
            program = self.program(sale_points=[wien])
            card = self.card(program)
            card.load(D('10.00'), date=JAN(1))
            card.redeem(D('1.00'), date=JAN(2), sale_point=wien)
            with self.assertRaisesRegex(UserError, 'cash register'):
                card.redeem(D('1.00'), date=JAN(2), sale_point=graz)
            program.sale_points = []
            program.save()
            card.redeem(D('1.00'), date=JAN(2), sale_point=graz)

    @with_transaction()
    def test_ledger_immutable(self):
        "Movements and lots are never changed; corrections need a reason"
        pool = Pool()
        Move = pool.get('wallet.move')
        Lot = pool.get('wallet.lot')
        context, _ = self.setup_company()
        with context:
            card = self.card(self.program())
            move = card.load(D('10.00'), date=JAN(1))
            with self.assertRaises(AccessError):
                Move.write([move], {'amount': D('100.00')})
            with self.assertRaises(AccessError):
                Move.delete([move])
            with self.assertRaises(AccessError):
                Lot.delete([move.lot])
            with self.assertRaisesRegex(UserError, 'reason'):
                card.correct(D('-2.00'), '')
            card.correct(D('-2.00'), "Damaged card", date=JAN(2))
            card.correct(D('5.00'), "Goodwill", date=JAN(2))
            self.assertEqual(self.balance(card, JAN(2)), D('13.00'))
            with self.assertRaisesRegex(UserError, 'not enough'):
                card.correct(D('-20.00'), "Too much", date=JAN(2))
            # the balance is the sum of the movements
            self.assertEqual(self.balance(card, JAN(2)),
                sum(m.amount for m in Move.search([('card', '=', card.id)])))

    @with_transaction()
    def test_product_programs(self):
        "The programs of each product follow new and deactivated programs"
        Program = Pool().get('wallet.program')
        context, company = self.setup_company()
        with context:
            voucher = self.program("Voucher")
            product = voucher.product
            self.assertEqual(Program.product_programs(company.id),
                {product.id: (voucher.id,)})
            christmas, = Program.copy([voucher], {'name': "Christmas"})
            self.assertEqual(Program.product_programs(company.id),
                {product.id: (christmas.id, voucher.id)})
            voucher.active = False
            voucher.save()
            self.assertEqual(Program.product_programs(company.id),
                {product.id: (christmas.id,)})

    @with_transaction()
    def test_credit_expires_locked(self):
        "Whether credit expires cannot change once the program has cards"
        context, _ = self.setup_company()
        with context:
            program = self.program()
            program.credit_expires = True
            program.validity, program.validity_unit = 1, 'month'
            program.refund_type = 'new'
            program.save()
            self.card(program)
            Program = Pool().get('wallet.program')
            self.assertEqual(Program(program.id).card_count, 1)
            program.credit_expires = False
            with self.assertRaisesRegex(UserError, 'has cards'):
                program.save()

    @with_transaction()
    def test_generate_cards(self):
        "§5: anonymous gift cards; cards and eWallets for chosen customers"
        pool = Pool()
        Card = pool.get('wallet.card')
        Category = pool.get('party.category')
        Party = pool.get('party.party')
        context, _ = self.setup_company()
        with context:
            regulars = Category(name="Regulars")
            regulars.save()
            Party.create([
                    {'name': "Anna", 'categories': [('add', [regulars.id])],
                        'addresses': [('create', [{'city': "Wien"}])]},
                    {'name': "Béla", 'categories': [('add', [regulars.id])],
                        'addresses': [('create', [{'city': "Budapest"}])]},
                    {'name': "Carl",
                        'addresses': [('create', [{'city': "Wien"}])]},
                    ])
            gift = self.program("Christmas voucher")
            start = generation_start(
                program=gift, for_customers=False, quantity=3,
                amount=D('20.00'), end_date=JAN(31))
            generation = generate_cards(start)
            cards = Card.search([('generation', '=', generation.id)])
            self.assertEqual(len(cards), 3)
            self.assertEqual(len({c.code for c in cards}), 3)
            for card in cards:
                self.assertEqual(card.party, None)
                self.assertEqual(card.end_date, JAN(31))
                move, = card.moves
                self.assertEqual(
                    (move.type, move.amount, move.origin),
                    ('issue', D('20.00'), generation))

            start = generation_start(program=gift, for_customers=True,
                amount=D('10.00'), city="wien", categories=[regulars])
            cards = generate_cards(start).cards
            self.assertEqual([c.party.name for c in cards], ["Anna"])

            wallet = self.program("Stammkunden eWallet", type='ewallet')
            start = generation_start(program=wallet, for_customers=True,
                amount=D('5.00'), categories=[regulars])
            cards = generate_cards(start).cards
            self.assertEqual(
                sorted(c.party.name for c in cards), ["Anna", "Béla"])
            # one eWallet per customer
            with self.assertRaisesRegex(UserError, 'already has a card'):
                generate_cards(start)

    @with_transaction()
    def test_generate_wizard_queues(self):
        """The wizard queues the generation and opens it; the queue makes
        its cards once, and tells the user"""
        pool = Pool()
        Card = pool.get('wallet.card')
        Generation = pool.get('wallet.generation')
        Notification = pool.get('res.notification')
        Queue = pool.get('ir.queue')
        Generate = pool.get('wallet.card.generate', type='wizard')
        context, _ = self.setup_company()
        with context:
            gift = self.program("Christmas voucher")
            self.card(gift)
            session_id, _, _ = Generate.create()
            result = Generate.execute(session_id, {'start': {
                        'program': gift.id, 'for_customers': False,
                        'quantity': 2, 'amount': D('20.00'),
                        'categories': [],
                        }}, 'generate')
            (action, _), = result['actions']
            generation, = Generation.browse(action['res_id'])
            self.assertEqual(generation.state, 'queued')
            self.assertEqual(generation.cards, ())
            task, = [t for t in Queue.search([('finished_at', '=', None)])
                if t.data['model'] == 'wallet.generation']
            task.run()
            task.run()  # a task the queue runs again
            generation = Generation(generation.id)
            self.assertEqual(generation.state, 'done')
            self.assertEqual(len(generation.cards), 2)
            # the locking tests commit cards of their own on PostgreSQL
            self.assertEqual(
                len(Card.search([('program', '=', gift.id)])), 3)
            # stored at commit, as Tryton's own test_notify_user flushes
            Transaction()._store_user_notifications()
            notification, = Notification.search([
                    ('model', '=', 'wallet.generation')])
            self.assertEqual(notification.user.id, Transaction().user)
            self.assertIn('2 cards', notification.description)

    @with_transaction()
    def test_access(self):
        """Retail managers set up programs, correct balances and read codes;
        retail users and cashiers read programs and cards, retail users the
        ledger; nobody writes the ledger directly"""
        pool = Pool()
        Button = pool.get('ir.model.button')
        ModelAccess = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        for group, is_manager in [
                ('group_retail_admin', True), ('group_retail', False),
                ('group_cashier', False)]:
            user = User(login=group, groups=[
                    ModelData.get_id('onretail_base', group)])
            user.save()
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                for model in ['wallet.program', 'wallet.card']:
                    self.assertTrue(ModelAccess.check(
                            model, 'read', raise_exception=False))
                    self.assertEqual(ModelAccess.check(
                            model, 'write', raise_exception=False),
                        is_manager, (group, model))
                for model in ['wallet.lot', 'wallet.move']:
                    self.assertFalse(ModelAccess.check(
                            model, 'create', raise_exception=False))
                    # they tell every card's balance
                    self.assertEqual(ModelAccess.check(
                            model, 'read', raise_exception=False),
                        group != 'group_cashier', (group, model))
                self.assertEqual(
                    pool.get('wallet.card').code_readable(), is_manager)
                groups = Button.get_groups('wallet.card', 'correct_balance')
                self.assertEqual(
                    bool(groups & set(User.get_groups())), is_manager)

    @unittest.skipIf(backend.name != 'postgresql',
        "row locks are a PostgreSQL matter")
    def test_concurrent_redemptions(self):
        "Two transactions redeeming one card at once never overspend it"
        card_id = self.concurrency_card()
        barrier = threading.Barrier(2)
        results = []

        def redeem():
            results.append(self.redeem_in_transaction(
                    card_id, D('8.00'), barrier))

        threads = [threading.Thread(target=redeem) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(results), ['paid', 'refused'])
        with Transaction().start(DB_NAME, 0):
            Card = Pool().get('wallet.card')
            card = Card(card_id)
            self.assertEqual(card.balance, D('2.00'))
            self.assertEqual(sum(m.amount for m in card.moves), D('2.00'))
            self.assertTrue(all(l.remaining >= 0 for l in card.lots))

    def concurrency_card(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            company = create_company()
            with set_company(company):
                card = self.card(self.program())
                card.load(D('10.00'))
            transaction.commit()
            return card.id

    def redeem_in_transaction(self, card_id, amount, barrier):
        """Redeem in a transaction of its own as the server does: restart
        with the lock taken first when the card asks for it"""
        extras = {}
        waited = False
        while True:
            try:
                with Transaction().start(DB_NAME, 0, **extras) as transaction:
                    Card = Pool().get('wallet.card')
                    card = Card(card_id)
                    if not waited:
                        # both read the card before either locks it
                        card.balance
                        barrier.wait()
                        waited = True
                    try:
                        card.redeem(amount)
                    except TransactionError as error:
                        transaction.rollback()
                        error.fix(extras)
                        continue
                    except UserError:
                        return 'refused'
                    # hold the lock a while before committing
                    transaction.connection.cursor().execute('SELECT 1')
                    transaction.commit()
                    return 'paid'
            except backend.DatabaseOperationalError:
                return 'refused'


del ModuleTestCase
