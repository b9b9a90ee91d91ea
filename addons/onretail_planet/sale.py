# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Tax-free register sales: the traveller taken on the open sale, from the
cashier screen's cart or by the back office's wizard; the form issued once
the sale is paid and voided when its goods come back"""
import datetime
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.onretail_pos import boundary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import TravellerError
from .form import DOCUMENT_TYPES, TRAVELLER_FIELDS, TravellerMixin

# Planet's codes of the ways to pay: the till's other methods are cards
PAYMENT_CASH, PAYMENT_CARD, PAYMENT_VOUCHER = 1, 4, 6
MAX_NAME = 100


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    planet_forms = fields.One2Many('onretail.planet.form', 'sale',
        "Tax-Free Forms", readonly=True,
        help="The Planet tax-free forms of this sale; one at most is not "
        "voided.")
    planet_enabled = fields.Function(fields.Boolean("Planet Enabled"),
        'on_change_with_planet_enabled')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'screen_planet_check': RPC(),
                })
        cls._buttons.update({
                'planet_tax_free': {
                    'invisible': ((Eval('state') != 'open')
                        | ~Eval('planet_enabled')),
                    'depends': ['state', 'planet_enabled'],
                    },
                })

    @fields.depends('point')
    def on_change_with_planet_enabled(self, name=None):
        return bool(self.point and self.point.planet_mode)

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('planet_forms')
        return super().copy(sales, default=default)

    @classmethod
    @ModelView.button_action('onretail_planet.wizard_tax_free')
    def planet_tax_free(cls, sales):
        pass

    def planet_form(self):
        "The form of the sale that is not voided, None without one"
        forms = [f for f in self.planet_forms if f.state != 'voided']
        return forms[0] if forms else None

    def take_traveller(self, traveller):
        """Make the open sale tax-free for traveller (a TravellerMixin): a
        draft form and the line of the Planet product; TravellerError when
        the traveller or the sale may have none"""
        pool = Pool()
        Form = pool.get('onretail.planet.form')
        Line = pool.get('sale.point.sale.line')
        if self.state != 'open':
            raise TravellerError(gettext(
                    'onretail_planet.msg_sale_not_open', sale=self.rec_name))
        self.check_planet(traveller)
        product = self.point.planet_product
        with without_check_access():
            Form.lock()
            form = Form(company=self.company, sale=self,
                **traveller.traveller_values())
            form.save()
            if not any(l.product == product for l in self.lines):
                line = Line(sale=self, product=product, quantity=1)
                line.on_change_product()
                line.save()
        return form

    def check_planet(self, traveller):
        """TravellerError or PlanetError when the sale cannot be tax-free for
        traveller: the register's settings, the traveller, the minimum"""
        Date = Pool().get('ir.date')
        self.point.planet_client()
        if not self.point.planet_product:
            self.point.planet_missing('planet_product')
        with Transaction().set_context(company=self.company.id):
            traveller.check_traveller(self.date or Date.today())
        self.planet_totals()

    def check_cart_amounts(self):
        """The traveller of a cart is checked before the sale is written,
        at checkout and when the screen asks (screen_planet_check)"""
        super().check_cart_amounts()
        cart = self.cart
        traveller = cart.values.get('planet') if cart else None
        if traveller and (not cart.pricing
                or Transaction().context.get('planet_check')):
            self.check_planet(traveller)

    @classmethod
    @boundary.arguments
    def screen_planet_check(cls, point_id, cart):
        """The priced cart, its traveller checked as the checkout checks
        it: the cashier learns at once what would refuse the form"""
        with Transaction().set_context(planet_check=True):
            return cls.price_cart(point_id, cart)

    def planet_items(self):
        """The goods lines with VAT as Planet takes them: whole quantities,
        gross, net and VAT, rounded as the sale books them"""
        items = []
        for line in self.lines:
            if (not line.product or line.product.type != 'goods'
                    or line.quantity <= 0):
                continue
            rate = sum((t.rate for t in line.taxes
                    if t.type == 'percentage' and t.rate), Decimal(0))
            if rate <= 0:
                continue
            if line.quantity != int(line.quantity):
                raise TravellerError(gettext(
                        'onretail_planet.msg_fractional_quantity',
                        line=line.rec_name, quantity=line.quantity))
            gross, net = line.gross_amount, line.untax_amount
            items.append({
                    'description': line.screen_name()[:MAX_NAME],
                    'vat_rate': (rate * 100).quantize(Decimal('0.01')),
                    'net': net,
                    'vat': gross - net,
                    'gross': gross,
                    'unit_value': line.unit_gross_price.quantize(
                        Decimal('0.01')),
                    'department_id': str(
                        line.product.categories[0].id
                        if line.product.categories else 1),
                    'quantity': int(line.quantity),
                    })
        return items

    def planet_totals(self, items=None):
        """Net, VAT and gross of the goods of planet_items; TravellerError
        when their gross is below the minimum of the register's country"""
        Lang = Pool().get('ir.lang')
        if items is None:
            items = self.planet_items()
        totals = {key: sum((i[key] for i in items), Decimal(0))
            for key in ['net', 'vat', 'gross']}
        minimum = self.point.planet_minimum()
        if totals['gross'] < minimum:
            lang = Lang.get()
            raise TravellerError(gettext('onretail_planet.msg_below_minimum',
                    gross=lang.format_number(totals['gross'], digits=2),
                    minimum=lang.format_number(minimum, digits=2),
                    currency=self.currency.code))
        return totals

    def planet_payments(self):
        "The payments by Planet's codes, change taken from the cash"
        payments = {}
        for payment in self.payments:
            if payment.method.cash:
                code = PAYMENT_CASH
            elif getattr(payment.method, 'wallet', False):
                code = PAYMENT_VOUCHER
            else:
                code = PAYMENT_CARD
            payments[code] = payments.get(code, Decimal(0)) + payment.amount
        return [{'type': code, 'amount': amount}
            for code, amount in sorted(payments.items()) if amount]

    @classmethod
    @Workflow.transition('done')
    def do(cls, sales):
        "Paid: its draft form goes to Planet once this transaction is saved"
        Form = Pool().get('onretail.planet.form')
        super().do(sales)
        with without_check_access():
            forms = Form.search([
                    ('sale', 'in', [s.id for s in sales]),
                    ('state', '=', 'draft'),
                    ])
            if forms:
                Form.__queue__.issue(forms)

    @classmethod
    @Workflow.transition('posted')
    def post(cls, sales):
        "A return voids the forms of the sales whose goods came back"
        Form = Pool().get('onretail.planet.form')
        super().post(sales)
        returned = {l.returned_line.sale.id for s in sales for l in s.lines
            if getattr(l, 'returned_line', None)}
        if returned:
            with without_check_access():
                forms = Form.search([
                        ('sale', 'in', list(returned)),
                        ('state', '=', 'issued'),
                        ])
                if forms:
                    Form.__queue__.void(forms)

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, sales):
        "A sale opened again can no more be tax-free as it was"
        Form = Pool().get('onretail.planet.form')
        super().open(sales)
        with without_check_access():
            forms = Form.search([
                    ('sale', 'in', [s.id for s in sales]),
                    ('state', '!=', 'voided'),
                    ])
        if forms:
            raise TravellerError(gettext('onretail_planet.msg_open_form',
                    sale=forms[0].sale.rec_name, form=forms[0].rec_name))

    def checkout_result(self):
        "With the form that the screen has issued and printed"
        result = super().checkout_result()
        form = self.planet_form()
        result['planet_form'] = form.id if form else None
        return result

    @classmethod
    def cart_keys(cls):
        return super().cart_keys() | {'planet'}

    @classmethod
    def checked_cart(cls, point, cart, checkout=False):
        "With the traveller of a tax-free sale"
        checked = super().checked_cart(point, cart, checkout=checkout)
        traveller = cart.get('planet')
        checked['planet'] = checked_traveller(traveller) if (
            traveller is not None) else None
        return checked

    def cart_saved(self):
        super().cart_saved()
        traveller = self.cart.values['planet']
        if traveller:
            self.take_traveller(traveller)


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    def receipt_line(self, money):
        "The Planet line says the form's number, once issued"
        line = super().receipt_line(money)
        point = self.sale.point
        if point.planet_product and self.product == point.planet_product:
            form = self.sale.planet_form()
            if form and form.number:
                line['note'] = ', '.join(filter(None, [
                            line['note'], gettext(
                                'onretail_planet.msg_receipt_form',
                                number=form.number)]))
        return line


