# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cashier screen: static files served by trytond under
/<database>/pos/; the screen logs in and calls JSON-RPC like sao."""
import re
from importlib.util import find_spec
from pathlib import Path

from werkzeug.utils import send_from_directory

from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.wsgi import app

from .image import TILE_SIZE

STATIC = Path(__file__).parent / 'static'
MODULE_NAME = re.compile(r'[a-z][a-z0-9_]{0,63}')


@app.route('/<database_name>/pos/', methods={'GET'})
@app.route('/<database_name>/pos/<path:filename>', methods={'GET'})
def cashier_screen(request, database_name, filename='index.html'):
    return static_file(request, STATIC, filename)


@app.route('/<database_name>/pos/ext/<module>/<path:filename>',
    methods={'GET'})
def screen_extension(request, database_name, module, filename):
    "A file of the screen's extension by a module: its static/pos/"
    spec = (find_spec(f'trytond.modules.{module}')
        if MODULE_NAME.fullmatch(module) else None)
    if not spec or not spec.submodule_search_locations:
        abort(HTTPStatus.NOT_FOUND)
    directory = Path(spec.submodule_search_locations[0]) / 'static' / 'pos'
    return static_file(request, directory, filename)


def static_file(request, directory, filename):
    # ES modules load only as JavaScript, whatever the system's mime.types
    mimetype = 'text/javascript' if filename.endswith('.js') else None
    response = send_from_directory(
        directory, filename, request.environ, mimetype=mimetype)
    # The screen is small; a new version must be picked up at once.
    response.headers['Cache-Control'] = 'no-cache'
    return response


@app.route('/<database_name>/pos/image/<int:image_id>', methods={'GET'})
@with_pool
@with_transaction()
def product_image(request, pool, image_id):
    "A product's image in the size of a tile, public like product_image's"
    try:
        Image = pool.get('product.image')
    except KeyError:  # product_image is not activated
        abort(HTTPStatus.NOT_FOUND)
    if not Image.search([('id', '=', image_id)]):
        abort(HTTPStatus.NOT_FOUND)
    response = Response(Image(image_id).get(TILE_SIZE), mimetype='image/jpeg')
    # The screen's URL changes with the image (its v argument)
    response.headers['Cache-Control'] = 'max-age=31536000, public, immutable'
    return response
