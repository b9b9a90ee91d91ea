# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What all sandboxes share: the threaded server, the fault control and the
command line.

A sandbox is a WSGI application (a subclass of Sandbox) with its data in
memory. In a test:

    with CituroSandbox(api_key='test-key') as sandbox:
        requests.get(sandbox.url + '/me', headers=...)

or sandbox.start() (serves on 127.0.0.1, a free port, in a daemon thread,
and returns the base URL) and sandbox.stop(). sandbox.set_fault(name,
seconds=None) and sandbox.reset() do in Python what /_control does:

GET /_control    {"fault": ..., "seconds": ..., "reports": [...]}
POST /_control   {"fault": null} clears the fault; {"fault": NAME} answers
                 every following request (not /_control) with the fault
                 until cleared; {"fault": "slow", "seconds": 2.5} waits that
                 long (default 20) before answering normally;
                 {"reset": true} reloads the fixtures, clears reports and
                 fault. No API key: the client under test never calls it.

The faults of all sandboxes (a sandbox may add its own):
down     the connection is closed without any answer
slow     the answer comes after "seconds"
500      HTTP 500 with a JSON error
429      HTTP 429 with Retry-After: 30
html     200 with an HTML page, as a proxy's login or error page
badjson  200 application/json whose body is not JSON
nodata   200 {} (no "data")

A faulted request is not carried out, except with slow: there it is, after
the wait, even when the client has given up (as a real server would).

The command: onretail-sandbox PARTNER --host --port --api-key ...; it
prints the base URL and serves until SIGTERM or SIGINT. A partner that calls
onRetail instead (CLIENTS: kulcs) is a subcommand too: it runs once, prints
its report and exits 0 when every step got what its protocol promises."""
import argparse
import copy
import hmac
import importlib
import json
import logging
import signal
import sys
import threading
import time
from http import HTTPStatus

from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

logger = logging.getLogger(__name__)

# the sandboxes of the command: subcommand -> 'module:class'
PARTNERS = {
    'cituro': 'onretail_sandbox.cituro:CituroSandbox',
    'planet': 'onretail_sandbox.planet:PlanetSandbox',
    'cartum': 'onretail_sandbox.cartum:CartumSandbox',
    }
# the partners that call onRetail: subcommand -> 'module:class', a class
# with add_arguments(parser) and command(args) -> exit status
CLIENTS = {
    'kulcs': 'onretail_sandbox.kulcs:KulcsSimulator',
    }
FAULTS = {'down', 'slow', '500', '429', 'html', 'badjson', 'nodata'}
# seconds of the slow fault when not given: longer than a client's timeout
SLOW = 20
CONTROL = '/_control'
NOT_FOUND = "Not found"  # the message of every 404


class Refused(Exception):
    "A request answered status with the sandbox's error object"

    def __init__(self, status, message=None):
        status = HTTPStatus(status)
        super().__init__(message or status.phrase)
        self.status = status
        self.message = message or status.phrase


class Dropped(ConnectionAbortedError):
    """Raised by the application to close the connection without an answer:
    werkzeug takes a ConnectionError for a client gone and writes nothing"""


class Handler(WSGIRequestHandler):

    def connection_dropped(self, error, environ=None):
        # else, on HTTP/1.1, the handler would wait for the next request on
        # the connection, and the client for an answer
        self.close_connection = True

    def version_string(self):
        return 'onretail-sandbox'

    def log(self, type, message, *args):
        # werkzeug's own logger prints to stderr when nothing is configured:
        # tests would be noisy
        level = logging.INFO if type == 'info' else logging.WARNING
        logger.log(level, f'%s {message}', self.address_string(), *args)


class Sandbox:
    """A partner's server: its data in memory, faults to order.

    A subclass sets name, prefix, faults and routes (a werkzeug Map whose
    endpoints are names of its methods, called with the request and the
    URL's arguments), and implements load(fixtures)."""
    name = None
    prefix = '/api'  # of the base URL that start() returns
    faults = FAULTS
    routes = None
    default_port = 0

    def __init__(self, api_key, fixtures=None):
        self.api_key = api_key
        self.fixtures = fixtures
        self.url = None
        self._server = None
        self._thread = None
        # requests are served in threads: one change at a time
        self.lock = threading.RLock()
        self.reset()

    def load(self, fixtures):
        "Sets the data from fixtures, the packaged ones when None"
        raise NotImplementedError

    def reset(self):
        "Reloads the fixtures, clears the reports and the fault"
        with self.lock:
            self.fault = None
            self.seconds = SLOW
            self.reports = []
            self.load(copy.deepcopy(self.fixtures))

    def set_fault(self, fault, seconds=None):
        "Answers every following request with fault, None clears it"
        if fault is not None and fault not in self.faults:
            raise ValueError(f"unknown fault {fault!r}")
        if seconds is not None and not (
                isinstance(seconds, (int, float))
                and not isinstance(seconds, bool) and 0 <= seconds <= 3600):
            raise ValueError("seconds must be a number from 0 to 3600")
        with self.lock:
            self.fault = fault
            self.seconds = SLOW if seconds is None else seconds

    def start(self, host='127.0.0.1', port=0):
        "Serves in a daemon thread; the base URL (a free port when 0)"
        self._server = make_server(host, port, self, threaded=True,
            request_handler=Handler)
        # polled often: stop() waits for a poll
        self._thread = threading.Thread(target=self._server.serve_forever,
            args=(0.05,), name=f'sandbox-{self.name}', daemon=True)
        self._thread.start()
        netloc = f'[{host}]' if ':' in host else host  # IPv6
        self.url = f'http://{netloc}:{self._server.server_port}{self.prefix}'
        return self.url

    def stop(self):
        "Stops serving; requests still running (slow) end on their own"
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self):
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            if request.path == CONTROL:
                response = self.control(request)
            else:
                response = self.answer(request)
        except Refused as refused:
            response = self.error_response(refused.status, refused.message)
        except Dropped:
            raise
        except Exception:
            logger.exception("%s %s failed", request.method, request.path)
            response = self.error_response(
                HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        return response(environ, start_response)

    def answer(self, request):
        with self.lock:
            fault, seconds = self.fault, self.seconds
        if fault == 'down':
            raise Dropped("fault down")
        if fault == 'slow':
            time.sleep(seconds)
        elif fault == '500':
            raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR)
        elif fault == '429':
            response = self.error_response(HTTPStatus.TOO_MANY_REQUESTS,
                HTTPStatus.TOO_MANY_REQUESTS.phrase)
            response.headers['Retry-After'] = '30'
            return response
        elif fault == 'html':
            return Response('<!DOCTYPE html>\n<html><head><title>Sign in'
                '</title></head><body><h1>Please sign in</h1></body></html>\n',
                content_type='text/html; charset=utf-8')
        elif fault == 'badjson':
            return Response('{"data": [{"id": "A-1', mimetype=JSON)
        elif fault == 'nodata':
            return json_response({})
        self.authorize(request)
        try:
            endpoint, arguments = self.routes.bind_to_environ(
                request.environ).match()
        except HTTPException as exception:  # 404, 405
            raise Refused(exception.code,
                NOT_FOUND if exception.code == HTTPStatus.NOT_FOUND else None)
        with self.lock:
            return getattr(self, endpoint)(request, fault=fault, **arguments)

    def authorize(self, request):
        given = request.headers.get('X-API-Key', '')
        if not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise Refused(HTTPStatus.UNAUTHORIZED, "Unauthorized")

    def error_response(self, status, message):
        "The partner's error answer"
        return json_response({'error': {'code': int(status),
                    'message': message}}, status)

    def control(self, request):
        if request.method == 'POST':
            body = json_body(request)
            if not isinstance(body, dict) or not (
                    {'fault', 'reset'} & body.keys()):
                raise Refused(HTTPStatus.BAD_REQUEST,
                    'expected {"fault": ...} or {"reset": true}')
            if body.get('reset'):
                self.reset()
            if 'fault' in body:
                try:
                    self.set_fault(body['fault'], body.get('seconds'))
                except ValueError as error:
                    raise Refused(HTTPStatus.BAD_REQUEST, str(error))
        elif request.method != 'GET':
            raise Refused(HTTPStatus.METHOD_NOT_ALLOWED)
        with self.lock:
            return json_response({'fault': self.fault,
                    'seconds': self.seconds,
                    'reports': copy.deepcopy(self.reports)})

    @classmethod
    def add_arguments(cls, parser):
        "The command line's options of the partner besides host and port"

    @classmethod
    def from_arguments(cls, args):
        return cls(api_key=args.api_key)


