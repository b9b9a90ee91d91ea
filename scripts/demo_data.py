# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Demo data of the quick start: a Viennese shop selling textiles and cosmetics.

Every step looks for what it creates first, so running it again on an existing
database adds only what is missing (for instance after a new module came in).
"""
import datetime
import hashlib
import io
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from PIL import Image, ImageDraw, ImageFont

from proteus import Model, Wizard

COMPANY_NAME = "onRetail Demo GmbH"
TIMEZONE = 'Europe/Vienna'
VAT = Decimal('0.20')
REDUCED_VAT = Decimal('0.10')

# category path -> [(code, name, gross price)]; cosmetics and textiles carry
# the standard rate, books and food the reduced one.
PRODUCTS = {
    ("Textiles", "T-Shirts"): [
        ('TS-001', "T-Shirt Basic White", '14.90'),
        ('TS-002', "T-Shirt Basic Black", '14.90'),
        ('TS-003', "T-Shirt Organic Cotton Navy", '24.90'),
        ('TS-004', "T-Shirt V-Neck Grey", '19.90'),
        ('TS-005', "Longsleeve Stripes", '29.90'),
        ('TS-006', "Polo Shirt Classic", '34.90'),
        ('TS-007', "Tank Top Ribbed", '17.90'),
        ],
    ("Textiles", "Knitwear"): [
        ('KN-001', "Hoodie Grey Melange", '49.90'),
        ('KN-002', "Sweatshirt Crew Neck", '39.90'),
        ('KN-003', "Merino Cardigan", '89.00'),
        ('KN-004', "Zip Jacket Fleece", '59.90'),
        ('KN-005', "Knitted Vest", '54.90'),
        ],
    ("Textiles", "Accessories"): [
        ('AC-001', "Cap Baseball", '19.90'),
        ('AC-002', "Beanie Wool", '24.90'),
        ('AC-003', "Scarf Cashmere Blend", '69.00'),
        ('AC-004', "Socks 3-Pack", '12.90'),
        ('AC-005', "Tote Bag Canvas", '9.90'),
        ('AC-006', "Leather Belt Brown", '44.90'),
        ('AC-007', "Gloves Knitted", '19.90'),
        ],
    ("Textiles", "Trousers"): [
        ('TR-001', "Jeans Slim Fit", '79.90'),
        ('TR-002', "Chino Beige", '59.90'),
        ('TR-003', "Jogging Pants", '34.90'),
        ('TR-004', "Shorts Linen", '39.90'),
        ],
    ("Cosmetics", "Skin Care"): [
        ('SC-001', "Aloe Vera Gel", '9.99'),
        ('SC-002', "Hand Cream Shea Butter", '6.49'),
        ('SC-003', "Day Cream SPF 15", '18.90'),
        ('SC-004', "Night Cream Regenerating", '22.90'),
        ('SC-005', "Face Serum Hyaluron", '29.90'),
        ('SC-006', "Body Lotion Almond", '11.90'),
        ('SC-007', "Sun Milk SPF 30", '15.90'),
        ('SC-008', "Lip Balm Honey", '3.99'),
        ],
    ("Cosmetics", "Hair Care"): [
        ('HC-001', "Shampoo Chamomile", '7.90'),
        ('HC-002', "Conditioner Argan", '8.90'),
        ('HC-003', "Hair Oil Jojoba", '14.90'),
        ('HC-004', "Dry Shampoo", '6.90'),
        ('HC-005', "Hair Mask Keratin", '12.90'),
        ],
    ("Cosmetics", "Bath & Shower"): [
        ('BS-001', "Shower Gel Lavender", '4.99'),
        ('BS-002', "Bath Salt Dead Sea", '9.90'),
        ('BS-003', "Soap Bar Olive Oil", '3.90'),
        ('BS-004', "Bath Bomb Rose", '5.90'),
        ('BS-005', "Body Scrub Coffee", '12.90'),
        ],
    ("Cosmetics", "Fragrances"): [
        ('FR-001', "Eau de Toilette Citrus 50 ml", '39.90'),
        ('FR-002', "Eau de Parfum Amber 50 ml", '64.90'),
        ('FR-003', "Room Spray Pine", '12.90'),
        ('FR-004', "Scented Candle Vanilla", '16.90'),
        ],
    ("Gifts", "Books"): [
        ('BK-001', "Book Natural Cosmetics at Home", '19.90'),
        ('BK-002', "Book Sewing for Beginners", '24.90'),
        ],
    ("Gifts", "Sweets"): [
        ('SW-001', "Chocolate Dark 70 %", '3.49'),
        ('SW-002', "Herbal Tea Selection", '6.90'),
        ('SW-003', "Honey Acacia 500 g", '8.90'),
        ],
    }
REDUCED_RATE_CATEGORIES = {("Gifts", "Books"), ("Gifts", "Sweets")}

# The salon of Filiale Wien books in cituro: its services sold at the till
# [(cituro Service ID as code, name, gross price)], the product that a
# service without one of its own sells as, and the register's cituro account
# in the sandbox of `make run` (scripts/run_demo.py)
SALON_CATEGORY = ("Salon",)
SALON_SERVICES = [
    ('s-cut', "Haarschnitt", '35.00'),
    ]
CITURO_PRODUCT = "cituro Service"
CITURO_API_KEY = 'demo-cituro-key'

# Filiale Wien issues Planet tax-free forms from the sandbox (test mode):
# the sandbox's Austrian merchant, the company's VAT identifier, a jacket
# above Austria's minimum of 75.01, and where travellers come from
PLANET_ACTIVATION_CODE = 'demo-planet-code'
PLANET_MERCHANT_ID = '654321'
COMPANY_VAT = 'ATU12345675'
PLANET_PRODUCT = "Planet Tax Free"
TAX_FREE_JACKET = ('KN-106', "Winter Jacket Down", '119.00')
COUNTRIES = {
    'AT': ("Austria", '040'), 'HU': ("Hungary", '348'),
    'DE': ("Germany", '276'), 'CH': ("Switzerland", '756'),
    'GB': ("United Kingdom", '826'), 'US': ("United States", '840'),
    'CN': ("China", '156'), 'JP': ("Japan", '392'),
    'UA': ("Ukraine", '804'),
    }

# The Ukrainian web shop of the company sells on Cartum; its orders come
# from the sandbox of `make run` (test mode, onretail_cartum's default test
# URL), in hryvnia: [(status, name, sale state)] as the shop has them
CARTUM_LOGIN = 'api'
CARTUM_PASSWORD = 'demo-cartum-password'
CARTUM_STATUSES = [
    (1, "New", 'quotation'),
    (2, "Processing", 'confirmed'),
    (3, "Delivered", None),
    (4, "Not delivered", 'cancelled'),
    (6, "Shipping", None),
    ]
# Kulcs Ügyvitel pushes the Hungarian catalogue's prices, promo prices and
# stock and fetches the shop's orders; Run Kulcs Simulation plays it with the
# sandbox's client (onretail-sandbox kulcs)
KULCS_IMPORT_PASSWORD = 'demo-kulcs-password'
KULCS_WEBSHOP_ID = 'DEMO-WEB-1'
KULCS_ORDER = ("Kovács Eszter", [('AC-007', 2), ('TS-001', 1)])
# hryvnias to the euro
UAH_RATE = Decimal('45.0')

CUSTOMERS = [
    # name, street, postal code, city, country, email, phone
    ("Anna Huber", "Mariahilfer Straße 12", "1070", "Wien", 'AT',
        'anna.huber@example.com', '+43 1 5234567'),
    ("Lukas Gruber", "Herrengasse 5", "8010", "Graz", 'AT',
        'lukas.gruber@example.com', '+43 316 812345'),
    ("Sophie Wagner", "Getreidegasse 9", "5020", "Salzburg", 'AT',
        'sophie.wagner@example.com', None),
    ("Kovács Eszter", "Andrássy út 20", "1061", "Budapest", 'HU',
        'eszter.kovacs@example.com', '+36 1 3214567'),
    ("Nagy Péter", "Király utca 8", "9021", "Győr", 'HU',
        'peter.nagy@example.com', None),
    ("Hotel Alpenblick GmbH", "Dorfstraße 1", "6020", "Innsbruck", 'AT',
        'einkauf@alpenblick.example.com', '+43 512 998877'),
    ]

# English name -> (German, Hungarian) of the demo's translatable names, per
# model; the English names stay the source the other steps look up.
CATEGORY_NAMES = {
    "Textiles": ("Textilien", "Textil"),
    "T-Shirts": ("T-Shirts", "Pólók"),
    "Knitwear": ("Strickwaren", "Kötöttáru"),
    "Accessories": ("Accessoires", "Kiegészítők"),
    "Trousers": ("Hosen", "Nadrágok"),
    "Cosmetics": ("Kosmetik", "Kozmetikumok"),
    "Skin Care": ("Hautpflege", "Bőrápolás"),
    "Hair Care": ("Haarpflege", "Hajápolás"),
    "Bath & Shower": ("Bad & Dusche", "Fürdő és zuhany"),
    "Fragrances": ("Düfte", "Illatok"),
    "Gifts": ("Geschenke", "Ajándékok"),
    "Books": ("Bücher", "Könyvek"),
    "Sweets": ("Süßes", "Édességek"),
    "Salon": ("Salon", "Szalon"),
    }
NAMES = {
    'product.template': {
        "T-Shirt Basic White": ("T-Shirt Basic Weiß", "Alap póló fehér"),
        "T-Shirt Basic Black": ("T-Shirt Basic Schwarz", "Alap póló fekete"),
        "T-Shirt Organic Cotton Navy": (
            "T-Shirt Bio-Baumwolle Marine", "Bio pamut póló sötétkék"),
        "T-Shirt V-Neck Grey": (
            "T-Shirt V-Ausschnitt Grau", "V-nyakú póló szürke"),
        "Longsleeve Stripes": (
            "Langarmshirt Streifen", "Csíkos hosszú ujjú"),
        "Polo Shirt Classic": ("Poloshirt Klassik", "Klasszikus pólóing"),
        "Tank Top Ribbed": ("Tanktop gerippt", "Bordázott trikó"),
        "Hoodie Grey Melange": (
            "Hoodie Grau meliert", "Kapucnis pulóver melírszürke"),
        "Sweatshirt Crew Neck": (
            "Sweatshirt Rundhals", "Kereknyakú pulóver"),
        "Merino Cardigan": ("Merino-Strickjacke", "Merinó kardigán"),
        "Zip Jacket Fleece": ("Fleece-Zipjacke", "Cipzáras polárdzseki"),
        "Knitted Vest": ("Strickweste", "Kötött mellény"),
        "Cap Baseball": ("Baseballkappe", "Baseballsapka"),
        "Beanie Wool": ("Wollmütze", "Gyapjú sapka"),
        "Scarf Cashmere Blend": (
            "Schal Kaschmirmischung", "Kasmírkeverék sál"),
        "Socks 3-Pack": ("Socken 3er-Pack", "Zokni 3 pár"),
        "Tote Bag Canvas": ("Stofftasche Canvas", "Vászon táska"),
        "Leather Belt Brown": ("Ledergürtel Braun", "Bőröv barna"),
        "Gloves Knitted": ("Strickhandschuhe", "Kötött kesztyű"),
        "Jeans Slim Fit": ("Jeans Slim Fit", "Slim fit farmer"),
        "Chino Beige": ("Chino Beige", "Chino nadrág bézs"),
        "Jogging Pants": ("Jogginghose", "Melegítőnadrág"),
        "Shorts Linen": ("Leinenshorts", "Len rövidnadrág"),
        "Aloe Vera Gel": ("Aloe-Vera-Gel", "Aloe vera gél"),
        "Hand Cream Shea Butter": (
            "Handcreme Sheabutter", "Sheavajas kézkrém"),
        "Day Cream SPF 15": ("Tagescreme LSF 15", "Nappali krém SPF 15"),
        "Night Cream Regenerating": (
            "Regenerierende Nachtcreme", "Regeneráló éjszakai krém"),
        "Face Serum Hyaluron": (
            "Gesichtsserum Hyaluron", "Hialuronos arcszérum"),
        "Body Lotion Almond": ("Bodylotion Mandel", "Mandulás testápoló"),
        "Sun Milk SPF 30": ("Sonnenmilch LSF 30", "Naptej SPF 30"),
        "Lip Balm Honey": ("Lippenbalsam Honig", "Mézes ajakbalzsam"),
        "Shampoo Chamomile": ("Shampoo Kamille", "Kamillás sampon"),
        "Conditioner Argan": ("Spülung Argan", "Argán hajbalzsam"),
        "Hair Oil Jojoba": ("Haaröl Jojoba", "Jojoba hajolaj"),
        "Dry Shampoo": ("Trockenshampoo", "Szárazsampon"),
        "Hair Mask Keratin": ("Haarmaske Keratin", "Keratinos hajpakolás"),
        "Shower Gel Lavender": ("Duschgel Lavendel", "Levendulás tusfürdő"),
        "Bath Salt Dead Sea": (
            "Badesalz Totes Meer", "Holt-tengeri fürdősó"),
        "Soap Bar Olive Oil": ("Seife Olivenöl", "Olívaolajos szappan"),
        "Bath Bomb Rose": ("Badekugel Rose", "Rózsás fürdőbomba"),
        "Body Scrub Coffee": ("Körperpeeling Kaffee", "Kávés testradír"),
        "Eau de Toilette Citrus 50 ml": (
            "Eau de Toilette Zitrus 50 ml", "Citrusos eau de toilette 50 ml"),
        "Eau de Parfum Amber 50 ml": (
            "Eau de Parfum Amber 50 ml", "Borostyán eau de parfum 50 ml"),
        "Room Spray Pine": ("Raumspray Kiefer", "Fenyő légfrissítő"),
        "Scented Candle Vanilla": (
            "Duftkerze Vanille", "Vaníliás illatgyertya"),
        "Book Natural Cosmetics at Home": (
            "Buch Naturkosmetik zu Hause",
            "Könyv: Natúrkozmetikumok otthon"),
        "Book Sewing for Beginners": (
            "Buch Nähen für Anfänger", "Könyv: Varrás kezdőknek"),
        "Chocolate Dark 70 %": (
            "Zartbitterschokolade 70 %", "Étcsokoládé 70 %"),
        "Herbal Tea Selection": (
            "Kräutertee-Auswahl", "Gyógyteaválogatás"),
        "Honey Acacia 500 g": ("Akazienhonig 500 g", "Akácméz 500 g"),
        "Christmas Voucher": ("Weihnachtsgutschein", "Karácsonyi utalvány"),
        "eWallet Top-up": ("eWallet-Aufladung", "eWallet-feltöltés"),
        "Haarschnitt": ("Haarschnitt", "Hajvágás"),
        "cituro Service": ("cituro-Leistung", "cituro szolgáltatás"),
        },
    'product.category': CATEGORY_NAMES,
    'product.pos_category': CATEGORY_NAMES,
    'product.tag': {"New": ("Neu", "Új")},
    'sale.point.payment.method': {
        "Cash": ("Bar", "Készpénz"),
        "Card": ("Karte", "Bankkártya"),
        "Gift card": ("Gutschein", "Ajándékkártya"),
        },
    'wallet.program': {
        "Christmas voucher": ("Weihnachtsgutschein", "Karácsonyi utalvány"),
        "Stammkunden eWallet": (
            "Stammkunden-eWallet", "Törzsvásárlói eWallet"),
        },
    'product.price_list': {
        "Stammkunden": ("Stammkunden", "Törzsvásárlók"),
        "Weihnachten": ("Weihnachten", "Karácsony"),
        },
    # What the screen and the receipt show of the cap's colour, the
    # hoodie's warranty and the 10-pack
    'product.attribute': {
        "Colour": ("Farbe", "Szín"),
        "Warranty": ("Garantie", "Garancia"),
        },
    'product.attribute.value': {
        "Red": ("Rot", "Piros"),
        "Blue": ("Blau", "Kék"),
        "Green": ("Grün", "Zöld"),
        "None": ("Keine", "Nincs"),
        "1 year": ("1 Jahr", "1 év"),
        "2 years": ("2 Jahre", "2 év"),
        },
    # the description, which receipts and reports print
    'account.tax': {
        "USt 20 %": ("USt 20 %", "ÁFA 20 %"),
        "USt 10 %": ("USt 10 %", "ÁFA 10 %"),
        },
    'product.packaging': {
        "Pkg 10x T-Shirt Basic White": (
            "10er-Pack T-Shirt Basic Weiß", "10 db-os csomag alap póló fehér"),
        },
    }
# The translatable name of the models whose name is not (an attribute's
# name is its key; its label is its string)
TRANSLATED_FIELD = {
    'product.attribute': 'string', 'account.tax': 'description'}


def load(config, modules):
    "Create what is missing of the demo data for the activated modules"
    company = setup_company(config)
    accounts = setup_accounting(config, company)
    setup_catalog(config, accounts)
    setup_customers(config)
    if 'onretail_catalog' in modules:
        setup_master_data(config)
    if 'sale_point' in modules:
        setup_cash_register(config, company, accounts)
    if 'onretail_pricelist' in modules:
        setup_price_lists(config, 'sale_point' in modules)
    if 'onretail_wallet' in modules:
        setup_wallets(config)
        if {'sale', 'sale_point'} & set(modules):
            setup_wallet_accounting(accounts, 'sale_point' in modules)
    if 'onretail_pos' in modules:
        setup_cashier_screen(accounts)
    if 'onretail_cituro' in modules:
        setup_salon(accounts, 'onretail_catalog' in modules)
    if 'onretail_planet' in modules:
        setup_tax_free(accounts)
    if 'onretail_cartum' in modules:
        setup_web_shop(accounts)
    if 'onretail_kulcs' in modules:
        setup_kulcs()
    if 'product_image' in modules:
        setup_product_images()
    translate_names(config)
    close_configuration_wizard()


def translate_names(config):
    """Give the demo's records their German and Hungarian names: the
    translations of their translatable name, written in that language"""
    IrModel = Model.get('ir.model')
    activated = {m.name for m in IrModel.find([('name', 'in', list(NAMES))])}
    for model_name, names in NAMES.items():
        if model_name not in activated:
            continue
        Record = Model.get(model_name)
        for source, translations in names.items():
            ids = [r.id for r in Record.find([('name', '=', source)])]
            field = TRANSLATED_FIELD.get(model_name, 'name')
            for language, name in zip(['de', 'hu'], translations):
                if ids:
                    Record.write(ids, {field: name},
                        {**config.context, 'language': language})


def close_configuration_wizard():
    "The demo did the set-up, so the first login skips the wizard"
    Item = Model.get('ir.module.config_wizard.item')
    items = Item.find([('state', '!=', 'done')])
    for item in items:
        item.state = 'done'
    Item.save(items)


def _find_one(model, domain):
    records = model.find(domain, limit=1)
    return records[0] if records else None


def _country(code):
    Country = Model.get('country.country')
    country = _find_one(Country, [('code', '=', code)])
    name, numeric = COUNTRIES[code]
    if not country:
        country = Country(name=name, code=code, code_numeric=numeric)
        country.save()
    elif not country.code_numeric:
        country.code_numeric = numeric
        country.save()
    return country


def setup_company(config):
    Company = Model.get('company.company')
    Currency = Model.get('currency.currency')
    CurrencyRate = Model.get('currency.currency.rate')
    Party = Model.get('party.party')
    User = Model.get('res.user')

    company = _find_one(Company, [])
    if company:
        # Local hours, and cituro's "today", are Vienna's
        if not company.timezone:
            company.timezone = TIMEZONE
            company.save()
        return company
    euro = _find_one(Currency, [('code', '=', 'EUR')])
    if not euro:
        euro = Currency(
            name="Euro", code='EUR', symbol='€', rounding=Decimal('0.01'))
        euro.save()
        CurrencyRate(
            currency=euro, date=datetime.date.min, rate=Decimal(1)).save()

    party = Party(name=COMPANY_NAME)
    address, = party.addresses
    address.street = "Kärntner Straße 21"
    address.postal_code = "1010"
    address.city = "Wien"
    address.country = _country('AT')
    party.save()

    company_config = Wizard('company.company.config')
    company_config.execute('company')
    company_config.form.party = party
    company_config.form.currency = euro
    company_config.form.timezone = TIMEZONE
    company_config.execute('add')
    config._context = User.get_preferences(True, {})
    company, = Company.find()
    return company


def setup_accounting(config, company):
    "Chart of accounts, taxes and a fiscal year covering today"
    Account = Model.get('account.account')
    AccountTemplate = Model.get('account.account.template')
    ModelData = Model.get('ir.model.data')
    Tax = Model.get('account.tax')

    if not Account.find([('company', '=', company.id)], limit=1):
        create_chart = Wizard('account.create_chart')
        create_chart.execute('account')
        create_chart.form.account_template = AccountTemplate(
            ModelData.get_id(
                'account', 'account_template_root_en', config.context))
        create_chart.form.company = company
        create_chart.execute('create_account')
        create_chart.form.account_receivable = _account('receivable')
        create_chart.form.account_payable = _account('payable')
        create_chart.form.category_account_revenue = _account('revenue')
        create_chart.form.category_account_expense = _account('expense')
        create_chart.execute('create_properties')

    accounts = {
        kind: _account(kind)
        for kind in ['receivable', 'payable', 'revenue', 'expense']}
    accounts['cash'] = _find_one(Account, [('code', '=', '1.1.1')])
    tax_account = _find_one(Account, [('code', '=', '6.3.6')])
    for rate, key in [(VAT, 'tax'), (REDUCED_VAT, 'reduced_tax')]:
        name = f"USt {rate * 100:.0f} %"
        tax = _find_one(Tax, [('name', '=', name)])
        if not tax:
            tax = Tax(name=name, description=name, type='percentage',
                rate=rate, invoice_account=tax_account,
                credit_note_account=tax_account)
            tax.save()
        accounts[key] = tax
    setup_fiscalyear(company)
    return accounts


def _account(kind):
    Account = Model.get('account.account')
    return _find_one(Account, [
            (f'type.{kind}', '=', True), ('closed', '!=', True)])


def setup_fiscalyear(company):
    FiscalYear = Model.get('account.fiscalyear')
    Sequence = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')

    today = datetime.date.today()
    if FiscalYear.find([
                ('start_date', '<=', today), ('end_date', '>=', today)]):
        return
    year = str(today.year)
    fiscalyear = FiscalYear(name=year, company=company)
    fiscalyear.start_date = today + relativedelta(month=1, day=1)
    fiscalyear.end_date = today + relativedelta(month=12, day=31)
    move_sequence_type, = SequenceType.find(
        [('name', '=', "Account Move")], limit=1)
    fiscalyear.move_sequence = Sequence(
        name=year, sequence_type=move_sequence_type, company=company)
    fiscalyear.move_sequence.save()
    invoice_sequence_type, = SequenceType.find(
        [('name', '=', "Invoice")], limit=1)
    invoice_sequence = Sequence(
        name=f"Invoice {year}", sequence_type=invoice_sequence_type,
        company=company)
    invoice_sequence.save()
    invoice_sequences, = fiscalyear.invoice_sequences
    for field in ['out_invoice_sequence', 'out_credit_note_sequence',
            'in_invoice_sequence', 'in_credit_note_sequence']:
        setattr(invoice_sequences, field, invoice_sequence)
    fiscalyear.save()
    fiscalyear.click('create_period')


def setup_catalog(config, accounts):
    Category = Model.get('product.category')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')

    unit, = Uom.find([('name', '=', "Unit")])
    account_categories = {}
    for key, name in [('tax', "Goods 20 %"), ('reduced_tax', "Goods 10 %")]:
        category = _find_one(Category, [
                ('name', '=', name), ('accounting', '=', True)])
        if not category:
            category = Category(name=name, accounting=True)
            category.account_revenue = accounts['revenue']
            category.account_expense = accounts['expense']
            tax = accounts[key]
            category.customer_taxes.append(type(tax)(tax.id))
            category.supplier_taxes.append(type(tax)(tax.id))
            category.save()
        account_categories[key] = category

    for path, products in PRODUCTS.items():
        category = _category(path)
        tax_key = 'reduced_tax' if path in REDUCED_RATE_CATEGORIES else 'tax'
        rate = accounts[tax_key].rate
        for code, name, gross_price in products:
            if Template.find([('code', '=', code)]):
                continue
            gross_price = Decimal(gross_price)
            template = Template(name=name, code=code, default_uom=unit)
            template.type = 'goods'
            template.salable = True
            template.account_category = account_categories[tax_key]
            template.categories.append(Category(category.id))
            template.list_price = (gross_price / (1 + rate)).quantize(
                Decimal('0.0001'))
            if 'gross_price' in Template._fields:
                template.gross_price = gross_price
            template.save()
            # A margin of half the net price; the cost is kept per variant.
            product, = template.products
            product.cost_price = (template.list_price / 2).quantize(
                Decimal('0.0001'))
            product.save()


def _category(path, model=None):
    Category = model or Model.get('product.category')
    parent = None
    for name in path:
        category = _find_one(Category, [
                ('name', '=', name),
                ('parent', '=', parent.id if parent else None)])
        if not category:
            category = Category(name=name, parent=parent)
            category.save()
        parent = category
    return parent


def setup_master_data(config):
    "POS categories like the product ones, a tag and a 10-pack of T-shirts"
    Packaging = Model.get('product.packaging')
    POSCategory = Model.get('product.pos_category')
    Product = Model.get('product.product')
    Tag = Model.get('product.tag')
    Template = Model.get('product.template')

    for path in PRODUCTS:
        pos_category = _category(path, model=POSCategory)
        product_category = _category(path)
        templates = Template.find([
                ('categories', '=', product_category.id),
                ('pos_categories', '!=', pos_category.id),
                ])
        for template in templates:
            template.pos_categories.append(POSCategory(pos_category.id))
        Template.save(templates)

    if not Tag.find([('name', '=', "New")]):
        tag = Tag(name="New", color='#2e7d32', ribbon="NEW",
            ribbon_color='#c62828')
        for template in Template.find([('code', 'in', ['TS-003', 'SC-005'])]):
            tag.templates.append(Template(template.id))
        tag.save()

    setup_variants()

    if not Packaging.find([('barcode', '=', '9001234123045')]):
        tshirt, = Product.find([('code', '=', 'TS-001')])
        Packaging(name="Pkg 10x T-Shirt Basic White", product=tshirt,
            quantity=10, barcode='9001234123045').save()


def setup_variants():
    "The cap comes in three colours; a warranty can be added to the hoodie"
    Attribute = Model.get('product.attribute')
    Template = Model.get('product.template')

    colour = _find_one(Attribute, [('name', '=', "Colour")])
    if not colour:
        colour = Attribute(name="Colour", display_type='color')
        for name, html_color in [
                ("Red", '#C62828'), ("Blue", '#1565C0'),
                ("Green", '#2E7D32')]:
            colour.values.new(name=name, html_color=html_color)
        colour.save()
    cap, = Template.find([('code', '=', 'AC-001')])
    if not cap.attribute_lines:
        cap.attribute_lines.new(attribute=colour)
        cap.save()

    warranty = _find_one(Attribute, [('name', '=', "Warranty")])
    if not warranty:
        warranty = Attribute(name="Warranty", creation_mode='never',
            display_type='select')
        for name in ["None", "1 year", "2 years"]:
            warranty.values.new(name=name)
        warranty.save()
    hoodie, = Template.find([('code', '=', 'KN-001')])
    if not hoodie.attribute_lines:
        line = hoodie.attribute_lines.new(attribute=warranty)
        for line_value, extra in zip(line.values, ['0', '29', '49']):
            line_value.price_extra = Decimal(extra)
        hoodie.save()


def setup_customers(config):
    Party = Model.get('party.party')
    for name, street, postal_code, city, country, email, phone in CUSTOMERS:
        if Party.find([('name', '=', name)]):
            continue
        party = Party(name=name)
        address, = party.addresses
        address.street = street
        address.postal_code = postal_code
        address.city = city
        address.country = _country(country)
        party.contact_mechanisms.new(type='email', value=email)
        if phone:
            party.contact_mechanisms.new(type='phone', value=phone)
        party.save()


def setup_cash_register(config, company, accounts):
    Account = Model.get('account.account')
    Journal = Model.get('account.journal')
    Location = Model.get('stock.location')
    PaymentMethod = Model.get('sale.point.payment.method')
    POS = Model.get('sale.point')
    SequenceStrict = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')

    if not POS.find([('name', '=', "Filiale Wien")]):
        pos = POS(name="Filiale Wien", tax_included=True)
        pos.journal, = Journal.find([('type', '=', 'revenue')], limit=1)
        # Receipt numbers a scanner and a shopper can tell apart
        pos.sequence = SequenceStrict(name="Filiale Wien", company=company,
            prefix="WIEN-", padding=6)
        pos.sequence.sequence_type, = SequenceType.find(
            [('name', '=', "POS")], limit=1)
        pos.sequence.save()
        pos.storage_location, = Location.find([('code', '=', 'STO')])
        pos.customer_location, = Location.find([('code', '=', 'CUS')])
        pos.address = company.party.addresses[0]
        pos.save()

    if not PaymentMethod.find([('name', '=', "Cash")]):
        PaymentMethod(name="Cash", account=accounts['cash'], cash=True).save()
    if not PaymentMethod.find([('name', '=', "Card")]):
        card_account = _find_one(Account, [('name', '=', "Card Terminal")])
        if not card_account:
            card_account, = accounts['cash'].duplicate(
                default={'name': "Card Terminal"})
        PaymentMethod(name="Card", account=card_account).save()


def setup_cashier_screen(accounts):
    """What the receipts of Filiale Wien say, which payments it takes and
    where the differences of the counted cash go"""
    Journal = Model.get('account.journal')
    PaymentMethod = Model.get('sale.point.payment.method')
    POS = Model.get('sale.point')
    TransferType = Model.get('sale.point.cash.transfer.type')
    pos, = POS.find([('name', '=', "Filiale Wien")])
    if not pos.receipt_header:
        pos.receipt_header = "onRetail Filiale Wien\nKärntner Straße 21, 1010 Wien"
        pos.receipt_footer = "Umtausch innerhalb von 14 Tagen mit Bon."
        for method in PaymentMethod.find([]):
            pos.payment_methods.append(PaymentMethod(method.id))
        pos.save()
    if not pos.cash_difference_type:
        difference = TransferType(name="Kassendifferenz")
        difference.journal, = Journal.find([('code', '=', 'CASH')])
        difference.account = accounts['expense']
        difference.save()
        pos.cash_difference_type = difference
        pos.save()


def setup_salon(accounts, with_catalog):
    """The salon's services, in a "Salon" category (of the cashier screen
    too), and Filiale Wien taking cituro appointments from the sandbox
    (test mode, its default URL), reporting paid ones back"""
    Category = Model.get('product.category')
    POS = Model.get('sale.point')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')

    unit, = Uom.find([('name', '=', "Unit")])
    tax = accounts['tax']
    account_category = _find_one(Category, [
            ('name', '=', "Services 20 %"), ('accounting', '=', True)])
    if not account_category:
        account_category = Category(name="Services 20 %", accounting=True)
        account_category.account_revenue = accounts['revenue']
        account_category.account_expense = accounts['expense']
        account_category.customer_taxes.append(type(tax)(tax.id))
        account_category.supplier_taxes.append(type(tax)(tax.id))
        account_category.save()
    category = _category(SALON_CATEGORY)
    pos_category = None
    if with_catalog:
        POSCategory = Model.get('product.pos_category')
        pos_category = _category(SALON_CATEGORY, model=POSCategory)

    def service(name, gross_price, code=None):
        template = Template(name=name, code=code, default_uom=unit)
        template.type = 'service'
        template.salable = True
        template.account_category = account_category
        template.list_price = (gross_price / (1 + tax.rate)).quantize(
            Decimal('0.0001'))
        if 'gross_price' in Template._fields:
            template.gross_price = gross_price
        return template

    for code, name, gross_price in SALON_SERVICES:
        if Template.find([('code', '=', code)]):
            continue
        template = service(name, Decimal(gross_price), code)
        template.categories.append(Category(category.id))
        if pos_category:
            template.pos_categories.append(type(pos_category)(pos_category.id))
        template.save()

    # Sold at the name and price of cituro's service; without a POS
    # category the screen finds it by search only
    fallback = _find_one(Template, [('name', '=', CITURO_PRODUCT)])
    if not fallback:
        fallback = service(CITURO_PRODUCT, Decimal(0))
        fallback.save()

    pos, = POS.find([('name', '=', "Filiale Wien")])
    if not pos.cituro_api_key:
        pos.cituro_mode = 'test'
        pos.cituro_api_key = CITURO_API_KEY
        pos.cituro_fallback_product = fallback.products[0]
        pos.cituro_report_payment = True
        pos.save()


def setup_tax_free(accounts):
    """Filiale Wien issues Planet tax-free forms to travellers from outside
    the EU, from the sandbox in test mode (its default URL)"""
    Category = Model.get('product.category')
    Identifier = Model.get('party.identifier')
    POS = Model.get('sale.point')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')

    _european_union()
    for code in COUNTRIES:
        _country(code)
    company = Model.get('company.company').find()[0]
    if not company.party.tax_identifier:
        Identifier(party=company.party, type='eu_vat', code=COMPANY_VAT).save()
    unit, = Uom.find([('name', '=', "Unit")])
    code, name, gross_price = TAX_FREE_JACKET
    if not Template.find([('code', '=', code)]):
        jacket = Template(name=name, code=code, default_uom=unit,
            type='goods', salable=True)
        jacket.account_category = _find_one(Category, [
                ('name', '=', "Goods 20 %"), ('accounting', '=', True)])
        jacket.list_price = (Decimal(gross_price) / (1 + VAT)).quantize(
            Decimal('0.0001'))
        if 'gross_price' in Template._fields:
            jacket.gross_price = Decimal(gross_price)
        jacket.save()
    product = _find_one(Template, [('name', '=', PLANET_PRODUCT)])
    if not product:
        product = Template(name=PLANET_PRODUCT, default_uom=unit,
            type='service', salable=True, list_price=Decimal(0))
        untaxed = _find_one(Category, [
                ('name', '=', "Without Tax"), ('accounting', '=', True)])
        if not untaxed:
            untaxed = Category(name="Without Tax", accounting=True)
            untaxed.account_revenue = accounts['revenue']
            untaxed.save()
        product.account_category = untaxed
        if 'gross_price' in Template._fields:
            product.gross_price = Decimal(0)
        product.save()
    pos, = POS.find([('name', '=', "Filiale Wien")])
    if not pos.planet_mode:
        pos.planet_mode = 'test'
        pos.planet_merchant_id = PLANET_MERCHANT_ID
        pos.planet_activation_code = PLANET_ACTIVATION_CODE
        pos.planet_product = product.products[0]
        pos.save()


def setup_web_shop(accounts):
    """The web shop "Kyiv Online" on Cartum, in test mode on the sandbox:
    its orders in hryvnia, gross, products by SKU, and the services of its
    delivery and discount lines"""
    Category = Model.get('product.category')
    Currency = Model.get('currency.currency')
    CurrencyRate = Model.get('currency.currency.rate')
    Store = Model.get('cartum.store')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')

    if Store.find([('name', '=', "Kyiv Online")]):
        return
    hryvnia = _find_one(Currency, [('code', '=', 'UAH')])
    if not hryvnia:
        hryvnia = Currency(name="Ukrainian Hryvnia", code='UAH',
            symbol="₴", numeric_code='980')
        hryvnia.save()
        CurrencyRate(currency=hryvnia, date=datetime.date.min,
            rate=UAH_RATE).save()
    ukraine = _country('UA')
    goods = _find_one(Category, [
            ('name', '=', "Goods 20 %"), ('accounting', '=', True)])
    unit, = Uom.find([('name', '=', "Unit")])

    def service(name):
        template = _find_one(Template, [('name', '=', name)])
        if not template:
            template = Template(name=name, default_uom=unit,
                type='service', salable=True, list_price=Decimal(0))
            template.account_category = goods
            template.save()
        return template.products[0]

    store = Store(name="Kyiv Online", domain='kyiv-online.example.com')
    store.api_login = CARTUM_LOGIN
    store.api_password = CARTUM_PASSWORD
    store.currency = hryvnia
    store.language = 'en'
    store.phone_country = ukraine
    store.account_category = goods
    store.shipping_product = service("Web Shop Delivery")
    store.discount_product = service("Web Shop Discount")
    store.test_mode = True
    for cartum_id, name, state in CARTUM_STATUSES:
        store.statuses.new(cartum_id=cartum_id, cartum_name=name,
            state=state)
    store.save()


def setup_kulcs():
    """The connection with Kulcs Ügyvitel in test mode: stock and prices by
    SKU, gross, promo prices on their own list; its sync user; and a
    confirmed order of a Hungarian customer for Kulcs to fetch"""
    Connection = Model.get('kulcs.connection')
    Group = Model.get('res.group')
    Party = Model.get('party.party')
    Product = Model.get('product.product')
    Sale = Model.get('sale.sale')
    User = Model.get('res.user')

    if Connection.find([('name', '=', "Kulcs Ügyvitel")]):
        return
    promo = _price_list("Kulcs Akciók", tax_included=True, media=['web'])
    company, = Model.get('company.company').find([])
    user = User(name="Kulcs Sync", login='kulcs_sync')
    user.companies.append(company)
    user.company = company
    for name in ["Product Administration", "Account Product Administration",
            "Stock", "Stock Administration", "Sales"]:
        user.groups.append(Group.find([('name', '=', name)])[0])
    user.save()
    connection = Connection(name="Kulcs Ügyvitel")
    connection.webshop_id = KULCS_WEBSHOP_ID
    connection.import_password = KULCS_IMPORT_PASSWORD
    connection.promo_price_list = promo
    connection.sync_user = user
    connection.order_media = ['sale', 'web']
    for field, code in [('shipping_sku', 'SZALLITAS'),
            ('payment_fee_sku', 'KEZELES'), ('coupon_sku', 'KUPON')]:
        setattr(connection, field, code)
    # the web shop's services, when the demo has them (onretail_cartum)
    for field, name in [('shipping_product', "Web Shop Delivery"),
            ('coupon_product', "Web Shop Discount")]:
        services = Product.find([('name', '=', name)])
        if services:
            setattr(connection, field, services[0])
    connection.test_mode = True
    connection.save()

    name, lines = KULCS_ORDER
    sale = Sale(party=Party.find([('name', '=', name)])[0])
    for code, quantity in lines:
        line = sale.lines.new()
        line.product, = Product.find([('code', '=', code)])
        line.quantity = quantity
    sale.click('quote')
    sale.click('confirm')


def setup_product_images():
    "A picture for each demo product and POS category, for the screen's tiles"
    POSCategory = Model.get('product.pos_category')
    ProductImage = Model.get('product.image')
    Template = Model.get('product.template')
    for template in Template.find([('images', '=', None)]):
        ProductImage(template=template,
            image=_picture(template.code or template.name)).save()
    categories = POSCategory.find([('image', '=', None)])
    for category in categories:
        category.image = _picture(category.name[:2])
    POSCategory.save(categories)


def _picture(label):
    "A square of a colour of its own with the label on it, as PNG"
    red, green, blue = hashlib.sha256(label.encode()).digest()[:3]
    # Pastel: half way to white, so that the dark label stays readable
    colour = tuple(128 + c // 2 for c in (red, green, blue))
    image = Image.new('RGB', (200, 200), colour)
    ImageDraw.Draw(image).text((100, 100), label, fill=(40, 40, 40),
        anchor='mm', font=ImageFont.load_default(size=40))
    data = io.BytesIO()
    image.save(data, format='PNG')
    return data.getvalue()


def setup_price_lists(config, with_pos):
    """The branch's prices, a regular customers' list with a visible discount,
    the web shop's .99 prices and a Christmas coupon"""
    POS = Model.get('sale.point')
    Party = Model.get('party.party')
    Template = Model.get('product.template')

    skin_care = _category(("Cosmetics", "Skin Care"))
    branch = _price_list("Filiale Wien", tax_included=True, media=['pos'])
    if not branch.lines:
        _rule(branch, category=skin_care, compute_price='formula',
            base='list_price', discount=Decimal(10), rounding=Decimal('0.1'),
            surcharge=Decimal('-0.01'))
        branch.save()
    if with_pos:
        pos, = POS.find([('name', '=', "Filiale Wien")])
        if not pos.price_list:
            pos.price_list = branch
            pos.save()

    regulars = _price_list(
        "Stammkunden", tax_included=True, discount_policy='with_discount',
        reference="Kundenkarte")
    union = _european_union()
    if not regulars.lines:
        aloe_vera, = Template.find([('code', '=', 'SC-001')])
        _rule(regulars, template=aloe_vera, compute_price='fixed',
            fixed_price=Decimal('7.49'))
        _rule(regulars, compute_price='percentage',
            percent_price=Decimal(5))
        regulars.country_groups.append(union)
        regulars.save()
    for name in ["Anna Huber", "Kovács Eszter"]:
        customer, = Party.find([('name', '=', name)])
        if not customer.sale_price_list:
            customer.sale_price_list = regulars
            customer.save()

    web = _price_list(
        "Webshop", tax_included=True, media=['web'], gateway_export=True,
        gateway_name='webshop')
    if not web.lines:
        _rule(web, compute_price='formula', base='list_price',
            rounding=Decimal(1), surcharge=Decimal('-0.01'))
        web.save()

    christmas = _price_list(
        "Weihnachten", tax_included=True, media=['web'], coupon_code="XMAS10",
        reference="Weihnachtsaktion")
    if not christmas.lines:
        year = datetime.date.today().year
        _rule(christmas, compute_price='formula', base='price_list',
            base_price_list=web, discount=Decimal(10),
            start_date=datetime.date(year, 12, 1),
            end_date=datetime.date(year, 12, 24))
        christmas.save()


