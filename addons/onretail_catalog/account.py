# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'
    cost_price_method = fields.Selection(
        'get_cost_price_methods', "Cost Method",
        states={'invisible': ~Eval('accounting', False)},
        help="The cost method new products of the category get: the fixed "
        "standard price, FIFO (the oldest receipts are consumed first) or "
        "the average (each receipt recomputes it).")
    valuation = fields.Selection([
            ('manual', "Manual"),
            ('automated', "Automated"),
            ], "Valuation",
        states={'invisible': ~Eval('accounting', False)},
        help="Manual: the user posts the stock valuation entries.\n"
        "Automated: each stock move in or out posts its entry at once "
        "(when the fiscal year uses continental stock accounting).")
    account_stock_journal = fields.Many2One(
        'account.journal', "Stock Journal", ondelete='RESTRICT',
        domain=[('type', '=', 'general')],
        states={
            'invisible': (~Eval('accounting', False)
                | (Eval('valuation') != 'automated')),
            },
        help="Where the stock moves of the category's products are posted; "
        "empty for the journal of the accounting configuration.")

    @classmethod
    def get_cost_price_methods(cls):
        Template = Pool().get('product.template')
        field = Template.cost_price_method
        return [(None, "")] + list(field.selection)

    @classmethod
    def default_valuation(cls):
        return 'automated'

    @classmethod
    def validate_fields(cls, categories, field_names):
        super().validate_fields(categories, field_names)
        if field_names & {
                'accounting', 'customer_taxes', 'supplier_taxes',
                'account_revenue', 'account_expense', 'accounts',
                'taxes_parent', 'account_parent'}:
            for category in categories:
                category.check_default_taxes()

    def check_default_taxes(self):
        """Refuse taxes of the category that its account does not declare
        among its default taxes, when it declares some"""
        if not self.accounting:
            return
        for account_name, taxes_name in [
                ('account_revenue_used', 'customer_taxes_used'),
                ('account_expense_used', 'supplier_taxes_used')]:
            account = self.get_account(account_name)
            if not account or not account.taxes:
                continue
            missing = set(getattr(self, taxes_name)) - set(account.taxes)
            if missing:
                tax = min(missing, key=lambda t: t.rec_name)
                raise ValidationError(gettext(
                        'onretail_catalog.msg_category_tax_not_in_account',
                        category=self.rec_name, tax=tax.rec_name,
                        account=account.rec_name))


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    @fields.depends(
        'account_category', '_parent_account_category.cost_price_method',
        '_parent_account_category.parent', 'cost_price_method')
    def on_change_account_category(self):
        if self.account_category:
            method = self.account_category.inherited('cost_price_method')
            if method:
                self.cost_price_method = method

    @classmethod
    def preprocess_values(cls, mode, values):
        "A new product takes the cost method of its category"
        pool = Pool()
        Category = pool.get('product.category')
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and values.get('account_category')
                and 'cost_price_method' not in values):
            category = Category(values['account_category'])
            if method := category.inherited('cost_price_method'):
                values['cost_price_method'] = method
        return values

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if 'account_category' in field_names:
            for template in templates:
                if template.account_category:
                    template.account_category.check_default_taxes()


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    def _get_account_stock_move(self):
        "No automatic entry for manually valued products"
        category = self.product.template.account_category
        valuation = category.inherited('valuation') if category else None
        if valuation == 'manual':
            return
        account_move = super()._get_account_stock_move()
        if account_move and category:
            if journal := category.inherited('account_stock_journal'):
                account_move.journal = journal
        return account_move
