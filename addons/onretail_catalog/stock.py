# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import math

from sql.aggregate import Min

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @property
    def removal_strategy(self):
        return self.product.template.category_policy('removal_strategy')

    @property
    def packaging_reservation(self):
        return self.product.template.category_policy(
            'packaging_reservation') or 'partial'

    def sort_quantities(self, quantities, locations, grouping):
        quantities = super().sort_quantities(quantities, locations, grouping)
        strategy = self.removal_strategy
        if strategy == 'closest' and self.to_location:
            distance = _tree_distances(
                {k[0] for k, _ in quantities}, self.to_location.id)
            # Stable sort: the location order breaks ties.
            quantities = sorted(quantities, key=lambda q: distance[q[0][0]])
        elif strategy in {'fifo', 'lifo'}:
            dates = self._receipt_dates(quantities, grouping)
            sign = 1 if strategy == 'fifo' else -1
            # Stock of unknown receipt leaves last in both strategies.
            quantities = sorted(quantities, key=lambda q: (
                    dates.get(q[0]) is None,
                    sign * (dates.get(q[0]) or dt.date.min).toordinal()))
        return quantities

    def _receipt_dates(self, quantities, grouping):
        """Map each key to the receipt date of its oldest unit: the lot's
        receipt when grouped by lot, else the date of the oldest receipt into
        the location that its quantity still covers"""
        pool = Pool()
        Move = pool.get('stock.move')
        Uom = pool.get('product.uom')
        dates = {}
        lot_index = grouping.index('lot') + 1 if 'lot' in grouping else None
        if lot_index:
            lot_dates = Move.lot_receipt_dates(
                {k[lot_index] for k, _ in quantities if k[lot_index]})
        for key, quantity in quantities:
            if lot_index and key[lot_index]:
                dates[key] = lot_dates.get(key[lot_index])
                continue
            remaining = Uom.compute_qty(
                self.unit, quantity, self.product.default_uom, round=False)
            receipts = Move.search([
                    ('product', '=', self.product.id),
                    ('to_location', '=', key[0]),
                    ('state', '=', 'done'),
                    ], order=[('effective_date', 'DESC'), ('id', 'DESC')])
            for receipt in receipts:
                dates[key] = receipt.effective_date
                remaining -= receipt.internal_quantity
                if remaining <= 0:
                    break
        return dates

    @classmethod
    def lot_receipt_dates(cls, lot_ids):
        "Map each lot to the date it first entered a storage location"
        if not lot_ids:
            return {}
        pool = Pool()
        Location = pool.get('stock.location')
        move = cls.__table__()
        from_location = Location.__table__()
        to_location = Location.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*move
            .join(from_location,
                condition=move.from_location == from_location.id)
            .join(to_location, condition=move.to_location == to_location.id)
            .select(move.lot, Min(move.effective_date),
                where=(move.state == 'done')
                & fields.SQL_OPERATORS['in'](move.lot, list(lot_ids))
                & (from_location.type != 'storage')
                & (to_location.type == 'storage'),
                group_by=[move.lot]))
        dates = {}
        for lot_id, date in cursor:
            if isinstance(date, str):  # SQLite returns aggregates as text
                date = dt.date.fromisoformat(date)
            dates[lot_id] = date
        return dates

    def pick_product(self, quantities):
        to_pick = super().pick_product(quantities)
        size = self._reservation_packaging_size()
        if self.packaging_reservation != 'full' or not size:
            return to_pick
        picked = sum(qty for _, qty in to_pick)
        allowed = math.floor(picked / size + 1e-9) * size
        trimmed = []
        for key, qty in to_pick:
            if allowed < self.unit.rounding:
                break
            trimmed.append((key, min(qty, allowed)))
            allowed -= min(qty, allowed)
        return trimmed

    def _reservation_packaging_size(self):
        """The quantity, in the move's unit, of the packaging the move is
        delivered in: its origin's packaging, else the largest packaging of
        the product that the move fills at least once"""
        pool = Pool()
        Uom = pool.get('product.uom')
        packaging = getattr(self.origin, 'packaging', None)
        if not packaging:
            sizes = sorted(
                (p for p in self.product.packagings if p.active),
                key=lambda p: p.quantity, reverse=True)
            quantity = Uom.compute_qty(
                self.unit, self.quantity, self.product.default_uom,
                round=False)
            packaging = next(
                (p for p in sizes if p.quantity <= quantity), None)
        if packaging:
            return Uom.compute_qty(
                self.product.default_uom, packaging.quantity, self.unit,
                round=False)


class MoveLot(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def assign_try(
            cls, moves, with_childs=True, grouping=('product',), pblc=None):
        "Reserve by lot the moves whose removal strategy orders lots"
        if 'lot' in grouping:
            return super().assign_try(
                moves, with_childs=with_childs, grouping=grouping, pblc=pblc)
        by_lot = [m for m in moves
            if not m.lot and m.removal_strategy in {'fifo', 'lifo'}]
        by_lot_set = set(by_lot)
        others = [m for m in moves if m not in by_lot_set]
        success = True
        if by_lot:
            success &= super().assign_try(
                by_lot, with_childs=with_childs, grouping=grouping + ('lot',))
        if others:
            success &= super().assign_try(
                others, with_childs=with_childs, grouping=grouping, pblc=pblc)
        return success


def _tree_distances(location_ids, destination_id):
    """Map each location to its number of steps to the destination through
    the location tree (a location outside the destination's tree is the
    farthest)"""
    Location = Pool().get('stock.location')

    def ancestors(location):
        path = []
        while location:
            path.append(location.id)
            location = location.parent
        return path

    destination = ancestors(Location(destination_id))
    distances = {}
    for location in Location.browse(list(location_ids)):
        path = ancestors(location)
        common = next((i for i, l in enumerate(path) if l in destination), None)
        distances[location.id] = (
            common + destination.index(path[common])
            if common is not None else math.inf)
    return distances
