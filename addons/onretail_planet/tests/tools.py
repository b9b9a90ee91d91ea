# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A German shop with a register that issues Planet forms, for tests in a
transaction"""
from decimal import Decimal

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company
from trytond.modules.currency.tests import create_currency
from trytond.pool import Pool
from trytond.transaction import Transaction

ACTIVATION_CODE = 'test-activation-code'
MERCHANT_ID = '123456'


def create_shop_company():
    "The company of the shop, in euros"
    return create_company(name="Modehaus Berlin",
        currency=create_currency('EUR'))


def create_countries():
    """Germany and Austria in the European Union, the United States out of
    it, as trytond_import_countries makes them"""
    pool = Pool()
    Country = pool.get('country.country')
    Member = pool.get('country.organization.member')
    ModelData = pool.get('ir.model.data')
    countries = {}
    for code, name, numeric in [
            ('DE', "Germany", '276'), ('AT', "Austria", '040'),
            ('US', "United States", '840')]:
        found = Country.search([('code', '=', code)])
        if found:
            country, = found
            country.code_numeric = numeric
            country.save()
        else:
            country, = Country.create([{'name': name, 'code': code,
                        'code_numeric': numeric}])
        countries[code] = country
    union = ModelData.get_id('country', 'organization_eu')
    members = {m.country for m in Member.search(
            [('organization', '=', union)])}
    Member.create([{'organization': union, 'country': countries[c].id}
            for c in ['DE', 'AT'] if countries[c] not in members])
    return countries


def create_shop(url, countries):
    """The company (DE123456788, in Berlin) and its tax-included register
    "Berlin" with merchant 123456 at the sandbox of url: products Jacket
    (119.00, 19 %), Book (21.40, 7 %), Haircut (a service, 35.00), the
    Planet line; cash and card. Returns the register and the products by
    name."""
    pool = Pool()
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    FiscalYear = pool.get('account.fiscalyear')
    Identifier = pool.get('party.identifier')
    Journal = pool.get('account.journal')
    Location = pool.get('stock.location')
    Method = pool.get('sale.point.payment.method')
    POS = pool.get('sale.point')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    Tax = pool.get('account.tax')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    company = pool.get('company.company')(
        Transaction().context['company'])
    company.timezone = 'Europe/Berlin'
    company.save()
    party = company.party
    Identifier.create([{'party': party.id, 'type': 'eu_vat',
                'code': 'DE123456788'}])
    address, = party.addresses
    address.country = countries['DE']
    address.save()
    create_chart(company)
    fiscalyear = get_fiscalyear(company)
    fiscalyear.save()
    FiscalYear.create_period([fiscalyear])
    revenue, = Account.search([
            ('company', '=', company.id),
            ('type.revenue', '=', True), ('closed', '!=', True)], limit=1)
    tax_account, = Account.search([
            ('company', '=', company.id), ('code', '=', '6.3.6')])
    cash_account, = Account.search([
            ('company', '=', company.id), ('code', '=', '1.1.1')])
    full, reduced = Tax.create([{
                'name': name, 'description': name, 'type': 'percentage',
                'rate': rate, 'invoice_account': tax_account.id,
                'credit_note_account': tax_account.id}
            for name, rate in [
                ("USt 19 %", Decimal('.19')), ("USt 7 %", Decimal('.07'))]])
    categories = Category.create([{
                'name': name, 'accounting': True,
                'account_revenue': revenue.id,
                'customer_taxes': [('add', taxes)]}
            for name, taxes in [
                ("Clothes", [full.id]), ("Books", [reduced.id]),
                ("Untaxed", [])]])
    clothes, books, untaxed = categories
    unit, = Uom.search([('name', '=', "Unit")])
    templates = Template.create([{
                'name': name, 'type': type_, 'default_uom': unit.id,
                'sale_uom': unit.id, 'salable': True, 'list_price': net,
                'gross_price': gross, 'account_category': category.id,
                'products': [('create', [{}])],
                } for name, type_, net, gross, category in [
                ("Jacket", 'goods', Decimal(100), Decimal('119.00'), clothes),
                ("Book", 'goods', Decimal(20), Decimal('21.40'), books),
                ("Haircut", 'service', Decimal('29.41'), Decimal('35.00'),
                    clothes),
                ("Planet Tax Free", 'service', Decimal(0), Decimal(0),
                    untaxed)]])
    products = {t.name: t.products[0] for t in templates}
    cash, card = Method.create([
            {'name': "Cash", 'account': cash_account.id, 'cash': True},
            {'name': "Card", 'account': cash_account.id}])
    sequence_type, = SequenceType.search([('name', '=', "POS")], limit=1)
    journal, = Journal.search([('type', '=', 'revenue')], limit=1)
    sequence = Sequence(name="Berlin", sequence_type=sequence_type)
    sequence.save()
    point = POS(name="Berlin", journal=journal, sequence=sequence,
        tax_included=True,
        storage_location=Location.search([('code', '=', 'STO')])[0],
        customer_location=Location.search([('code', '=', 'CUS')])[0],
        planet_mode='test', planet_test_url=url,
        planet_merchant_id=MERCHANT_ID,
        planet_activation_code=ACTIVATION_CODE,
        planet_product=products["Planet Tax Free"])
    point.save()
    return point, products, {'cash': cash, 'card': card}


def traveller(countries, **values):
    "Mary Smith of the United States, as the cashier screen sends her"
    return dict({
            'first_name': "Mary", 'last_name': "Smith",
            'birth_date': '1980-05-17',
            'nationality': countries['US'].id,
            'residence_country': countries['US'].id,
            'document_type': 'passport', 'document_number': 'P1234567',
            }, **values)
