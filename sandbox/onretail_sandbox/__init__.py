# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Local stand-ins for onRetail's partner systems, with faults to order, for
the tests and the demo: test servers that speak the protocols of the
partners onRetail calls, and a client simulator for the partner that calls
onRetail.

server   what all sandboxes share: the threaded server, the fault control
         (/_control), JSON helpers and the command onretail-sandbox
cituro   cituro's appointment calendar (CituroSandbox)
planet   Planet's tax-free service, SOAP (PlanetSandbox)
cartum   Cartum's web-shop API (CartumSandbox)
kulcs    Kulcs Ügyvitel, the ERP that calls onRetail's four Kulcs URLs
         (KulcsSimulator, the command onretail-sandbox kulcs)"""
