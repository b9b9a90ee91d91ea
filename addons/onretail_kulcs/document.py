# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Kulcs's XML documents, read as a stream (a large one is never held as a
tree) without DTD, entities or network, in the encodings Kulcs uses, and
the values of their items checked: XML bytes in, plain values out"""
import io
import re
from decimal import Decimal

from lxml import etree

from trytond.i18n import gettext

from .exceptions import DocumentError, ItemError

# The largest body a call may send
MAX_BODY = 20 * 1024 * 1024
# The encodings Kulcs declares, by their lower-case names
ENCODINGS = {
    'utf-8': 'UTF-8',
    'iso-8859-2': 'ISO-8859-2',
    'windows-1250': 'windows-1250',
    }
DECLARATION = re.compile(
    rb'<\?xml[^>]*?\sencoding\s*=\s*["\']([^"\']{0,40})["\']')
# A decimal as Kulcs writes it: a point or a comma, no exponent
NUMBER = re.compile(r'-?\d{1,15}(?:[.,]\d{1,10})?')
MAX_TEXT = 10000
MAX_CODE = 100


def encoding_of(data):
    """The encoding the document declares, UTF-8 when none; DocumentError
    when it is not one of Kulcs's"""
    head = data[:200].lstrip(b'\xef\xbb\xbf')
    match = DECLARATION.match(head) if head.startswith(b'<?xml') else None
    if not match:
        return 'UTF-8'
    name = match.group(1).decode('ascii', 'replace').lower()
    name = ''.join(c if c.isprintable() else '?' for c in name)
    if name not in ENCODINGS:
        raise DocumentError(gettext('onretail_kulcs.msg_document_encoding',
                encoding=name))
    return ENCODINGS[name]


def read_items(data, root, item, texts=False):
    """Yield {element: text} of each <item> of the document <root> in data,
    or the ItemError that says why an item is not one; DocumentError when
    data is no such document (nothing of it is to be written)"""
    encoding = encoding_of(data)
    events = etree.iterparse(io.BytesIO(data), events=('start', 'end'),
        encoding=encoding, resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True,
        remove_pis=True)
    depth = 0
    try:
        for event, element in events:
            if event == 'start':
                depth += 1
                if depth == 1:
                    check_root(element, root)
                continue
            depth -= 1
            if depth != 1:
                continue
            if element.tag != item:
                raise DocumentError(gettext(
                        'onretail_kulcs.msg_document_element',
                        element=str(element.tag)[:50], root=root, item=item))
            yield (text_of(element) if texts else values_of(element))
            # what was read is let go: the document is never a whole tree
            element.clear()
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        raise DocumentError(gettext('onretail_kulcs.msg_document_malformed',
                error=str(error)[:200])) from error
    if depth:
        raise DocumentError(gettext('onretail_kulcs.msg_document_malformed',
                error="truncated"))


def read_texts(data, root, item):
    """Yield the text of each <item> of the document <root> in data;
    DocumentError when data is no such document"""
    yield from read_items(data, root, item, texts=True)


def checked_items(data, root, item, key, make, run):
    """The objects make(values) of the <item>s of the document <root> in
    data, each value of element key once, counted as read in run; the
    refused ones are the run's errors. DocumentError when data is none"""
    items = {}
    for values in read_items(data, root, item):
        run.count('read')
        reference = values.get(key, '?') if isinstance(values, dict) else '?'
        try:
            if isinstance(values, ItemError):
                raise values
            made = make(values)
            if values[key] in items:
                raise ItemError(gettext('onretail_kulcs.msg_item_twice',
                        item=values[key]))
        except ItemError as error:
            run.error(reference, error.message)
            continue
        items[values[key]] = made
    return list(items.values())


def check_root(element, root):
    if element.getroottree().docinfo.doctype:
        raise DocumentError(gettext('onretail_kulcs.msg_document_dtd'))
    if element.tag != root:
        raise DocumentError(gettext('onretail_kulcs.msg_document_root',
                element=str(element.tag)[:50], root=root))


def values_of(element):
    "{child: text} of element, or the ItemError of a child given twice"
    values = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # an entity reference left unresolved
        if child.tag in values or len(child):
            return ItemError(gettext('onretail_kulcs.msg_item_element',
                    element=child.tag[:50]))
        values[child.tag] = (child.text or '').strip()
    return values


def text_of(element):
    "The text of an element that holds no elements, DocumentError if not"
    if len(element):
        raise DocumentError(gettext('onretail_kulcs.msg_document_nested',
                element=element.tag[:50]))
    return (element.text or '').strip()


def decimal(values, name, reference, minimum=Decimal(0)):
    """The number of element name (a point or a comma), None when it is
    missing; ItemError when it is no number or below minimum"""
    text = values.get(name)
    if text is None:
        return None
    if not NUMBER.fullmatch(text):
        raise ItemError(gettext('onretail_kulcs.msg_item_number',
                item=reference, element=name, value=text[:50]))
    number = Decimal(text.replace(',', '.'))
    if minimum is not None and number < minimum:
        raise ItemError(gettext('onretail_kulcs.msg_item_negative',
                item=reference, element=name, value=text[:50]))
    return number


def text(values, name, reference, size=MAX_TEXT):
    "The text of element name, None when missing; ItemError when too long"
    value = values.get(name)
    if value is not None and len(value) > size:
        raise ItemError(gettext('onretail_kulcs.msg_item_too_long',
                item=reference, element=name, size=size))
    return value


def code(values, name):
    "The code of element name that identifies an item: ItemError if none"
    value = values.get(name)
    if not value:
        raise ItemError(gettext('onretail_kulcs.msg_item_code',
                element=name))
    if len(value) > MAX_CODE or not value.isprintable():
        raise ItemError(gettext('onretail_kulcs.msg_item_code_invalid',
                element=name, value=value[:50]))
    return value


def answer(ok, message=''):
    "Kulcs's answer: <valasz><allapot>OK|HIBA</allapot><uzenet/></valasz>"
    root = etree.Element('valasz')
    etree.SubElement(root, 'allapot').text = 'OK' if ok else 'HIBA'
    etree.SubElement(root, 'uzenet').text = clean(message)
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


def clean(value):
    "value without the characters XML cannot hold"
    return ''.join(c for c in str(value or '')
        if c in '\t\n\r' or (c >= ' ' and c != '\ufffe' and c != '\uffff'))
