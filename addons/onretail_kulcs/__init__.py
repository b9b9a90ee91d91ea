# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from . import routes  # noqa: F401  the four URLs that Kulcs calls
