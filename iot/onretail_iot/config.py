# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The service's configuration file (INI), see onretail-iot.example.ini"
import configparser
from dataclasses import dataclass, field
from pathlib import Path

DRIVERS = {'network', 'usb', 'serial', 'file', 'dummy'}


class ConfigError(ValueError):
    pass


@dataclass
class PrinterConfig:
    name: str
    driver: str
    options: dict = field(default_factory=dict)
    columns: int = 48
    profile: str = 'default'


@dataclass
class Config:
    token: str
    queue: Path
    host: str = '127.0.0.1'
    port: int = 8070
    origins: tuple = ()
    retry: float = 5.0
    printers: dict = field(default_factory=dict)


def load(path):
    "The configuration of the file at path; ConfigError saying what is wrong"
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path, encoding='utf-8'):
        raise ConfigError(f"{path}: cannot be read")
    return parse(parser, path)


def parse(parser, source='configuration'):
    if not parser.has_section('service'):
        raise ConfigError(f"{source}: the [service] section is missing")
    service = parser['service']
    token = service.get('token', '').strip()
    if not token:
        raise ConfigError(f"{source}: [service] token is required")
    host, _, port = service.get('listen', '127.0.0.1:8070').rpartition(':')
    config = Config(
        token=token,
        queue=Path(service.get('queue', 'var/onretail-iot')),
        host=host or '127.0.0.1',
        port=int(port),
        origins=tuple(service.get('origins', '').split()),
        retry=service.getfloat('retry', 5.0))
    for section in parser.sections():
        if section.startswith('printer:'):
            printer = _printer(section[len('printer:'):], parser[section],
                source)
            config.printers[printer.name] = printer
    if not config.printers:
        raise ConfigError(f"{source}: no [printer:NAME] section")
    return config


def _printer(name, section, source):
    options = dict(section)
    driver = options.pop('driver', '')
    if driver not in DRIVERS:
        raise ConfigError(f"{source}: [printer:{name}] driver must be one of "
            f"{', '.join(sorted(DRIVERS))}, not {driver!r}")
    columns = int(options.pop('columns', 48))
    if columns not in {42, 48}:
        raise ConfigError(
            f"{source}: [printer:{name}] columns must be 42 or 48")
    return PrinterConfig(name=name, driver=driver, options=options,
        columns=columns, profile=options.pop('profile', 'default'))