def setup_wallets(config):
    """A Christmas gift card program with three anonymous vouchers and an
    eWallet for the regular customers"""
    Category = Model.get('party.category')
    Party = Model.get('party.party')

    voucher = _program("Christmas voucher", 'gift_card', "Christmas Voucher",
        credit_expires=True, validity=3, validity_unit='year',
        refund_type='oldest', email_template=_card_email_template(),
        print_template=_card_report())
    if not voucher.cards:
        _generate_cards(voucher, amount=Decimal(50), quantity=3)

    regulars, = (Category.find([('name', '=', "Stammkunden")])
        or [Category(name="Stammkunden")])
    regulars.save()
    for name in ["Anna Huber", "Kovács Eszter", "Lukas Gruber"]:
        customer, = Party.find([('name', '=', name)])
        if regulars not in customer.categories:
            customer.categories.append(Category(regulars.id))
            customer.save()
    ewallet = _program("Stammkunden eWallet", 'ewallet', "eWallet Top-up",
        media=['pos', 'sale'])
    if not ewallet.cards:
        _generate_cards(ewallet, amount=Decimal(20), categories=[regulars])


def setup_wallet_accounting(accounts, with_pos):
    """The credit of the cards on a liability account, expired credit to
    revenue, vouchers without tax, and a gift card payment method"""
    Account = Model.get('account.account')
    AccountType = Model.get('account.account.type')
    Category = Model.get('product.category')
    Journal = Model.get('account.journal')
    Program = Model.get('wallet.program')

    credit = _find_one(Account, [('name', '=', "Gift card & eWallet credit")])
    if not credit:
        liabilities, = AccountType.find([
                ('name', '=', "Liabilities"), ('statement', '=', 'balance')])
        credit_type = AccountType(name="Gift card & eWallet credit",
            parent=liabilities, statement='balance', wallet=True)
        credit_type.save()
        credit = Account(name="Gift card & eWallet credit", type=credit_type)
        credit.save()
    category = _find_one(Category, [
            ('name', '=', "Vouchers"), ('accounting', '=', True)])
    if not category:
        category = Category(name="Vouchers", accounting=True)
        category.account_revenue = accounts['revenue']
        category.account_expense = accounts['expense']
        category.save()
    journal, = Journal.find([('code', '=', 'MISC')])
    for program in Program.find([('account', '=', None)]):
        program.account = credit
        program.expiry_account = accounts['revenue']
        program.expiry_journal = journal
        program.save()
        template = program.product.template
        if not template.account_category:
            template.account_category = category
            template.save()
    if with_pos:
        PaymentMethod = Model.get('sale.point.payment.method')
        if not PaymentMethod.find([('name', '=', "Gift card")]):
            PaymentMethod(name="Gift card", account=credit, wallet=True).save()


