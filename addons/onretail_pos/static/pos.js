// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The cashier screen: logs in to trytond like sao does and calls its
// JSON-RPC; the cart lives in the browser until it is paid.
import {setLanguage, t} from './i18n.js';

const DATABASE = decodeURIComponent(location.pathname.split('/')[1]);
const LOGGED_IN = `onretail-pos-logged-in-${DATABASE}`;
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const state = {
    context: {},
    registers: [],
    register: null,
    categories: [],
    products: [],
    byCode: new Map(),
    category: null,
    cart: null,
    priced: null,
    selected: null,
    mode: 'quantity',
    buffer: '',
    payments: [],
};

// JSON-RPC ----------------------------------------------------------------

class RpcError extends Error {
    constructor(error) {
        const [name, args] = Array.isArray(error) ? error : [error, []];
        const message = Array.isArray(args) ? args[0] : args;
        super(message || String(name));
        this.name = name;
    }
}

let requestId = 0;

// Decimals, dates and bytes come as objects with __class__
function revive(key, value) {
    if (value && typeof value === 'object' && value.__class__) {
        switch (value.__class__) {
            case 'Decimal': return value.decimal;
            case 'date': return [value.year, value.month, value.day]
                .map(n => String(n).padStart(2, '0')).join('-');
            default: return value;
        }
    }
    return value;
}

async function post(url, method, params) {
    let response;
    try {
        response = await fetch(url, {
            method: 'POST',
            credentials: 'same-origin',
            // trytond then answers 401 without asking the browser for a
            // password: an expired session shows the screen's own login
            headers: {
                'Content-Type': 'application/json',
                'X-Requested-With': 'XMLHttpRequest',
            },
            body: JSON.stringify({id: ++requestId, method, params}),
        });
    } catch (error) {
        throw new RpcError(t('The server does not answer; try again.'));
    }
    if (response.status === 401 || response.status === 403) {
        throw new RpcError(['AuthError', [t('Wrong user or password.')]]);
    }
    const data = JSON.parse(await response.text(), revive);
    if (data.error) {
        throw new RpcError(data.error);
    }
    return data.result;
}

async function rpc(method, ...params) {
    try {
        return await post(`/${DATABASE}/rpc/`, method,
            [...params, state.context]);
    } catch (error) {
        if (error.name === 'AuthError') {
            // The session expired: log in again, the cart is kept
            localStorage.removeItem(LOGGED_IN);
            showView('login');
        }
        throw error;
    }
}

function model(name, method, ...params) {
    return rpc(`model.${name}.${method}`, ...params);
}

// Money in the register's currency, computed in cents --------------------

function digits() {
    return state.register ? state.register.currency.digits : 2;
}

function toCents(value) {
    const number = parseFloat(String(value ?? '').replace(',', '.'));
    return Number.isFinite(number) ? Math.round(number * 10 ** digits()) : 0;
}

function fromCents(cents) {
    return (cents / 10 ** digits()).toFixed(digits());
}

function money(value) {
    return value === null || value === undefined ? '' :
        fromCents(toCents(value));
}

// Views --------------------------------------------------------------------

function showView(id) {
    for (const view of $$('.view')) {
        view.hidden = view.id !== id;
    }
    const first = $(`#${id} input`);
    if (first) {
        first.focus();
    }
}

function showError(root, error) {
    const element = $('.error', root);
    element.textContent = error ? (error.message || String(error)) : '';
}

function showMessage(text) {
    $('#message').textContent = text || '';
}

// Login and registers -------------------------------------------------------

let logins = 0;

async function login(event) {
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
            throw new RpcError(t('Wrong user or password.'));
        }
        form.password.value = '';
        localStorage.setItem(LOGGED_IN, '1');
        await loadPreferences();
        await loadRegisters();
    } catch (error) {
        showError(form, error.name === 'LoginException' ?
            t('Wrong user or password.') : error);
    }
}

async function loadPreferences() {
    state.context = await post(`/${DATABASE}/rpc/`,
        'model.res.user.get_preferences', [true, {}]);
    setLanguage(state.context.language);
}

