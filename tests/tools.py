# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers of the tests that drive trytond as separate processes"
import atexit
import base64
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAO = ROOT / 'web' / 'node_modules' / 'tryton-sao'
TIMEOUT = 60

_DATABASE_ACTION = '''
import sys
from trytond import backend
action, *names = sys.argv[1:]
database = backend.Database()
database.connect()
connection = database.get_connection(autocommit=True)
try:
    getattr(database, action)(connection, *names)
finally:
    database.put_connection(connection)
    database.close()
'''


def create_database(name, env):
    "Create an empty database on the backend configured by env"
    _database_action('create', name, env)


def drop_database(name, env, quiet=False):
    """Drop the database from the backend configured by env; quiet hides
    the error when it does not exist"""
    _database_action('drop', name, env, quiet)


def _database_action(action, name, env, quiet=False, template=None):
    # In a process of its own: the test process may hold a database of the
    # same backend open, with other settings.
    subprocess.run(
        [sys.executable, '-c', _DATABASE_ACTION, action, name,
            *([template] if template else [])],
        env=env, check=True,
        stderr=subprocess.DEVNULL if quiet else None)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def demo_database(env):
    """(name, folder, admin password) of a database built the way `make
    run` builds it, demo data included, once per test process: building
    takes minutes, copying it for each class a moment"""
    if not _demo:
        folder = tempfile.mkdtemp(prefix='onretail-demo-')
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        name = f'onretail_demo_{os.getpid()}'
        password = secrets.token_urlsafe(12)
        env = dict(env, TRYTOND_DATABASE__PATH=folder,
            ONRETAIL_ADMIN_PASSWORD=password)
        subprocess.run([
                sys.executable, str(ROOT / 'scripts' / 'setup_database.py'),
                '-c', str(ROOT / 'onretail.conf'), '-d', name,
                '--state-dir', folder],
            env=env, check=True, stdout=subprocess.DEVNULL)
        # The PostgreSQL database lives outside the folder.
        atexit.register(drop_database, name, env, quiet=True)
        _demo.extend([name, folder, password])
    return tuple(_demo)


_demo = []


def copy_demo_database(name, env):
    """A copy of the demo database as name in the folder of env (SQLite) or
    on its server (PostgreSQL); returns its admin password"""
    template, folder, password = demo_database(env)
    target = env['TRYTOND_DATABASE__PATH']
    if env['TRYTOND_DATABASE__URI'].startswith('sqlite'):
        # SQLite's backup copies what is committed, whatever the journal
        with closing(sqlite3.connect(
                    os.path.join(folder, f'{template}.sqlite'))) as source, \
                closing(sqlite3.connect(
                    os.path.join(target, f'{name}.sqlite'))) as copy:
            source.backup(copy)
    else:
        _database_action('create', name, env, template=template)
    # The files of attachments and images, kept in a folder per database
    if os.path.isdir(os.path.join(folder, template)):
        shutil.copytree(os.path.join(folder, template),
            os.path.join(target, name))
    return password


def mark_upgraded(name, env, state_dir):
    """Record in state_dir, as setup_database.py does, that the database
    name, a copy of the demo database, is up to date: serving it with
    scripts/serve.py --state-dir upgrades nothing"""
    sys.path.insert(0, str(ROOT / 'scripts'))
    from setup_database import state_file
    template, folder, _ = demo_database(env)
    uri = env['TRYTOND_DATABASE__URI']
    fingerprint = state_file(Path(folder), uri, folder, template).read_text()
    copy = state_file(Path(state_dir), uri, env['TRYTOND_DATABASE__PATH'],
        name)
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(fingerprint)


def tryton_decimal(value):
    "A Decimal as Tryton's JSON-RPC encodes it"
    return {'__class__': 'Decimal', 'decimal': str(value)}


class JsonRpc:
    "JSON-RPC to a database of the server at url, as the clients make it"

    def __init__(self, url, database):
        self.url = f'{url}{database}/rpc/'

    def post(self, method, params, authorization=None):
        "The answer of the server: result or error"
        headers = {'Content-Type': 'application/json'}
        if authorization:
            headers['Authorization'] = authorization
        request = urllib.request.Request(self.url, headers=headers,
            data=json.dumps({'id': 0, 'method': method,
                    'params': params}).encode())
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.load(response)

    def login(self, login, password):
        "(authorization, context) of a new session of login"
        user_id, key, _ = self.post('common.db.login',
            [login, {'password': password}, 'en'])['result']
        authorization = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{key}'.encode()).decode()
        context = self.post('model.res.user.get_preferences', [True, {}],
            authorization)['result']
        return authorization, context

    def call(self, session, method, *params):
        "The answer of method called as the user of session"
        authorization, context = session
        return self.post(method, [*params, context], authorization)

    def result(self, session, method, *params):
        "The result of method called as the user of session"
        answer = self.call(session, method, *params)
        if 'error' in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer['result']


