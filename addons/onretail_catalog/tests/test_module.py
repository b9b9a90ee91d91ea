# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.exceptions import UserError
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.onretail_base.tests.tools import LANGUAGES, untranslated
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class OnRetailCatalogTestCase(CompanyTestMixin, ModuleTestCase):
    "Test onRetail Catalog module"
    module = 'onretail_catalog'
    extras = ['web_shop']

    def create_product(self, name="T-Shirt"):
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        template, = Template.create([{
                    'name': name,
                    'default_uom': unit.id,
                    'products': [('create', [{}])],
                    }])
        return template.products[0]

    @with_transaction()
    def test_category_full_path(self):
        "Every tree shows a category with the names of its parents"
        pool = Pool()
        for model in ['product.pos_category', 'product.shop_category',
                'product.gateway_category']:
            with self.subTest(model=model):
                Category = pool.get(model)
                parent, = Category.create([{'name': "Clothing"}])
                child, = Category.create([{
                            'name': "Trousers", 'parent': parent.id}])
                self.assertEqual(child.rec_name, "Clothing / Trousers")
                self.assertEqual(
                    Category.search([('rec_name', '=', "Clothing / Trousers")]),
                    [child])

    @with_transaction()
    def test_gateway_category_sequence_next_number(self):
        "A new gateway category is numbered after the highest one"
        Category = Pool().get('product.gateway_category')
        first, = Category.create([{'name': "Garden"}])
        second, = Category.create([{'name': "Plants"}])
        self.assertEqual((first.sequence, second.sequence), (1, 2))
        third, = Category.create([{'name': "Tools", 'sequence': 0}])
        self.assertEqual(third.sequence, 0)
        self.assertEqual(Category.default_sequence(), 3)

    @with_transaction()
    def test_gateway_category_slug_unique_per_parent(self):
        "The same slug is refused under one parent and allowed under another"
        Category = Pool().get('product.gateway_category')
        garden, kitchen = Category.create([
                {'name': "Garden"}, {'name': "Kitchen"}])
        Category.create([{
                    'name': "Accessories", 'parent': garden.id,
                    'slug': 'accessories'}])
        Category.create([{
                    'name': "Accessories", 'parent': kitchen.id,
                    'slug': 'accessories'}])
        with self.assertRaisesRegex(UserError, 'accessories'):
            Category.create([{
                        'name': "Extras", 'parent': garden.id,
                        'slug': 'accessories'}])

    @with_transaction()
    def test_tag_colour_checked(self):
        "A tag colour must be an HTML colour"
        Tag = Pool().get('product.tag')
        tag, = Tag.create([{
                    'name': "New", 'color': '#00aa00',
                    'ribbon': "NEW", 'ribbon_color': '#FF0000'}])
        with self.assertRaisesRegex(UserError, 'not an HTML colour'):
            Tag.write([tag], {'ribbon_color': 'red'})

    @with_transaction()
    def test_packaging_scan(self):
        "Scanning a packaging barcode gives its product and quantity"
        pool = Pool()
        Packaging = pool.get('product.packaging')
        Product = pool.get('product.product')
        Identifier = pool.get('product.identifier')
        product = self.create_product()
        Identifier.create([{
                    'product': product.id, 'type': 'ean',
                    'code': '4006381333931'}])
        Packaging.create([{
                    'name': "Pkg 10x T-Shirt", 'product': product.id,
                    'quantity': 10, 'barcode': '4012345000016'}])

        self.assertEqual(Product.scan('4012345000016'), (product, 10))
        self.assertEqual(Product.scan('4006381333931'), (product, 1))
        self.assertIsNone(Product.scan('0000'))
        self.assertEqual(
            Product.search([('rec_name', '=', '4012345000016')]), [product])

    @with_transaction()
    def test_barcode_unique(self):
        "A barcode is refused when a product or another packaging has it"
        pool = Pool()
        Packaging = pool.get('product.packaging')
        Identifier = pool.get('product.identifier')
        shirt = self.create_product("T-Shirt")
        cap = self.create_product("Cap")
        Identifier.create([{
                    'product': shirt.id, 'type': 'ean',
                    'code': '4006381333931'}])
        Packaging.create([{
                    'name': "Pkg 10x T-Shirt", 'product': shirt.id,
                    'quantity': 10, 'barcode': '4012345000016'}])

        with self.assertRaisesRegex(UserError, '4006381333931'):
            Packaging.create([{
                        'name': "Pkg 5x T-Shirt", 'product': shirt.id,
                        'quantity': 5, 'barcode': '4006381333931'}])
        with self.assertRaisesRegex(UserError, '4012345000016'):
            Packaging.create([{
                        'name': "Pkg 10x Cap", 'product': cap.id,
                        'quantity': 10, 'barcode': '4012345000016'}])
        with self.assertRaisesRegex(UserError, '4012345000016'):
            Identifier.create([{
                        'product': cap.id, 'code': '4012345000016'}])

    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module has a German and a Hungarian text"
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.assertEqual(untranslated(self.module, lang), [])


del ModuleTestCase
