# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime as dt
import io
import json
import random
import re
from decimal import Decimal

from trytond.model.exceptions import SQLConstraintError, ValidationError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.onretail_base.tests.tools import TranslationsTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    ModuleTestCase, with_transaction)
from trytond.transaction import Transaction

from ..explain import format_explanation
from ..export import COLUMNS
from .tools import create_user

D = Decimal
TODAY = dt.date(2026, 11, 23)


class PriceListTestMixin:
    "Helpers that build products and lists in the test company"

    def setup_company(self):
        company = create_company()
        return set_company(company), company

    def category(self, name, parent=None):
        Category = Pool().get('product.category')
        category = Category(name=name, parent=parent)
        category.save()
        return category

    def product(self, name, list_price, cost_price=None, categories=(),
            variants=1):
        template, = self.templates([
                (name, list_price, cost_price, categories, variants)])
        return template.products[0] if variants == 1 else template.products

    def templates(self, specs):
        "Create templates from (name, price, cost, categories, variants)"
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])

        def variant(index, variants, cost_price):
            values = {'suffix_code': str(index) if variants > 1 else None}
            if cost_price is not None:
                values['cost_price'] = cost_price
            return values

        return Template.create([{
                    'name': name,
                    'code': name.upper().replace(' ', '-'),
                    'default_uom': unit.id,
                    'salable': True, 'sale_uom': unit.id,
                    'list_price': list_price,
                    'categories': [('add', [c.id for c in categories])],
                    'products': [('create', [
                                variant(i, variants, cost_price)
                                for i in range(variants)])],
                    } for name, list_price, cost_price, categories, variants
                in specs])

    def price_list(self, name="List", lines=(), **values):
        PriceList = Pool().get('product.price_list')
        price_list = PriceList(name=name, **values)
        price_list.lines = [self.line(**l) for l in lines]
        price_list.save()
        return price_list

    def line(self, **values):
        Line = Pool().get('product.price_list.line')
        line = Line(**values)
        for field in ['product', 'template', 'category']:
            if values.get(field) and 'applies_to' not in values:
                line.applies_to = field
        return line

    def price(self, price_list, product, quantity=1, date=TODAY):
        with Transaction().set_context(date=date):
            return price_list.compute(product, quantity, product.sale_uom)


