# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateView, Wizard


class ExplainStart(ModelView):
    "Why this price?"
    __name__ = 'product.price_list.explain.start'
    __string__ = "Explain Price"

    price_list = fields.Many2One(
        'product.price_list', "Price List", required=True)
    product = fields.Many2One(
        'product.product', "Variant", required=True,
        context={
            'company': Eval('company', -1),
            },
        depends=['company'])
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One(
        'product.uom', "Unit",
        help="The unit of the quantity; empty for the product's sale unit.")
    date = fields.Date("Date", required=True)
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    line = fields.Function(fields.Many2One(
            'product.price_list.line', "Rule", readonly=True),
        'on_change_with_line')
    price = fields.Function(Monetary(
            "Price", currency='currency', digits='currency', readonly=True),
        'on_change_with_price')
    explanation = fields.Function(fields.Text(
            "Explanation", readonly=True),
        'on_change_with_explanation')

    @fields.depends('price_list')
    def on_change_with_company(self, name=None):
        return self.price_list.company if self.price_list else None

    @fields.depends('price_list')
    def on_change_with_currency(self, name=None):
        return self.price_list.company.currency if self.price_list else None

    @fields.depends('price_list', 'product', 'quantity', 'unit', 'date')
    def explain(self):
        if not (self.price_list and self.product and self.date):
            return None
        unit = self.unit or self.product.sale_uom
        with Transaction().set_context(date=self.date):
            return self.price_list.explain(
                self.product, self.quantity or 0, unit)

    @fields.depends(methods=['explain'])
    def on_change_with_line(self, name=None):
        explanation = self.explain()
        return explanation['line'] if explanation else None

    @fields.depends(methods=['explain'])
    def on_change_with_price(self, name=None):
        explanation = self.explain()
        if explanation:
            price = explanation['price']
            if price is None:
                price = self.product.list_price_used
            return price

    @fields.depends(methods=['explain'])
    def on_change_with_explanation(self, name=None):
        explanation = self.explain()
        if not explanation:
            return None
        return format_explanation(explanation)


def format_explanation(explanation):
    "The explanation as lines of text for the user"
    pool = Pool()
    Lang = pool.get('ir.lang')
    lang = Lang.get()
    # every price with the currency's digits, never a mix of 8.991 and 9.0
    digits = explanation['price_list'].company.currency.digits

    def number(value):
        if value is None:
            return '—'
        return lang.format_number(value, digits=digits)

    price_list = explanation['price_list']
    text = [gettext('onretail_pricelist.msg_explain_list',
            price_list=price_list.rec_name)]
    line = explanation['line']
    if not line:
        text.append(gettext('onretail_pricelist.msg_explain_no_rule'))
        return '\n'.join(text)
    text.append(gettext('onretail_pricelist.msg_explain_rule',
            rule=line.rec_name,
            compute=line.__names__('compute_price', line)['value']))
    for label, value in explanation['steps']:
        text.append('  %s: %s' % (label, number(value)))
    text.append(gettext('onretail_pricelist.msg_explain_price',
            price=number(explanation['price'])))
    return '\n'.join(text)


class Explain(Wizard):
    "Why this price?"
    __name__ = 'product.price_list.explain'
    start = StateView(
        'product.price_list.explain.start',
        'onretail_pricelist.price_list_explain_start_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        values = {'date': Date.today(), 'quantity': 1}
        if self.model and self.model.__name__ == 'product.price_list':
            values['price_list'] = self.record.id if self.record else None
        elif self.model and self.model.__name__ == 'sale.line':
            values.update(self.record.price_list_explain_values())
        return values


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'explain_price': {
                    'invisible': (Eval('type') != 'line') | ~Eval('product'),
                    'depends': ['type', 'product'],
                    },
                })

    @classmethod
    @ModelView.button_action('onretail_pricelist.wizard_explain')
    def explain_price(cls, lines):
        pass

    def price_list_explain_values(self):
        values = {}
        if self.sale and self.sale.price_list:
            values['price_list'] = self.sale.price_list.id
        if self.product:
            values['product'] = self.product.id
        if self.quantity is not None:
            values['quantity'] = self.quantity
        if self.unit:
            values['unit'] = self.unit.id
        if self.sale and self.sale.sale_date:
            values['date'] = self.sale.sale_date
        return values
