# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Processes that run side by side and stop together: what `make run`
(run_demo.py) and `make serve` (serve.py) start."""
import os
import signal
import subprocess
import sys
import time

# Seconds a service has to stop after SIGTERM before it is killed
STOP_TIMEOUT = 10


class Service:
    "A command in a process group of its own"

    def __init__(self, name, command, **popen):
        "popen: more arguments of subprocess.Popen (stdout, env, user…)"
        self.name = name
        # Its own group: the terminal's Ctrl-C reaches only make and the
        # supervisor, which stops the services in order; stopping the group
        # stops a service's own worker processes too.
        self.process = subprocess.Popen(
            command, process_group=0, **popen)

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


class Supervisor:
    """Starts services in order and, on SIGINT or SIGTERM or when one of them
    stops on its own, stops them all in the reverse order"""

    def __init__(self, name):
        self.name = name
        self.services = []
        self.stopping = []

    def start(self, name, command, **kwargs):
        "The service started, or None when a signal came first"
        if self.stopping:
            return None
        service = Service(name, command, **kwargs)
        self.services.append(service)
        return service

    def run(self, start):
        """Call start(self) to start the services, wait, stop them all and
        return the exit status: 1 when a service stopped on its own"""
        def stop(signum, frame):
            self.stopping.append(signum)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        status = 0
        try:
            start(self)
            while not self.stopping:
                stopped = [s for s in self.services if not s.running()]
                if stopped:
                    for service in stopped:
                        print(f"{service.name} stopped (exit status "
                            f"{service.process.returncode}); stopping the "
                            "others", file=sys.stderr, flush=True)
                    status = 1
                    break
                time.sleep(0.2)
        except Exception as error:
            print(f"{self.name}: {error}", file=sys.stderr, flush=True)
            status = 1
        finally:
            # Further signals must not interrupt the stopping
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            deadline = time.monotonic() + STOP_TIMEOUT
            for service in reversed(self.services):
                service.stop(deadline)
            if self.services:
                print("Stopped: " + ", ".join(
                        s.name for s in self.services), flush=True)
        return status
