# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import phonenumbers


def e164(number, country_code=None):
    """The number as E.164 (+380671234567), as Tryton stores phone numbers;
    a number without its country's code is read as country_code's; None
    when it is no valid number"""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, country_code)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164)
