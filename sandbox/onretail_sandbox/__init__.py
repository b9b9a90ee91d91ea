# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Local test servers that speak the protocols of onRetail's partner systems
(cituro so far), with faults to order, for the tests and the demo.

server   what all sandboxes share: the threaded server, the fault control
         (/_control), JSON helpers and the command onretail-sandbox
cituro   cituro's appointment calendar (CituroSandbox)"""
