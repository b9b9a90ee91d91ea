# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

__all__ = ['MEDIA', 'e164']


def __getattr__(name):
    # Imported when another module asks: not while Tryton loads this one
    if name == 'MEDIA':
        from .media import MEDIA
        return MEDIA
    if name == 'e164':
        from .phone import e164
        return e164
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
