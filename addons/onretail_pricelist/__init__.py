# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.


__all__ = ['ProductData', 'to_decimal', 'cyclic_gc_paused']


def __getattr__(name):
    # Imported when another module asks: not while Tryton loads this one
    if name in {'ProductData', 'to_decimal'}:
        from . import batch
        return getattr(batch, name)
    elif name == 'cyclic_gc_paused':
        from .price_list import cyclic_gc_paused
        return cyclic_gc_paused
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
