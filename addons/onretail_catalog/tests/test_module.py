# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from decimal import Decimal
from unittest.mock import patch

from trytond.exceptions import UserError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.onretail_base.tests.tools import (
    TranslationsTestMixin)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class OnRetailCatalogTestCase(
        TranslationsTestMixin, CompanyTestMixin, ModuleTestCase):
    "Test onRetail Catalog module"
    module = 'onretail_catalog'
    extras = ['onretail_pricelist', 'purchase', 'sale', 'stock_lot', 'web_shop']

    def create_product(self, name="T-Shirt"):
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        template, = Template.create([{
                    'name': name,
                    'default_uom': unit.id,
                    'salable': True, 'sale_uom': unit.id,
                    'purchasable': True, 'purchase_uom': unit.id,
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

    def create_attribute(self, type_, **values):
        Attribute = Pool().get('product.gateway_attribute')
        attribute, = Attribute.create([{
                    'name': type_.title(), 'type': type_, **values}])
        return attribute

    @with_transaction()
    def test_gateway_attribute_values(self):
        "Each type keeps its value in its own column"
        pool = Pool()
        Line = pool.get('product.template-product.gateway_attribute')
        template = self.create_product().template
        material = self.create_attribute('text')
        size = self.create_attribute('selection', choices=[
                ('create', [{'name': "S"}, {'name': "M"}])])
        line, = Line.create([{
                    'template': template.id, 'attribute': material.id,
                    'value_text': "Cotton"}])
        self.assertEqual(line.value, "Cotton")
        line, = Line.create([{
                    'template': template.id, 'attribute': size.id,
                    'value_selection': "M"}])
        self.assertEqual(line.value, "M")

    @with_transaction()
    def test_gateway_attribute_wrong_type_refused(self):
        "A value of another type than the attribute's is refused"
        pool = Pool()
        Line = pool.get('product.template-product.gateway_attribute')
        template = self.create_product().template
        weight = self.create_attribute('number')
        with self.assertRaisesRegex(UserError, 'Number.*Text'):
            Line.create([{
                        'template': template.id, 'attribute': weight.id,
                        'value_text': "heavy"}])

    @with_transaction()
    def test_gateway_attribute_unknown_choice_refused(self):
        "A selection value that the attribute does not define is refused"
        pool = Pool()
        Line = pool.get('product.template-product.gateway_attribute')
        template = self.create_product().template
        size = self.create_attribute('selection', choices=[
                ('create', [{'name': "S"}, {'name': "M"}])])
        with self.assertRaises(UserError):
            Line.create([{
                        'template': template.id, 'attribute': size.id,
                        'value_selection': "XXL"}])

    @with_transaction()
    def test_gateway_attribute_required(self):
        "A required attribute left empty is refused; its default fills it"
        pool = Pool()
        Line = pool.get('product.template-product.gateway_attribute')
        Template = pool.get('product.template')
        template = self.create_product().template
        origin = self.create_attribute(
            'text', required=True, value_text="Austria")
        with self.assertRaisesRegex(UserError, 'required'):
            Line.create([{
                        'template': template.id, 'attribute': origin.id}])
        default, = Template.default_gateway_attributes()
        self.assertEqual(
            (default['attribute'], default['value_text']),
            (origin.id, "Austria"))

    @with_transaction()
    def test_gateway_attribute_html_sanitised(self):
        "HTML values lose scripts and event handlers on save"
        pool = Pool()
        Line = pool.get('product.template-product.gateway_attribute')
        template = self.create_product().template
        description = self.create_attribute('html')
        line, = Line.create([{
                    'template': template.id, 'attribute': description.id,
                    'value_text': '<p onclick="steal()">Soft <b>cotton</b>'
                    '<script>alert(1)</script></p>'}])
        self.assertNotIn('script', line.value_text)
        self.assertNotIn('onclick', line.value_text)
        self.assertIn('<b>cotton</b>', line.value_text)

    @with_transaction()
    def test_gateway_attribute_csv_import(self):
        "Attributes and their choices import from CSV rows"
        Attribute = Pool().get('product.gateway_attribute')
        count = Attribute.import_data(
            ['name', 'type', 'required', 'choices/name'], [
                ['Size', 'selection', 'True', 'S'],
                ['', '', '', 'M'],
                ['Organic', 'boolean', 'False', ''],
                ])
        self.assertEqual(count, 2)
        size, = Attribute.search([('name', '=', "Size")])
        self.assertEqual([c.name for c in size.choices], ["S", "M"])
        self.assertTrue(size.required)

    @with_transaction()
    def test_uom_reference_bigger_smaller(self):
        "Units are the reference, bigger or smaller; one reference each"
        pool = Pool()
        Uom = pool.get('product.uom')
        kilogram, = Uom.search([('name', '=', "Kilogram")])
        gram, = Uom.search([('name', '=', "Gram")])
        self.assertEqual(kilogram.uom_type, 'reference')
        self.assertEqual(gram.uom_type, 'smaller')
        ton, = Uom.create([{
                    'name': "Tonne", 'symbol': "t",
                    'category': kilogram.category.id,
                    'factor': 1000, 'rate': 0.001}])
        self.assertEqual(ton.uom_type, 'bigger')
        self.assertIn(kilogram, Uom.search([('uom_type', '=', 'reference')]))
        self.assertNotIn(gram, Uom.search([('uom_type', '=', 'reference')]))
        with self.assertRaisesRegex(UserError, 'only one reference'):
            Uom.create([{
                        'name': "Kilo", 'symbol': "kilo",
                        'category': kilogram.category.id,
                        'factor': 1, 'rate': 1}])

    @with_transaction()
    def test_line_quantity_in_packagings(self):
        "A packaging on a sale or purchase line counts the quantity in packs"
        pool = Pool()
        Packaging = pool.get('product.packaging')
        product = self.create_product()
        pack, = Packaging.create([{
                    'name': "Pkg 10x T-Shirt", 'product': product.id,
                    'quantity': 10, 'barcode': '9001234123045'}])
        for model in ['sale.line', 'purchase.line']:
            Line = pool.get(model)
            # Taxes need a chart of accounts, which is not what is tested.
            with self.subTest(model=model), patch.object(
                    Line, 'compute_taxes', return_value=[]):
                line = Line(type='line', quantity=None)
                line.packaging, = Packaging.search(
                    [('rec_name', '=', '9001234123045')])
                line.on_change_packaging()
                self.assertEqual(line.product, product)
                self.assertEqual((line.packaging_quantity, line.quantity),
                    (1, 10))
                line.packaging_quantity = 2
                line.on_change_packaging_quantity()
                self.assertEqual(line.quantity, 20)
                # lines without packaging need no number of packagings
                self.assertNotIn('required', Line.packaging_quantity.states)

    @with_transaction()
    def test_sale_line_options(self):
        "Options chosen when selling add their extras; dynamic ones make a variant"
        pool = Pool()
        Attribute = pool.get('product.attribute')
        Line = pool.get('sale.line')
        Template = pool.get('product.template')
        with set_company(create_company()):
            self._test_sale_line_options(Attribute, Line, Template)

    def _test_sale_line_options(self, Attribute, Line, Template):
        warranty, pendant = Attribute.create([{
                    'name': "Warranty", 'creation_mode': 'never',
                    'values': [('create', [
                                {'name': "None"}, {'name': "1 year"}])],
                    }, {
                    'name': "Pendant", 'creation_mode': 'dynamically',
                    'values': [('create', [
                                {'name': "Heart"},
                                {'name': "Star", 'custom': True}])],
                    }])
        product = self.create_product("Necklace")
        Template.write([product.template], {
                'list_price': Decimal('59'),
                'attribute_lines': [('create', [{
                                'attribute': warranty.id,
                                'values': [('create', [
                                            {'value': v.id,
                                                'price_extra': extra}
                                            for v, extra in zip(
                                                warranty.values,
                                                [Decimal(0), Decimal(29)])])],
                                }, {
                                'attribute': pendant.id,
                                'values': [('create', [
                                            {'value': v.id,
                                                'price_extra': Decimal(5)}
                                            for v in pendant.values])],
                                }])],
                })
        one_year = warranty.values[1]
        star = pendant.values[1]
        with patch.object(Line, 'compute_taxes', return_value=[]):
            line = Line(type='line', quantity=1, product=product,
                unit=product.default_uom)
            self.assertEqual(
                set(line.on_change_with_available_options()),
                {v.id for v in warranty.values + pendant.values})
            line.options = [one_year, star]
            line.on_change_options()
        self.assertEqual(line.unit_price, Decimal(59 + 29 + 5))

        variant = line.dynamic_variant()
        self.assertNotEqual(variant, product)
        self.assertEqual(list(variant.attribute_values), [star])
        self.assertEqual(line.dynamic_variant(), variant)

    @with_transaction()
    def test_price_list_sees_price_extras(self):
        "Price lists start from the sale price with the variant's extras"
        pool = Pool()
        Attribute = pool.get('product.attribute')
        PriceList = pool.get('product.price_list')
        Template = pool.get('product.template')
        with set_company(create_company()):
            colour, = Attribute.create([{
                        'name': "Colour",
                        'values': [('create', [
                                    {'name': "Red"}, {'name': "Gold"}])],
                        }])
            template, = Template.create([{
                        'name': "Cap", 'code': "CAP",
                        'default_uom': self.create_product().default_uom.id,
                        'list_price': Decimal(10),
                        'attribute_lines': [('create', [{
                                        'attribute': colour.id,
                                        'values': [('create', [
                                                    {'value': v.id,
                                                        'price_extra': e}
                                                    for v, e in zip(
                                                        colour.values,
                                                        [0, 4])])],
                                        }])],
                        }])
            price_list, = PriceList.create([{
                        'name': "Half", 'lines': [('create', [{
                                        'compute_price': 'percentage',
                                        'percent_price': Decimal(50)}])],
                        }])
            variants = sorted(template.products, key=lambda p: p.code)
            self.assertEqual([p.code for p in variants],
                ['CAP-GOLD', 'CAP-RED'])
            single = [price_list.compute(p, 1, p.default_uom)
                for p in variants]
            self.assertEqual(single, [Decimal(7), Decimal(5)])
            self.assertEqual(price_list.compute_batch(variants, 1),
                {p.id: price for p, price in zip(variants, single)})


del ModuleTestCase
