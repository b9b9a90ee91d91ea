# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The HTTP JSON API of the printer service.

GET /status          the printers: online, queued jobs, last error
POST /print          {"printer": NAME (optional), "receipt": {...}} or
                     {"gift_card": {...}}: queued, answered 202
POST /drawer         {"printer": NAME (optional)}: opens the cash drawer now

Every request carries "Authorization: Bearer <token>"; browsers may call it
only from the configured origins (CORS). A request that is wrong is answered
400 (413 when too large) with {"error": ..., "field": ...}, before anything
is queued."""
import argparse
import hmac
import json
import logging
import sys
from http import HTTPStatus

from escpos.printer import Dummy
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server as make_wsgi_server
from werkzeug.wrappers import Request, Response

from . import config as config_module
from .receipt import ReceiptError
from .spool import PrinterQueue

logger = logging.getLogger(__name__)

# Bytes of a request's body: a receipt with a logo of receipt.MAX_LOGO
MAX_BODY = 2 * 1024 * 1024
# Bytes of a request's line and headers (and chunk sizes) besides the body
MAX_HEAD = 64 * 1024
# Seconds a client may take to send its request, or to read the answer
TIMEOUT = 10
# Bytes read from a connection at a time
CHUNK = 64 * 1024
# the paths of the API: the only ones written to the log
PATHS = {'/status', '/print', '/drawer'}


class Refused(Exception):
    "A request answered status with {'error': message, 'field': field}"

    def __init__(self, status, message, field=None):
        super().__init__(message)
        self.status = status
        self.data = {'error': message}
        if field is not None:
            self.data['field'] = field


class Service:
    "The printer queues of a configuration"

    def __init__(self, config):
        self.config = config
        self.queues = {
            name: PrinterQueue(printer, config.queue / name, config.retry)
            for name, printer in config.printers.items()}

    def start(self):
        for queue in self.queues.values():
            queue.start()

    def stop(self):
        for queue in self.queues.values():
            queue.stop()

    def queue(self, name=None):
        "The queue of the printer named, the first one when None"
        if name is None:
            return next(iter(self.queues.values()))
        return self.queues.get(name)


class Application:
    "The WSGI application of the API"

    def __init__(self, service):
        self.service = service
        self.routes = {
            ('GET', '/status'): self.status,
            ('POST', '/print'): self.print_job,
            ('POST', '/drawer'): self.drawer,
            }

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.answer(request)
        except Refused as refused:
            response = json_response(refused.status, refused.data)
        except Exception:
            # a bug: its traceback in the log, not in the answer
            logger.exception("%s %s failed", request.method, request.path)
            response = json_response(HTTPStatus.INTERNAL_SERVER_ERROR,
                {'error': "internal error, see the service's log"})
        self.allow_origin(request, response)
        return response(environ, start_response)

    def answer(self, request):
        if request.method == 'OPTIONS':  # CORS preflight: no token in it
            return Response(status=HTTPStatus.NO_CONTENT)
        self.authorize(request)
        action = self.routes.get((request.method, request.path))
        if action is None:
            raise Refused(HTTPStatus.NOT_FOUND, "not found")
        return action(request)

    def authorize(self, request):
        expected = f'Bearer {self.service.config.token}'
        given = request.headers.get('Authorization', '')
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Refused(HTTPStatus.UNAUTHORIZED, "wrong token",
                'Authorization')

    def allow_origin(self, request, response):
        origin = request.headers.get('Origin')
        if origin and origin in self.service.config.origins:
            response.headers.update({
                    'Access-Control-Allow-Origin': origin,
                    'Access-Control-Allow-Headers':
                    'Authorization, Content-Type',
                    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
                    'Vary': 'Origin',
                    })

    def status(self, request):
        return json_response(HTTPStatus.OK, {'printers': {
                    name: queue.status()
                    for name, queue in self.service.queues.items()}})

    def print_job(self, request):
        queue, job = self.job(request)
        try:
            job_id = queue.put(job)  # validated and rendered before written
        except ReceiptError as error:
            raise Refused(HTTPStatus.BAD_REQUEST, str(error), error.field)
        return json_response(HTTPStatus.ACCEPTED,
            {'job': job_id, **queue.status()})

    def drawer(self, request):
        queue, rest = self.job(request)
        if rest:
            key = next(iter(rest))[:40]
            raise Refused(HTTPStatus.BAD_REQUEST,
                f"{key!r} is not a known field", key)
        # the drawer opens now or not at all: later would surprise the cashier
        pulse = Dummy(profile=queue.config.profile)
        pulse.cashdraw(2)
        try:
            queue.send(pulse.output)
        except Exception as exception:
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE,
                f"the printer does not answer: {exception}")
        return json_response(HTTPStatus.OK, {'opened': True})

    def job(self, request):
        "The queue of the printer the body names, and the rest of the body"
        body = read_body(request.environ)
        try:
            job = json.loads(body.decode('utf-8') or '{}',
                parse_constant=_refuse_constant)
        except RecursionError:
            raise Refused(HTTPStatus.BAD_REQUEST,
                "the body is nested too deeply", 'body')
        except ValueError as error:
            raise Refused(HTTPStatus.BAD_REQUEST,
                f"the body is not JSON in UTF-8: {error}", 'body')
        if not isinstance(job, dict):
            raise Refused(HTTPStatus.BAD_REQUEST,
                "the body must be a JSON object", 'body')
        name = job.pop('printer', None)
        if name is not None and not isinstance(name, str):
            raise Refused(HTTPStatus.BAD_REQUEST,
                "printer must be the name of a printer", 'printer')
        queue = self.service.queue(name)
        if queue is None:
            raise Refused(HTTPStatus.NOT_FOUND,
                f"no printer {name[:40]!r}", 'printer')
        return queue, job


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number")


def json_response(status, data):
    return Response(json.dumps(data), status=status,
        content_type='application/json')


def read_body(environ):
    """The request's body: at most MAX_BODY bytes are read, whatever its
    Content-Length says; Refused when it is too large or does not arrive"""
    stream = environ['wsgi.input']
    encoding = environ.get('HTTP_TRANSFER_ENCODING', '').strip().lower()
    if encoding == 'chunked':  # werkzeug's server takes the chunks apart
        body = _read(stream, MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body must be at most {MAX_BODY} bytes", 'body')
        return body
    if encoding:
        raise Refused(HTTPStatus.BAD_REQUEST,
            "only chunked is understood", 'Transfer-Encoding')
    length = environ.get('CONTENT_LENGTH', '').strip(' \t')
    if not length:  # nothing announced: no body, as werkzeug reads it too
        return b''
    if not (length.isascii() and length.isdigit()):
        raise Refused(HTTPStatus.BAD_REQUEST,
            "must be a number of bytes", 'Content-Length')
    if len(length) > len(str(MAX_BODY)) or int(length) > MAX_BODY:
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the body must be at most {MAX_BODY} bytes", 'Content-Length')
    body = _read(stream, int(length))
    if len(body) < int(length):
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"the body is shorter than {length} bytes", 'Content-Length')
    return body


def _read(stream, size):
    "Up to size bytes of stream, fewer when it ends"
    data = bytearray()
    try:
        while len(data) < size and (
                part := stream.read(min(size - len(data), CHUNK))):
            data += part
    except TimeoutError:
        raise Refused(HTTPStatus.REQUEST_TIMEOUT,
            "the body did not arrive in time", 'body')
    except (OSError, ValueError) as error:  # a chunk that is not one
        raise Refused(HTTPStatus.BAD_REQUEST,
            f"the body cannot be read: {error}", 'body')
    return bytes(data)


class LimitedInput:
    """A connection's input of which at most limit bytes are read: werkzeug's
    server closes each connection after its answer, so this bounds all that
    is read of a request, whatever it announces, even what the server throws
    away of a refused body so that the client sees the answer.

    Like a socket, read() gives at most CHUNK bytes at a time: werkzeug
    throws a body away by reads of 10 MB. The body is read by CHUNK (_read),
    so werkzeug's chunked decoder never asks for more."""

    def __init__(self, stream, limit):
        self._stream = stream
        self._left = limit

    def read(self, size=-1):
        if size is None or size < 0 or size > CHUNK:
            size = CHUNK
        return self._take(self._stream.read, size)

    def readline(self, size=-1):
        return self._take(self._stream.readline, size)

    def _take(self, read, size):
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = read(size) if size else b''
        self._left -= len(data)
        return data

    def close(self):
        self._stream.close()


