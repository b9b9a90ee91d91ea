# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The images of the products (product_image) on the tiles of the cashier
screen, served in the tile's size by the screen's route"""
from sql import Null
from sql.conditionals import Coalesce

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# The tile shows an image at most 48 pixels high; twice that for dense
# screens, which product_image rounds to 100.
TILE_SIZE = 96


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    def screen_product_rows(self, category_ids):
        rows = super().screen_product_rows(category_ids)
        images = self._product_images()
        for row in rows:
            image = images.get(row['id'])
            row['image'] = 'image/%s?v=%s' % image if image else None
        return rows

    @staticmethod
    def _product_images():
        """{product id: (image id, version)} of the first image each product
        shows, as product_image's images_used orders them: the variant's own
        images, then its template's"""
        pool = Pool()
        Image = pool.get('product.image')
        Product = pool.get('product.product')
        image = Image.__table__()
        product = Product.__table__()
        cursor = Transaction().connection.cursor()
        # A template image is every variant's unless it names one.
        cursor.execute(*image.join(product,
                condition=(product.template == image.template)
                & ((image.product == product.id) | (image.product == Null))
                ).select(
                product.id, image.id, image.product,
                Coalesce(image.write_date, image.create_date),
                order_by=[image.sequence.nulls_last, image.id]))
        own, inherited = {}, {}
        for product_id, image_id, variant, modified in cursor:
            first = own if variant is not None else inherited
            first.setdefault(product_id, (image_id, _version(modified)))
        return {**inherited, **own}


def _version(modified):
    "Part of the image's URL that changes with it, so browsers may cache it"
    if isinstance(modified, str):  # SQLite
        return modified.replace(' ', 'T')
    return modified.isoformat()
