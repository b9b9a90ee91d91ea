# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Kulcs's free stock as the quantity of the warehouse, set by an inventory"
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    @classmethod
    def kulcs_set_quantities(cls, warehouse, quantities):
        """Make the quantity in warehouse of each product of quantities
        ({product: quantity}) what it says, with one inventory of its
        storage confirmed: the set of the products whose quantity changed"""
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('stock.inventory.line')
        goods = [p for p in quantities if p.type == 'goods']
        if not goods:
            return set()
        storage = warehouse.storage_location
        in_warehouse = cls._kulcs_quantities(warehouse, goods, True)
        in_storage = cls._kulcs_quantities(storage, goods, False)
        lines = []
        for product in goods:
            wanted = product.default_uom.round(float(quantities[product]))
            current = in_warehouse.get(product.id, 0)
            if wanted == current:
                continue
            # the rest of the warehouse (input, output) stays as it is
            quantity = max(in_storage.get(product.id, 0) + wanted - current, 0)
            lines.append(Line(product=product, quantity=quantity))
        if not lines:
            return set()
        inventory = cls(location=storage, date=Date.today(),
            company=Transaction().context.get('company'), lines=lines)
        inventory.save()
        cls.confirm([inventory])
        return {l.product for l in lines}

    @classmethod
    def _kulcs_quantities(cls, location, products, with_childs):
        "{product id: quantity in location today}"
        pool = Pool()
        Date = pool.get('ir.date')
        Product = pool.get('product.product')
        quantities = {}
        with Transaction().set_context(stock_date_end=Date.today()):
            for sub in grouped_slice(products, 1000):
                ids = [p.id for p in sub]
                for (_, product_id), quantity in (
                        Product.products_by_location([location.id],
                            with_childs=with_childs,
                            grouping_filter=(ids,)).items()):
                    quantities[product_id] = quantity
        return quantities
