# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Kulcs's free stock as the quantity of the warehouse, set by an inventory"
from collections import defaultdict

from trytond.model import ModelView, Workflow
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .ir import store_event_logs
from .product import product_rows

# Products counted and their lines made at once, and moves done at once.
# Tryton validates a list of lines or moves with searches ordered by
# product name (a join of all the names' translations), and each of its
# instances of one list checks the whole list (a list costs its square):
# lists of a few hundred make both small.
CHUNK = 1000
MOVES = 500


class Units(dict):
    "The units of a document, by id, each read once"

    def __missing__(self, id_):
        self[id_] = Pool().get('product.uom')(id_)
        return self[id_]


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    @classmethod
    def kulcs_set_quantities(cls, warehouse, quantities):
        """Make the quantity in warehouse of each product of quantities
        ({product id: quantity}) what it says, with one inventory of its
        storage confirmed: the ids of the products whose quantity changed"""
        Location = Pool().get('stock.location')
        locations = [l.id for l in Location.search(
                [('parent', 'child_of', [warehouse.id])])]
        inventory, changed, units = None, set(), Units()
        for ids in grouped_slice(list(quantities), CHUNK):
            rows = product_rows(list(ids))
            goods = {p: units[r.unit] for p, r in rows.items()
                if r.type == 'goods'}
            lines = cls._kulcs_lines(
                warehouse, locations, goods, quantities)
            if lines and inventory is None:
                inventory = cls._kulcs_inventory(warehouse, lines)
            elif lines:
                cls._kulcs_count(inventory, lines)
            changed.update(l['product'] for l in lines)
            store_event_logs()
        if inventory:
            cls.kulcs_confirm([inventory])
        return changed

    @classmethod
    def _kulcs_lines(cls, warehouse, locations, goods, quantities):
        """The values of the inventory lines of storage that make the
        warehouse's quantity of goods ({product id: unit}) what quantities
        says"""
        in_warehouse, in_storage = cls._kulcs_quantities(
            warehouse, locations, goods)
        lines = []
        for product, unit in goods.items():
            wanted = unit.round(float(quantities[product]))
            current = in_warehouse.get(product, 0)
            if wanted == current:
                continue
            expected = in_storage.get(product, 0)
            # the rest of the warehouse (input, output) stays as it is
            lines.append({
                    'product': product,
                    'expected_quantity': expected,
                    'quantity': max(expected + wanted - current, 0),
                    })
        return lines

    @classmethod
    def _kulcs_quantities(cls, warehouse, locations, goods):
        """({product id: quantity in warehouse}, {product id: quantity in
        its storage, not its children}) today of goods ({product id:
        unit}), from one query. As products_by_location, whose rounding
        reads each product's unit from its template, one at a time."""
        pool = Pool()
        Date = pool.get('ir.date')
        Move = pool.get('stock.move')
        storage = warehouse.storage_location.id
        in_warehouse, in_storage = defaultdict(float), defaultdict(float)
        with Transaction().set_context(stock_date_end=Date.today()):
            query = Move.compute_quantities_query(locations,
                grouping_filter=(list(goods),))
        cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        for location, product, quantity in cursor:
            in_warehouse[product] += quantity
            if location == storage:
                in_storage[product] += quantity
        return ({p: goods[p].round(q) for p, q in in_warehouse.items()},
            {p: goods[p].round(q) for p, q in in_storage.items()})

    @classmethod
    def _kulcs_inventory(cls, warehouse, lines):
        """A new inventory of the warehouse's storage today, with lines (the
        values of its first lines). Created without lines, complete_lines
        would count every product of the storage."""
        Date = Pool().get('ir.date')
        inventory, = cls.create([{
                    'location': warehouse.storage_location.id,
                    'date': Date.today(),
                    'company': Transaction().context.get('company'),
                    'lines': [('create', lines)],
                    }])
        return inventory

    @classmethod
    def _kulcs_count(cls, inventory, lines):
        """Add lines (values with their expected quantity) to inventory as
        records of their own: written through the inventory, they would
        have complete_lines count all its lines again"""
        Line = Pool().get('stock.inventory.line')
        Line.create([{'inventory': inventory.id, **l} for l in lines])

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def kulcs_confirm(cls, inventories):
        """Confirm inventories as confirm does, their lines a chunk at a
        time (confirm makes and does all their moves at once). Their lines
        are one per product, which confirm would check. The user is checked
        as for confirm, a button of no group: it is not one of the form."""
        pool = Pool()
        Line = pool.get('stock.inventory.line')
        Move = pool.get('stock.move')
        for inventory in inventories:
            offset = 0
            while lines := Line.search([('inventory', '=', inventory.id)],
                    order=[('id', 'ASC')], offset=offset, limit=MOVES):
                offset += len(lines)
                moves = list(filter(None, (l.get_move() for l in lines)))
                with Transaction().set_context(_product_replacement=False):
                    Move.save(moves)
                Move.do(moves)
                store_event_logs()