class DemoServerTestCase(unittest.TestCase):
    """A database built the way `make run` does (same script, same
    onretail.conf, demo data included) on the backend of the environment,
    served by trytond on a free port, for the class's tests"""
    # Seconds the server has to answer once started
    start_timeout = TIMEOUT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(tmp.cleanup)
        cls.tmp = tmp.name
        cls.database = f'onretail_{cls.__name__.lower()}_{os.getpid()}'
        cls.port = free_port()
        env = os.environ.copy()
        env.pop('DB_NAME', None)
        env.update({
                'TRYTOND_DATABASE__PATH': tmp.name,
                'TRYTOND_WEB__ROOT': str(SAO),
                'TRYTOND_WEB__LISTEN': f'127.0.0.1:{cls.port}',
                })
        cls.password = copy_demo_database(cls.database, env)
        cls.addClassCleanup(drop_database, cls.database, env)

        log = open(os.path.join(tmp.name, 'trytond.log'), 'w')
        cls.addClassCleanup(log.close)
        server = cls.start_server(env, log)
        cls.addClassCleanup(cls.stop, server)
        cls.url = f'http://127.0.0.1:{cls.port}/'
        cls.wait_for_server(server, timeout=cls.start_timeout)
        cls.warm_up()
        cls.env = env

    @classmethod
    def start_server(cls, env, log):
        "The process that serves the database on cls.port"
        return subprocess.Popen([str(Path(sys.executable).with_name(
                        'trytond')), '-c', str(ROOT / 'onretail.conf')],
            env=env, stdout=log, stderr=subprocess.STDOUT)

    @classmethod
    def wait_for_server(cls, server, url=None, timeout=TIMEOUT):
        "Wait until the server answers on url (default: cls.url)"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError("trytond stopped while starting")
            try:
                with urllib.request.urlopen(
                        url or cls.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("trytond did not answer in time")

    @classmethod
    def warm_up(cls):
        """Log in once over JSON-RPC: the server loads the modules of the
        database on its first login, which may take longer than a browser
        wait on a busy machine"""
        cls.admin_session(timeout=10 * TIMEOUT)

    @classmethod
    def admin_session(cls, timeout=TIMEOUT):
        "The authorization of a new session of admin"
        user_id, session, _ = cls.rpc('common.db.login',
            'admin', {'password': cls.password}, 'en', timeout=timeout)
        return 'Session ' + base64.b64encode(
            f'admin:{user_id}:{session}'.encode()).decode()

    @classmethod
    def rpc(cls, method, *params, timeout=TIMEOUT, authorization=None):
        "The result of a JSON-RPC call to the server"
        headers = {'Content-Type': 'application/json'}
        if authorization:
            headers['Authorization'] = authorization
        body = json.dumps({'id': 0, 'method': method, 'params': params})
        request = urllib.request.Request(
            f'{cls.url}{cls.database}/rpc/', data=body.encode(),
            headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            result = json.load(response)
        if 'error' in result:
            raise RuntimeError(f"{method} failed: {result['error']}")
        return result['result']

    def admin_rpc(self, method, *params):
        "The result of a call of admin, in admin's context"
        authorization = self.admin_session()
        context = self.rpc('model.res.user.get_preferences', True, {},
            authorization=authorization)
        return self.rpc(
            method, *params, context, authorization=authorization)

    @staticmethod
    def stop(server):
        server.terminate()
        server.wait(timeout=30)

    @classmethod
    def proteus(cls, code):
        "The last line code prints, run with proteus on the demo database"
        output = subprocess.run([sys.executable, '-c',
                'import sys; from proteus import Model, config; '
                'config.set_trytond(sys.argv[1], config_file=sys.argv[2])\n'
                + code,
                cls.database, str(ROOT / 'onretail.conf')],
            env=cls.env, capture_output=True, text=True)
        if output.returncode:
            raise AssertionError(output.stderr)
        return output.stdout.strip().splitlines()[-1]

    def record_id(self, model, domain):
        "The id of the record of the demo database that matches domain"
        return int(self.proteus(
                f'print(Model.get({model!r}).find({domain!r})[0].id)'))
