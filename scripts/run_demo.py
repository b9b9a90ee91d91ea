#!/usr/bin/env python3
# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Serve the demo: the partner sandboxes, Tryton's scheduler and trytond.

Usage: run_demo.py [-c CONFIG] [-d DATABASE]

`make run` calls it once the database is ready (setup_database.py), with the
TRYTOND_* environment that the Makefile exports; the services get it as
is. Ctrl-C (SIGINT) or SIGTERM stops them all; when one of them stops on its
own, the others are stopped too and the script exits with an error.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))

from demo_data import (  # noqa: E402
    CARTUM_LOGIN, CARTUM_PASSWORD, CITURO_API_KEY, PLANET_ACTIVATION_CODE,
    TIMEZONE)
from services import Supervisor  # noqa: E402

BIN = Path(sys.executable).parent
SANDBOX_HOST = '127.0.0.1'
# The sandboxes of the demo's test modes: where their empty Test URLs point
# to (the DEFAULT_TEST_URL of onretail_cituro, onretail_planet and
# onretail_cartum), with the options that match the demo data, and who uses
# them
SANDBOXES = [
    ('cituro', 8101, CITURO_API_KEY,
        ['--timezone', TIMEZONE, '--dated-ids'], "register Filiale Wien"),
    ('planet', 8102, PLANET_ACTIVATION_CODE, [], "register Filiale Wien"),
    ('cartum', 8103, CARTUM_PASSWORD, ['--login', CARTUM_LOGIN],
        "web shop Kyiv Online"),
    ]


def start_sandbox(supervisor, partner, port, key, options, user):
    "Start the sandbox of partner and wait until it listens"
    sandbox = supervisor.start(f"{partner} sandbox", [
            str(BIN / 'onretail-sandbox'), partner, '--host', SANDBOX_HOST,
            '--port', str(port), '--api-key', key, *options],
        stdout=subprocess.PIPE)
    if not sandbox:
        return
    # its first line is its URL, once it listens
    url = sandbox.process.stdout.readline().decode().strip()
    if not url:
        raise RuntimeError(f"the {partner} sandbox did not start")
    print(f"{partner} sandbox: {url} (key {key}), the test mode of "
        f"{user}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', default=str(ROOT / 'onretail.conf'))
    parser.add_argument('-d', '--database', default='onretail')
    args = parser.parse_args()

    def start(supervisor):
        for partner, port, key, options, user in SANDBOXES:
            start_sandbox(supervisor, partner, port, key, options, user)
        # one worker: the demo's jobs are few and each worker loads every
        # module
        if supervisor.start("scheduler", [
                    str(BIN / 'trytond-cron'), '-c', args.config,
                    '-d', args.database, '-n', '1']):
            print("scheduler: trytond-cron runs the scheduled actions of "
                f'database "{args.database}" every minute', flush=True)
        if supervisor.start("trytond", [
                    str(BIN / 'trytond'), '-c', args.config]):
            listen = os.environ.get('TRYTOND_WEB__LISTEN', 'localhost:8000')
            print(f"trytond: http://{listen}/ (web client), "
                f"http://{listen}/{args.database}/pos/ (cashier screen)",
                flush=True)

    return Supervisor('run_demo').run(start)


if __name__ == '__main__':
    sys.exit(main())
