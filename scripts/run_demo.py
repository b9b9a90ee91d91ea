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
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))

from demo_data import (  # noqa: E402
    CARTUM_LOGIN, CARTUM_PASSWORD, CITURO_API_KEY, PLANET_ACTIVATION_CODE,
    TIMEZONE)

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
# Seconds a service has to stop after SIGTERM before it is killed
STOP_TIMEOUT = 10


class Service:
    "A command in a process group of its own"

    def __init__(self, name, command, stdout=None):
        self.name = name
        # Its own group: the terminal's Ctrl-C reaches only make and this
        # script, which stops the services in order; stopping the group
        # stops the scheduler's worker processes too.
        self.process = subprocess.Popen(
            command, stdout=stdout, process_group=0)

    def running(self):
        return self.process.poll() is None

    def signal(self, signum):
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def stop(self, deadline):
        "SIGTERM, then SIGKILL if the group is still there at deadline"
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            print(f"{self.name} did not stop; killed", file=sys.stderr)
        # what is left of the group (a scheduler's worker)
        self.signal(signal.SIGKILL)
        self.process.wait()


def start_sandbox(partner, port, key, options, user):
    "The sandbox of partner, once it listens"
    sandbox = Service(f"{partner} sandbox", [
            str(BIN / 'onretail-sandbox'), partner, '--host', SANDBOX_HOST,
            '--port', str(port), '--api-key', key, *options],
        stdout=subprocess.PIPE)
    # its first line is its URL, once it listens
    url = sandbox.process.stdout.readline().decode().strip()
    if not url:
        sandbox.stop(time.monotonic() + STOP_TIMEOUT)
        raise RuntimeError(f"the {partner} sandbox did not start")
    print(f"{partner} sandbox: {url} (key {key}), the test mode of "
        f"{user}", flush=True)
    return sandbox


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', default=str(ROOT / 'onretail.conf'))
    parser.add_argument('-d', '--database', default='onretail')
    args = parser.parse_args()

    stopping = []

    def stop(signum, frame):
        stopping.append(signum)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    services = []
    status = 0
    try:
        for partner, port, key, options, user in SANDBOXES:
            services.append(
                start_sandbox(partner, port, key, options, user))
        if not stopping:
            # one worker: the demo's jobs are few and each worker loads
            # every module
            services.append(Service("scheduler", [
                        str(BIN / 'trytond-cron'), '-c', args.config,
                        '-d', args.database, '-n', '1']))
            print("scheduler: trytond-cron runs the scheduled actions of "
                f'database "{args.database}" every minute', flush=True)
        if not stopping:
            services.append(Service("trytond", [
                        str(BIN / 'trytond'), '-c', args.config]))
            listen = os.environ.get('TRYTOND_WEB__LISTEN', 'localhost:8000')
            print(f"trytond: http://{listen}/ (web client), "
                f"http://{listen}/{args.database}/pos/ (cashier screen)",
                flush=True)

        while not stopping:
            stopped = [s for s in services if not s.running()]
            if stopped:
                for service in stopped:
                    print(f"{service.name} stopped (exit status "
                        f"{service.process.returncode}); stopping the others",
                        file=sys.stderr, flush=True)
                status = 1
                break
            time.sleep(0.2)
    except Exception as error:
        print(f"run_demo: {error}", file=sys.stderr, flush=True)
        status = 1
    finally:
        # Further signals must not interrupt the stopping
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        deadline = time.monotonic() + STOP_TIMEOUT
        for service in reversed(services):
            service.stop(deadline)
        if services:
            print("Stopped: " + ", ".join(s.name for s in services),
                flush=True)
    return status


if __name__ == '__main__':
    sys.exit(main())
