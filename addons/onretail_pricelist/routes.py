# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from http import HTTPStatus

from werkzeug.exceptions import abort
from werkzeug.wrappers import Response

from trytond.exceptions import UserError
from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

MIMETYPES = {
    'csv': 'text/csv',
    'json': 'application/json',
    }


@app.route(
    '/<database_name>/onretail_pricelist/export/<token>', methods={'GET'})
@with_pool
@with_transaction()
def export(request, pool, token):
    "Stream the gateway export that a link of the client asked for"
    try:
        Link = pool.get('product.price_list.export.link')
    except KeyError:  # the module is not activated in this database
        abort(HTTPStatus.NOT_FOUND)
    try:
        link = Link.get_valid(token)
    except UserError:
        abort(HTTPStatus.FORBIDDEN)
    job = {
        'database': pool.database_name,
        'user': link.user.id,
        'company': link.price_list.company.id if link.price_list
        else link.user.company.id if link.user.company else None,
        'price_list': link.price_list.id if link.price_list else None,
        'date': link.date,
        'format': link.format,
        }
    return Response(
        stream_export(pool, job), mimetype=MIMETYPES[link.format],
        headers={
            'Content-Disposition': 'attachment; filename="%s"' % (
                link.filename),
            })


def stream_export(pool, job):
    # The request's transaction has ended when the server iterates; the rows
    # are read in a transaction of their own, as the link's user.
    with Transaction().start(
            job['database'], job['user'], readonly=True,
            context={'company': job['company']}):
        PriceList = pool.get('product.price_list')
        if job['price_list']:
            price_lists = [PriceList(job['price_list'])]
        else:
            price_lists = PriceList.gateway_lists()
        for chunk in PriceList.export_gateway(
                price_lists, job['date'], job['format']):
            yield chunk.encode('utf-8')
