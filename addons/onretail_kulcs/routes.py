# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The four URLs that Kulcs calls: /<db>/kulcs/<connection>/<token>/<name>.

Before anything of a call is read, its connection and token are checked
(else 404), its size (else 413), the import password and the webshop ID
(else 403); these answers have an empty body, they tell nothing. Then the
call runs as the connection's sync user, with its access rights."""
import urllib.parse
from http import HTTPStatus

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from trytond.exceptions import UserError
from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.transaction import Transaction, check_access
from trytond.wsgi import app

from . import document

METHODS = {
    'products': 'POST',
    'categories': 'POST',
    'orders': 'GET',
    'confirm': 'POST',
    }
FORM = 'application/x-www-form-urlencoded'
XML = 'application/xml; charset=utf-8'
# The fields of a form that are read: xml, jelszo, webshopid and a few more
MAX_FIELDS = 10


def empty(status):
    return Response(status=status)


@with_pool
@with_transaction(readonly=False)  # a GET of orders writes its log too
def kulcs(request, pool, connection_id, token, name):
    "The call name of Kulcs for its connection"
    connection = connection_of(pool, connection_id, token)
    if connection is None or METHODS.get(name) is None:
        return empty(HTTPStatus.NOT_FOUND)
    if request.method != METHODS[name]:
        return empty(HTTPStatus.METHOD_NOT_ALLOWED)
    try:
        body = read_body(request)
    except RequestEntityTooLarge:
        return empty(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    form = form_of(request, body)
    if not connection.accepts(
            value_of(request, form, 'jelszo'),
            value_of(request, form, 'webshopid')):
        return empty(HTTPStatus.FORBIDDEN)
    data = form.get('xml', body) if form is not None else body
    with Transaction().set_user(connection.sync_user.id), \
            Transaction().set_context(company=connection.company.id), \
            check_access():
        try:
            status, content = getattr(connection, 'kulcs_' + name)(data)
        except UserError as error:
            Transaction().rollback()
            status = HTTPStatus.BAD_REQUEST
            content = document.answer(False, error.message)
    return Response(content, status=status, content_type=XML)


# A body sent in chunks has no length, and the stream stops at this size
# without a word: one byte more tells a body over MAX_BODY
kulcs.max_request_size = document.MAX_BODY + 1
app.route('/<database_name>/kulcs/<connection_id>/<token>/<name>',
    methods={'GET', 'POST'})(kulcs)


def connection_of(pool, connection_id, token):
    "The active connection of connection_id whose token is token, or None"
    try:
        Connection = pool.get('kulcs.connection')
    except KeyError:  # the module is not activated in this database
        return None
    if not (connection_id.isdigit() and len(connection_id) <= 9):
        return None
    connections = Connection.search([('id', '=', int(connection_id))])
    if not connections or not connections[0].matches(token):
        return None
    return connections[0]


def read_body(request):
    "The body, at most MAX_BODY bytes: RequestEntityTooLarge beyond"
    length = request.content_length
    if length is not None and length > document.MAX_BODY:
        raise RequestEntityTooLarge()
    # cached: a transaction tried again reads the same body
    body = request.get_data(cache=True)
    if len(body) > document.MAX_BODY:
        raise RequestEntityTooLarge()
    return body


def form_of(request, body):
    """The fields of a form body as bytes (the XML keeps its own encoding),
    None when the body is no form"""
    if request.mimetype != FORM:
        return None
    fields = {}
    # not urllib's parse_qsl: it decodes the values as UTF-8
    for pair in body.split(b'&')[:MAX_FIELDS]:
        key, _, value = pair.partition(b'=')
        key, value = (urllib.parse.unquote_to_bytes(v.replace(b'+', b' '))
            for v in (key, value))
        fields.setdefault(key.decode('latin-1'), value)
    return fields


def value_of(request, form, name):
    "The text of name in the query or the form, None when not sent"
    if name in request.args:
        return request.args[name]
    if form is not None and name in form:
        return form[name].decode('utf-8', 'replace')
    return None
