# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Print jobs queued on disk, one folder and one worker thread per printer.

A job is written (atomically) before the HTTP request is answered and
deleted only once the printer took all its bytes, so a printer that is off,
out of paper or unplugged loses nothing: the worker retries until it
answers, in the order the jobs came."""
import logging
import os
import threading
import time
import uuid

from escpos import printer as escpos_printer

from .receipt import render

logger = logging.getLogger(__name__)


def open_device(printer_config):
    "The python-escpos printer of the configuration, not yet connected"
    options = printer_config.options
    driver = printer_config.driver
    profile = {'profile': printer_config.profile}
    if driver == 'network':
        return escpos_printer.Network(options['host'],
            port=int(options.get('port', 9100)),
            timeout=float(options.get('timeout', 10)), **profile)
    if driver == 'usb':
        return escpos_printer.Usb(int(options['vendor_id'], 16),
            int(options['product_id'], 16), **profile)
    if driver == 'serial':
        return escpos_printer.Serial(options['device'],
            baudrate=int(options.get('baudrate', 9600)), **profile)
    if driver == 'file':
        return escpos_printer.File(options['path'], **profile)
    return escpos_printer.Dummy(**profile)


class PrinterQueue:
    "The jobs of one printer and the thread that prints them"

    def __init__(self, printer_config, folder, retry=5.0):
        self.config = printer_config
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.retry = retry
        self.online = None  # unknown until the first job
        self.error = None
        self._wake = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(
            target=self._run, name=f'printer-{printer_config.name}',
            daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        with self._wake:
            self._stop = True
            self._wake.notify()
        self._thread.join()

    def put(self, job):
        "Queue job (rendered now, so a bad job is refused at once); its id"
        data = render(job, self.config.columns, self.config.profile)
        job_id = f'{time.time_ns():020d}-{uuid.uuid4().hex[:8]}'
        path = self.folder / f'{job_id}.bin'
        temporary = path.with_suffix('.tmp')
        with open(temporary, 'wb') as fp:
            fp.write(data)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(temporary, path)
        with self._wake:
            self._wake.notify()
        return job_id

    def jobs(self):
        return sorted(self.folder.glob('*.bin'))

    def status(self):
        return {
            'online': self.online,
            'queued': len(self.jobs()),
            'error': self.error,
            }

    def send(self, data):
        "Send bytes to the printer now; OSError-like exception when it fails"
        device = open_device(self.config)
        try:
            device.open()
            device._raw(data)
        finally:
            try:
                device.close()
            except Exception:
                pass

    def _run(self):
        while True:
            with self._wake:
                # the jobs listed once: a job deleted by hand in between
                # must not stop the thread
                while not self._stop and not (jobs := self.jobs()):
                    self._wake.wait()
                if self._stop:
                    return
            path = jobs[0]
            try:
                self.send(path.read_bytes())
            except Exception as exception:
                self._offline(exception)
                with self._wake:
                    self._wake.wait(self.retry)
                continue
            path.unlink()
            self.online, self.error = True, None

    def _offline(self, exception):
        if self.online is not False:
            logger.warning("printer %s is offline: %s",
                self.config.name, exception)
        self.online, self.error = False, str(exception) or type(
            exception).__name__