class OnRetailPricelistTestCase(
        PriceListTestMixin, TranslationsTestMixin, CompanyTestMixin,
        ModuleTestCase):
    "Test onRetail Pricelist module"
    module = 'onretail_pricelist'
    extras = ['sale_point', 'web_shop']

    @with_transaction()
    def test_formula_examples(self):
        "The worked examples of the spec's §2"
        context, _ = self.setup_company()
        with context:
            shop_price = self.product("Shirt", D('12.34'))
            hundred = self.product("Jacket", D('100'))
            cost_forty = self.product("Bag", D('70'), cost_price=D('40'))
            other = self.price_list("Other", [
                    {'compute_price': 'fixed', 'fixed_price': D('20.00')}])

            nine_ninety_nine = self.price_list("99", [{
                        'compute_price': 'formula', 'base': 'list_price',
                        'rounding': D(10), 'surcharge': D('-0.01')}])
            self.assertEqual(
                self.price(nine_ninety_nine, shop_price), D('9.99'))

            fifteen_off = self.price_list("15 %", [{
                        'compute_price': 'formula', 'base': 'list_price',
                        'discount': D(15), 'rounding': D(1)}])
            self.assertEqual(self.price(fifteen_off, hundred), D(85))

            mark_up = self.price_list("Mark-up", [{
                        'compute_price': 'formula', 'base': 'cost_price',
                        'discount': D(-50), 'min_margin': D(25)}])
            self.assertEqual(self.price(mark_up, cost_forty), D(65))

            on_other = self.price_list("On other", [{
                        'compute_price': 'formula', 'base': 'price_list',
                        'base_price_list': other.id,
                        'discount': D(10), 'rounding': D('0.05')}])
            self.assertEqual(self.price(on_other, hundred), D('18.00'))

    @with_transaction()
    def test_formula_steps_order(self):
        "Surcharge after rounding, margins last; fixed amount off"
        context, _ = self.setup_company()
        with context:
            product = self.product("Shirt", D('50'), cost_price=D('30'))
            amount_off = self.price_list("2 off", [{
                        'compute_price': 'formula', 'base': 'list_price',
                        'surcharge': D('-2.00')}])
            self.assertEqual(self.price(amount_off, product), D('48.00'))

            capped = self.price_list("Capped", [{
                        'compute_price': 'formula', 'base': 'cost_price',
                        'discount': D(-100), 'max_margin': D(15)}])
            self.assertEqual(self.price(capped, product), D(45))

            percentage = self.price_list("Percent", [{
                        'compute_price': 'percentage',
                        'percent_price': D('12.5')}])
            self.assertEqual(self.price(percentage, product), D('43.75'))

    @with_transaction()
    def test_explain(self):
        "Explain gives the list, the rule, the base and each step"
        context, _ = self.setup_company()
        with context:
            product = self.product("Shirt", D('12.34'))
            price_list = self.price_list("99", [{
                        'compute_price': 'formula', 'base': 'list_price',
                        'rounding': D(10), 'surcharge': D('-0.01')}])
            with Transaction().set_context(date=TODAY):
                explanation = price_list.explain(
                    product, 1, product.sale_uom)
            self.assertEqual(explanation['price_list'], price_list)
            self.assertEqual(explanation['line'], price_list.lines[0])
            self.assertEqual(explanation['base'], D('12.34'))
            self.assertEqual(explanation['price'], D('9.99'))
            self.assertEqual(
                [v for _, v in explanation['steps']],
                [D('12.34'), D('12.34'), D(10), D('9.99')])

            nothing = self.price_list("Empty")
            explanation = nothing.explain(product, 1, product.sale_uom)
            self.assertIsNone(explanation['line'])
            self.assertIsNone(explanation['price'])

    @with_transaction()
    def test_explain_number_format(self):
        "Why This Price? writes every amount with the currency's digits"
        pool = Pool()
        Lang = pool.get('ir.lang')
        context, _ = self.setup_company()
        with context:
            product = self.product("Gel", D('9.99'))
            price_list = self.price_list("Shop", [{
                        'compute_price': 'formula', 'base': 'list_price',
                        'discount': D(10), 'rounding': D('0.1'),
                        'surcharge': D('-0.01')}])
            german, = Lang.search([('code', '=', 'de')])
            german.translatable = True
            german.save()
            with Transaction().set_context(date=TODAY, language='de'):
                text = format_explanation(price_list.explain(
                        product, 1, product.sale_uom))
            # the numbers of the steps and of the price, in German format
            self.assertEqual(
                [re.findall(r'-?\d+(?:,\d+)?', line)
                    for line in text.splitlines()[2:]],
                [['9,99'], ['10', '8,99'], ['0,10', '9,00'],
                    ['-0,01', '8,99'], ['8,99']])

    @with_transaction()
    def test_precedence_scope(self):
        "Variant beats product beats deeper category beats category beats all"
        context, _ = self.setup_company()
        with context:
            clothes = self.category("Clothes")
            shirts = self.category("Shirts", clothes)
            red, blue = self.product(
                "Shirt", D(30), categories=[shirts], variants=2)
            price_list = self.price_list("List", [
                    {'compute_price': 'fixed', 'fixed_price': D(1)},
                    {'category': clothes, 'compute_price': 'fixed',
                        'fixed_price': D(2)},
                    {'category': shirts, 'compute_price': 'fixed',
                        'fixed_price': D(3)},
                    {'template': red.template, 'compute_price': 'fixed',
                        'fixed_price': D(4)},
                    {'product': red, 'compute_price': 'fixed',
                        'fixed_price': D(5)},
                    ])
            self.assertEqual(self.price(price_list, red), D(5))
            self.assertEqual(self.price(price_list, blue), D(4))
            lines = price_list.lines_by_precedence()
            self.assertEqual(
                [l.fixed_price for l in lines], [5, 4, 3, 2, 1])
            # Take the winner out, one after the other
            for line, price in zip(lines, [D(4), D(3), D(2), D(1), None]):
                line.start_date = TODAY + dt.timedelta(days=1)
                line.save()
                self.assertEqual(self.price(price_list, red), price)

    @with_transaction()
    def test_precedence_quantity_priority_newest(self):
        "Higher minimum quantity, then lower priority, then the newest"
        context, _ = self.setup_company()
        with context:
            product = self.product("Shirt", D(30))
            price_list = self.price_list("List", [
                    {'template': product.template, 'compute_price': 'fixed',
                        'fixed_price': D(20), 'quantity': 1},
                    {'template': product.template, 'compute_price': 'fixed',
                        'fixed_price': D(18), 'quantity': 10},
                    ])
            self.assertEqual(self.price(price_list, product, 5), D(20))
            self.assertEqual(self.price(price_list, product, 10), D(18))
            self.assertEqual(self.price(price_list, product, 0.5), None)

            connector = self.line(
                template=product.template, compute_price='fixed',
                fixed_price=D(17), quantity=10, priority=10)
            price_list.lines += (connector,)
            price_list.save()
            self.assertEqual(self.price(price_list, product, 10), D(18))

            newest = self.line(
                template=product.template, compute_price='fixed',
                fixed_price=D(16), quantity=10)
            price_list.lines += (newest,)
            price_list.save()
            self.assertEqual(self.price(price_list, product, 10), D(16))

    @with_transaction()
    def test_extra_category_filter(self):
        "The extra category must match too when the rule is not a category"
        context, _ = self.setup_company()
        with context:
            sale_items = self.category("Sale Items")
            on_sale = self.product("Cap", D(10), categories=[sale_items])
            regular = self.product("Hat", D(10))
            price_list = self.price_list("List", [{
                        'extra_category': sale_items,
                        'compute_price': 'percentage',
                        'percent_price': D(50)}])
            self.assertEqual(self.price(price_list, on_sale), D(5))
            self.assertEqual(self.price(price_list, regular), None)

    @with_transaction()
    def test_dates(self):
        "Start only, end only and both limit a rule to its dates"
        context, _ = self.setup_company()
        with context:
            product = self.product("Shirt", D(30))
            start, end = dt.date(2026, 12, 1), dt.date(2026, 12, 24)
            for dates, inside, outside in [
                    ({'start_date': start}, [start, dt.date(2027, 6, 1)],
                        [start - dt.timedelta(1)]),
                    ({'end_date': end}, [dt.date(2020, 1, 1), end],
                        [end + dt.timedelta(1)]),
                    ({'start_date': start, 'end_date': end}, [start, end],
                        [start - dt.timedelta(1), end + dt.timedelta(1)]),
                    ]:
                price_list = self.price_list("Dates", [dict(
                            compute_price='fixed', fixed_price=D(25),
                            **dates)])
                for date in inside:
                    self.assertEqual(
                        self.price(price_list, product, date=date), D(25))
                for date in outside:
                    self.assertEqual(
                        self.price(price_list, product, date=date), None)

    @with_transaction()
    def test_cycle_refused(self):
        "A list based on another list may never loop back to itself"
        context, _ = self.setup_company()
        with context:
            first = self.price_list("First")
            second = self.price_list("Second", [{
                        'compute_price': 'formula', 'base': 'price_list',
                        'base_price_list': first.id}])
            first.lines = [self.line(
                    compute_price='formula', base='price_list',
                    base_price_list=second)]
            with self.assertRaisesRegex(ValidationError, 'from itself'):
                first.save()
            # a rule saved on its own, and one rewritten to use a base list
            rule = self.line(price_list=first, compute_price='formula',
                base='price_list', base_price_list=second)
            with self.assertRaisesRegex(ValidationError, 'from itself'):
                rule.save()
            rule = self.line(price_list=first, compute_price='fixed',
                fixed_price=D(1))
            rule.save()
            rule.compute_price, rule.base = 'formula', 'price_list'
            rule.base_price_list = second
            with self.assertRaisesRegex(ValidationError, 'from itself'):
                rule.save()
            itself = self.price_list("Itself")
            itself.lines = [self.line(
                    compute_price='formula', base='price_list',
                    base_price_list=itself)]
            with self.assertRaisesRegex(ValidationError, 'from itself'):
                itself.save()

    @with_transaction()
    def test_bad_values_refused(self):
        "Negative rounding, margins the wrong way round, missing values"
        context, _ = self.setup_company()
        with context:
            product = self.product("Shirt", D(30))
            for values, field in [
                    ({'compute_price': 'formula', 'base': 'list_price',
                            'rounding': D(-1)}, "Rounding"),
                    ({'compute_price': 'formula', 'base': 'list_price',
                            'min_margin': D(5), 'max_margin': D(2)},
                        "Minimum Margin"),
                    ({'compute_price': 'formula', 'base': 'list_price',
                            'discount': D(101)}, "Discount"),
                    ({'compute_price': 'fixed', 'fixed_price': D(-1)},
                        "Fixed Price"),
                    ({'compute_price': 'fixed'}, "Fixed Price"),
                    ({'compute_price': 'formula', 'base': 'price_list'},
                        "Other Price List"),
                    ({'applies_to': 'category', 'compute_price': 'fixed',
                            'fixed_price': D(1)}, "Category"),
                    ({'applies_to': 'all', 'product': product,
                            'compute_price': 'fixed', 'fixed_price': D(1)},
                        "Variant"),
                    ]:
                with self.subTest(values=values):
                    with self.assertRaisesRegex(ValidationError, field):
                        self.price_list("Bad", [values])

    @with_transaction()
    def test_tryton_lines_still_work(self):
        "A line written the Tryton way keeps its formula"
        context, _ = self.setup_company()
        with context:
            product = self.product("Shirt", D(30), cost_price=D(10))
            price_list = self.price_list("Tryton", [{
                        'product': product,
                        'formula': 'cost_price * 2'}])
            line, = price_list.lines
            self.assertEqual(line.compute_price, 'expression')
            self.assertEqual(line.applies_to, 'product')
            self.assertEqual(self.price(price_list, product), D(20))

    @with_transaction()
    def test_where_the_list_applies(self):
        "Media and country groups limit a list"
        pool = Pool()
        Country = pool.get('country.country')
        Organization = pool.get('country.organization')
        Party = pool.get('party.party')
        context, _ = self.setup_company()
        with context:
            austria, hungary, usa = Country.create([
                    {'name': "Austria", 'code': 'AT'},
                    {'name': "Hungary", 'code': 'HU'},
                    {'name': "United States", 'code': 'US'}])
            eu, = Organization.create([{
                        'name': "EU",
                        'members': [('create', [
                                    {'country': austria.id},
                                    {'country': hungary.id,
                                        'from_date': dt.date(2004, 5, 1)},
                                    ])]}])
            viennese, american, nowhere = Party.create([
                    {'name': "Wien", 'addresses': [
                            ('create', [{'country': austria.id}])]},
                    {'name': "NY", 'addresses': [
                            ('create', [{'country': usa.id}])]},
                    {'name': "Nowhere", 'addresses': [('create', [{}])]},
                    ])
            eu_pos = self.price_list(
                "EU POS", media=['pos'], country_groups=[eu.id])
            self.assertTrue(eu_pos.allows('pos', viennese))
            self.assertFalse(eu_pos.allows('sale', viennese))
            self.assertFalse(eu_pos.allows('pos', american))
            self.assertFalse(eu_pos.allows('pos', nowhere))
            everywhere = self.price_list("All")
            for medium in ['pos', 'sale', 'web']:
                self.assertTrue(everywhere.allows(medium, american))
                self.assertTrue(everywhere.allows(medium, None))
            everywhere.active = False
            everywhere.save()
            self.assertFalse(everywhere.allows('sale', american))

    @with_transaction()
    def test_coupon_code(self):
        "Coupon codes are unique and found in any case"
        pool = Pool()
        PriceList = pool.get('product.price_list')
        context, _ = self.setup_company()
        with context:
            xmas = self.price_list("Xmas", coupon_code="XMAS10")
            self.assertEqual(PriceList.search_coupon("xmas10"), xmas)
            self.assertEqual(PriceList.search_coupon(" Xmas10 "), xmas)
            self.assertIsNone(PriceList.search_coupon("XMAS"))
            self.assertIsNone(PriceList.search_coupon("XMAS_0"))
            with self.assertRaises(SQLConstraintError):
                self.price_list("Copy", coupon_code="xmas10")

    @with_transaction()
    def test_gateway_name_unique(self):
        "Two lists cannot share a gateway name"
        context, _ = self.setup_company()
        with context:
            self.price_list("A", gateway_name="shop", gateway_export=True)
            with self.assertRaises(SQLConstraintError):
                self.price_list("B", gateway_name="shop")

    @with_transaction()
    def test_compute_batch_equals_compute(self):
        "compute_batch gives what compute gives, on random data"
        context, _ = self.setup_company()
        with context:
            generator = random.Random(42)
            products, price_lists = random_catalog(self, generator, 400, 50)
            price_list = price_lists[-1]
            for quantity, date in [(1, TODAY), (10, dt.date(2026, 12, 24))]:
                with Transaction().set_context(date=date):
                    batch = price_list.compute_batch(products, quantity)
                    single = {p.id: price_list.compute(
                            p, quantity, p.sale_uom) for p in products}
                self.assertEqual(batch, single)
                self.assertTrue(
                    sum(p is not None for p in batch.values()) > 200)

    @with_transaction()
    def test_compute_batch_follows_changes(self):
        "The rules and taxes compute_batch remembers follow their changes"
        pool = Pool()
        Account = pool.get('account.account')
        Tax = pool.get('account.tax')
        context, company = self.setup_company()
        with context, Transaction().set_context(date=TODAY):
            create_chart(company)
            account, = Account.search([
                    ('code', '=', '6.3.6'), ('company', '=', company.id)])
            tax = Tax(name="VAT", description="VAT", type='percentage',
                rate=D('.20'), invoice_account=account,
                credit_note_account=account)
            tax.save()
            clothes = self.category("Clothes")
            shirts = self.category("Shirts")
            bargains = self.category("Bargains")
            accounting = self.category("Textiles")
            accounting.accounting = True
            accounting.save()
            shirt = self.product(
                "Shirt", D(30), categories=[shirts, bargains])
            shirt.template.account_category = accounting
            shirt.template.save()
            price_list = self.price_list("List", [
                    {'category': shirts, 'compute_price': 'fixed',
                        'fixed_price': D(10)},
                    {'category': bargains, 'compute_price': 'fixed',
                        'fixed_price': D(20)},
                    ])

            def price(price_list=price_list):
                return price_list.compute_batch([shirt], 1)[shirt.id]

            # Categories as deep: the newest rule wins
            self.assertEqual(price(), D(20))
            newest = price_list.lines_by_precedence()[0]
            newest.fixed_price = D(25)
            newest.save()
            self.assertEqual(price(), D(25))
            # Shirts deeper now: its rule wins
            shirts.parent = clothes
            shirts.save()
            self.assertEqual(price(), D(10))

            gross = self.price_list("Gross", [
                    {'compute_price': 'percentage', 'percent_price': D(0)}],
                tax_included=True)
            self.assertEqual(price(gross), D(30))
            accounting.customer_taxes = [tax]
            accounting.save()
            self.assertEqual(price(gross), D(36))
            tax.rate = D('.10')
            tax.save()
            self.assertEqual(price(gross), D(33))

    @with_transaction()
    def test_gateway_export(self):
        "The export has a row per product and quantity tier, CSV or JSON"
        pool = Pool()
        PriceList = pool.get('product.price_list')
        context, company = self.setup_company()
        with context:
            shirt = self.product("Shirt", D(30))
            self.product("Cap", D(10))
            price_list = self.price_list(
                "Shop", gateway_name="shop", gateway_export=True, lines=[
                    {'template': shirt.template, 'compute_price': 'fixed',
                        'fixed_price': D(25), 'quantity': 10,
                        'end_date': dt.date(2026, 12, 31)}])
            text = ''.join(PriceList.export_gateway(
                    [price_list], TODAY, 'csv'))
            rows = list(csv.DictReader(io.StringIO(text)))
            self.assertEqual(
                [(r['product_code'], r['minimum_quantity'], r['price'],
                        r['end_date']) for r in rows], [
                    ('SHIRT', '0', '30.00', ''),
                    ('SHIRT', '10', '25.00', '2026-12-31'),
                    ('CAP', '0', '10.00', '')])
            self.assertEqual(rows[0]['currency'], company.currency.code)
            data = json.loads(''.join(PriceList.export_gateway(
                        [price_list], TODAY, 'json')))
            self.assertEqual(len(data), 3)
            self.assertEqual(data[1]['price'], '25.00')
            self.assertEqual(
                json.loads(''.join(PriceList.export_gateway([], TODAY,
                            'json'))), [])

    @with_transaction()
    def test_cli_export(self):
        "onretail-price-export writes the gateway lists, and only them"
        from trytond.modules.onretail_pricelist import cli
        context, _ = self.setup_company()
        with context:
            self.product("Shirt", D(30))
            self.price_list("Shop", gateway_name="shop", gateway_export=True)
            self.price_list("Staff", gateway_name="staff")
            output = io.StringIO()
            cli.export(Pool(), cli.parse_arguments(
                    ['-d', 'test', '--date', TODAY.isoformat()]), output)
            self.assertEqual(output.getvalue().splitlines()[1:],
                ['shop,SHIRT,SHIRT,0,30.00,usd,,'])
            with self.assertRaises(SystemExit):
                cli.export(Pool(), cli.parse_arguments(
                        ['-d', 'test', '--list', 'staff']), io.StringIO())

    @with_transaction()
    def test_export_file(self):
        "The queue computes a manager's export into a file, and tells them"
        pool = Pool()
        ExportFile = pool.get('product.price_list.export.file')
        Notification = pool.get('res.notification')
        context, company = self.setup_company()
        with context:
            self.product("Shirt", D(30))
            price_list = self.price_list(
                "Shop", gateway_name="shop", gateway_export=True)
            manager = create_user('manager', 'group_retail_admin', company)
            with Transaction().set_user(manager.id):
                export = ExportFile.queue(price_list, TODAY, 'csv')
                self.assertEqual(export.state, 'queued')
                ExportFile.compute([export])
                # Computed once, though the queue may run a task again
                ExportFile.compute([export])
            export = ExportFile(export.id)
            self.assertEqual(export.state, 'done')
            self.assertEqual(export.filename, 'shop-2026-11-23.csv')
            self.assertEqual(export.file.decode().splitlines(), [
                    ','.join(COLUMNS), 'shop,SHIRT,SHIRT,0,30.00,usd,,'])
            # stored at commit, as Tryton's own test_notify_user flushes
            Transaction()._store_user_notifications()
            notification, = Notification.search(
                [('user', '=', manager.id)])
            self.assertEqual(notification.model, ExportFile.__name__)
            self.assertEqual(json.loads(notification.records), [export.id])
            self.assertIn('shop-2026-11-23.csv', notification.description)

    @with_transaction()
    def test_export_file_refused_when_run(self):
        """An export whose list left the gateway before the queue ran it
        fails with the reason, and its manager is told"""
        pool = Pool()
        ExportFile = pool.get('product.price_list.export.file')
        Notification = pool.get('res.notification')
        context, company = self.setup_company()
        with context:
            price_list = self.price_list(
                "Shop", gateway_name="shop", gateway_export=True)
            manager = create_user('manager', 'group_retail_admin', company)
            with Transaction().set_user(manager.id):
                export = ExportFile.queue(None, TODAY, 'json')
                self.assertEqual(export.filename, 'prices-2026-11-23.json')
                other = ExportFile.queue(price_list, TODAY, 'csv')
            price_list.gateway_export = False
            price_list.save()
            with Transaction().set_user(manager.id):
                ExportFile.compute([export, other])
            self.assertEqual(json.loads(ExportFile(export.id).file), [])
            other = ExportFile(other.id)
            self.assertEqual(other.state, 'failed')
            self.assertIsNone(other.file)
            self.assertIn('"Shop"', other.error)
            # stored at commit, as Tryton's own test_notify_user flushes
            Transaction()._store_user_notifications()
            self.assertIn(other.error, [n.description
                    for n in Notification.search(
                        [('user', '=', manager.id)])])

    @with_transaction()
    def test_export_file_keeps_a_week(self):
        "A new export deletes its manager's exports older than a week"
        pool = Pool()
        ExportFile = pool.get('product.price_list.export.file')
        context, company = self.setup_company()
        with context:
            managers = [create_user(login, 'group_retail_admin', company)
                for login in ['manager', 'other']]
            exports = []
            for manager in managers:
                with Transaction().set_user(manager.id):
                    exports.append(ExportFile.queue(None, TODAY, 'csv'))
            table = ExportFile.__table__()
            Transaction().connection.cursor().execute(*table.update(
                    [table.create_date],
                    [dt.datetime.now() - dt.timedelta(days=8)]))
            with Transaction().set_user(managers[0].id):
                new = ExportFile.queue(None, TODAY, 'csv')
            self.assertEqual(ExportFile.search([], order=[('id', 'ASC')]),
                [exports[1], new])

    @with_transaction()
    def test_access(self):
        "Retail managers edit price lists; retail users and cashiers read them"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        for group, can_write in [
                ('group_retail_admin', True), ('group_retail', False),
                ('group_cashier', False)]:
            user = User(login=group, groups=[
                    ModelData.get_id('onretail_base', group)])
            user.save()
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                for model in ['product.price_list',
                        'product.price_list.line']:
                    self.assertTrue(ModelAccess.check(
                            model, 'read', raise_exception=False))
                    self.assertEqual(ModelAccess.check(
                            model, 'write', raise_exception=False),
                        can_write, (group, model))

    @with_transaction()
    def test_web_shop_price_list(self):
        "The shop uses the coupon's list, a selected one or its own"
        pool = Pool()
        Shop = pool.get('web.shop')
        context, company = self.setup_company()
        with context:
            own = self.price_list("Shop")
            picked = self.price_list("Members", shop_selectable=True)
            hidden = self.price_list("Staff")
            coupon = self.price_list(
                "Xmas", coupon_code="Xmas10", media=['web'])
            pos_only = self.price_list(
                "POS", coupon_code="POS", media=['pos'])
            shop = Shop(name="Shop", sale_price_list=own)
            shop.save()
            self.assertEqual(shop.get_price_list(), own)
            self.assertEqual(shop.get_price_list(selected=picked.id), picked)
            self.assertEqual(shop.get_price_list(selected=hidden.id), own)
            self.assertEqual(
                shop.get_price_list(coupon_code="XMAS10"), coupon)
            self.assertEqual(shop.get_price_list(coupon_code="pos"), own)
            self.assertEqual(shop.selectable_price_lists(), [picked])
            with Transaction().set_context(coupon_code="xmas10"):
                self.assertEqual(
                    shop.get_context()['price_list'], coupon.id)


