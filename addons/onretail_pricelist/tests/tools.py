# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers of the tests that speak HTTP to trytond's WSGI application"
import base64
import json
from urllib.parse import quote

from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder

PASSWORD = 'Gateway-Prices.47'


def create_user(login, group=None, company=None):
    "A user of the onRetail group (None for no group) who may log in"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    user = User(login=login, name=login, password=PASSWORD,
        groups=[ModelData.get_id('onretail_base', group)] if group else [])
    if company:
        user.companies = [company]
        user.company = company
    user.save()
    return user


def login(client, database, login, password=PASSWORD):
    """Log in as sao 8.0 does: the client keeps the tryton_session cookie
    and sends it with every later request under /<database>"""
    response = client.post('/%s/session/login' % quote(database),
        json={'id': 0, 'method': 'common.db.login',
            'params': [login, {'password': password}, 'en']})
    assert response.status_code == 200, response.data
    user_id, _ = response.json
    return user_id


def session_header(client, database, login, password=PASSWORD):
    """Log in by JSON-RPC as the desktop client and scripts do; return the
    Authorization header of the session"""
    user_id, key, _ = rpc(client, database, 'common.db.login',
        login, {'password': password}, 'en')
    session = base64.b64encode(
        ('%s:%s:%s' % (login, user_id, key)).encode('utf-8'))
    return {'Authorization': 'Session ' + session.decode('ascii')}


def rpc(client, database, method, *params):
    "Call method by JSON-RPC; return its result or raise RPCError"
    response = client.post('/%s/rpc/' % quote(database),
        data=json.dumps(
            {'id': 1, 'method': method, 'params': params}, cls=JSONEncoder),
        content_type='application/json')
    if response.status_code != 200:
        raise RPCError(response.status_code, response.data)
    data = json.loads(response.data, object_hook=JSONDecoder())
    if 'error' in data:
        raise RPCError(response.status_code, data['error'])
    return data['result']


class RPCError(Exception):
    "The server refused a JSON-RPC call: (HTTP status, error)"