async function logout() {
    localStorage.removeItem(LOGGED_IN);
    await fetch(`/${DATABASE}/session/logout`, {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'}, body: '{}'});
    state.register = null;
    showView('login');
}

// After a reload the session cookie may still be valid: carry on with it.
// Only then: trytond answers an unauthenticated call with a Basic challenge,
// which makes the browser prompt for a password.
async function resume() {
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
    state.registers = await model('sale.point', 'screen_registers');
    if (state.registers.length === 1) {
        return chooseRegister(state.registers[0]);
    }
    const list = $('#registers .list');
    list.replaceChildren(...state.registers.map(register => {
        const button = document.createElement('button');
        button.textContent = register.name;
        button.addEventListener('click', () => chooseRegister(register));
        return button;
    }));
    if (!state.registers.length) {
        list.textContent = t('You may not sell at any cash register.');
    }
    showView('registers');
}

async function chooseRegister(register) {
    state.register = register;
    for (const element of $$('.register-name')) {
        element.textContent = register.name;
    }
    if (!register.session) {
        showView('opening');
        return;
    }
    await loadProducts();
    loadCart();
    showView('main');
    $('#search').focus();
    await priceCart();
}

async function openSession(event) {
    event.preventDefault();
    const form = event.target;
    showError(form, null);
    try {
        await model('sale.point.cash.session', 'open_counted',
            state.register.id, form.counted.value.replace(',', '.'));
        form.counted.value = '';
        const registers = await model('sale.point', 'screen_registers');
        await chooseRegister(
            registers.find(r => r.id === state.register.id));
    } catch (error) {
        showError(form, error);
    }
}

// Products -----------------------------------------------------------------

async function loadProducts() {
    const data = await model('sale.point', 'screen_products',
        state.register.id);
    state.categories = data.categories;
    state.products = data.products;
    state.byCode = new Map();
    for (const product of state.products) {
        const add = (code, packaging) => {
            if (code) {
                state.byCode.set(code, {product, packaging});
            }
        };
        add(product.code, null);
        for (const code of product.barcodes) {
            add(code, null);
        }
        for (const packaging of product.packagings) {
            add(packaging.barcode, packaging);
        }
    }
    state.category = null;
    renderGrid();
}

function renderGrid() {
    const query = $('#search').value.trim().toLowerCase();
    const tiles = [];
    let products;
    if (query) {
        products = state.products.filter(p =>
            p.name.toLowerCase().includes(query)
            || (p.code || '').toLowerCase().includes(query));
    } else {
        const parent = state.category ? state.category.id : null;
        for (const category of state.categories) {
            if (category.parent === parent) {
                tiles.push(categoryTile(category));
            }
        }
        products = parent === null ? [] : state.products.filter(
            p => p.categories.includes(parent));
    }
    for (const product of products.slice(0, 200)) {
        tiles.push(productTile(product));
    }
    $('#grid').replaceChildren(...tiles);
    renderBreadcrumb();
}

function tileImage(tile, src) {
    if (src) {
        const image = document.createElement('img');
        image.src = src;
        image.alt = '';
        image.loading = 'lazy';
        tile.append(image);
    }
}

function categoryTile(category) {
    const tile = document.createElement('button');
    tile.className = 'tile category';
    tileImage(tile, category.image);
    tile.append(category.name);
    tile.addEventListener('click', () => {
        state.category = category;
        renderGrid();
    });
    return tile;
}

function productTile(product) {
    const tile = document.createElement('button');
    tile.className = 'tile product';
    tileImage(tile, product.image);
    const name = document.createElement('span');
    name.textContent = product.name;
    const price = document.createElement('small');
    price.textContent = money(product.price);
    tile.append(name, price);
    tile.addEventListener('click', () => addProduct(product, null));
    return tile;
}

function renderBreadcrumb() {
    const path = [];
    for (let category = state.category; category;
        category = state.categories.find(c => c.id === category.parent)) {
        path.unshift(category);
    }
    const crumbs = [null, ...path].map(category => {
        const button = document.createElement('button');
        button.textContent = category ? category.name : t('All');
        button.addEventListener('click', () => {
            state.category = category;
            $('#search').value = '';
            renderGrid();
        });
        return button;
    });
    $('#breadcrumb').replaceChildren(...crumbs);
}

function scan(event) {
    if (event.key !== 'Enter') {
        return;
    }
    const code = event.target.value.trim();
    if (!code) {
        return;
    }
    const found = state.byCode.get(code);
    if (found) {
        addProduct(found.product, found.packaging);
        event.target.value = '';
        showMessage('');
    } else {
        const matches = state.products.filter(p =>
            p.name.toLowerCase().includes(code.toLowerCase()));
        if (matches.length === 1) {
            addProduct(matches[0], null);
            event.target.value = '';
        } else if (!matches.length) {
            showMessage(t('No product has the code {code}.', {code}));
        }
    }
    renderGrid();
}

// The cart -----------------------------------------------------------------

function cartKey() {
    return `onretail-pos-cart-${DATABASE}-${state.register.id}`;
}

function newCart() {
    return {client_id: crypto.randomUUID(), customer: null, lines: []};
}

function loadCart() {
    const stored = localStorage.getItem(cartKey());
    state.cart = stored ? JSON.parse(stored) : newCart();
    state.selected = state.cart.lines.length ?
        state.cart.lines.length - 1 : null;
    renderCustomer();
}

function saveCart() {
    localStorage.setItem(cartKey(), JSON.stringify(state.cart));
}

function addProduct(product, packaging) {
    const lines = state.cart.lines;
    let index = lines.findIndex(line => line.product === product.id
        && (line.packaging || null) === (packaging ? packaging.id : null)
        && !line.returned_line && line.unit_price === undefined
        && line.quantity > 0);
    if (index >= 0) {
        lines[index].quantity += 1;
    } else {
        lines.push({
            product: product.id,
            packaging: packaging ? packaging.id : null,
            name: packaging ? packaging.name : product.name,
            quantity: 1,
        });
        index = lines.length - 1;
    }
    state.selected = index;
    state.buffer = '';
    changed();
}

let repricing = null;

function changed() {
    saveCart();
    renderCart();
    clearTimeout(repricing);
    repricing = setTimeout(priceCart, 150);
}

let pricingRequest = 0;

// The server prices the whole cart in one call; a late answer to an older
// cart is dropped.
async function priceCart() {
    const request = ++pricingRequest;
    const cart = cartForServer();
    try {
        const priced = await model('sale.point.sale', 'price_cart',
            state.register.id, cart);
        if (request === pricingRequest) {
            state.priced = priced;
            renderCart();
            await askWalletOptions();
        }
    } catch (error) {
        if (request === pricingRequest) {
            state.priced = null;
            renderCart();
            showMessage(error.message);
        }
    }
}

function cartForServer() {
    const cart = state.cart;
    return {
        client_id: cart.client_id,
        customer: cart.customer ? cart.customer.id : null,
        lines: cart.lines.map(line => {
            const values = {...line};
            delete values.name;
            return values;
        }),
    };
}

function renderCart() {
    const body = $('#cart tbody');
    const priced = state.priced && state.priced.lines.length ===
        state.cart.lines.length ? state.priced.lines : null;
    body.replaceChildren(...state.cart.lines.map((line, index) => {
        const row = document.createElement('tr');
        const info = priced ? priced[index] : {};
        if (index === state.selected) {
            row.className = 'selected';
        }
        const name = document.createElement('td');
        name.textContent = line.name;
        if (info.public_price && info.discount_rate) {
            const note = document.createElement('small');
            note.textContent = `${money(info.public_price)} −` +
                ` ${(parseFloat(info.discount_rate) * 100).toFixed(2)} %`;
            name.append(document.createElement('br'), note);
        }
        const cells = [name];
        for (const text of [
            line.packaging ? `${line.quantity} × ${info.quantity / line.quantity || ''}` :
                String(line.quantity),
            money(info.unit_price), money(info.amount)]) {
            const cell = document.createElement('td');
            cell.textContent = text;
            cells.push(cell);
        }
        row.append(...cells);
        row.addEventListener('click', () => {
            state.selected = index;
            state.buffer = '';
            renderCart();
        });
        return row;
    }));
    const taxes = state.priced ? state.priced.taxes : [];
    $('#taxes').replaceChildren(...taxes.map(tax => {
        const line = document.createElement('div');
        line.textContent = `${tax.tax}: ${money(tax.net)} + ` +
            `${money(tax.tax_amount)}`;
        return line;
    }));
    $('#total').textContent = state.priced ? money(state.priced.total) : '';
    // the customer's list, else the register's
    $('#price-list').textContent = state.priced ?
        state.priced.price_list || state.register.price_list || '' : '';
    for (const button of $$('#keypad [data-mode]')) {
        button.classList.toggle('active', button.dataset.mode === state.mode);
        if (button.dataset.mode !== 'quantity') {
            button.disabled = !state.register.may_change_prices;
        }
    }
}

function keypad(event) {
    const button = event.target.closest('button');
    if (!button) {
        return;
    }
    if (button.dataset.mode) {
        state.mode = button.dataset.mode;
        state.buffer = '';
        renderCart();
        return;
    }
    const line = state.cart.lines[state.selected];
    if (!line) {
        return;
    }
    const key = button.dataset.key;
    if (key === 'delete') {
        state.cart.lines.splice(state.selected, 1);
        state.selected = state.cart.lines.length ?
            state.cart.lines.length - 1 : null;
        state.buffer = '';
        changed();
        return;
    }
    state.buffer = key === 'back' ? state.buffer.slice(0, -1) :
        state.buffer + key;
    const value = parseFloat(state.buffer || '0');
    if (state.mode === 'quantity') {
        // A packaging line counts packagings
        // A line returned without receipt stays negative
        line.quantity = line.returned_line ?
            Math.min(value, line.returnable) :
            line.quantity < 0 ? -value : value;
    } else if (state.mode === 'price') {
        line.unit_price = state.buffer || undefined;
        delete line.discount;
    } else {
        line.discount = state.buffer ? String(value / 100) : undefined;
        delete line.unit_price;
    }
    changed();
}

// Gift cards and eWallets: the program and amount of a card line ----------

async function askWalletOptions() {
    const lines = state.priced.lines;
    for (const [index, info] of lines.entries()) {
        const line = state.cart.lines[index];
        if (!info.wallet_programs || !info.wallet_programs.length
            || line.returned_line) {
            continue;
        }
        if (!line.wallet_program && !info.wallet_program) {
            const program = await choose(t('Choose the program'),
                info.wallet_programs);
            if (!program) {
                return;
            }
            line.wallet_program = program.id;
            changed();
            return;
        }
        if (info.open_price && line.unit_price === undefined) {
            const answer = await askAmount(t('Amount of the card'), true);
            if (!answer) {
                return;
            }
            line.unit_price = answer.amount;
            if (answer.code) {
                line.wallet_card = answer.code;
            }
            changed();
            return;
        }
    }
}

function dialogResult(dialog) {
    return new Promise(resolve => {
        dialog.addEventListener('close', () => resolve(dialog.returnValue),
            {once: true});
    });
}

async function choose(title, options) {
    const dialog = $('#choice-dialog');
    $('h2', dialog).textContent = title;
    $('.amount', dialog).hidden = $('.code', dialog).hidden = true;
    let chosen = null;
    $('.list', dialog).replaceChildren(...options.map(option => {
        const button = document.createElement('button');
        button.value = 'ok';
        button.textContent = option.name;
        button.addEventListener('click', () => {
            chosen = option;
        });
        return button;
    }));
    showError(dialog, null);
    dialog.showModal();
    await dialogResult(dialog);
    return chosen;
}

async function askAmount(title, withCode) {
    const dialog = $('#choice-dialog');
    const form = $('form', dialog);
    $('h2', dialog).textContent = title;
    $('.list', dialog).replaceChildren();
    $('.amount', dialog).hidden = false;
    $('.code', dialog).hidden = !withCode;
    form.amount.value = form.code.value = '';
    showError(dialog, null);
    dialog.showModal();
    form.amount.focus();
    const result = await dialogResult(dialog);
    if (result !== 'ok' || !form.amount.value) {
        return null;
    }
    return {
        amount: form.amount.value.replace(',', '.'),
        code: form.code.value.trim(),
    };
}

async function checkCard() {
    const dialog = $('#choice-dialog');
    const form = $('form', dialog);
    $('h2', dialog).textContent = t('Check a card');
    $('.list', dialog).replaceChildren();
    $('.amount', dialog).hidden = true;
    $('.code', dialog).hidden = false;
    form.code.value = '';
    showError(dialog, null);
    dialog.showModal();
    form.code.focus();
    if (await dialogResult(dialog) === 'ok' && form.code.value.trim()) {
        try {
            const card = await model('sale.point', 'screen_card',
                state.register.id, form.code.value.trim());
            showMessage(`${card.program} ${card.code}: ` +
                `${t('Balance')} ${money(card.balance)}`);
        } catch (error) {
            showMessage(error.message);
        }
    }
}

// Customers ------------------------------------------------------------------

function renderCustomer() {
    const customer = state.cart.customer;
    $('#customer-name').textContent = customer ? customer.name : '';
}

async function searchCustomers(query) {
    const dialog = $('#customer-dialog');
    const parties = query ? await model('party.party', 'search_read',
        ['OR', ['rec_name', 'ilike', `%${query}%`],
            ['contact_mechanisms.value', 'ilike', `%${query}%`]],
        0, 20, null, ['rec_name']) : [];
    $('.list', dialog).replaceChildren(...parties.map(party => {
        const button = document.createElement('button');
        button.value = 'ok';
        button.textContent = party.rec_name;
        button.addEventListener('click', () => setCustomer(
            {id: party.id, name: party.rec_name}));
        return button;
    }));
}

function setCustomer(customer) {
    state.cart.customer = customer;
    renderCustomer();
    changed();
}

async function createCustomer() {
    const dialog = $('#customer-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    try {
        const id = await model('sale.point', 'create_customer',
            state.register.id, {
                name: form.name.value, email: form.email.value,
                phone: form.phone.value});
        setCustomer({id, name: form.name.value});
        dialog.close('ok');
    } catch (error) {
        showError(dialog, error);
    }
}

function openCustomers() {
    const dialog = $('#customer-dialog');
    const form = $('form', dialog);
    for (const name of ['query', 'name', 'email', 'phone']) {
        form[name].value = '';
    }
    $('.list', dialog).replaceChildren();
    showError(dialog, null);
    dialog.showModal();
    form.query.focus();
}

// Payment ----------------------------------------------------------------------

function cartTotal() {
    return state.priced ? toCents(state.priced.total) : 0;
}

function paidCents() {
    return state.payments.reduce((sum, p) => sum + toCents(p.amount), 0);
}

async function openPayment() {
    if (!state.cart.lines.length) {
        showMessage(t('The cart is empty.'));
        return;
    }
    clearTimeout(repricing);
    await priceCart();
    if (!state.priced) {
        return;
    }
    const dialog = $('#pay-dialog');
    state.payments = [];
    const methods = state.register.payment_methods;
    $('.methods', dialog).replaceChildren(...methods.map(method => {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = method.name;
        button.dataset.method = method.id;
        button.addEventListener('click', () => addPayment(method));
        return button;
    }));
    const refunds = state.cart.refunds || [];
    const approval = $('.approval', dialog);
    approval.hidden = !returnsWithoutReceipt();
    approval.querySelectorAll('input').forEach(input => input.value = '');
    renderPayments(refunds);
    showError(dialog, null);
    dialog.showModal();
    $('form', dialog).amount.focus();
}

function renderPayments(refunds = []) {
    const dialog = $('#pay-dialog');
    const form = $('form', dialog);
    const due = cartTotal() - paidCents();
    $('.due', dialog).textContent = fromCents(cartTotal());
    form.amount.value = due ? fromCents(due) : '';
    const refund = refunds.find(r => r.card);
    form.card.value = refund ? refund.card : '';
    $('.payments', dialog).replaceChildren(...state.payments.map(
        (payment, index) => {
            const row = document.createElement('tr');
            row.innerHTML = '<td></td><td></td><td><button type="button">×</button></td>';
            row.cells[0].textContent = payment.name +
                (payment.card ? ` ${payment.card}` : '');
            row.cells[1].textContent = money(payment.amount);
            $('button', row).addEventListener('click', () => {
                state.payments.splice(index, 1);
                renderPayments();
            });
            return row;
        }));
    const change = cartTotal() >= 0 ? paidCents() - cartTotal() : 0;
    $('.change', dialog).textContent = fromCents(Math.max(change, 0));
    $('.complete', dialog).disabled = cartTotal() >= 0 ?
        paidCents() < cartTotal() : paidCents() !== cartTotal();
}

async function addPayment(method) {
    const dialog = $('#pay-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    $('.card-info', dialog).textContent = '';
    const payment = {
        method: method.id, name: method.name,
        amount: fromCents(toCents(form.amount.value)),
    };
    const refund = cartTotal() < 0 && (state.cart.refunds || []).find(
        r => r.method === method.id && r.payment);
    if (method.wallet && refund) {
        // Paid back to the card that paid the returned sale
        payment.refund = refund.payment;
        payment.card = refund.card;
    } else if (method.wallet) {
        const code = form.card.value.trim();
        try {
            const card = await model('sale.point', 'screen_card',
                state.register.id, code);
            payment.card = card.code;
            $('.card-info', dialog).textContent =
                `${card.program}: ${t('Balance')} ${money(card.balance)}`;
            if (toCents(payment.amount) > toCents(card.balance)) {
                payment.amount = money(card.balance);
            }
        } catch (error) {
            showError(dialog, error);
            return;
        }
    }
    if (toCents(payment.amount)) {
        state.payments.push(payment);
    }
    renderPayments();
}

let checkingOut = false;

async function completePayment() {
    const dialog = $('#pay-dialog');
    if (checkingOut) {
        return;
    }
    checkingOut = true;
    showError(dialog, null);
    const cart = cartForServer();
    if (returnsWithoutReceipt()) {
        const form = $('form', dialog);
        cart.approval = {login: form.approval_login.value,
            password: form.approval_password.value};
    }
    cart.payments = state.payments.map(p => p.refund ?
        {method: p.method, amount: p.amount, refund: p.refund} :
        {method: p.method, amount: p.amount, card: p.card});
    try {
        // Same client_id on a retry: the server never sells twice
        const result = await model('sale.point.sale', 'checkout',
            state.register.id, cart);
        dialog.close('ok');
        localStorage.setItem(`${cartKey()}-last`, String(result.id));
        state.cart = newCart();
        state.priced = null;
        state.selected = null;
        saveCart();
        renderCustomer();
        renderCart();
        showMessage(t('Paid. Change: {change}', {change: money(result.change)}));
        const paidCash = state.payments.some(p =>
            state.register.payment_methods.find(
                m => m.id === p.method && m.cash));
        await printSale(result, paidCash);
    } catch (error) {
        showError(dialog, error);
    } finally {
        checkingOut = false;
    }
}

// Receipts: the printer service, else the browser's print dialog ----------

async function printSale(result, openDrawer) {
    const [receipt] = await model('sale.point.sale', 'get_receipt',
        [result.id]);
    const jobs = [{receipt}];
    for (const card of result.cards || []) {
        jobs.push({gift_card: {
            title: card.program, code: card.code,
            lines: [{label: t('Balance'), value: money(card.amount)}],
        }});
    }
    await print(jobs, openDrawer);
}

async function print(jobs, openDrawer = false) {
    const printer = state.register.printer;
    if (!printer) {
        printInBrowser(jobs);
        return;
    }
    try {
        for (const job of jobs) {
            await printerRequest('print', {printer: printer.name || undefined, ...job});
        }
        if (openDrawer && state.register.cash_drawer) {
            await printerRequest('drawer', {printer: printer.name || undefined});
        }
    } catch (error) {
        showMessage(t('Receipt not printed: {error}', {error: error.message}));
    }
}

async function printerRequest(path, body) {
    const printer = state.register.printer;
    const response = await fetch(`${printer.url.replace(/\/$/, '')}/${path}`, {
        method: 'POST',
        headers: {
            'Content-Type': 'application/json',
            'Authorization': `Bearer ${printer.token}`,
        },
        body: JSON.stringify(body),
    });
    if (!response.ok) {
        throw new Error(`${response.status} ${await response.text()}`);
    }
}

function receiptElement(job) {
    const element = document.createElement('div');
    element.className = 'receipt';
    const add = (tag, text, className) => {
        const child = document.createElement(tag);
        child.textContent = text;
        if (className) {
            child.className = className;
        }
        element.append(child);
        return child;
    };
    const row = (label, amount) => {
        const line = add('div', '', 'row');
        line.append(Object.assign(document.createElement('span'),
            {textContent: label}));
        line.append(Object.assign(document.createElement('span'),
            {textContent: amount}));
    };
    if (job.gift_card) {
        add('h3', job.gift_card.title, 'center');
        add('p', job.gift_card.code, 'center code');
        for (const line of job.gift_card.lines || []) {
            row(line.label, line.value);
        }
        return element;
    }
    const receipt = job.receipt;
    if (receipt.logo) {
        const logo = document.createElement('img');
        logo.className = 'logo';
        logo.src = `data:image;base64,${receipt.logo}`;
        logo.alt = '';
        element.append(logo);
    }
    for (const text of receipt.header || []) {
        add('div', text, 'center');
    }
    if (receipt.title) {
        add('h3', receipt.title);
    }
    for (const line of receipt.lines || []) {
        add('div', line.name);
        row(`  ${line.quantity} × ${line.unit_price}`, line.amount);
        if (line.note) {
            add('div', `  ${line.note}`, 'note');
        }
    }
    for (const section of ['totals', 'taxes', 'payments']) {
        if ((receipt[section] || []).length) {
            add('hr', '');
            for (const item of receipt[section]) {
                row(item.label, item.amount);
            }
        }
    }
    for (const section of receipt.sections || []) {
        add('h4', section.title);
        for (const item of section.rows) {
            row(item.label, item.amount);
        }
    }
    if (receipt.barcode) {
        add('div', receipt.barcode, 'center code');
    }
    for (const text of receipt.footer || []) {
        add('div', text, 'center');
    }
    return element;
}

function printInBrowser(jobs) {
    $('#print-area').replaceChildren(...jobs.map(receiptElement));
    // After this event's work, so that the screen is updated first
    setTimeout(() => window.print(), 0);
}

async function reprint() {
    const last = localStorage.getItem(`${cartKey()}-last`);
    if (last) {
        await printSale({id: parseInt(last, 10)}, false);
    }
}

// Returns ------------------------------------------------------------------------

let returnable = null;

async function findSale() {
    const dialog = $('#return-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    try {
        returnable = await model('sale.point.sale', 'screen_return',
            state.register.id, form.number.value.trim());
    } catch (error) {
        returnable = null;
        showError(dialog, error);
    }
    const lines = returnable ? returnable.lines : [];
    $('.lines', dialog).replaceChildren(...lines.map(line => {
        const row = document.createElement('tr');
        row.innerHTML = '<td></td><td></td><td><input inputmode="decimal" size="4"></td>';
        row.cells[0].textContent = line.name;
        row.cells[1].textContent = `${t('Returnable')} ${line.returnable}`;
        $('input', row).value = '0';
        $('input', row).dataset.line = line.id;
        return row;
    }));
}

function takeReturn() {
    const dialog = $('#return-dialog');
    if (!returnable) {
        return;
    }
    const lines = [];
    for (const input of $$('.lines input', dialog)) {
        const line = returnable.lines.find(
            l => l.id === parseInt(input.dataset.line, 10));
        const quantity = Math.min(parseFloat(input.value) || 0,
            line.returnable);
        if (quantity > 0) {
            lines.push({returned_line: line.id, quantity,
                returnable: line.returnable,
                name: `↩ ${line.name} (${returnable.number})`});
        }
    }
    if (!lines.length) {
        return;
    }
    state.cart.lines.push(...lines);
    state.cart.refunds = returnable.payments;
    state.selected = state.cart.lines.length - 1;
    dialog.close('ok');
    changed();
}

function openReturn() {
    const dialog = $('#return-dialog');
    $('form', dialog).number.value = '';
    $('.lines', dialog).replaceChildren();
    returnable = null;
    showError(dialog, null);
    const line = state.cart.lines[state.selected];
    $('.no-receipt', dialog).hidden = !(
        state.register.returns_without_receipt && line
        && !line.returned_line && line.quantity > 0);
    dialog.showModal();
}

// The selected line goes back without a receipt: a manager approves it
// when the cart is paid
function returnWithoutReceipt() {
    const line = state.cart.lines[state.selected];
    line.quantity = -Math.abs(line.quantity);
    $('#return-dialog').close('ok');
    changed();
}

function returnsWithoutReceipt() {
    return state.cart.lines.some(line =>
        line.quantity < 0 && !line.returned_line);
}

// Closing the session -----------------------------------------------------------

const DENOMINATIONS = ['500', '200', '100', '50', '20', '10', '5', '2', '1',
    '0.50', '0.20', '0.10', '0.05', '0.02', '0.01'];

let expectedCash = 0;

async function openClose() {
    const dialog = $('#close-dialog');
    const form = $('form', dialog);
    const session = state.register.session;
    const [figures] = await model('sale.point.cash.session', 'get_figures',
        [session.id]);
    expectedCash = toCents(figures.cash.expected);
    $('.expected', dialog).textContent = fromCents(expectedCash);
    $('.denominations', dialog).replaceChildren(...DENOMINATIONS.map(value => {
        const row = document.createElement('tr');
        row.innerHTML = '<td></td><td><input inputmode="numeric" size="4"></td>';
        row.cells[0].textContent = `${value} ×`;
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
    $('form', dialog).counted.value = fromCents(cents);
    updateDifference();
}

function updateDifference() {
    const dialog = $('#close-dialog');
    const counted = $('form', dialog).counted.value;
    $('.difference', dialog).textContent = counted ?
        fromCents(toCents(counted) - expectedCash) : '';
}

async function closeSession() {
    const dialog = $('#close-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    try {
        const session = state.register.session;
        await model('sale.point.cash.session', 'close_counted',
            [session.id], form.counted.value.replace(',', '.') || '0');
        const [receipt] = await model('sale.point.cash.session',
            'get_receipt', [session.id]);
        dialog.close('ok');
        state.register.session = null;
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
    showMessage(t('Session closed.'));
    showView('opening');
}

// Wiring ----------------------------------------------------------------------

function start() {
    setLanguage(navigator.language);
    $('#search').placeholder = t('Search or scan');
    $('#login-form').addEventListener('submit', login);
    $('#opening form').addEventListener('submit', openSession);
    $('#search').addEventListener('input', renderGrid);
    $('#search').addEventListener('keydown', scan);
    $('#keypad').addEventListener('click', keypad);
    $('#customer-button').addEventListener('click', openCustomers);
    const customerForm = $('#customer-dialog form');
    customerForm.query.addEventListener('input',
        event => searchCustomers(event.target.value.trim()));
    $('.create', customerForm).addEventListener('click', createCustomer);
    $('.none', customerForm).addEventListener('click', () => {
        setCustomer(null);
        $('#customer-dialog').close('ok');
    });
    $('#card-button').addEventListener('click', checkCard);
    $('#pay-button').addEventListener('click', openPayment);
    $('#pay-dialog .complete').addEventListener('click', completePayment);
    $('#return-button').addEventListener('click', openReturn);
    $('#return-dialog .find').addEventListener('click', findSale);
    $('#return-dialog .take').addEventListener('click', takeReturn);
    $('#return-dialog .no-receipt').addEventListener(
        'click', returnWithoutReceipt);
    $('#reprint-button').addEventListener('click', reprint);
    $('#close-button').addEventListener('click', openClose);
    $('#close-dialog form').counted.addEventListener('input', updateDifference);
    $('#close-dialog .close-session').addEventListener('click', closeSession);
    $('#logout-button').addEventListener('click', logout);
    showView('login');
    resume();
}

start();
