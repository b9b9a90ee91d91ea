# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import polib

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    """Record rules that may name the user (Eval('user_id')), as trytond's
    res module allows for its own models: a module adds its models to
    _user_models in __setup__"""
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._user_models = set()

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in cls._user_models:
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if model_names & cls._user_models:
            key = (*key, Transaction().user)
        return key


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        result = super().translation_import(lang, module, po_path)
        cls._confirm_overrides(lang, module, po_path)
        return result

    @classmethod
    def _confirm_overrides(cls, lang, module, po_path):
        """Clear the fuzzy flag of the other modules' translations that an
        override of module confirms word for word: Tryton overrides only
        a different text, so a fuzzy one stays ignored otherwise"""
        ModelData = Pool().get('ir.model.data')
        if isinstance(po_path, str):
            po_path = [po_path]
        confirmed = []
        for path in po_path:
            for entry in polib.pofile(path):
                ttype, name, res_id = entry.msgctxt.split(':')
                if ('.' not in res_id or entry.obsolete or not entry.msgstr
                        or 'fuzzy' in entry.flags):
                    continue
                target, fs_id = res_id.split('.')
                confirmed.extend(cls.search([
                            ('lang', '=', lang),
                            ('type', '=', ttype),
                            ('name', '=', name),
                            ('module', '=', target),
                            ('src', '=', entry.msgid),
                            ('res_id', '=', ModelData.get_id(target, fs_id)
                                if fs_id else -1),
                            ('value', '=', entry.msgstr),
                            ('fuzzy', '=', True),
                            ]))
        if confirmed:
            cls.write(confirmed, {
                    'fuzzy': False,
                    'overriding_module': module,
                    })
