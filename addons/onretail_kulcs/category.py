# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs's category tree (full sync): the categories of its ids created,
renamed and moved under their parents"""
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import PoolMeta

from . import document
from .exceptions import ItemError


class Item:
    "One <kategoria> of a categories document, its values checked"
    __slots__ = ('id', 'name', 'parent')

    def __init__(self, values):
        self.id = document.code(values, 'azonosito')
        self.name = document.text(values, 'nev', self.id, 200)
        if not self.name:
            raise ItemError(gettext('onretail_kulcs.msg_category_name',
                    category=self.id))
        self.parent = values.get('szulo') or None


def read_items(data, run):
    "The Items of the categories document in data, each id once"
    return document.checked_items(
        data, 'kategoriak', 'kategoria', 'azonosito', Item, run)


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'

    kulcs_id = fields.Char("Kulcs ID", readonly=True,
        help="The category's id in Kulcs Ügyvitel: a full sync names and "
        "moves it as Kulcs says.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.kulcs_id, Index.Equality())))

    @classmethod
    def copy(cls, categories, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kulcs_id')
        return super().copy(categories, default=default)

    @classmethod
    def kulcs_of(cls, ids):
        "{Kulcs id: the oldest category of it} of ids"
        categories = {}
        for category in cls.search([('kulcs_id', 'in', list(ids))],
                order=[('id', 'ASC')]):
            categories.setdefault(category.kulcs_id, category)
        return categories

    @classmethod
    def kulcs_apply(cls, connection, items, run):
        """Create the categories of items that are new, name them and put
        them under their parents; an item whose parent is unknown, or that
        would be its own ancestor, is an error"""
        known = cls.kulcs_of({i.id for i in items} | {
                i.parent for i in items if i.parent})
        items = cls._kulcs_placeable(items, known, run)
        new = [i for i in items if i.id not in known]
        known.update(zip([i.id for i in new], cls.create([
                        {'name': i.name, 'kulcs_id': i.id} for i in new])))
        to_write = []
        for item in items:
            category = known[item.id]
            parent = known[item.parent] if item.parent else None
            values = {}
            if category.name != item.name:
                values['name'] = item.name
            if category.parent != parent:
                values['parent'] = parent.id if parent else None
            if values:
                to_write.extend(([category], values))
        if to_write:
            cls.write(*to_write)
        created = {i.id for i in new}
        updated = {c.kulcs_id for c, in to_write[::2]} - created
        run.count('created', len(created))
        run.count('updated', len(updated))
        run.count('unchanged', len(items) - len(created) - len(updated))

    @classmethod
    def _kulcs_placeable(cls, items, known, run):
        """The items whose parent is known or placeable itself, and not the
        item or one of its children; the others are errors"""
        while True:
            parents = {i.id: i.parent for i in items}
            kept = []
            for item in items:
                message = cls._kulcs_misplaced(item, parents, known)
                if message:
                    run.error(item.id, message)
                else:
                    kept.append(item)
            if len(kept) == len(items):
                return kept
            items = kept

    @staticmethod
    def _kulcs_misplaced(item, parents, known):
        "Why item cannot be placed under its parent, None when it can"
        seen, parent = {item.id}, item.parent
        while parent:
            if parent in seen:
                return gettext('onretail_kulcs.msg_category_cycle',
                    category=item.id)
            if parent not in parents:
                if parent not in known:
                    return gettext('onretail_kulcs.msg_category_parent',
                        category=item.id, parent=parent)
                return None
            seen.add(parent)
            parent = parents[parent]
        return None