def random_catalog(test, generator, n_products, n_rules):
    "Products in a category tree and lists with rules of every kind"
    roots = [test.category("Root %s" % i) for i in range(3)]
    categories = list(roots)
    for i in range(12):
        categories.append(test.category(
                "Sub %s" % i, generator.choice(categories)))
    specs = [(
            "P%04d" % i, D(generator.randint(100, 9999)) / 100,
            D(generator.randint(50, 5000)) / 100,
            generator.sample(categories, generator.randint(0, 2)), 2)
        for i in range(n_products // 2)]
    products = []
    for start in range(0, len(specs), 10):
        for template in test.templates(specs[start:start + 10]):
            products.extend(template.products)
    base = test.price_list("Base", [
            {'category': generator.choice(categories),
                'compute_price': 'fixed',
                'fixed_price': D(generator.randint(100, 9999)) / 100}
            for _ in range(20)])
    return products, [base, test.price_list(
            "Random", [random_rule(generator, categories, products, base)
                for _ in range(n_rules)])]


def random_rule(generator, categories, products, base):
    rule = {
        'quantity': generator.choice([None, 0, 1, 5, 10]),
        'priority': generator.choice([0, 0, 10]),
        }
    scope = generator.choice(['all', 'category', 'category', 'template',
            'product', 'product'])
    if scope == 'category':
        rule['category'] = generator.choice(categories)
    elif scope == 'template':
        rule['template'] = generator.choice(products).template
    elif scope == 'product':
        rule['product'] = generator.choice(products)
    else:
        rule['applies_to'] = 'all'
    if scope != 'category' and generator.random() < 0.2:
        rule['extra_category'] = generator.choice(categories)
    if generator.random() < 0.3:
        rule['start_date'] = TODAY + dt.timedelta(
            days=generator.randint(-30, 30))
    if generator.random() < 0.3:
        rule['end_date'] = TODAY + dt.timedelta(
            days=generator.randint(31, 60))
    kind = generator.choice(['fixed', 'percentage', 'formula', 'formula'])
    rule['compute_price'] = kind
    if kind == 'fixed':
        rule['fixed_price'] = D(generator.randint(100, 9999)) / 100
    elif kind == 'percentage':
        rule['percent_price'] = D(generator.randint(-20, 60))
    else:
        rule['base'] = generator.choice(
            ['list_price', 'cost_price', 'price_list'])
        if rule['base'] == 'price_list':
            rule['base_price_list'] = base.id
        rule['discount'] = D(generator.randint(-50, 50))
        rule['rounding'] = generator.choice(
            [D(0), D('0.05'), D(1), D(10)])
        rule['surcharge'] = generator.choice([D(0), D('-0.01'), D(2)])
        if generator.random() < 0.3:
            rule['min_margin'] = D(generator.randint(0, 10))
        if generator.random() < 0.3:
            rule['max_margin'] = D(generator.randint(10, 40))
    return rule


del ModuleTestCase
