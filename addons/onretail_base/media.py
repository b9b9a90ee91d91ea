# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The sales media of onRetail: where a price list or a card may be used"

MEDIA = [
    ('pos', "Point of Sale"),
    ('sale', "Sales Orders"),
    ('web', "Website"),
    ]