def _program(name, type_, product_name, **values):
    Program = Model.get('wallet.program')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')
    programs = Program.find([('name', '=', name)])
    if programs:
        return programs[0]
    template = Template(name=product_name, type='service',
        default_uom=Uom.find([('name', '=', "Unit")])[0], salable=True,
        list_price=Decimal(0))
    template.save()
    program = Program(name=name, type=type_, product=template.products[0],
        **values)
    program.save()
    return program


def _card_report():
    "The printed card with its barcode"
    ActionReport = Model.get('ir.action.report')
    report, = ActionReport.find([
            ('report_name', '=', 'wallet.card'), ('model', '=', 'wallet.card')])
    return report


def _card_email_template():
    Field = Model.get('ir.model.field')
    IrModel = Model.get('ir.model')
    EmailTemplate = Model.get('ir.email.template')
    templates = EmailTemplate.find([('name', '=', "Gift card")])
    if templates:
        return templates[0]
    model, = IrModel.find([('name', '=', 'wallet.card')])
    party, = Field.find(
        [('model', '=', 'wallet.card'), ('name', '=', 'party')])
    template = EmailTemplate(name="Gift card", model=model, recipients=party,
        subject="Ihr Gutschein ${record.program.name}",
        body="Ihr Gutscheincode: ${record.code}")
    template.reports.append(_card_report())
    template.save()
    return template


