# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import io
import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from trytond.exceptions import UserError
from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.modules.onretail_pos.cart import Cart
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def create_pos(name="Filiale Wien", **values):
    "A cash register with what sale_point requires"
    pool = Pool()
    Journal = pool.get('account.journal')
    Location = pool.get('stock.location')
    POS = pool.get('sale.point')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    sequence_type, = SequenceType.search([('name', '=', "POS")], limit=1)
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    storage, = Location.search([('code', '=', 'STO')])
    customer, = Location.search([('code', '=', 'CUS')])
    sequence = Sequence(name=name, sequence_type=sequence_type)
    sequence.save()
    pos = POS(name=name, journal=journal, sequence=sequence,
        storage_location=storage, customer_location=customer, **values)
    pos.save()
    return pos


def prepare_posting(company):
    """What posting a register's sale needs, on a company with a chart: a
    fiscal year of the sale's date with its periods; the revenue account,
    cash and card payment methods"""
    pool = Pool()
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    Method = pool.get('sale.point.payment.method')
    fiscalyear = get_fiscalyear(company)
    fiscalyear.save()
    FiscalYear.create_period([fiscalyear])
    revenue, = Account.search([
            ('type.revenue', '=', True), ('closed', '!=', True),
            ('company', '=', company.id)], limit=1)
    # the company's own: a test before may have committed a chart
    cash_account, = Account.search([
            ('code', '=', '1.1.1'), ('company', '=', company.id)])
    cash, card = Method.create([
            {'name': "Cash", 'account': cash_account.id, 'cash': True},
            {'name': "Card", 'account': cash_account.id}])
    return revenue, cash, card


def tryton_priced_cart(pos, cart):
    "The priced cart of Tryton's on_change_product for each line"
    Sale = Pool().get('sale.point.sale')
    cart = Cart(pos, Sale.checked_cart(pos, cart))
    with cart.build():
        return Sale._from_cart(cart).priced_cart()


def rows_by_code(screen):
    return {r['code']: r for r in screen['products']}


def png(colour):
    data = io.BytesIO()
    Image.new('RGB', (300, 200), colour).save(data, format='PNG')
    return data.getvalue()


class OnRetailPosTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onretail_pos module"
    module = 'onretail_pos'
    extras = ['onretail_wallet', 'product_image']

    @property
    def _skip_company_rule(self):
        # sale_point's transfers take the company of their register
        return super()._skip_company_rule | {
            ('sale.point.cash.transfer', 'company')}

    @with_transaction()
    def test_settings(self):
        "A register's payment methods, categories and cashiers; empty = all"
        pool = Pool()
        Account = pool.get('account.account')
        Category = pool.get('product.pos_category')
        Method = pool.get('sale.point.payment.method')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            create_chart(company)
            pos = create_pos()
            account, = Account.search([
                    ('code', '=', '1.1.1'), ('company', '=', company.id)])
            cash, card = Method.create([
                    {'name': "Cash", 'account': account.id, 'cash': True},
                    {'name': "Card", 'account': account.id}])
            textiles, cosmetics = Category.create(
                [{'name': "Textiles"}, {'name': "Cosmetics"}])
            Category.create([{'name': "T-Shirts", 'parent': textiles.id}])
            anna, lukas = User.create([
                    {'login': 'anna', 'companies': [('add', [company.id])],
                        'company': company.id},
                    {'login': 'lukas', 'companies': [('add', [company.id])],
                        'company': company.id}])

            self.assertEqual(set(pos.allowed_payment_methods()), {cash, card})
            self.assertEqual(set(pos.shown_categories()),
                {textiles, cosmetics})
            self.assertTrue(pos.allows_user(anna))

            pos.payment_methods = [cash]
            pos.pos_categories = [cosmetics]
            pos.cashiers = [anna]
            pos.save()
            self.assertEqual(pos.allowed_payment_methods(), [cash])
            self.assertEqual(pos.shown_categories(), [cosmetics])
            self.assertTrue(pos.allows_user(anna))
            self.assertFalse(pos.allows_user(lukas))
            self.assertEqual(pos.for_user(lukas), [])

    @with_transaction()
    def test_check_cashier(self):
        """The remembered answer follows the register's cashiers and
        companies, and the group Cashier"""
        pool = Pool()
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        POSUser = pool.get('sale.point-res.user')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            create_chart(company)
            pos = create_pos()
            cashier = Group(ModelData.get_id('onretail_base', 'group_cashier'))
            anna, lukas, eva = User.create([
                    {'login': login, 'companies': [('add', [company.id])],
                        'company': company.id}
                    for login in ['anna', 'lukas', 'eva']])
            User.write([anna, lukas], {'groups': [('add', [cashier.id])]})

            def may_sell(user):
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    try:
                        pos.check_cashier()
                    except UserError:
                        return False
                    return True

            self.assertFalse(may_sell(eva))
            self.assertTrue(may_sell(lukas))
            pos.cashiers = [anna]
            pos.save()
            self.assertFalse(may_sell(lukas))
            POSUser.create([{'point': pos.id, 'user': lukas.id}])
            self.assertTrue(may_sell(lukas))

            # Reprint reads the register's last receipt for its cashiers
            Sale = pool.get('sale.point.sale')
            for user, allowed in [(anna, True), (eva, False)]:
                with Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    if allowed:
                        self.assertIsNone(Sale.screen_last_receipt(pos.id))
                    else:
                        with self.assertRaises(UserError):
                            Sale.screen_last_receipt(pos.id)
            User.write([lukas], {
                    'company': None,
                    'companies': [('remove', [company.id])]})
            self.assertFalse(may_sell(lukas))

    @with_transaction()
    def test_screen_products(self):
        "The grid's products: prices, barcodes, packagings, categories, images"
        pool = Pool()
        AccountCategory = pool.get('product.category')
        Category = pool.get('product.pos_category')
        Identifier = pool.get('product.identifier')
        Packaging = pool.get('product.packaging')
        ProductImage = pool.get('product.image')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        company = create_company()
        with set_company(company):
            # Prices as stored: the conversion of taxes is checkout's test
            pos = create_pos(tax_included=False)
            shirts, = Category.create([{'name': "T-Shirts"}])
            textiles, = AccountCategory.create(
                [{'name': "Textiles", 'accounting': True}])
            white, black, _, _ = Template.create([{
                        'name': name, 'default_uom': unit.id,
                        'sale_uom': unit.id,
                        'salable': salable, 'list_price': Decimal(price),
                        'code': code, 'account_category': category,
                        'pos_categories': [('add', [shirts.id])],
                        'products': [('create', [{}])],
                        } for name, code, price, salable, category in [
                        ("White", 'TS-1', '12.4167', True, textiles.id),
                        ("Black", 'TS-2', '15', True, textiles.id),
                        ("Service", 'SV-1', '5', False, textiles.id),
                        # No taxes without a category: not for sale here
                        ("Unset", 'UN-1', '9', True, None)]])
            white_variant, = white.products
            Identifier.create([{'product': white_variant.id,
                        'type': 'ean', 'code': '9001234123016'}])
            Packaging.create([{'product': white_variant.id, 'name': "10 Pack",
                        'quantity': 10, 'barcode': '9001234123045'}])
            template_image, variant_image = ProductImage.create([
                    {'template': white.id, 'image': png('white')},
                    {'template': black.id, 'product': black.products[0].id,
                        'image': png('black'), 'sequence': 2}])
            ProductImage.create([
                    {'template': black.id, 'image': png('grey'),
                        'sequence': 1}])

            screen = pos.screen_products(pos.id)

            self.assertEqual(screen['categories'], [{'id': shirts.id,
                        'name': "T-Shirts", 'parent': None, 'image': None}])
            rows = {r['code']: r for r in screen['products']}
            self.assertEqual(set(rows), {'TS-1', 'TS-2'})
            white_row = rows['TS-1']
            self.assertEqual(white_row['name'], "White")
            # Rounded to the cent as the register's lines are
            self.assertEqual(white_row['price'], Decimal('12.42'))
            self.assertEqual(white_row['barcodes'], ['9001234123016'])
            self.assertEqual(
                [(p['name'], p['barcode'], p['quantity'])
                    for p in white_row['packagings']],
                [("10 Pack", '9001234123045', 10)])
            self.assertEqual(white_row['categories'], [shirts.id])
            # A variant's own image comes before its template's
            self.assertRegex(
                white_row['image'], r'^image/%s\?v=.' % template_image.id)
            self.assertRegex(
                rows['TS-2']['image'], r'^image/%s\?v=.' % variant_image.id)

            # A variant's values and swatch; a template's options
            Attribute = pool.get('product.attribute')
            colour, warranty = Attribute.create([{
                        'name': "colour", 'string': "Colour",
                        'display_type': 'color',
                        'values': [('create', [
                                    {'name': "Red", 'html_color': '#C62828'},
                                    {'name': "Blue",
                                        'html_color': '#1565C0'}])]}, {
                        'name': "warranty", 'string': "Warranty",
                        'creation_mode': 'never',
                        'values': [('create', [
                                    {'name': "None"}, {'name': "2 years"}])]}])
            cap, hoodie = Template.create([{
                        'name': name, 'default_uom': unit.id,
                        'sale_uom': unit.id, 'salable': True,
                        'list_price': Decimal(10), 'code': code,
                        'account_category': textiles.id,
                        'pos_categories': [('add', [shirts.id])],
                        'products': [('create', [{}])] if code == 'HO' else [],
                        'attribute_lines': [('create', [{
                                        'attribute': attribute.id,
                                        'values': [('create', [
                                                    {'value': v.id,
                                                        'price_extra': extra}
                                                    for v, extra in zip(
                                                        attribute.values,
                                                        extras)])]}])],
                        } for name, code, attribute, extras in [
                        ("Cap", 'CA', colour, [0, 0]),
                        ("Hoodie", 'HO', warranty, [0, 49])]])
            screen = pos.screen_products(pos.id)
            rows = [r for r in screen['products'] if r['name'] == "Cap"]
            self.assertEqual(
                sorted((r['template'], r['variant'], r['swatch'])
                    for r in rows),
                [(cap.id, "Blue", '#1565C0'), (cap.id, "Red", '#C62828')])
            self.assertEqual(rows_by_code(screen)['TS-1']['variant'], "")
            # The cart's line says which colour it sells
            Sale = pool.get('sale.point.sale')
            red, = [r['id'] for r in rows if r['variant'] == "Red"]
            priced = Sale.price_cart(pos.id, {'lines': [{'product': red}]})
            self.assertEqual(priced['lines'][0]['name'], "Cap (Red)")

            # An option's extra is in the line's price and named on it
            none, two_years = warranty.values
            hoodie_id = rows_by_code(screen)['HO']['id']
            priced = Sale.price_cart(pos.id, {'lines': [
                        {'product': hoodie_id, 'options': [two_years.id]}]})
            line, = priced['lines']
            self.assertEqual((line['name'], line['unit_price'],
                    line['amount'], line['options']),
                ("Hoodie", Decimal('59.00'), Decimal('59.00'), [{
                            'id': two_years.id, 'name': "Warranty: 2 years",
                            'price_extra': Decimal('49.00')}]))
            for options in [[none.id, two_years.id], [colour.values[0].id]]:
                with self.subTest(options=options), \
                        self.assertRaisesRegex(UserError, 'options of'):
                    Sale.price_cart(pos.id, {'lines': [
                                {'product': hoodie_id, 'options': options}]})
            self.assertEqual(screen['options'], {str(hoodie.id): [{
                            'attribute': warranty.id, 'name': "Warranty",
                            'values': [{'id': v.id, 'name': v.name,
                                    'price_extra': Decimal(extra)}
                                for v, extra in zip(
                                    warranty.values, ['0.00', '49.00'])],
                            }]})

            # Names in the cashier's language
            Lang = pool.get('ir.lang')
            Lang.write(Lang.search([('code', '=', 'de')]),
                {'translatable': True})
            with Transaction().set_context(language='de'):
                Template.write([white], {'name': "Weiß"})
                screen = pos.screen_products(pos.id)
            self.assertEqual(
                {r['code']: r['name'] for r in screen['products']
                    if r['code'] in {'TS-1', 'TS-2'}},
                {'TS-1': "Weiß", 'TS-2': "Black"})

    @with_transaction()
    def test_price_cart_as_tryton_prices(self):
        """price_cart prices plain lines from the data of the cart: as
        Tryton's on_change_product, which checkout uses"""
        pool = Pool()
        Account = pool.get('account.account')
        AccountCategory = pool.get('product.category')
        Packaging = pool.get('product.packaging')
        Party = pool.get('party.party')
        PriceList = pool.get('product.price_list')
        Sale = pool.get('sale.point.sale')
        Tax = pool.get('account.tax')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        generator = random.Random(7)
        company = create_company()
        with set_company(company):
            create_chart(company)
            account, = Account.search([
                    ('code', '=', '6.3.6'), ('company', '=', company.id)])
            vat, reduced = Tax.create([{
                        'name': name, 'description': name,
                        'type': 'percentage', 'rate': rate,
                        'invoice_account': account.id,
                        'credit_note_account': account.id}
                    for name, rate in [
                        ("VAT", Decimal('.20')), ("Reduced", Decimal('.10'))]])
            categories = AccountCategory.create([{
                        'name': name, 'accounting': True,
                        'customer_taxes': [('add', taxes)]}
                    for name, taxes in [
                        ("Textiles", [vat.id]), ("Food", [reduced.id]),
                        ("Exempt", [])]])
            templates = Template.create([{
                        'name': f"Product {i}", 'code': f'P{i}',
                        'default_uom': unit.id, 'sale_uom': unit.id,
                        'salable': True,
                        'list_price': Decimal(generator.randint(100, 9999))
                        / 100,
                        'gross_price': Decimal(generator.randint(100, 9999))
                        / 100 if i % 3 else None,
                        'account_category': categories[i % 3].id,
                        'products': [('create', [{}])],
                        } for i in range(12)])
            products = [t.products[0] for t in templates]
            packagings = Packaging.create([{'product': p.id,
                        'name': "6 Pack", 'quantity': 6}
                    for p in products[:4]])
            price_lists = PriceList.create([{
                        'name': name, 'tax_included': tax_included,
                        'discount_policy': policy,
                        'lines': [('create', [
                                    {'quantity': 5, 'compute_price':
                                        'percentage',
                                        'percent_price': Decimal(20)},
                                    {'compute_price': 'percentage',
                                        'percent_price': Decimal(10)}])],
                        } for name, tax_included, policy in [
                        ("Register", False, 'included'),
                        ("Regulars", True, 'with_discount')]])
            customer = Party(name="Anna", sale_price_list=price_lists[1])
            customer.save()

            for tax_included in [True, False]:
                pos = create_pos(f"Register {tax_included}",
                    tax_included=tax_included, price_list=price_lists[0])
                for _ in range(10):
                    cart = {'customer': generator.choice(
                            [None, customer.id]), 'lines': []}
                    for _ in range(generator.randint(1, 6)):
                        if generator.random() < .3:
                            cart['lines'].append({
                                    'packaging': generator.choice(
                                        packagings).id,
                                    'quantity': generator.randint(1, 3)})
                        else:
                            cart['lines'].append({
                                    'product': generator.choice(
                                        products).id,
                                    'quantity': generator.randint(1, 9)})
                    with self.subTest(tax_included=tax_included, cart=cart):
                        self.assertEqual(Sale.price_cart(pos.id, cart),
                            tryton_priced_cart(pos, cart))

    @with_transaction()
    def test_return_keeps_options(self):
        """A returned line carries the options of the line it returns and
        its price, extras included: on the screen, the receipt and in the
        back office"""
        pool = Pool()
        Attribute = pool.get('product.attribute')
        AccountCategory = pool.get('product.category')
        Line = pool.get('sale.point.sale.line')
        Sale = pool.get('sale.point.sale')
        Session = pool.get('sale.point.cash.session')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        company = create_company()
        with set_company(company):
            create_chart(company)
            revenue, cash, _ = prepare_posting(company)
            textiles, = AccountCategory.create([{'name': "Textiles",
                        'accounting': True, 'account_revenue': revenue.id}])
            warranty, = Attribute.create([{
                        'name': "warranty", 'string': "Warranty",
                        'creation_mode': 'never',
                        'values': [('create', [
                                    {'name': "None"}, {'name': "2 years"}])]}])
            none, two_years = warranty.values
            hoodie, = Template.create([{
                        'name': "Hoodie", 'default_uom': unit.id,
                        'sale_uom': unit.id, 'salable': True,
                        'list_price': Decimal(10),
                        'account_category': textiles.id,
                        'products': [('create', [{}])],
                        'attribute_lines': [('create', [{
                                        'attribute': warranty.id,
                                        'values': [('create', [
                                                    {'value': none.id,
                                                        'price_extra': 0},
                                                    {'value': two_years.id,
                                                        'price_extra': 49},
                                                    ])]}])],
                        }])
            product, = hoodie.products
            pos = create_pos(tax_included=False)
            Session.open_counted(pos.id, '0')
            sold = Sale.checkout(pos.id, {'client_id': 'sold', 'lines': [
                        {'product': product.id, 'quantity': 2,
                            'options': [two_years.id]}],
                    'payments': [{'method': cash.id, 'amount': '200'}]})
            sale = Sale(sold['id'])
            line, = sale.lines
            self.assertEqual((line.unit_price, line.amount),
                (Decimal('59.00'), Decimal('118.00')))
            note = "Warranty: 2 years +49.00"
            self.assertEqual(sale.receipt()['lines'][0]['note'], note)

            cart = {'client_id': 'returned', 'lines': [
                    {'returned_line': line.id, 'quantity': 1}]}
            priced, = Sale.price_cart(pos.id, cart)['lines']
            self.assertEqual(
                (priced['unit_price'], priced['amount'], priced['options']),
                (Decimal('59.00'), Decimal('-59.00'), [{
                            'id': two_years.id, 'name': "Warranty: 2 years",
                            'price_extra': Decimal('49.00')}]))
            cart['payments'] = [{'method': cash.id, 'amount': '-59.00'}]
            result = Sale.checkout(pos.id, cart)
            self.assertEqual(result['total'], Decimal('-59.00'))
            returned, = Sale(result['id']).lines
            self.assertEqual(returned.returned_line, line)
            self.assertEqual(returned.options, (two_years,))
            self.assertEqual(
                (returned.unit_price, returned.quantity, returned.amount),
                (line.unit_price, -1, Decimal('-59.00')))
            printed, = Sale(result['id']).receipt()['lines']
            self.assertEqual(
                (printed['quantity'], printed['unit_price'],
                    printed['amount'], printed['note']),
                ('-1', '59.00', '-59.00', note))

            # The back office shows a line's options, read-only
            view = Line.fields_view_get(view_type='form')
            self.assertIn('options', view['fields'])
            self.assertTrue(view['fields']['options']['readonly'])
            self.assertIn('name="options"', view['arch'])
            self.assertEqual(
                Line.read([returned.id], ['options'])[0]['options'],
                (two_years.id,))

    @with_transaction()
    def test_printer_url(self):
        "The printer service is a web address and needs its token"
        company = create_company()
        with set_company(company):
            pos = create_pos()
            pos.printer_url = 'http://192.168.1.20:8070'
            pos.printer_token = 'secret'
            pos.save()
            for url in ['192.168.1.20:8070', 'ftp://box/', 'http://']:
                with self.subTest(url=url), \
                        self.assertRaisesRegex(UserError, 'web address'):
                    pos.printer_url = url
                    pos.save()

    @with_transaction()
    def test_reporting_context_fuzzed(self):
        """The till's graphs take any context a user sends: its values are
        used or refused with a message, never a database or Python error"""
        pool = Pool()
        reportings = [pool.get(name) for name in [
                'sale.point.reporting.hour', 'sale.point.reporting.day',
                'sale.point.reporting.payment_method']]
        company = create_company()
        any_value = (st.none() | st.booleans() | st.integers()
            | st.floats() | st.text(max_size=20) | st.dates()
            | st.datetimes() | st.lists(st.integers(), max_size=2))
        ids = st.sampled_from([company.id, -1, 0, 2 ** 31]) | any_value
        dates = st.dates() | any_value

        @settings(max_examples=60, deadline=None, database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.sampled_from(reportings), st.fixed_dictionaries({
                    'company': ids, 'sale_point': ids,
                    'from_date': dates, 'to_date': dates}))
        def check(Reporting, context):
            with Transaction().set_context(context):
                try:
                    rows = Reporting.search_read([], fields_names=['amount'])
                except UserError:
                    return
            self.assertEqual(rows, [])

        with set_company(company):
            create_pos()
            check()


del ModuleTestCase