JSON = 'application/json'


def json_response(data, status=HTTPStatus.OK):
    return Response(json.dumps(data, ensure_ascii=False), status=status,
        mimetype=JSON)


def json_body(request):
    "The request's body as JSON; Refused 400 when it is not"
    try:
        return json.loads(request.get_data(as_text=False) or b'null')
    except ValueError as error:
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"the body is not JSON: {error}")


def load_class(path):
    module, _, name = path.partition(':')
    return getattr(importlib.import_module(module), name)


def sandbox_class(partner):
    return load_class(PARTNERS[partner])


def main(argv=None):
    parser = argparse.ArgumentParser(prog='onretail-sandbox',
        description="Serves a partner system's protocol from test data, "
        "or plays a partner that calls onRetail")
    partners = parser.add_subparsers(dest='partner', required=True,
        metavar='PARTNER')
    for partner in PARTNERS:
        cls = sandbox_class(partner)
        sub = partners.add_parser(partner,
            help=cls.__doc__.splitlines()[0])
        sub.add_argument('--host', default='127.0.0.1')
        sub.add_argument('--port', type=int, default=cls.default_port,
            help="0: any free port (default %(default)s)")
        sub.add_argument('--api-key', required=True,
            help="the key that clients must send")
        cls.add_arguments(sub)
    for client, path in CLIENTS.items():
        cls = load_class(path)
        sub = partners.add_parser(client, help=cls.__doc__.splitlines()[0])
        cls.add_arguments(sub)
    args = parser.parse_args(argv)
    if args.partner in CLIENTS:
        # runs once: the report on stdout, the verdict in the exit status
        return load_class(CLIENTS[args.partner]).command(args)
    logging.basicConfig(level=logging.INFO,
        format='%(asctime)s %(levelname)s %(message)s')
    sandbox = sandbox_class(args.partner).from_arguments(args)

    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # the URL on stdout, alone: a script starting it on port 0 reads it
    print(sandbox.start(args.host, args.port), flush=True)
    try:
        stopping.wait()
    finally:
        sandbox.stop()
    logger.info("onretail-sandbox %s stopped", args.partner)


if __name__ == '__main__':
    sys.exit(main())
