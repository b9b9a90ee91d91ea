#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Update a module's locale/<lang>.po with the strings it has now.

Usage: export_translations.py MODULE [LANG ...]   (default: de hu)

Activates the module in an in-memory SQLite database, exports its strings,
with its extras_depend modules, keeps the existing translations and adds the new strings untranslated, so a
translator (or the test that checks completeness) sees what is missing.
"""
import os
import sys
from pathlib import Path

import polib

os.environ['TRYTOND_DATABASE__URI'] = 'sqlite://'
os.environ['DB_NAME'] = ':memory:'
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, activate_module)
from trytond.modules import get_module_info  # noqa: E402
from trytond.modules.onretail_base.tests.tools import (  # noqa: E402
    collect_view_strings)
from trytond.pool import Pool  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main(module, languages):
    # With the optional modules, for the strings of the bridges too.
    activate_module([module, *get_module_info(module).get('extras_depend', [])])
    with Transaction().start(DB_NAME, 0):
        Translation = Pool().get('ir.translation')
        collect_view_strings()
        template = polib.pofile(
            Translation.translation_export('en', module).decode('utf-8'))
    for lang in languages:
        path = ROOT / 'addons' / module / 'locale' / f'{lang}.po'
        old = {}
        if path.exists():
            old = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(
                    str(path))}
        pofile = polib.POFile(wrapwidth=78)
        pofile.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
        for entry in template:
            pofile.append(polib.POEntry(
                    msgctxt=entry.msgctxt, msgid=entry.msgid,
                    msgstr=old.get((entry.msgctxt, entry.msgid), ''),
                    flags=entry.flags))
        pofile.sort()
        path.parent.mkdir(exist_ok=True)
        pofile.save(str(path))
        missing = sum(1 for e in pofile if not e.msgstr)
        print(f'{path.relative_to(ROOT)}: {len(pofile)} strings, '
            f'{missing} untranslated')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:] or ['de', 'hu'])
