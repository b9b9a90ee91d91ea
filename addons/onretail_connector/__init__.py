# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

__all__ = ['Secret', 'SyncRun']


def __getattr__(name):
    if name == 'Secret':
        from .secret import Secret
        return Secret
    if name == 'SyncRun':
        from .log import SyncRun
        return SyncRun
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
