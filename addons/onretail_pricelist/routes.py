# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from http import HTTPStatus

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
def export(request, pool, token):
    "Stream the gateway export that a link of the client asked for"
    # The user of the request's Tryton session, checked by trytond.security
    # as for RPC: sao's tryton_session cookie or an Authorization header.
    # The link serves only that user (see ExportLink).
    user_id = request.user_id
    if not user_id:
        return refused()
    return export_link(request, pool, token, user_id)


@with_transaction()
def export_link(request, pool, token, user_id):
    try:
        Link = pool.get('product.price_list.export.link')
    except KeyError:  # the module is not activated in this database
        return Response(status=HTTPStatus.NOT_FOUND)
    try:
        link = Link.get_valid(token, user_id)
    except UserError:
        return refused()
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


def refused():
    "An empty 403: it tells nothing of the link"
    return Response(status=HTTPStatus.FORBIDDEN)


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
