# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""ESC/POS bytes of a receipt or a gift card.

The cashier screen sends what to print already formatted in the shop's
language (numbers, currency, labels); this module only lays it out in the
printer's columns. python-escpos picks a code page for every character the
printer knows (CP437/CP858 for ä ö ü ß, CP852 for ő ű), so German and
Hungarian print as they are."""
import base64
import binascii
import io

from escpos.printer import Dummy
from PIL import Image, UnidentifiedImageError

# Dots per column of the printer's standard font (12 × 48 = 576 on 80 mm)
DOTS_PER_COLUMN = 12
LOGO_HEIGHT = 200


class ReceiptError(ValueError):
    pass


def render(job, columns=48, profile='default'):
    "The bytes that print job, cut included"
    printer = Dummy(profile=profile)
    if 'receipt' in job:
        _receipt(printer, job['receipt'], columns)
    elif 'gift_card' in job:
        _gift_card(printer, job['gift_card'], columns)
    else:
        raise ReceiptError("a job is a 'receipt' or a 'gift_card'")
    printer.cut()
    return printer.output


def _receipt(printer, receipt, columns):
    if receipt.get('logo'):
        _logo(printer, receipt['logo'], columns)
    _centered(printer, receipt.get('header', []), first_bold=True)
    if receipt.get('title'):
        printer.set(align='left', bold=True)
        printer.textln(receipt['title'])
        printer.set(bold=False)
    printer.set(align='left')
    printer.textln('-' * columns)
    for line in receipt.get('lines', []):
        for part in _wrap(str(line.get('name', '')), columns):
            printer.textln(part)
        detail = f"  {line.get('quantity', '')} x {line.get('unit_price', '')}"
        printer.textln(_two_columns(detail, line.get('amount', ''), columns))
        if line.get('note'):
            printer.textln(f"  {line['note']}"[:columns])
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
        printer.textln(str(section.get('title', ''))[:columns])
        printer.set(bold=False)
        for row in section.get('rows', []):
            printer.textln(_two_columns(row['label'], row['amount'], columns))
    _codes(printer, receipt)
    _centered(printer, receipt.get('footer', []))


def _gift_card(printer, card, columns):
    if not card.get('code'):
        raise ReceiptError("a gift card needs its code")
    _centered(printer, [card.get('title', '')], first_bold=True)
    printer.set(align='center')
    printer.barcode('{B' + card['code'], 'CODE128', function_type='B')
    printer.textln(card['code'])
    printer.set(align='left')
    for item in card.get('lines', []):
        printer.textln(_two_columns(item['label'], item['value'], columns))
    _centered(printer, card.get('footer', []))


def _logo(printer, logo, columns):
    """The logo (base64 of an image file) fitted to the paper, centred
    by itself: most printer profiles do not know their width in dots"""
    try:
        image = Image.open(io.BytesIO(base64.b64decode(logo, validate=True)))
        image.load()
    except (binascii.Error, UnidentifiedImageError, OSError) as error:
        raise ReceiptError(f"the logo is not an image file: {error}")
    width = columns * DOTS_PER_COLUMN
    image.thumbnail((width, LOGO_HEIGHT))
    if image.mode in {'RGBA', 'LA', 'P'}:
        image = image.convert('RGBA')
    paper = Image.new('RGB', (width, image.height), 'white')
    paper.paste(image, ((width - image.width) // 2, 0),
        image if image.mode == 'RGBA' else None)
    printer.image(paper)


def _codes(printer, document):
    if document.get('barcode'):
        printer.set(align='center')
        printer.barcode(
            '{B' + document['barcode'], 'CODE128', function_type='B')
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
    left, right = str(left), str(right)
    room = columns - len(right) - 1
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
