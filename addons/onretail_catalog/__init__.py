# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

__all__ = ['PackagingLineMixin', 'options_price_extra']


def __getattr__(name):
    # Imported when another module asks: not while Tryton loads this one
    if name == 'PackagingLineMixin':
        from .packaging import PackagingLineMixin
        return PackagingLineMixin
    elif name == 'options_price_extra':
        from .sale import options_price_extra
        return options_price_extra
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
