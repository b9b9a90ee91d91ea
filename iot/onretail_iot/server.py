# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The HTTP JSON API of the printer service.

GET /status          the printers: online, queued jobs, last error
POST /print          {"printer": NAME (optional), "receipt": {...}} or
                     {"gift_card": {...}}: queued, answered 202
POST /drawer         {"printer": NAME (optional)}: opens the cash drawer now

Every request carries "Authorization: Bearer <token>"; browsers may call it
only from the configured origins (CORS)."""
import argparse
import hmac
import json
import logging
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from escpos.printer import Dummy

from . import config as config_module
from .receipt import ReceiptError
from .spool import PrinterQueue

MAX_BODY = 1024 * 1024


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


class Handler(BaseHTTPRequestHandler):
    server_version = 'onretail-iot'
    service = None  # set by make_server

    def do_OPTIONS(self):
        self._answer(HTTPStatus.NO_CONTENT)

    def do_GET(self):
        if not self._authorized():
            return
        if self.path != '/status':
            return self._answer(HTTPStatus.NOT_FOUND, {'error': 'not found'})
        self._answer(HTTPStatus.OK, {'printers': {
                    name: queue.status()
                    for name, queue in self.service.queues.items()}})

    def do_POST(self):
        if not self._authorized():
            return
        actions = {'/print': self._print, '/drawer': self._drawer}
        if self.path not in actions:
            return self._answer(HTTPStatus.NOT_FOUND, {'error': 'not found'})
        try:
            length = int(self.headers.get('Content-Length', 0))
            if length > MAX_BODY:
                raise ValueError("the request is too large")
            body = json.loads(self.rfile.read(length) or b'{}')
            if not isinstance(body, dict):
                raise ValueError("the request is a JSON object")
        except ValueError as exception:
            return self._answer(
                HTTPStatus.BAD_REQUEST, {'error': str(exception)})
        queue = self.service.queue(body.get('printer'))
        if queue is None:
            return self._answer(HTTPStatus.NOT_FOUND,
                {'error': f"no printer {body.get('printer')!r}"})
        actions[self.path](queue, body)

    def _print(self, queue, body):
        try:
            job_id = queue.put(body)
        except (ReceiptError, KeyError, TypeError, ValueError) as exception:
            return self._answer(HTTPStatus.BAD_REQUEST,
                {'error': f"cannot print this: {exception}"})
        self._answer(HTTPStatus.ACCEPTED,
            {'job': job_id, **queue.status()})

    def _drawer(self, queue, body):
        # the drawer opens now or not at all: later would surprise the cashier
        pulse = Dummy(profile=queue.config.profile)
        pulse.cashdraw(2)
        try:
            queue.send(pulse.output)
        except Exception as exception:
            return self._answer(HTTPStatus.SERVICE_UNAVAILABLE,
                {'error': f"the printer does not answer: {exception}"})
        self._answer(HTTPStatus.OK, {'opened': True})

    def _authorized(self):
        expected = f'Bearer {self.service.config.token}'
        given = self.headers.get('Authorization', '')
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
        self._answer(HTTPStatus.UNAUTHORIZED, {'error': 'wrong token'})
        return False

    def _answer(self, status, data=None):
        body = json.dumps(data).encode() if data is not None else b''
        self.send_response(status)
        origin = self.headers.get('Origin')
        if origin and origin in self.service.config.origins:
            self.send_header('Access-Control-Allow-Origin', origin)
            self.send_header('Access-Control-Allow-Headers',
                'Authorization, Content-Type')
            self.send_header('Access-Control-Allow-Methods',
                'GET, POST, OPTIONS')
            self.send_header('Vary', 'Origin')
        if body:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        logging.getLogger(__name__).info(format, *args)


def make_server(config):
    "The HTTP server and its service, not started"
    service = Service(config)
    handler = type('BoundHandler', (Handler,), {'service': service})
    return ThreadingHTTPServer((config.host, config.port), handler), service


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='onretail-iot', description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', required=True,
        help="the configuration file (see onretail-iot.example.ini)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
        format='%(asctime)s %(levelname)s %(message)s')
    try:
        config = config_module.load(args.config)
    except config_module.ConfigError as exception:
        sys.exit(str(exception))
    server, service = make_server(config)
    service.start()
    logging.info("onretail-iot serves on http://%s:%s/ (printers: %s)",
        config.host, config.port, ', '.join(config.printers))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        service.stop()


if __name__ == '__main__':
    main()
