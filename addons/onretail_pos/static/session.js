// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Login, the cash registers, opening and closing the session
import {loadCart, priceNow} from './cart.js';
import {$, $$, dialogResult, showError, showMessage, showView} from './dom.js';
import {loadExtensions, REGISTER_OPENED} from './extensions.js';
import {setLanguage, t} from './i18n.js';
import {decimal, number, shown, toCents, typedCents} from './money.js';
import {print, receiptElement} from './printer.js';
import {loadProducts} from './products.js';
import {model, post, rpc, RpcError} from './rpc.js';
import {DATABASE, LOGGED_IN, session} from './state.js';

let logins = 0;

export async function login(event) {
    event.preventDefault();
    logins += 1;
    const form = event.target;
    showError(form, null);
    try {
        const result = await post(
            `/${DATABASE}/session/login`, 'common.db.login',
            [form.login.value, {password: form.password.value},
                navigator.language]);
        if (!result) {
            throw new RpcError(t('wrong_login'));
        }
        form.password.value = '';
        localStorage.setItem(LOGGED_IN, '1');
        await loadPreferences();
        await loadRegisters();
    } catch (error) {
        showError(form, error.name === 'LoginException' ?
            t('wrong_login') : error);
    }
}

async function loadPreferences() {
    session.context = await post(`/${DATABASE}/rpc/`,
        'model.res.user.get_preferences', [true, {}]);
    // The texts and number formats of the cashier's language, whatever
    // the browser's
    let language;
    try {
        language = await model('sale.point', 'screen_language');
    } catch (error) {
        if (error.name === 'AuthError') {
            throw error;
        }
        // not a cashier: screen_registers says so in her language
        return;
    }
    setLanguage(language);
    await loadExtensions(language.extensions);
}

export async function logout() {
    localStorage.removeItem(LOGGED_IN);
    await fetch(`/${DATABASE}/session/logout`, {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'}, body: '{}'});
    session.register = null;
    showView('login');
}

// After a reload the session cookie may still be valid: carry on with it.
// Only then: trytond answers an unauthenticated call with a Basic challenge,
// which makes the browser prompt for a password.
export async function resume() {
    if (!localStorage.getItem(LOGGED_IN)) {
        return;
    }
    const before = logins;
    try {
        await loadPreferences();
    } catch (error) {
        localStorage.removeItem(LOGGED_IN);
        return;  // the session ended: the login form shows
    }
    if (logins === before) {
        await loadRegisters();
    }
}

async function loadRegisters() {
    session.registers = await model('sale.point', 'screen_registers');
    if (session.registers.length === 1) {
        return chooseRegister(session.registers[0]);
    }
    const list = $('#registers .list');
    list.replaceChildren(...session.registers.map(register => {
        const button = document.createElement('button');
        button.textContent = register.name;
        button.addEventListener('click', () => chooseRegister(register));
        return button;
    }));
    if (!session.registers.length) {
        list.textContent = t('no_register');
    }
    showView('registers');
}

async function chooseRegister(register) {
    performance.mark('onretail-pos-register');
    session.register = register;
    for (const element of $$('.register-name')) {
        element.textContent = register.name;
    }
    if (!register.session) {
        showView('opening');
        return;
    }
    await loadProducts();
    loadCart();
    document.dispatchEvent(
        new CustomEvent(REGISTER_OPENED, {detail: register}));
    showView('main');
    $('#search').focus();
    // bench/pos_browser.py measures from one mark to the other
    performance.mark('onretail-pos-ready');
    await priceNow();
}

export async function openSession(event) {
    event.preventDefault();
    const form = event.target;
    showError(form, null);
    try {
        await model('sale.point.cash.session', 'open_counted',
            session.register.id, decimal(typedCents(form.counted.value)));
        form.counted.value = '';
        const registers = await model('sale.point', 'screen_registers');
        await chooseRegister(
            registers.find(r => r.id === session.register.id));
    } catch (error) {
        showError(form, error);
    }
}

const DENOMINATIONS = ['500', '200', '100', '50', '20', '10', '5', '2', '1',
    '0.50', '0.20', '0.10', '0.05', '0.02', '0.01'];

let expectedCash = 0;

export async function openClose() {
    const dialog = $('#close-dialog');
    const form = $('form', dialog);
    const [figures] = await model('sale.point.cash.session', 'get_figures',
        [session.register.session.id]);
    expectedCash = toCents(figures.cash.expected);
    $('.expected', dialog).textContent = shown(expectedCash);
    $('.denominations', dialog).replaceChildren(...DENOMINATIONS.map(value => {
        const row = document.createElement('tr');
        row.innerHTML = '<td></td><td><input inputmode="numeric" size="4"></td>';
        row.cells[0].textContent = `${number(value)} ×`;
        const input = $('input', row);
        input.dataset.value = value;
        input.addEventListener('input', sumDenominations);
        return row;
    }));
    form.counted.value = '';
    updateDifference();
    showError(dialog, null);
    dialog.showModal();
}

function sumDenominations() {
    const dialog = $('#close-dialog');
    let cents = 0;
    for (const input of $$('.denominations input', dialog)) {
        cents += (parseInt(input.value, 10) || 0) * toCents(input.dataset.value);
    }
    $('form', dialog).counted.value = shown(cents);
    updateDifference();
}

// Enter in a count goes on to the next count; in the total, it closes
export async function confirmClose(input) {
    const form = $('#close-dialog form');
    if (input.name === 'counted') {
        await closeSession();
        return;
    }
    const inputs = $$('.denominations input', form);
    const next = inputs[inputs.indexOf(input) + 1] || form.counted;
    next.focus();
}

export function updateDifference() {
    const dialog = $('#close-dialog');
    const counted = $('form', dialog).counted.value;
    $('.difference', dialog).textContent = counted ?
        shown(typedCents(counted) - expectedCash) : '';
}

export async function closeSession() {
    const dialog = $('#close-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    try {
        const cashSession = session.register.session;
        await model('sale.point.cash.session', 'close_counted',
            [cashSession.id], decimal(typedCents(form.counted.value)));
        const [receipt] = await model('sale.point.cash.session',
            'get_receipt', [cashSession.id]);
        dialog.close('ok');
        session.register.session = null;
        showReport({receipt});
    } catch (error) {
        showError(dialog, error);
    }
}

async function showReport(job) {
    const dialog = $('#report-dialog');
    $('.report', dialog).replaceChildren(receiptElement(job));
    $('.print', dialog).onclick = () => print([job]);
    dialog.showModal();
    await dialogResult(dialog);
    showMessage(t('session_closed'));
    showView('opening');
}
