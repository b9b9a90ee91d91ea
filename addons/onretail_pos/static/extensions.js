// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The screen's extensions by other modules (sale.point.screen_extensions):
// each one's main.js, served under ext/<module>/, adds its buttons and
// dialogs once, with what it imports of the screen's own modules. When a
// register opens, the document gets the event REGISTER_OPENED.
import {translatePage} from './i18n.js';

export const REGISTER_OPENED = 'onretail-pos-register';

const loaded = new Set();

export async function loadExtensions(modules) {
    for (const module of modules) {
        if (!loaded.has(module)) {
            loaded.add(module);
            await import(`./ext/${encodeURIComponent(module)}/main.js`);
        }
    }
    translatePage();
}
