#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Create or upgrade the quick-start database and load the demo data.

Usage: setup_database.py [-c CONFIG] [-d DATABASE]

The configuration (default: onretail.conf) may be overridden by TRYTOND_*
environment variables, e.g. TRYTOND_DATABASE__URI for PostgreSQL.
A new database gets the admin password of ONRETAIL_ADMIN_PASSWORD or a random
one, printed once. On an existing database the upgrade runs only when the code
or the installed packages changed, so a second start takes seconds.
"""
import argparse
import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))

# The quick start's defaults, as the Makefile sets them (see onretail.conf).
DEFAULT_ENVIRON = {
    'TRYTOND_DATABASE__URI': 'sqlite://',
    'TRYTOND_DATABASE__PATH': str(ROOT / 'var' / 'db'),
    }
# The standard modules the demo needs besides the onRetail ones.
EXTRA_MODULES = ['sale_point', 'product_image']


def onretail_modules():
    return sorted(p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))


def fingerprint(modules):
    "Hash of the module sources and installed distributions"
    digest = hashlib.sha256()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if path.is_file() and '__pycache__' not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    digest.update((ROOT / 'scripts' / 'demo_data.py').read_bytes())
    for dist in sorted(
            f"{d.metadata['Name']}=={d.version}"
            for d in metadata.distributions()):
        digest.update(dist.encode())
    digest.update(' '.join(modules).encode())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', default=str(ROOT / 'onretail.conf'))
    parser.add_argument('-d', '--database', default='onretail')
    parser.add_argument('--state-dir', type=Path, default=ROOT / 'var' / 'state',
        help="where the fingerprint of the last upgrade is kept")
    args = parser.parse_args()

    for key, value in DEFAULT_ENVIRON.items():
        os.environ.setdefault(key, value)
    from trytond import config
    config.update_etc(args.config)
    from trytond import backend

    modules = onretail_modules() + EXTRA_MODULES
    if backend.name == 'sqlite':
        os.makedirs(config.get('database', 'path'), exist_ok=True)
    created = create_database(backend, args.database)
    tune_database(backend, args.database)
    state = state_file(args.state_dir, config.get('database', 'uri'),
        config.get('database', 'path', default=''), args.database)
    current = fingerprint(modules)
    stored = state.read_text() if state.exists() else None
    password = os.environ.get('ONRETAIL_ADMIN_PASSWORD')

    if created or stored != current:
        if created and not password:
            password = secrets.token_urlsafe(12)
            print(f'Admin login: "admin", password: "{password}" '
                '(shown only this once)', flush=True)
        upgrade(args.config, args.database, modules,
            password if created else None)
        load_demo(args.config, args.database, modules)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(current)
    if password and not created:
        set_admin_password(args.config, args.database, password)
    print(f'Database "{args.database}" is ready.', flush=True)


def create_database(backend, name):
    "Create the database when missing and return whether it was created"
    database = backend.Database()
    database.connect()
    try:
        if name in database.list():
            return False
        connection = database.get_connection(autocommit=True)
        try:
            database.create(connection, name)
        finally:
            database.put_connection(connection)
    finally:
        database.close()
    return True


def tune_database(backend, name):
    """Have PostgreSQL plan each of trytond's prepared queries with its
    parameters. psycopg prepares a query run five times; PostgreSQL's
    generic plan of a search ordered by a translated name (products, inventory
    lines) then sorts all the names' translations again for each row found:
    half a second a search at 20,000 products, where its custom plan takes
    milliseconds. New sessions of the database get the setting."""
    if backend.name != 'postgresql':
        return
    from psycopg import sql
    database = backend.Database()
    database.connect()
    try:
        connection = database.get_connection(autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL('ALTER DATABASE {} '
                        'SET plan_cache_mode = force_custom_plan').format(
                        sql.Identifier(name)))
        finally:
            database.put_connection(connection)
    finally:
        database.close()


def state_file(directory, uri, path, name):
    """Where the fingerprint of the last upgrade of the database name is
    kept; uri and path are trytond's [database] settings"""
    location = '\n'.join([uri, path or '', name])
    key = hashlib.sha256(location.encode()).hexdigest()[:16]
    return directory / f'{name}-{key}'


def upgrade(config_file, database, modules, password):
    "Activate or upgrade the modules with trytond-admin"
    command = [
        str(Path(sys.executable).with_name('trytond-admin')),
        '-c', config_file, '-d', database,
        '--all', '--activate-dependencies', '-u', *modules,
        '-l', 'de', 'hu']
    env = os.environ.copy()
    with tempfile.NamedTemporaryFile('w') as passfile:
        if password:
            passfile.write(password)
            passfile.flush()
            env['TRYTONPASSFILE'] = passfile.name
            command += ['--email', 'admin@example.com']
        subprocess.run(command, env=env, check=True)


def _connect(config_file, database):
    from proteus import config as pconfig
    return pconfig.set_trytond(database=database, config_file=config_file)


def load_demo(config_file, database, modules):
    import demo_data
    demo_data.load(_connect(config_file, database), modules)


def set_admin_password(config_file, database, password):
    from proteus import Model
    _connect(config_file, database)
    User = Model.get('res.user')
    admin, = User.find([('login', '=', 'admin')])
    admin.password = password
    admin.save()


if __name__ == '__main__':
    main()
