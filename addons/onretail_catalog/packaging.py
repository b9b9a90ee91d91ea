# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.stock_package.stock import MeasurementsMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, Id


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
