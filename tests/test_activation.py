# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Every module with optional bridges activates alone on an empty database
with trytond-admin, without the modules its bridges are for"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest
from contextlib import closing
from pathlib import Path

from trytond import backend
from trytond.modules import get_module_info

from .tools import create_database

ROOT = Path(__file__).resolve().parent.parent
OWN_MODULES = sorted(p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))


def optional_bridges(module):
    "Whether the module has code for modules it does not depend on"
    return bool(get_module_info(module).get('extras_depend'))


def own_dependencies(module):
    "The onRetail modules the module needs, directly or through others"
    needed = set()
    for dependency in get_module_info(module)['depends']:
        if dependency in OWN_MODULES:
            needed |= {dependency} | own_dependencies(dependency)
    return needed


# A module without extras_depend is activated alone by its own module
# tests already; the others are tested there with their extras.
MODULES = [m for m in OWN_MODULES if optional_bridges(m)]


@unittest.skipIf(backend.name != 'sqlite',
    "which modules a module needs does not depend on the database; the "
    "module tests activate every module on PostgreSQL")
class ActivationTestCase(unittest.TestCase):
    "Activate each module the way the README tells a consultant"

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.directory = tmp.name
        self.env = os.environ.copy()
        self.env['TRYTOND_DATABASE__PATH'] = tmp.name
        passfile = Path(tmp.name, 'password')
        passfile.write_text('a-test-password\n')
        self.env['TRYTONPASSFILE'] = str(passfile)

    def activated(self, name):
        path = Path(self.directory, f'{name}.sqlite')
        with closing(sqlite3.connect(path)) as connection:
            return {module for module, in connection.execute(
                    "SELECT name FROM ir_module WHERE state = 'activated'")}

    def test_activate_each_module_alone(self):
        databases = {}  # the database each module was activated on
        for module in MODULES:
            with self.subTest(module=module):
                # Where a module it needs is active, nothing but its own
                # dependencies is: that database saves activating them again.
                needed = own_dependencies(module) & databases.keys()
                if needed:
                    name = databases.pop(min(needed))
                else:
                    name = f'activate_{module}'
                    create_database(name, self.env)
                subprocess.run([
                        str(Path(sys.executable).with_name('trytond-admin')),
                        '-c', str(ROOT / 'onretail.conf'), '-d', name,
                        '-u', module, '--activate-dependencies',
                        '--email', 'admin@example.com'],
                    env=self.env, check=True, capture_output=True)
                activated = self.activated(name)
                self.assertIn(module, activated)
                extras = get_module_info(module).get('extras_depend', [])
                self.assertFalse(activated & set(extras),
                    f"{module} was activated with modules it does not need")
                databases[module] = name
