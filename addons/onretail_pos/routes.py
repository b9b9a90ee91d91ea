# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cashier screen: static files served by trytond under
/<database>/pos/; the screen logs in and calls JSON-RPC like sao."""
from pathlib import Path

from werkzeug.utils import send_from_directory

from trytond.wsgi import app

STATIC = Path(__file__).parent / 'static'


@app.route('/<database_name>/pos/', methods={'GET'})
@app.route('/<database_name>/pos/<path:filename>', methods={'GET'})
def cashier_screen(request, database_name, filename='index.html'):
    response = send_from_directory(STATIC, filename, request.environ)
    # The screen is small; a new version must be picked up at once.
    response.headers['Cache-Control'] = 'no-cache'
    return response
