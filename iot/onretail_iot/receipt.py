# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""ESC/POS bytes of a receipt or a gift card.

The cashier screen sends what to print already formatted in the shop's
language (numbers, currency, labels); this module only lays it out in the
printer's columns. python-escpos picks a code page for every character the
printer knows (CP437/CP858 for ä ö ü ß, CP852 for ő ű), so German and
Hungarian print as they are.

A job comes from the network: validate() checks all of it (shape, types,
sizes) before anything is drawn, and names the field that is wrong."""
import base64
import binascii
import io
import math
import re

from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy
from PIL import Image

# Dots per column of the printer's standard font (12 × 48 = 576 on 80 mm)
DOTS_PER_COLUMN = 12
LOGO_HEIGHT = 200

# What a job may hold; the request's body is limited too (server.MAX_BODY)
MAX_ITEMS = 500  # items of a list, and rows of all sections together
MAX_TEXT = 300  # characters of a text
MAX_CODE = 100  # characters of a barcode
MAX_LOGO = 1024 * 1024  # bytes of the logo's image file
MAX_LOGO_SIDE = 4096  # pixels: a small file may unpack to a huge image
LOGO_FORMATS = ['PNG', 'JPEG', 'GIF', 'BMP', 'WEBP']
# Control characters would reach the printer as commands (ESC p opens the
# drawer); lone surrogates cannot be encoded
FORBIDDEN = re.compile('[\x00-\x1f\x7f-\x9f\ud800-\udfff]')
# CODE128 code set B: the printable ASCII characters
CODE128 = re.compile('[\x20-\x7e]+')


class ReceiptError(ValueError):
    "What is wrong with a job, and in which field (e.g. receipt.lines[2])"

    def __init__(self, message, field=None):
        if field is not None:  # '' is a field too: {"": 1} has one
            message = f"{field or repr(field)} {message}"
        super().__init__(message)
        self.field = field


def render(job, columns=48, profile='default'):
    "The bytes that print job, cut included; ReceiptError when it is wrong"
    job = validate(job)
    printer = Dummy(profile=profile)
    try:
        if 'receipt' in job:
            _receipt(printer, job['receipt'], columns)
        else:
            _gift_card(printer, job['gift_card'], columns)
        printer.cut()
    except EscposError as error:  # what validate() did not foresee
        raise ReceiptError(f"cannot be printed: {error}")
    return printer.output


# Validation: each checker takes a value and its field's name, and returns
# the value as render() draws it (numbers as text, the logo as an image).

def _text(value, field):
    if not isinstance(value, str):
        raise ReceiptError("must be a string", field)
    if len(value) > MAX_TEXT:
        raise ReceiptError(f"must be at most {MAX_TEXT} characters", field)
    if FORBIDDEN.search(value):
        raise ReceiptError("must not contain control characters", field)
    return value


def _amount(value, field):
    "A quantity, price or amount: text, or a number printed as it is"
    if isinstance(value, float) and not math.isfinite(value):
        raise ReceiptError("must be a finite number", field)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        raise ReceiptError("must be a string or a number", field)
    return _text(value, field)


def _code(value, field):
    "A CODE128 barcode, as python-escpos sends it to the printer"
    value = _text(value, field)
    if len(value) > MAX_CODE:
        raise ReceiptError(f"must be at most {MAX_CODE} characters", field)
    if value and not CODE128.fullmatch(value):
        raise ReceiptError(
            "must be printable ASCII characters (CODE128)", field)
    return value


def _card_code(value, field):
    value = _code(value, field)
    if not value:
        raise ReceiptError("must not be empty", field)
    return value


def _logo(value, field):
    "The image of a base64 image file, ready to draw"
    if not isinstance(value, str):
        raise ReceiptError("must be a base64 string", field)
    if len(value) > math.ceil(MAX_LOGO / 3) * 4:
        raise ReceiptError(f"must be an image of at most {MAX_LOGO} bytes",
            field)
    try:
        data = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ReceiptError("must be base64", field)
    try:
        # the formats a logo comes in; others (EPS...) run external tools
        image = Image.open(io.BytesIO(data), formats=LOGO_FORMATS)
        if max(image.size) > MAX_LOGO_SIDE:
            raise ReceiptError(f"must be at most {MAX_LOGO_SIDE} pixels "
                "wide and high", field)
        image.load()
        image = image.convert('RGBA')
    except ReceiptError:
        raise
    except Exception as error:  # Pillow raises many kinds on a bad file
        raise ReceiptError(
            f"is not an image file ({', '.join(LOGO_FORMATS)}): {error}",
            field)
    return image


def _list(item):
    def check(value, field):
        if not isinstance(value, list):
            raise ReceiptError("must be a list", field)
        if len(value) > MAX_ITEMS:
            raise ReceiptError(f"must have at most {MAX_ITEMS} items", field)
        return [item(v, f'{field}[{i}]') for i, v in enumerate(value)]
    return check


def _object(fields, required=(), name='an object'):
    """An object of fields (name: checker); null is the same as missing,
    an unknown field is refused: it would be a typo or another format"""
    def check(value, field):
        if not isinstance(value, dict):
            raise ReceiptError(f"must be {name}", field)
        result = {}
        for key, item in value.items():
            path = key[:40] if field is None else f'{field}.{key[:40]}'
            if key not in fields:
                raise ReceiptError("is not a known field", path)
            if item is not None:
                result[key] = fields[key](item, path)
        for key in required:
            if key not in result:
                raise ReceiptError("is required",
                    key if field is None else f'{field}.{key}')
        return result
    return check


def _sections(value, field):
    sections = _list(_object({'title': _text, 'rows': _list(LABEL_AMOUNT)}))(
        value, field)
    if sum(len(s.get('rows', [])) for s in sections) > MAX_ITEMS:
        raise ReceiptError(
            f"must have at most {MAX_ITEMS} rows together", field)
    return sections


LABEL_AMOUNT = _object({'label': _text, 'amount': _amount},
    required=['label', 'amount'])
TEXTS = _list(_text)
RECEIPT = _object({
        'logo': _logo,
        'header': TEXTS,
        'title': _text,
        'lines': _list(_object({
                    'name': _text, 'quantity': _amount,
                    'unit_price': _amount, 'amount': _amount,
                    'note': _text})),
        'totals': _list(LABEL_AMOUNT),
        'taxes': _list(LABEL_AMOUNT),
        'payments': _list(LABEL_AMOUNT),
        'sections': _sections,
        'barcode': _code,
        'qrcode': _text,
        'footer': TEXTS,
        })
GIFT_CARD = _object({
        'title': _text,
        'code': _card_code,
        'lines': _list(_object({'label': _text, 'value': _amount},
                required=['label', 'value'])),
        'footer': TEXTS,
        }, required=['code'])
JOB = _object({'receipt': RECEIPT, 'gift_card': GIFT_CARD},
    name="a JSON object")


def validate(job):
    "The job checked and ready to draw; ReceiptError naming the wrong field"
    job = JOB(job, None)
    if len(job) != 1:
        raise ReceiptError("a job is a 'receipt' or a 'gift_card'")
    return job


# Drawing, of a validated job

def _receipt(printer, receipt, columns):
    if receipt.get('logo'):
        _draw_logo(printer, receipt['logo'], columns)
    _centered(printer, receipt.get('header', []), first_bold=True)
    if receipt.get('title'):
        printer.set(align='left', bold=True)
        printer.textln(receipt['title'])
        printer.set(bold=False)
    printer.set(align='left')
    printer.textln('-' * columns)
    for line in receipt.get('lines', []):
        for part in _wrap(line.get('name', ''), columns):
            printer.textln(part)
        detail = f"  {line.get('quantity', '')} x {line.get('unit_price', '')}"
        printer.textln(_two_columns(detail, line.get('amount', ''), columns))
        if line.get('note'):
            # indented under its line, wrapped: a cut would hide the value
            # of an option or of a discount
            for part in _wrap(line['note'], columns - 2):
                printer.textln(f"  {part}")
    printer.textln('-' * columns)
    for index, total in enumerate(receipt.get('totals', [])):
        printer.set(bold=index == 0)
        printer.textln(_two_columns(total['label'], total['amount'], columns))
    printer.set(bold=False)
    for section in ['taxes', 'payments']:
        if receipt.get(section):
            printer.ln()
            for item in receipt[section]:
                printer.textln(
                    _two_columns(item['label'], item['amount'], columns))
    for section in receipt.get('sections', []):
        printer.ln()
        printer.set(bold=True)
        printer.textln(section.get('title', '')[:columns])
        printer.set(bold=False)
        for row in section.get('rows', []):
            printer.textln(_two_columns(row['label'], row['amount'], columns))
    _codes(printer, receipt)
    _centered(printer, receipt.get('footer', []))


def _gift_card(printer, card, columns):
    _centered(printer, [card.get('title', '')], first_bold=True)
    printer.set(align='center')
    _barcode(printer, card['code'])
    printer.textln(card['code'])
    printer.set(align='left')
    for item in card.get('lines', []):
        printer.textln(_two_columns(item['label'], item['value'], columns))
    _centered(printer, card.get('footer', []))


def _draw_logo(printer, image, columns):
    """The logo fitted to the paper, centred by itself: most printer
    profiles do not know their width in dots"""
    width = columns * DOTS_PER_COLUMN
    image = image.copy()  # thumbnail() changes it
    image.thumbnail((width, LOGO_HEIGHT))
    paper = Image.new('RGB', (width, image.height), 'white')
    paper.paste(image, ((width - image.width) // 2, 0), image)
    printer.image(paper)


def _barcode(printer, code):
    # '{' starts a code set switch in ESC/POS CODE128 data; '{{' is a '{'
    printer.barcode('{B' + code.replace('{', '{{'), 'CODE128',
        function_type='B')


def _codes(printer, document):
    if document.get('barcode'):
        printer.set(align='center')
        _barcode(printer, document['barcode'])
    if document.get('qrcode'):
        printer.qr(document['qrcode'], size=6, center=True)
    printer.set(align='left')


def _centered(printer, texts, first_bold=False):
    printer.set(align='center')
    for index, text in enumerate(texts):
        printer.set(bold=first_bold and index == 0)
        printer.textln(text)
    printer.set(align='left', bold=False)


def _two_columns(left, right, columns):
    "left and right on one line, right-aligned; left cut when too long"
    # an amount longer than the line is not cut: the printer wraps it
    room = max(columns - len(right) - 1, 0)
    return f"{left[:room]:<{room}} {right}"


def _wrap(text, columns):
    words, lines, current = text.split(), [], ''
    for word in words:
        if current and len(current) + 1 + len(word) > columns:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [line[:columns] for line in lines]