class Handler(WSGIRequestHandler):
    timeout = TIMEOUT  # of the socket: no client holds a thread for long
    protocol_version = 'HTTP/1.1'  # werkzeug closes the connection anyway
    # a request line or headers that http.server refuses: JSON too
    error_content_type = 'application/json'
    error_message_format = '{"error": "%(explain)s"}\n'

    def setup(self):
        super().setup()
        self.rfile = LimitedInput(self.rfile, MAX_BODY + MAX_HEAD)

    def version_string(self):
        return 'onretail-iot'

    def log_request(self, code='-', size='-'):
        # only the paths of the API: a careless client could put a token
        # in another path or in the query
        path = getattr(self, 'path', '').partition('?')[0]
        if path not in PATHS:
            path = '(another path)'
        command = getattr(self, 'command', None)
        if not (command or '').isalpha():  # no escapes in the log either
            command = '-'
        self.log('info', '"%s %s" %s %s', command, path, code, size)

    def log(self, type, message, *args):
        level = logging.INFO if type == 'info' else logging.WARNING
        logger.log(level, f'%s {message}', self.address_string(), *args)


def make_server(config, timeout=TIMEOUT):
    "The HTTP server (threaded) and its service, not started"
    service = Service(config)
    handler = type('Handler', (Handler,), {'timeout': timeout})
    server = make_wsgi_server(config.host, config.port, Application(service),
        threaded=True, request_handler=handler)
    return server, service


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='onretail-iot', description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', required=True,
        help="the configuration file (see onretail-iot.example.ini)")
    args = parser.parse_args(argv)
    # force: python-escpos calls logging.basicConfig() when it is imported,
    # which would leave only warnings in the log
    logging.basicConfig(level=logging.INFO, force=True,
        format='%(asctime)s %(levelname)s %(message)s')
    try:
        config = config_module.load(args.config)
    except config_module.ConfigError as exception:
        sys.exit(str(exception))
    server, service = make_server(config)
    service.start()
    # the port bound, also when the configuration says 0 (any free port)
    logging.info("onretail-iot serves on http://%s:%s/ (printers: %s)",
        config.host, server.server_port, ', '.join(config.printers))
    try:
        server.serve_forever()
    finally:
        server.server_close()
        service.stop()


if __name__ == '__main__':
    main()
