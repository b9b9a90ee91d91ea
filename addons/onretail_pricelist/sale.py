# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.product import round_price
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @fields.depends(methods=['_set_default_price_list'])
    def on_change_party(self):
        super().on_change_party()
        self._set_default_price_list()

    @fields.depends(methods=['_set_default_price_list'])
    def on_change_company(self):
        super().on_change_company()
        self._set_default_price_list()

    @fields.depends('party', 'company', 'sale_date',
        methods=['_price_list_medium'])
    def _set_default_price_list(self):
        "The customer's list when it allows the medium, else the default"
        pool = Pool()
        Configuration = pool.get('sale.configuration')
        medium = self._price_list_medium()
        price_list = self.party.sale_price_list if self.party else None
        if not price_list or not price_list.allows(
                medium, self.party, self.sale_date):
            config = Configuration(1)
            price_list = config.get_multivalue(
                'sale_price_list',
                company=self.company.id if self.company else None)
        self.price_list = price_list

    @fields.depends()
    def _price_list_medium(self):
        return 'sale'

    @classmethod
    def validate_fields(cls, sales, field_names):
        super().validate_fields(sales, field_names)
        if field_names & {'price_list', 'party'}:
            for sale in sales:
                sale.check_price_list()

    def check_price_list(self):
        if (self.state == 'draft' and self.price_list
                and not self.price_list.allows(
                    self._price_list_medium(), self.party, self.sale_date)):
            raise ValidationError(gettext(
                    'onretail_pricelist.msg_sale_price_list_not_allowed',
                    sale=self.rec_name,
                    price_list=self.price_list.rec_name,
                    party=self.party.rec_name if self.party else ''))


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @fields.depends('unit_price', 'sale', '_parent_sale.price_list',
        methods=['_get_context_sale_price'])
    def compute_base_price(self):
        """The public price shown before the discount: equal to the unit price
        when the list includes its discount or would raise the price"""
        price_list = self.sale.price_list if self.sale else None
        if not price_list or self.unit_price is None:
            return super().compute_base_price()
        if price_list.discount_policy == 'included':
            return self.unit_price
        public_price = self.public_price()
        if public_price is None or self.unit_price > public_price:
            return self.unit_price
        return public_price

    @fields.depends('product', 'quantity', methods=['_get_context_sale_price'])
    def public_price(self):
        "The price of the product without any price list"
        pool = Pool()
        Product = pool.get('product.product')
        if not self.product:
            return None
        context = self._get_context_sale_price()
        context['price_list'] = None
        with Transaction().set_context(context):
            product = Product(self.product.id)
            price = Product.get_sale_price(
                [product], abs(self.quantity or 0))[product.id]
        return round_price(price) if price is not None else None

    @classmethod
    def view_attributes(cls):
        # Discounted lines in their own colour, as the back office shows them
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('discount_rate', 0) > 0, 'warning', ''),
                ['discount_rate']),
            ]
