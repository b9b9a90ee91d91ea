#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Serve onRetail in its production shape on PostgreSQL: trytond under
gunicorn with several workers, the scheduler (trytond-cron) and the queue
worker (trytond-worker).

Usage: serve.py [-c CONFIG] [-d DATABASE] [--workers N] [--state-dir DIR]

The database is the PostgreSQL of TRYTOND_DATABASE__URI or, when it is empty,
a local cluster in ONRETAIL_PG_DATA (default var/postgresql, or
/var/lib/postgresql/onretail when run as root, since PostgreSQL runs as the
postgres user then), started here and stopped with the rest. It is created
or upgraded like `make run` does. Ctrl-C (SIGINT) or SIGTERM stops them all;
when one of them stops on its own, the others are stopped too and the script
exits with an error.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))

from services import Supervisor  # noqa: E402

BIN = Path(sys.executable).parent
# Seconds gunicorn lets a request run before it kills the worker and the
# request's transaction with it. Long work is queued (card generation, the
# price export, Cartum's and Kulcs's imports); this leaves room for a report
# over a large period.
REQUEST_TIMEOUT = 120


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config',
        default=str(ROOT / 'deploy' / 'trytond.conf'))
    parser.add_argument('-d', '--database', default='onretail')
    parser.add_argument('--state-dir',
        help="where setup_database.py keeps the fingerprint of the last "
        "upgrade")
    parser.add_argument('--workers', type=int,
        default=int(os.environ.get('ONRETAIL_WORKERS') or os.cpu_count()),
        help="trytond's web workers (default: ONRETAIL_WORKERS, or the "
        "number of cores)")
    args = parser.parse_args()
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    listen = os.environ.get('TRYTOND_WEB__LISTEN', '127.0.0.1:8000')
    config = os.path.abspath(args.config)

    def start(supervisor):
        uri = os.environ.get('TRYTOND_DATABASE__URI')
        if not uri:
            uri = start_local_cluster(supervisor, local_cluster_directory())
        os.environ['TRYTOND_DATABASE__URI'] = uri
        os.environ['TRYTOND_CONFIG'] = config
        setup = [sys.executable, str(ROOT / 'scripts' / 'setup_database.py'),
            '-c', config, '-d', args.database]
        if args.state_dir:
            setup += ['--state-dir', args.state_dir]
        subprocess.run(setup, check=True)
        database = ['-c', config, '-d', args.database]
        if supervisor.start("scheduler",
                [str(BIN / 'trytond-cron'), *database, '-n', '1']):
            print("scheduler: trytond-cron runs the scheduled actions",
                flush=True)
        if supervisor.start("queue worker",
                [str(BIN / 'trytond-worker'), *database, '-n', '1']):
            print("queue worker: trytond-worker runs the queued tasks",
                flush=True)
        if supervisor.start("trytond", gunicorn_command(
                    listen, args.workers),
                env=dict(os.environ, TRYTOND_DATABASE_NAMES=args.database)):
            print(f"trytond: {args.workers} workers under gunicorn, "
                f"http://{listen}/ (web client), "
                f"http://{listen}/{args.database}/pos/ (cashier screen)",
                flush=True)

    return Supervisor('serve').run(start)


def gunicorn_command(listen, workers):
    "trytond's WSGI application, its pool loaded by each worker"
    return [str(BIN / 'gunicorn'),
        '--bind', listen, '--workers', str(workers),
        '--timeout', str(REQUEST_TIMEOUT),
        '--name', 'onretail', '--no-control-socket',
        'trytond.application:app']


def local_cluster_directory():
    if directory := os.environ.get('ONRETAIL_PG_DATA'):
        return Path(directory).absolute()
    if os.geteuid() == 0:
        return Path('/var/lib/postgresql/onretail')
    return ROOT / 'var' / 'postgresql'


def start_local_cluster(supervisor, directory):
    """Start PostgreSQL on directory, created the first time, and return its
    URI. It listens only on its socket inside the directory, which only its
    owner (and root) may open, so it trusts whoever connects."""
    bin_ = postgresql_bin()
    as_owner = {}
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root
        as_owner = {'user': 'postgres', 'group': 'postgres'}
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.chown(directory, 'postgres', 'postgres')
    if not (directory / 'PG_VERSION').exists():
        subprocess.run([str(bin_ / 'initdb'),
                '-D', str(directory), '-U', 'postgres', '--auth=trust',
                '-E', 'UTF8', '--locale=C.UTF-8'],
            check=True, stdout=subprocess.DEVNULL, **as_owner)
    postgresql = supervisor.start("postgresql", [str(bin_ / 'postgres'),
            '-D', str(directory), '-c', "listen_addresses=",
            '-c', f'unix_socket_directories={directory}',
            '-c', 'log_min_messages=warning', '-c', 'log_checkpoints=off'],
        **as_owner)
    if postgresql:
        wait_ready(bin_, directory, postgresql)
    print(f"postgresql: local cluster in {directory}", flush=True)
    return f'postgresql://postgres@/?host={quote(str(directory), safe="/")}'


def postgresql_bin():
    "The newest PostgreSQL of Debian's postgresql package"
    versions = sorted(Path('/usr/lib/postgresql').glob('*/bin/postgres'),
        key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: "
            "apt-get install postgresql, or give TRYTOND_DATABASE__URI")
    return versions[-1].parent


def wait_ready(bin_, directory, postgresql, timeout=60):
    "Wait until PostgreSQL accepts connections on its socket"
    deadline = time.monotonic() + timeout
    while subprocess.run([str(bin_ / 'pg_isready'), '-q',
                '-h', str(directory), '-U', 'postgres']).returncode:
        if not postgresql.running() or time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not start in {directory}")
        time.sleep(0.2)


if __name__ == '__main__':
    sys.exit(main())
