# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the cashier screen sends, checked at the boundary: every value of a
cart, a payment or a count has the type, size and range it must have, or
the call is refused with a message naming it, before anything is read or
written."""
import datetime
import functools
import inspect
import re
from decimal import Decimal, InvalidOperation

from trytond.i18n import gettext

from .exceptions import CheckoutError

# A number as text: digits with at most one point, at most this long
NUMBER_LENGTH = 20
CLIENT_ID = re.compile(r'[A-Za-z0-9_-]{1,64}')
# Far above any price or count of a shop, far below what overflows
NUMBER_MAXIMUM = Decimal('1e12')


def refuse(message, **values):
    raise CheckoutError(gettext('onretail_pos.' + message, **values))


def arguments(method):
    """Decorate a method of the cashier screen (below classmethod): a call
    with more or fewer values than it takes is refused with a message,
    not Python's TypeError"""
    signature = inspect.signature(method)
    expected = len(signature.parameters) - 1

    @functools.wraps(method)
    def wrapper(cls, *args):
        try:
            signature.bind(cls, *args)
        except TypeError:
            refuse('msg_input_arguments', method=method.__name__,
                expected=expected, given=len(args))
        return method(cls, *args)
    return wrapper


def mapping(value, record, keys):
    "value as a dict with only keys; refused otherwise"
    if not isinstance(value, dict):
        refuse('msg_input_not_object', record=record)
    unknown = set(value) - set(keys)
    if unknown:
        refuse('msg_input_unknown_keys', record=record,
            keys=', '.join(sorted(map(str, unknown)))[:200])
    return value


def sequence(value, record, maximum):
    "value as a list of at most maximum items; None is empty"
    if value is None:
        return []
    if not isinstance(value, list):
        refuse('msg_input_not_list', record=record)
    if len(value) > maximum:
        refuse('msg_input_too_many', record=record, maximum=maximum)
    return value


def number(value, record, field, minimum=None, maximum=NUMBER_MAXIMUM,
        required=False):
    """value as a finite Decimal within [minimum, maximum]; None when empty
    and not required. Booleans and text that is not a plain number are
    refused, as are NaN and infinities."""
    if value is None or value == '':
        if required:
            refuse('msg_input_required', record=record, field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        refuse('msg_input_not_number', record=record, field=field)
    if isinstance(value, str) and len(value) > NUMBER_LENGTH:
        refuse('msg_input_not_number', record=record, field=field)
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        refuse('msg_input_not_number', record=record, field=field)
    if not result.is_finite():
        refuse('msg_input_not_number', record=record, field=field)
    if minimum is not None and result < minimum:
        refuse('msg_input_too_small', record=record, field=field,
            value=result, minimum=minimum)
    if maximum is not None and result > maximum:
        refuse('msg_input_too_big', record=record, field=field,
            value=result, maximum=maximum)
    return result


def identifier(value, record, field, required=False):
    "value as the id of a record: a positive integer; None when empty"
    if value is None:
        if required:
            refuse('msg_input_required', record=record, field=field)
        return None
    if (isinstance(value, bool) or not isinstance(value, int)
            or not (0 < value < 2 ** 31)):
        refuse('msg_input_not_id', record=record, field=field)
    return value


def date(value, record, field):
    "value as a date (not a datetime); None when empty"
    if value is None:
        return None
    if (not isinstance(value, datetime.date)
            or isinstance(value, datetime.datetime)):
        refuse('msg_input_not_date', record=record, field=field)
    return value


def text(value, record, field, maximum, required=False):
    "value as a str of at most maximum characters, stripped"
    if value is None or value == '':
        if required:
            refuse('msg_input_required', record=record, field=field)
        return None
    if not isinstance(value, str):
        refuse('msg_input_not_text', record=record, field=field)
    if len(value) > maximum:
        refuse('msg_input_too_long', record=record, field=field,
            maximum=maximum)
    return value.strip()


def client_id(value):
    "The id the screen gave the sale: up to 64 letters, digits, - and _"
    if not isinstance(value, str) or not value:
        refuse('msg_cart_client_id')
    if not CLIENT_ID.fullmatch(value):
        refuse('msg_cart_client_id_invalid')
    return value
