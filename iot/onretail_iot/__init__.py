# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""onRetail's printer service: an HTTP API in front of ESC/POS printers that
queues every job on disk, so that no receipt is lost while a printer is off."""
