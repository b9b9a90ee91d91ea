# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What the benchmarks share: a PostgreSQL server and a fresh database"
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_OPTIONS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']


def on_postgresql(script, argv, run):
    """Call run() with trytond set to PostgreSQL: the server of
    ONRETAIL_PG_URI, else a throwaway cluster of Debian's pg_virtualenv in
    which the script runs again with --child."""
    if '--child' in argv or os.environ.get('ONRETAIL_PG_URI'):
        os.environ['TRYTOND_DATABASE__URI'] = os.environ.get(
            'ONRETAIL_PG_URI', 'postgresql://')
        return run()
    # pg_virtualenv sets PGHOST & co., which libpq reads for 'postgresql://'
    options = [arg for option in PG_OPTIONS for arg in ('-o', option)]
    return subprocess.call(['pg_virtualenv', *options, '-t',
            sys.executable, script, '--child', *argv])


def activate(database, module):
    "A fresh database with module activated"
    sys.path.insert(0, str(ROOT))
    from tests.tools import create_database, drop_database
    try:
        drop_database(database, os.environ, quiet=True)
    except subprocess.CalledProcessError:
        pass  # it did not exist
    create_database(database, os.environ)
    sys.path.insert(0, str(ROOT / 'scripts'))
    from setup_database import tune_database
    from trytond import backend
    tune_database(backend, database)  # as onRetail's databases are
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as password:
        password.write('admin\n')
        password.flush()
        env = dict(os.environ, TRYTONPASSFILE=password.name)
        started = time.perf_counter()
        subprocess.run([
                str(Path(sys.executable).parent / 'trytond-admin'),
                '-d', database, '--all', '--activate-dependencies',
                '--email', 'admin@example.com', '-u', module],
            env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"activated {module} in {time.perf_counter() - started:.0f} s",
        flush=True)


def vacuum(database):
    "The statistics a live database has from autovacuum"
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, autocommit=True) as transaction:
        transaction.connection.cursor().execute('VACUUM ANALYZE')


@contextlib.contextmanager
def counting_queries():
    """Count the SQL queries this process sends to PostgreSQL meanwhile:
    [count], filled in at the end"""
    from trytond.backend.postgresql.database import LoggingCursor
    count = [0]
    execute = LoggingCursor.execute

    def counted(self, *args, **kwargs):
        count[0] += 1
        return execute(self, *args, **kwargs)
    LoggingCursor.execute = counted
    try:
        yield count
    finally:
        LoggingCursor.execute = execute


def reset_peak():
    """Reset the peak resident memory (VmHWM) of this process to what it
    uses now; VmRSS in KiB"""
    with open('/proc/self/clear_refs', 'w') as clear_refs:
        clear_refs.write('5')
    return memory('VmRSS')


def memory(name):
    "VmRSS or VmHWM of this process, in KiB"
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(name + ':'):
                return int(line.split()[1])
