# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Planet tax-free form of a register sale: the traveller, taken on the
open sale; issued once the sale is posted, in a transaction of its own, so
that the sale stands whatever Planet answers; voided by button or by a
return of the sale"""
import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.onretail_pos import boundary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .exceptions import PlanetError, TravellerError

STATES = [
    ('draft', "Draft"),
    ('issued', "Issued"),
    ('failed', "Failed"),
    ('voided', "Voided"),
    ]
DOCUMENT_TYPES = [
    ('passport', "Passport"),
    ('identity_card', "Identity Card"),
    ]
ADULT = relativedelta(years=18)
TRAVELLER_FIELDS = ['first_name', 'last_name', 'birth_date', 'nationality',
    'residence_country', 'document_type', 'document_number']


def local_time(company, timestamp):
    "timestamp (UTC, naive) in the company's time zone"
    zone = ZoneInfo(company.timezone) if company.timezone else dt.timezone.utc
    return timestamp.replace(tzinfo=dt.timezone.utc).astimezone(zone)


class TravellerMixin:
    "The traveller of a tax-free form, as the cashier takes it"
    __slots__ = ()
    first_name = fields.Char("First Name", required=True, strip=True,
        help="As in the traveller's passport.")
    last_name = fields.Char("Last Name", required=True, strip=True,
        help="As in the traveller's passport.")
    birth_date = fields.Date("Birth Date", required=True,
        help="Travellers under 18 get no tax-free form.")
    nationality = fields.Many2One('country.country', "Nationality",
        required=True, help="The country that issued the passport.")
    residence_country = fields.Many2One('country.country',
        "Country of Residence", required=True,
        help="Only travellers living outside the European Union get the "
        "VAT back.")
    document_type = fields.Selection(DOCUMENT_TYPES, "Document Type",
        required=True)
    document_number = fields.Char("Document Number", required=True,
        strip=True, help="The number of the passport or identity card.")

    @classmethod
    def default_document_type(cls):
        return 'passport'

    def check_traveller(self, date):
        """TravellerError when the traveller may not have a form on date:
        under 18 or living in the European Union"""
        if self.birth_date + ADULT > date:
            raise TravellerError(gettext('onretail_planet.msg_under_18',
                    traveller=self.traveller_name))
        if self.residence_country.is_member('country.organization_eu', date):
            raise TravellerError(gettext('onretail_planet.msg_eu_resident',
                    traveller=self.traveller_name,
                    country=self.residence_country.name))

    @property
    def traveller_name(self):
        return ' '.join(filter(None, [self.first_name, self.last_name]))

    def traveller_values(self):
        return {name: getattr(self, name) for name in TRAVELLER_FIELDS}


class Form(TravellerMixin, Workflow, ModelSQL, ModelView):
    "Planet Tax-Free Form"
    __name__ = 'onretail.planet.form'
    __string__ = "Tax-Free Form"
    _rec_name = 'number'

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    sale = fields.Many2One('sale.point.sale', "Sale", required=True,
        readonly=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    point = fields.Function(fields.Many2One('sale.point', "Cash Register"),
        'on_change_with_point', searcher='search_point')
    number = fields.Char("Voucher Number", readonly=True,
        help="The number of the form as Planet issued it.")
    barcode = fields.Char("Barcode", readonly=True,
        help="The form's barcode, which the customs scan.")
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'on_change_with_currency')
    gross_amount = Monetary("Gross Amount", currency='currency',
        digits='currency', readonly=True,
        help="The gross amount of the goods on the form.")
    tax_amount = Monetary("VAT", currency='currency', digits='currency',
        readonly=True)
    refund_amount = Monetary("Refund", currency='currency',
        digits='currency', readonly=True,
        help="What the traveller gets back, as Planet reckoned it.")
    print_lines = fields.Text("Print Lines", readonly=True,
        help="The text of the form as Planet laid it out for the printer.")
    error = fields.Text("Error", readonly=True,
        states={'invisible': ~Eval('error')},
        help="What Planet or the connection answered the last time.")
    state = fields.Selection(STATES, "State", readonly=True, required=True,
        sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in TRAVELLER_FIELDS:
            field = getattr(cls, name)
            field.readonly = True
        cls._order.insert(0, ('id', 'DESC'))
        cls.__rpc__.update({
                'screen_issue': RPC(readonly=False),
                })
        cls._transitions |= {
            ('draft', 'issued'),
            ('draft', 'failed'),
            ('failed', 'issued'),
            ('failed', 'failed'),
            ('issued', 'voided'),
            }
        cls._buttons.update({
                'issue': {
                    'invisible': ~Eval('state').in_(['draft', 'failed']),
                    'depends': ['state'],
                    },
                'void': {
                    'invisible': Eval('state') != 'issued',
                    'depends': ['state'],
                    },
                'renew': {
                    'invisible': Eval('state') != 'voided',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('sale', '_parent_sale.point')
    def on_change_with_point(self, name=None):
        return self.sale.point if self.sale else None

    @classmethod
    def search_point(cls, name, clause):
        return [('sale.point' + clause[0][len(name):], *clause[1:])]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def validate(cls, forms):
        super().validate(forms)
        cls.check_one_per_sale(forms)

    @classmethod
    def check_one_per_sale(cls, forms):
        "A sale has at most one form that is not voided"
        with without_check_access():
            for form in forms:
                if form.state == 'voided':
                    continue
                others = cls.search([
                        ('sale', '=', form.sale.id),
                        ('state', '!=', 'voided'),
                        ('id', '!=', form.id),
                        ], limit=1)
                if others:
                    raise TravellerError(gettext(
                            'onretail_planet.msg_form_exists',
                            sale=form.sale.rec_name,
                            form=others[0].rec_name))

    def get_rec_name(self, name):
        return self.number or '%s (%s)' % (
            self.traveller_name, self.sale.rec_name)

    @classmethod
    @ModelView.button
    def issue(cls, forms):
        """Send the forms of posted sales to Planet: issued with the answer,
        or failed with what went wrong"""
        for form in forms:
            form.issue_one()

    @classmethod
    def issue_pending(cls):
        "Issue the draft forms of paid sales that no one sent (cron)"
        with without_check_access():
            cls.issue(cls.search([
                        ('state', '=', 'draft'),
                        ('sale.state', 'in', ['done', 'posted']),
                        ]))

    def locked(self):
        "The form read again under its row lock: one sender at a time"
        cls = self.__class__
        cls.lock([self])
        return cls(self.id)

    def issue_one(self):
        cls = self.__class__
        with without_check_access():
            form = self.locked()
            if form.state not in {'draft', 'failed'}:
                return
            if form.sale.state not in {'done', 'posted'}:
                return
            try:
                values = form.send()
            except (PlanetError, TravellerError) as error:
                cls.fail([form], error.message)
            else:
                cls.write([form], values)
                cls.issued([form])

    def send(self):
        "The form's values from the Planet voucher of the sale"
        point = self.sale.point
        planet = point.planet_client()
        invoice = self.invoice()
        planet.insert_invoice(invoice)
        voucher = planet.create_voucher(invoice['barcode_data'])
        return {
            'number': voucher['voucher_number'],
            'barcode': voucher['barcode'],
            'refund_amount': voucher['refund_amount'],
            'print_lines': '\n'.join(voucher['print_lines']),
            'gross_amount': invoice['totals']['gross'],
            'tax_amount': invoice['totals']['vat'],
            'error': None,
            }

    def invoice(self):
        """What InsertInvoice sends of the sale: its goods with VAT, which
        must reach the minimum of the register's country"""
        sale = self.sale
        self.check_traveller(sale.date)
        items = sale.planet_items()
        totals = sale.planet_totals(items)
        return {
            'operator_id': (
                str(sale.employee.id) if sale.employee else '0'),
            'datetime': local_time(sale.company, sale.create_date),
            'invoice_number': sale.number,
            'barcode_data': sale.number,
            'items': items,
            'totals': totals,
            'payments': sale.planet_payments(),
            'customer': {
                'first_name': self.first_name,
                'last_name': self.last_name,
                'birth_date': self.birth_date,
                'nationality': self.nationality.code,
                'residence_country': self.residence_country.code,
                'document_type': self.document_type,
                'document_number': self.document_number,
                },
            }

    @classmethod
    @Workflow.transition('failed')
    def fail(cls, forms, message):
        cls.write(forms, {'error': message})

    @classmethod
    @Workflow.transition('issued')
    def issued(cls, forms):
        pass

    @classmethod
    @ModelView.button
    def void(cls, forms):
        """Void the issued forms at Planet; a form whose void fails stays
        issued with the error"""
        for form in forms:
            form.void_one()

    def void_one(self):
        cls = self.__class__
        with without_check_access():
            form = self.locked()
            if form.state != 'issued':
                return
            try:
                form.sale.point.planet_client().void_voucher(form.number)
            except PlanetError as error:
                cls.write([form], {'error': error.message})
            else:
                cls.write([form], {'error': None})
                cls.voided([form])

    @classmethod
    @Workflow.transition('voided')
    def voided(cls, forms):
        pass

    @classmethod
    @ModelView.button
    def renew(cls, forms):
        """A new form of the same traveller for the sale of each voided
        form, sent to Planet at once"""
        with without_check_access():
            new = cls.copy([f for f in forms if f.state == 'voided'])
        cls.issue(new)

    @classmethod
    @boundary.arguments
    def screen_issue(cls, point_id, form_id):
        """The form of a sale of the cashier's register, sent to Planet when
        it is not issued yet: its state, Planet's error, its print job"""
        POS = Pool().get('sale.point')
        point = POS.screen_point(point_id)
        form_id = boundary.identifier(form_id,
            gettext('onretail_planet.msg_form'), 'id', required=True)
        with without_check_access():
            forms = cls.search([
                    ('id', '=', form_id),
                    ('sale.point', '=', point.id),
                    ])
            if not forms:
                boundary.refuse('msg_input_not_id',
                    record=gettext('onretail_planet.msg_form'), field='id')
            form, = forms
            if form.state in {'draft', 'failed'}:
                cls.issue([form])
                form = cls(form.id)
            return {
                'state': form.state,
                'number': form.number,
                'error': form.error,
                'job': form.print_job() if form.state == 'issued' else None,
                }

    def print_job(self):
        "The form for the printer service: a receipt with its barcode"
        return {
            'title': gettext('onretail_planet.msg_print_title'),
            'header': self.print_lines.splitlines() if self.print_lines
            else [],
            'barcode': self.barcode,
            'footer': [self.number],
            }

    @classmethod
    def copy(cls, forms, default=None):
        "A copy is a draft: what Planet answered belongs to the original"
        default = default.copy() if default is not None else {}
        for name in ['number', 'barcode', 'gross_amount', 'tax_amount',
                'refund_amount', 'print_lines', 'error']:
            default.setdefault(name)
        default.setdefault('state', 'draft')
        return super().copy(forms, default=default)
