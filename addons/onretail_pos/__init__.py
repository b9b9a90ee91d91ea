# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from . import boundary, routes  # noqa: F401  routes: the cashier screen's URL

# boundary: the checks of what the cashier screen sends, for the modules
# that extend the screen's cart
__all__ = ['boundary']
