#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Run every test of every onRetail module, of tests/ and of the printer
service on SQLite and PostgreSQL, side by side, and exit non-zero when a
test fails or none ran.

PostgreSQL is the server of ONRETAIL_PG_URI when given (a database URI as
trytond takes it, e.g. postgresql://user:password@localhost:5432/), else a
throwaway cluster that Debian's pg_virtualenv starts and drops afterwards.

Each backend runs its tests in two parallel halves: the module tests, and the
rest (scenarios, browser tests, activation, printer service). They need
about as much time each. Much of it goes into activating modules, which each
half does once per set of modules: the module tests share one set, and the
server tests one demo database.

Usage: run.py [--backend sqlite|postgresql] [-k PATTERN]
"""
import argparse
import configparser
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ('sqlite', 'postgresql')
# A throwaway cluster needs no durability; this makes it much faster. Its
# log, which pg_virtualenv prints when a test failed, would bury the failures
# under checkpoints and the expected lock errors of the locking tests.
PG_OPTIONS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off',
    'log_checkpoints=off', 'log_autovacuum_min_duration=-1',
    'log_min_messages=fatal', 'log_min_error_statement=panic']
# The halves of each backend's tests
SHARDS = ('modules', 'scenarios')
# Test files that run in the other half, to keep both halves of a backend
# about as long (the activation test runs on SQLite only). The module half
# runs the tests that share its activated database: the other half never
# activates that one.
MOVED = {
    'sqlite': {
        'tests.test_activation',
        'trytond.modules.onretail_base.tests.test_scenario',
        'trytond.modules.onretail_cartum.tests.test_attacks',
        'trytond.modules.onretail_cituro.tests.test_scenario',
        'trytond.modules.onretail_pos.tests.test_receipt',
        'trytond.modules.onretail_pricelist.tests.test_attacks',
        'trytond.modules.onretail_wallet.tests.test_attacks',
        },
    'postgresql': {
        'trytond.modules.onretail_cartum.tests.test_attacks',
        'trytond.modules.onretail_planet.tests.test_scenario',
        'trytond.modules.onretail_pos.tests.test_receipt',
        'trytond.modules.onretail_pricelist.tests.test_attacks',
        'trytond.modules.onretail_wallet.tests.test_attacks',
        },
    }


def test_module_names():
    "Dotted names of every test file of the modules and of tests/"
    names = []
    for tests in sorted((ROOT / 'addons').glob('*/tests')):
        module = tests.parent.name
        names += [f'trytond.modules.{module}.tests.{path.stem}'
            for path in sorted(tests.glob('test_*.py'))]
    names += [f'tests.{path.stem}'
        for path in sorted((ROOT / 'tests').glob('test_*.py'))]
    # the printer service (iot/) and the partner sandboxes (sandbox/),
    # packages of their own
    for package in ['iot/onretail_iot', 'sandbox/onretail_sandbox']:
        name = package.split('/')[1]
        names += [f'{name}.tests.{path.stem}' for path in sorted(
                (ROOT / package / 'tests').glob('test_*.py'))]
    return names


def cache_directory():
    """Where activated test databases are cached (Tryton's DB_CACHE), keyed
    by the sources and pinned packages, so a change never reuses a stale one"""
    digest = hashlib.sha256()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if path.is_file() and '__pycache__' not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    digest.update((ROOT / 'constraints.txt').read_bytes())
    parent = ROOT / 'var' / 'test-cache'
    current = parent / digest.hexdigest()[:16]
    if parent.exists():
        for old in parent.iterdir():
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
    return current


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def shard_names(shard, backend):
    "The test files of a half: the module tests or all the others"
    def half(name):
        module_test = name.endswith('.test_module')
        if name in MOVED[backend]:
            module_test = not module_test
        return 'modules' if module_test else 'scenarios'
    return [name for name in test_module_names() if half(name) == shard]


def jobs(backends):
    """The child processes as (name, backend, shard): four processes keep
    both cores busy until the end"""
    return [(f'{backend} {shard}', backend, shard)
        for backend in backends for shard in SHARDS]


def backend_command(backend, shard, argv):
    "Command and environment that run a shard of the tests of one backend"
    env = os.environ.copy()
    env['ONRETAIL_TEST_SHARD'] = shard
    command = [sys.executable, __file__, '--child', *argv]
    cache = cache_directory() / f'{backend}-{shard}'
    cache.mkdir(parents=True, exist_ok=True)
    env['DB_CACHE'] = str(cache)
    if backend == 'sqlite':
        env['TRYTOND_DATABASE__URI'] = 'sqlite://'
        env['DB_NAME'] = ':memory:'
        # Once clean_timeout (300 s) has passed, the next transaction's
        # cache sync asks SQLite for an autocommit connection. In memory
        # that is the one connection, the new transaction's too: the whole
        # test then runs in autocommit and its rollback undoes nothing.
        env['TRYTOND_CACHE__CLEAN_TIMEOUT'] = str(7 * 24 * 3600)
        return command, env
    # Shards may share a server: each has a database name of its own
    env['DB_NAME'] = f'test_{os.getpid()}_{shard}'
    if pg_uri := os.environ.get('ONRETAIL_PG_URI'):
        env['TRYTOND_DATABASE__URI'] = pg_uri
    else:
        # pg_virtualenv exports PGHOST, PGPORT, PGUSER and PGPASSWORD,
        # which libpq reads for an URI without host.
        env['TRYTOND_DATABASE__URI'] = 'postgresql://'
        # Each shard has a cluster of its own, on a port of its own
        env['PGPORT'] = str(free_port())
        options = [arg for option in PG_OPTIONS for arg in ('-o', option)]
        command = ['pg_virtualenv', *options, '-t', *command]
    return command, env


def run_backends(backends, argv):
    """Run the children in parallel, streaming their output; return the
    figures of each backend, its shards added up"""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        processes = {}
        for name, backend, shard in jobs(backends):
            command, env = backend_command(backend, shard, argv)
            env['ONRETAIL_TEST_RESULT'] = _result_file(tmp, name)
            processes[name, backend] = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, errors='replace')
        threads = [
            threading.Thread(target=_stream, args=(name, process.stdout))
            for (name, _), process in processes.items()]
        for thread in threads:
            thread.start()
        for process in processes.values():
            process.wait()
        for thread in threads:
            thread.join()
        for (name, backend), process in processes.items():
            results[backend] = _add(
                results.get(backend, {}), _figures(name, process, tmp))
    return results


def _figures(name, process, tmp):
    try:
        with open(_result_file(tmp, name)) as fp:
            figures = json.load(fp)
    except FileNotFoundError:
        return None
    if process.returncode:
        figures['exit'] = process.returncode
    return figures


def _result_file(tmp, name):
    name = name.replace(' ', '-')
    return os.path.join(tmp, name + '.json')


def _add(total, figures):
    if total is None or figures is None:
        return None
    return {key: total.get(key, type(value)()) + value
        for key, value in figures.items()}


def _stream(prefix, pipe):
    for line in pipe:
        sys.stdout.write(f'[{prefix}] {line}')
        sys.stdout.flush()


def report(results):
    "Print the figures and return the exit code"
    totals = dict.fromkeys(['passed', 'failed', 'skipped'], 0)
    ok = True
    # Again at the end, where CI's truncated log still shows them
    for backend, result in results.items():
        for name, trace in (result or {}).get('failures', []):
            print(f'{backend} FAILED {name}\n{trace}')
    # The names last, as CI's log may show only its last lines
    for backend, result in results.items():
        for name, _ in (result or {}).get('failures', []):
            print(f'{backend} FAILED {name}')
    for backend, result in results.items():
        if result is None:
            print(f'{backend}: the test run crashed before reporting')
            ok = False
            continue
        print(f"{backend}: {result['passed']} passed, "
            f"{result['failed']} failed, {result['skipped']} skipped")
        for key in totals:
            totals[key] += result[key]
        if result['failed'] or not result['passed'] or result.get('exit'):
            ok = False
    if not totals['passed']:
        print('No test ran.')
    print(f"{totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['skipped']} skipped")
    return 0 if ok else 1


class TimedResult(unittest.TextTestResult):
    """Records how long each test took, its class set-up (module activation)
    included, to print the slowest ones: the suite has a time budget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = []
        self._last = time.perf_counter()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.perf_counter()
        self.durations.append((now - self._last, test.id()))
        self._last = now

    def print_slowest(self, count=15):
        self.stream.writeln(f'Slowest {count} tests (with class set-up):')
        for seconds, name in sorted(self.durations, reverse=True)[:count]:
            self.stream.writeln(f'{seconds:8.1f} s  {name}')


def cache_import_module():
    """Backport of Tryton 8.2, which caches tools.import_module: 8.0 scans
    every entry point of the virtualenv on each call, and the generic tests
    of ModuleTestCase call it tens of thousands of times, about 2 s a test"""
    from trytond import tools
    from trytond.tools import misc
    misc.import_module = tools.import_module = functools.cache(
        misc.import_module)


def all_modules():
    "The onRetail modules and the optional modules that they bridge to"
    modules = set()
    for cfg in (ROOT / 'addons').glob('*/tryton.cfg'):
        parser = configparser.ConfigParser()
        parser.read(cfg)
        modules.add(cfg.parent.name)
        modules.update(
            parser.get('tryton', 'extras_depend', fallback='').split())
    return sorted(modules)


def activate_all_together():
    """Module test cases activate all onRetail modules with their bridges,
    once per shard, instead of each its own set: activating takes minutes
    each time. Their tests pass beside all the others, as in a shop that
    activated them all; test_activation activates each module alone."""
    from trytond.tests import test_tryton
    activate_module = test_tryton.activate_module
    together = all_modules()

    @functools.wraps(activate_module)
    def activate(modules, lang='en'):
        if isinstance(modules, str):
            modules = [modules]
        if set(modules) <= set(together):
            modules = together
        return activate_module(modules, lang=lang)
    test_tryton.activate_module = activate


def run_child(pattern):
    "Run all tests on the backend of the environment and save the figures"
    sys.path.insert(0, str(ROOT))
    cache_import_module()
    activate_all_together()
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f'*{pattern}*']
    suite = unittest.TestSuite()
    from trytond import backend  # configured by the child's environment
    for name in shard_names(os.environ['ONRETAIL_TEST_SHARD'], backend.name):
        suite.addTests(loader.loadTestsFromName(name))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
        resultclass=TimedResult).run(suite)
    result.print_slowest()
    # A test whose subtests fail several times counts once; a class whose
    # set-up fails counts as one failure, none of its tests having run.
    failed = {getattr(test, 'test_case', test)
        for test, _ in result.failures + result.errors}
    failed_tests = [t for t in failed if isinstance(t, unittest.TestCase)]
    skipped = len(result.skipped)
    figures = {
        'passed': (result.testsRun - len(failed_tests)
            - len(result.unexpectedSuccesses) - skipped),
        'failed': len(failed) + len(result.unexpectedSuccesses),
        'skipped': skipped,
        'failures': [(test.id(), _tail(trace))
            for test, trace in result.failures + result.errors],
        }
    with open(os.environ['ONRETAIL_TEST_RESULT'], 'w') as fp:
        json.dump(figures, fp)
    # A shard may have no test of the pattern: the parent checks the sum.
    return 0 if result.wasSuccessful() else 1


def _tail(trace, lines=25):
    # Without the native stack that Chromium's errors append to their message
    kept = [line for line in trace.splitlines()
        if not re.match(r'\s*#\d+ 0x[0-9a-f]+ ', line)]
    return '\n'.join(kept[-lines:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--backend', choices=BACKENDS, action='append')
    parser.add_argument('-k', dest='pattern',
        help="only run tests whose name contains PATTERN")
    parser.add_argument('--child', action='store_true',
        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args.pattern)
    argv = ['-k', args.pattern] if args.pattern else []
    return report(run_backends(args.backend or BACKENDS, argv))


if __name__ == '__main__':
    sys.exit(main())