def _generate_cards(program, amount, quantity=None, categories=()):
    generate = Wizard('wallet.card.generate', [program])
    generate.form.amount = amount
    if quantity:
        generate.form.for_customers = False
        generate.form.quantity = quantity
    else:
        generate.form.for_customers = True
        generate.form.categories.extend(
            type(c)(c.id) for c in categories)
    generate.execute('generate')


def _price_list(name, **values):
    PriceList = Model.get('product.price_list')
    price_list = _find_one(PriceList, [('name', '=', name)])
    if not price_list:
        price_list = PriceList(name=name, **values)
        price_list.save()
    return price_list


def _rule(price_list, **values):
    if values.get('category'):
        values['applies_to'] = 'category'
    elif values.get('template'):
        values['applies_to'] = 'template'
    else:
        values['applies_to'] = 'all'
    return price_list.lines.new(**values)


def _european_union():
    Organization = Model.get('country.organization')
    # The country module ships the EU without its members
    union = _find_one(Organization, [('code', '=', 'EU')])
    if not union:
        union = Organization(name="European Union", code='EU')
    members = {m.country for m in union.members}
    for code in ['AT', 'DE', 'HU']:
        if _country(code) not in members:
            union.members.new(country=_country(code))
    union.save()
    return Organization(union.id)