class Traveller(TravellerMixin, ModelView):
    "The traveller of a tax-free sale, as the screen sends it"
    __name__ = 'onretail.planet.traveller'
    __string__ = "Traveller"


def checked_traveller(values):
    """The traveller of the cashier screen's cart (a dict) as a Traveller,
    each value checked at the boundary"""
    pool = Pool()
    Country = pool.get('country.country')
    Traveller = pool.get('onretail.planet.traveller')
    record = gettext('onretail_planet.msg_traveller')
    values = boundary.mapping(values, record, TRAVELLER_FIELDS)
    checked = {}
    for name in ['first_name', 'last_name', 'document_number']:
        checked[name] = boundary.text(values.get(name), record, name,
            MAX_NAME, required=True)
    birth_date = boundary.text(values.get('birth_date'), record,
        'birth_date', 10, required=True)
    try:
        checked['birth_date'] = datetime.date.fromisoformat(birth_date)
    except ValueError:
        boundary.refuse('msg_input_not_date', record=record,
            field='birth_date')
    for name in ['nationality', 'residence_country']:
        country_id = boundary.identifier(values.get(name), record, name,
            required=True)
        with without_check_access():
            countries = Country.search([('id', '=', country_id)])
        if not countries:
            boundary.refuse('msg_input_not_id', record=record, field=name)
        checked[name] = countries[0]
    document_type = values.get('document_type') or 'passport'
    if document_type not in dict(DOCUMENT_TYPES):
        boundary.refuse('msg_input_not_text', record=record,
            field='document_type')
    checked['document_type'] = document_type
    return Traveller(**checked)


class TaxFreeStart(TravellerMixin, ModelView):
    "Tax-Free Sale"
    __name__ = 'onretail.planet.tax_free.start'
    __string__ = "Tax-Free Sale"


class TaxFree(Wizard):
    "Make the Sale Tax-Free"
    __name__ = 'onretail.planet.tax_free'
    __string__ = "Make the Sale Tax-Free"
    start = StateView('onretail.planet.tax_free.start',
        'onretail_planet.tax_free_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Tax Free", 'take', 'tryton-ok', default=True),
            ])
    take = StateTransition()

    def default_start(self, fields):
        sale = self.record
        if sale.state != 'open':
            raise TravellerError(gettext(
                    'onretail_planet.msg_sale_not_open', sale=sale.rec_name))
        return {}

    def transition_take(self):
        self.record.take_traveller(self.start)
        return 'end'
