# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers of the tests that drive trytond as separate processes"
import subprocess
import sys

_DATABASE_ACTION = '''
import sys
from trytond import backend
action, name = sys.argv[1:]
database = backend.Database()
database.connect()
connection = database.get_connection(autocommit=True)
try:
    getattr(database, action)(connection, name)
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


def _database_action(action, name, env, quiet=False):
    # In a process of its own: the test process may hold a database of the
    # same backend open, with other settings.
    subprocess.run(
        [sys.executable, '-c', _DATABASE_ACTION, action, name],
        env=env, check=True,
        stderr=subprocess.DEVNULL if quiet else None)
