# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the cashier screen reads besides products and carts: its texts and
the number formats, in the language of the cashier, and the extensions of
other modules that it loads"""
from ast import literal_eval

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from . import boundary
from .pos import is_cashier

# The ids of screen.xml (and of the messages of the screen's extensions);
# the screen knows a text by the rest of its id
TEXT_PREFIX = 'msg_screen_'


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['screen_language'] = RPC()

    @classmethod
    @boundary.arguments
    def screen_language(cls):
        """The texts of the cashier screen by key and the number format of
        the language of the transaction (the user's), and the modules whose
        extension the screen loads"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        if not is_cashier():
            raise AccessError(gettext('onretail_pos.msg_not_cashier',
                    user=User(Transaction().user).rec_name))
        lang = Lang.get()
        return {
            'code': lang.code,
            'decimal_point': lang.decimal_point,
            'thousands_sep': lang.thousands_sep or '',
            'grouping': literal_eval(lang.grouping),
            'texts': screen_texts(),
            'extensions': cls.screen_extensions(),
            }

    @classmethod
    def screen_extensions(cls):
        """The activated modules that extend the cashier screen: it imports
        their static/pos/main.js, served under pos/ext/<module>/"""
        return []


def screen_texts():
    """The texts of screen.xml and of the extensions' messages of the same
    prefix by key, in the language of the transaction"""
    ModelData = Pool().get('ir.model.data')
    with without_check_access():
        records = ModelData.search([
                ('model', '=', 'ir.message'),
                ('fs_id', 'like', TEXT_PREFIX + '%'),
                ])
    return {
        r.fs_id[len(TEXT_PREFIX):]: gettext(f'{r.module}.{r.fs_id}')
        for r in records}
