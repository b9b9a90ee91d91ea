# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""cituro appointments taken into register sales: from the cashier
screen's cart at checkout, or by the back office's wizard on an open sale"""
import datetime

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.onretail_pos import boundary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import CituroError


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    cituro_appointments = fields.One2Many(
        'onretail.cituro.appointment', 'sale', "cituro Appointments",
        readonly=True,
        help="The cituro appointments taken into this sale.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'cituro_take': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('cituro_appointments')
        return super().copy(sales, default=default)

    @classmethod
    @ModelView.button_action('onretail_cituro.wizard_take')
    def cituro_take(cls, sales):
        pass

    @classmethod
    def cart_keys(cls):
        return super().cart_keys() | {'cituro'}

    @classmethod
    def cart_line_keys(cls):
        return super().cart_line_keys() | {'cituro_item'}

    @classmethod
    def checked_cart(cls, point, cart, checkout=False):
        "With the appointment the screen took, its signature verified"
        checked = super().checked_cart(point, cart, checkout=checkout)
        take = cart.get('cituro')
        checked['cituro'] = point.checked_take(
            take, gettext('onretail_cituro.msg_appointment')
            ) if take is not None else None
        return checked

    @classmethod
    def _checked_line(cls, point, values, index):
        line = super()._checked_line(point, values, index)
        line['cituro_item'] = boundary.text(values.get('cituro_item'),
            line['record'], 'cituro_item', 64)
        return line

    def cart_saved(self):
        "Record the take of the cart's appointment, if a line kept it"
        super().cart_saved()
        take = self.cart.values['cituro']
        lines = [l for l in self.lines if getattr(l, 'cituro_item', None)]
        if take and lines:
            self.record_take(take['id'],
                datetime.datetime.fromisoformat(take['start']),
                take['party'], lines)

    def record_take(self, cituro_id, start, party, lines):
        """Record that this sale took the appointment with lines, refused
        when another sale took it"""
        Appointment = Pool().get('onretail.cituro.appointment')
        Line = Pool().get('sale.point.sale.line')
        with without_check_access():
            Appointment.check_free(self.company, cituro_id, lock=True)
            take, = Appointment.create([{
                        'company': self.company.id,
                        'point': self.point.id,
                        'cituro_id': cituro_id,
                        'start': start,
                        'party': getattr(party, 'id', party),
                        'sale': self.id,
                        }])
            Line.write(lines, {'cituro_appointment': take.id})
        return take

    def take_appointment(self, cituro_id):
        """Take the appointment of cituro_id into this open sale: its
        customer and a line per service"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        if self.state != 'open':
            raise CituroError(gettext(
                    'onretail_cituro.msg_take_sale_not_open',
                    sale=self.rec_name))
        appointment = self.point.cituro_take(cituro_id)
        self.customer = appointment['party']
        self.save()
        lines = []
        for item in appointment['items']:
            line = Line(sale=self, product=item['product'], quantity=1)
            line.on_change_product()
            line.set_cituro_item(item)
            lines.append(line)
        Line.save(lines)
        return self.record_take(appointment['id'], appointment['start'],
            appointment['party'], lines)

    @classmethod
    @Workflow.transition('done')
    def do(cls, sales):
        Appointment = Pool().get('onretail.cituro.appointment')
        super().do(sales)
        with without_check_access():
            Appointment.mark_paid(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, sales):
        Appointment = Pool().get('onretail.cituro.appointment')
        super().open(sales)
        with without_check_access():
            paid = Appointment.search([
                    ('sale', 'in', [s.id for s in sales]),
                    ('state', '=', 'paid'),
                    ])
            Appointment.write(paid, {'state': 'taken'})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, sales):
        "A cancelled sale frees its appointments for another"
        Appointment = Pool().get('onretail.cituro.appointment')
        super().cancel(sales)
        with without_check_access():
            Appointment.release(Appointment.search([
                        ('sale', 'in', [s.id for s in sales]),
                        ]))


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    description = fields.Char(
        "Description",
        states={'readonly': Eval('sale_state') != 'open'},
        help="What the line sells when the product's name does not say "
        "it, e.g. the cituro service booked on the cituro product.")
    cituro_appointment = fields.Many2One(
        'onretail.cituro.appointment', "cituro Appointment", readonly=True,
        ondelete='SET NULL')
    cituro_item = fields.Char(
        "cituro Item", readonly=True, strip=False,
        help="The id of the appointment's service in cituro.")

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('cituro_appointment')
        default.setdefault('cituro_item')
        return super().copy(lines, default=default)

    @classmethod
    def delete(cls, lines):
        "An appointment without lines left is free for another sale"
        Appointment = Pool().get('onretail.cituro.appointment')
        takes = {l.cituro_appointment for l in lines if l.cituro_appointment}
        super().delete(lines)
        with without_check_access():
            Appointment.release([t for t in Appointment.browse(
                        [t.id for t in takes]) if not t.lines])

    def set_cart_options(self, values, record):
        "The service of the cart's appointment, at its name and price"
        super().set_cart_options(values, record)
        if not values['cituro_item']:
            return
        take = self.sale.cart.values['cituro']
        item = take['items'].get(values['cituro_item']) if take else None
        if not item or not self.product or item['product'] != self.product.id:
            raise CituroError(gettext('onretail_cituro.msg_cart_item',
                    record=record))
        self.set_cituro_item(item)

    def set_cituro_item(self, item):
        """Sell the item of an appointment: its name, and its gross price
        when cituro has one (else the product's)"""
        self.cituro_item = item['id']
        self.description = item['name']
        if item['price'] is not None:
            self.public_price = None
            self.set_prices(item['price'], tax_included=True)
            self.round_prices()

    def copy_returned(self, original, quantity):
        super().copy_returned(original, quantity)
        self.description = original.description

    def screen_name(self):
        # a line of the cart has no description unless an appointment's
        return getattr(self, 'description', None) or super().screen_name()


class TakeStart(ModelView):
    "Take a cituro Appointment"
    __name__ = 'onretail.cituro.take.start'
    appointments = fields.One2Many(
        'onretail.cituro.take.row', None, "Today's Appointments",
        help="Tick the appointment to take into the sale.")


class TakeRow(ModelView):
    "A cituro Appointment to Take"
    __name__ = 'onretail.cituro.take.row'
    cituro_id = fields.Char("cituro ID", readonly=True)
    time = fields.Char("Time", readonly=True)
    customer = fields.Char("Customer", readonly=True)
    services = fields.Char("Services", readonly=True)
    total = fields.Numeric("Total", digits=(16, 2), readonly=True)
    take = fields.Boolean("Take")


class Take(Wizard):
    "Take a cituro Appointment into the Sale"
    __name__ = 'onretail.cituro.take'
    start = StateView('onretail.cituro.take.start',
        'onretail_cituro.take_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Take", 'take', 'tryton-ok', default=True),
            ])
    take = StateTransition()

    def default_start(self, fields):
        sale = self.record
        if sale.state != 'open':
            raise CituroError(gettext(
                    'onretail_cituro.msg_take_sale_not_open',
                    sale=sale.rec_name))
        return {
            'appointments': [{
                    'cituro_id': a['id'],
                    'time': a['time'],
                    'customer': a['customer'],
                    'services': a['services'],
                    'total': a['total'],
                    'take': False,
                    } for a in sale.point.cituro_open_appointments()],
            }

    def transition_take(self):
        chosen = [r.cituro_id for r in self.start.appointments if r.take]
        if len(chosen) != 1:
            raise CituroError(gettext('onretail_cituro.msg_take_choose_one'))
        self.record.take_appointment(chosen[0])
        return 'end'
