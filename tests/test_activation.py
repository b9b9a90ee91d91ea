# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Every module with optional bridges activates alone on an empty database
with trytond-admin, without the modules its bridges are for"""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from trytond import backend

from .tools import create_database, drop_database

ROOT = Path(__file__).resolve().parent.parent

def optional_bridges(module):
    "Whether the module has code for modules it does not depend on"
    config = (ROOT / 'addons' / module / 'tryton.cfg').read_text()
    return 'extras_depend' in config


# A module without extras_depend is activated alone by its own module
# tests already; the others are tested there with their extras.
MODULES = sorted(p.parent.name
    for p in (ROOT / 'addons').glob('*/tryton.cfg')
    if optional_bridges(p.parent.name))


@unittest.skipIf(backend.name != 'sqlite',
    "which modules a module needs does not depend on the database; the "
    "module tests activate every module on PostgreSQL")
class ActivationTestCase(unittest.TestCase):
    "Activate each module the way the README tells a consultant"

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.env = os.environ.copy()
        self.env['TRYTOND_DATABASE__PATH'] = tmp.name
        passfile = Path(tmp.name, 'password')
        passfile.write_text('a-test-password\n')
        self.env['TRYTONPASSFILE'] = str(passfile)

    def create_empty_database(self, name):
        create_database(name, self.env)
        self.addCleanup(drop_database, name, self.env)

    def activated(self, name):
        output = subprocess.run([sys.executable, '-c',
                'import sys; from trytond.transaction import Transaction; '
                'from trytond.pool import Pool; Pool.start(); '
                'name = sys.argv[1]; Pool(name).init(); '
                'tr = Transaction().start(name, 0, readonly=True); '
                'Module = Pool().get("ir.module"); '
                'print(" ".join(sorted(m.name for m in Module.search('
                '[("state", "=", "activated")]))))', name],
            env=self.env, check=True, capture_output=True, text=True)
        return set(output.stdout.split())

    def test_activate_each_module_alone(self):
        for module in MODULES:
            with self.subTest(module=module):
                name = f'activate_{module}_{os.getpid()}'
                self.create_empty_database(name)
                subprocess.run([
                        str(Path(sys.executable).with_name('trytond-admin')),
                        '-c', str(ROOT / 'onretail.conf'), '-d', name,
                        '-u', module, '--activate-dependencies',
                        '--email', 'admin@example.com'],
                    env=self.env, check=True, capture_output=True)
                self.assertIn(module, self.activated(name))
