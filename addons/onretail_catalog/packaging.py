# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.stock_package.stock import MeasurementsMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, Id, If


class Packaging(DeactivableMixin, MeasurementsMixin, ModelSQL, ModelView):
    "A fixed quantity of a product sold or bought as one unit, like a 10-pack"
    __name__ = 'product.packaging'
    __string__ = "Packaging"
    name = fields.Char(
        "Name", required=True, translate=True,
        help='For example "Pkg 10x T-Shirt Disney 12304".')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='CASCADE',
        help="The product (variant) the packaging contains.")
    quantity = fields.Float(
        "Quantity", required=True, digits='unit',
        domain=[('quantity', '>', 0)],
        help="How many units of the product one packaging holds.")
    unit = fields.Function(fields.Many2One(
            'product.uom', "Unit",
            help="The unit of the quantity: the product's default unit."),
        'on_change_with_unit')
    barcode = fields.Char(
        "Barcode",
        help="Scanning it adds the product with the packaging's quantity; "
        "unique among products, variants and packagings.")
    salable = fields.Boolean("Salable", help="If checked, it can be sold.")
    purchasable = fields.Boolean(
        "Purchasable", help="If checked, it can be purchased.")
    package_type = fields.Many2One(
        'stock.package.type', "Package Type", ondelete='RESTRICT',
        help="The kind of package it is shipped in.")

    @classmethod
    def __setup__(cls):
        cls.barcode.search_unaccented = False
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        cls.packaging_weight.string = "Weight"
        cls.packaging_weight.help = "The weight of the full packaging."
        cls.packaging_weight_uom.string = "Weight UoM"

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('barcode', operator, operand, *extra),
            ]

    @staticmethod
    def default_salable():
        return True

    @staticmethod
    def default_purchasable():
        return True

    @fields.depends('product', '_parent_product.default_uom')
    def on_change_with_unit(self, name=None):
        return self.product.default_uom if self.product else None

    @fields.depends(
        'package_type', *(f'_parent_package_type.{name}{suffix}'
            for name in ['length', 'height', 'width']
            for suffix in ['', '_uom']),
        methods=['on_change_with_packaging_volume'])
    def on_change_package_type(self):
        "The measurements of the package type are the default ones"
        if not self.package_type:
            return
        for name in ['length', 'height', 'width']:
            if getattr(self, name) is None:
                setattr(self, name, getattr(self.package_type, name))
                setattr(self, f'{name}_uom',
                    getattr(self.package_type, f'{name}_uom'))
        self.packaging_volume = self.on_change_with_packaging_volume()

    @classmethod
    def validate_fields(cls, packagings, field_names):
        super().validate_fields(packagings, field_names)
        if 'barcode' in field_names:
            check_barcodes_unique(
                [p.barcode for p in packagings if p.barcode])


def check_barcodes_unique(codes):
    "Refuse a code that two products, variants or packagings use as barcode"
    pool = Pool()
    Packaging = pool.get('product.packaging')
    Identifier = pool.get('product.identifier')
    if not codes:
        return
    owners = {}
    for packaging in Packaging.search([('barcode', 'in', codes)]):
        owners.setdefault(packaging.barcode, set()).add(packaging)
    for identifier in Identifier.search([('code', 'in', codes)]):
        owners.setdefault(identifier.code, set()).add(identifier.product)
    for code, records in owners.items():
        if len(records) > 1:
            first, second = sorted(records, key=str)[:2]
            raise ValidationError(gettext(
                    'onretail_catalog.msg_barcode_not_unique',
                    barcode=code, first=first.rec_name,
                    second=second.rec_name))


class PackageType(metaclass=PoolMeta):
    __name__ = 'stock.package.type'
    maximum_weight = fields.Float(
        "Maximum Weight", digits='maximum_weight_uom',
        domain=['OR',
            ('maximum_weight', '=', None),
            ('maximum_weight', '>', 0),
            ],
        help="The heaviest load the package may carry.")
    maximum_weight_uom = fields.Many2One(
        'product.uom', "Maximum Weight UoM",
        domain=[('category', '=', Id('product', 'uom_cat_weight'))],
        states={'required': Bool(Eval('maximum_weight'))},
        help="The unit of the maximum weight.")
    packagings = fields.One2Many(
        'product.packaging', 'package_type', "Packagings",
        help="The product packagings shipped in this type of package.")


class PackagingLineMixin:
    """Lines of orders that can be entered in packagings: choosing (or
    scanning) a packaging sets the product and counts the quantity in
    packagings"""
    __slots__ = ()
    _packaging_flag = None  # the packaging field that allows the order type

    packaging = fields.Many2One(
        'product.packaging', "Packaging", ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('product')),
                ('product', '=', Eval('product', -1)),
                ()),
            ],
        help="Scan or type a packaging barcode: the line gets its product "
        "and counts the quantity in packagings.")
    packaging_quantity = fields.Float(
        "Packagings", digits=(16, 0),
        domain=['OR',
            ('packaging_quantity', '=', None),
            ('packaging_quantity', '>=', 0),
            ],
        help="How many packagings; the quantity follows.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.packaging.domain = cls.packaging.domain + [
            (cls._packaging_flag, '=', True)]
        # Editable like the product and the quantity of the line.
        cls.packaging.states = cls.product.states.copy()
        # but not required as the quantity is: most lines have no packaging
        cls.packaging_quantity.states = {
            **{k: v for k, v in cls.quantity.states.items()
                if k != 'required'},
            'invisible': ~Eval('packaging')}

    @fields.depends(
        'packaging', 'packaging_quantity', 'product', 'unit',
        methods=['on_change_product', 'on_change_packaging_quantity'])
    def on_change_packaging(self):
        if not self.packaging:
            self.packaging_quantity = None
            return
        if self.product != self.packaging.product:
            self.product = self.packaging.product
            self.on_change_product()
        if not self.packaging_quantity:
            self.packaging_quantity = 1
        self.on_change_packaging_quantity()

    @fields.depends(
        'packaging', 'packaging_quantity', 'unit', 'product',
        methods=['on_change_quantity'])
    def on_change_packaging_quantity(self):
        pool = Pool()
        Uom = pool.get('product.uom')
        if not self.packaging or self.packaging_quantity is None:
            return
        quantity = self.packaging_quantity * self.packaging.quantity
        if self.unit:
            quantity = Uom.compute_qty(
                self.packaging.product.default_uom, quantity, self.unit)
        self.quantity = quantity
        self.on_change_quantity()
