// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The texts of the screen by key (the ids of screen.xml without
// msg_screen_) and the number formats of the cashier's language, both from
// the server once she logged in (sale.point.screen_language). Before, the
// login form shows the few English texts below: the browser's language is
// not the cashier's, who may be anyone until she logged in.
const BEFORE_LOGIN = {
    user: 'User',
    password: 'Password',
    log_in: 'Log in',
    wrong_login: 'Wrong user or password.',
    no_answer: 'The server does not answer; try again.',
    busy: 'The server is busy; try again.',
};

let texts = BEFORE_LOGIN;

// As ir.lang has them; grouping as Python's locale (0 repeats the last
// size, -1 stops grouping)
const format = {decimal_point: '.', thousands_sep: '', grouping: []};

export function setLanguage(language) {
    texts = {...BEFORE_LOGIN, ...language.texts};
    format.decimal_point = language.decimal_point;
    format.thousands_sep = language.thousands_sep;
    format.grouping = language.grouping;
    document.documentElement.lang = language.code;
    translatePage();
}

export function translatePage() {
    for (const element of document.querySelectorAll('[data-t]')) {
        element.textContent = t(element.dataset.t);
    }
    for (const element of document.querySelectorAll('[data-t-placeholder]')) {
        element.placeholder = t(element.dataset.tPlaceholder);
    }
    for (const element of document.querySelectorAll('[data-decimal-point]')) {
        element.textContent = format.decimal_point;
    }
}

// The text of key with its %(name)s replaced by values
export function t(key, values = {}) {
    const text = texts[key] ?? key;
    return text.replace(/%\((\w+)\)s/g, (_, name) => values[name]);
}

function group(whole) {
    const groups = [];
    let size = 0;
    for (let index = 0; whole.length; index += 1) {
        const next = format.grouping[index];
        if (next === -1) {
            break;
        }
        if (next) {
            size = next;
        }
        if (!size || whole.length <= size) {
            break;
        }
        groups.unshift(whole.slice(-size));
        whole = whole.slice(0, -size);
    }
    groups.unshift(whole);
    return groups.join(format.thousands_sep);
}

// A number written with a dot ("-1234.50", as the server sends it) in the
// cashier's format ("-1.234,50" in German)
export function formatNumber(text) {
    const negative = text.startsWith('-');
    const [whole, fraction] = text.replace(/^-/, '').split('.');
    return (negative ? '-' : '') + group(whole) +
        (fraction === undefined ? '' : format.decimal_point + fraction);
}

// What the cashier typed in her format as a number, NaN if it is none
export function parseNumber(text) {
    let plain = String(text ?? '').trim().replace(/\s/g, '');
    if (format.thousands_sep.trim()) {
        plain = plain.split(format.thousands_sep).join('');
    }
    plain = plain.replace(format.decimal_point, '.');
    return plain && /^-?\d*\.?\d*$/.test(plain) ? parseFloat(plain) : NaN;
}
