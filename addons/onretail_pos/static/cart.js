// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The cart: kept in the browser until paid, priced by the server
import {renderCustomer} from './customers.js';
import {$, $$, choose, showMessage} from './dom.js';
import {decimal, money, number, toCents} from './money.js';
import {model} from './rpc.js';
import {catalog, DATABASE, session, till} from './state.js';

export function cartKey() {
    return `onretail-pos-cart-${DATABASE}-${session.register.id}`;
}

export function newCart() {
    return {client_id: crypto.randomUUID(), customer: null, lines: []};
}

export function loadCart() {
    const stored = localStorage.getItem(cartKey());
    till.cart = stored ? JSON.parse(stored) : newCart();
    till.version += 1;
    till.selected = till.cart.lines.length ?
        till.cart.lines.length - 1 : null;
    renderCustomer();
}

export function saveCart() {
    localStorage.setItem(cartKey(), JSON.stringify(till.cart));
}

// The template's name with the variant in brackets, as the receipt has it
export function productName(product) {
    return product.variant ?
        `${product.name} (${product.variant})` : product.name;
}

// One value of each option attribute of the product's template, null if
// the cashier cancels
async function askOptions(product) {
    const chosen = [];
    for (const attribute of catalog.options[String(product.template)] || []) {
        const value = await choose(attribute.name, attribute.values.map(
            value => ({...value, name: toCents(value.price_extra) ?
                `${value.name} +${money(value.price_extra)}` : value.name})));
        if (!value) {
            return null;
        }
        chosen.push({id: value.id, name: `${attribute.name}: ${value.name}`});
    }
    return chosen;
}

export function addProduct(product, packaging) {
    if (catalog.options[String(product.template)]) {
        askOptions(product).then(options => options &&
            putProduct(product, packaging, options));
    } else {
        // at once, from what the screen holds: a scanner waits for no one
        putProduct(product, packaging, []);
    }
}

function putProduct(product, packaging, options) {
    const ids = options.map(option => option.id);
    const lines = till.cart.lines;
    let index = lines.findIndex(line => line.product === product.id
        && (line.packaging || null) === (packaging ? packaging.id : null)
        && String(line.options || []) === String(ids)
        && !line.returned_line && line.unit_price === undefined
        && line.quantity > 0);
    if (index >= 0) {
        lines[index].quantity += 1;
    } else {
        lines.push({
            product: product.id,
            packaging: packaging ? packaging.id : null,
            name: packaging ? packaging.name : productName(product),
            quantity: 1,
            ...(ids.length ? {options: ids, option_names: options.map(
                option => option.name)} : {}),
        });
        index = lines.length - 1;
    }
    till.selected = index;
    till.buffer = '';
    changed();
}

export function changed() {
    till.version += 1;
    saveCart();
    renderCart();
    priceNow();
}

// The call to the server under way, if any
let pricing = null;

// Resolves once the server priced the cart as it is now. One call at a
// time: the cart as it is when the call returns goes next, the carts in
// between are never sent.
export function priceNow() {
    // (finally runs after the assignment, even for a cart priced already)
    pricing ??= priceChanges().finally(() => {
        pricing = null;
    });
    return pricing;
}

async function priceChanges() {
    while (till.pricedVersion !== till.version) {
        await priceCart();
    }
}

const pricedListeners = [];

// What asks the cashier about the priced lines (e.g. a card's amount)
export function onPriced(listener) {
    pricedListeners.push(listener);
}

// The server prices the whole cart in one call; its lines stay known by
// what was sent, for the lines the cart still has when it changed since
async function priceCart() {
    const version = till.version;
    const cart = cartForServer();
    try {
        const priced = await model('sale.point.sale', 'price_cart',
            session.register.id, cart);
        till.priced = priced;
        till.pricedLines = new Map(cart.lines.map(
            (line, index) => [JSON.stringify(line), priced.lines[index]]));
    } catch (error) {
        till.priced = null;
        till.pricedLines = new Map();
        showMessage(error.message);
    }
    till.pricedVersion = version;
    renderCart();
    if (till.priced && version === till.version) {
        for (const listener of pricedListeners) {
            await listener();
        }
    }
}

// Whether the server priced the cart as it is: then its total is final
export function isPriced() {
    return Boolean(till.priced) && till.pricedVersion === till.version;
}

// What the screen shows of a line until the server priced it: the
// server's earlier answer for the same line, else the price of the
// product row (rounded to the currency, as the server's)
function lineEstimate(line, serverLine) {
    const known = till.pricedLines.get(JSON.stringify(serverLine));
    if (known) {
        return known;
    }
    const product = catalog.byId.get(line.product);
    if (!product || line.returned_line || product.price === null) {
        return {};
    }
    const packaging = product.packagings.find(p => p.id === line.packaging);
    const quantity = line.quantity * (packaging ? packaging.quantity : 1);
    let unit = toCents(line.unit_price ?? product.price);
    if (line.discount !== undefined) {
        unit = Math.round(unit * (1 - parseFloat(line.discount)));
    }
    return {quantity, unit_price: decimal(unit),
        amount: decimal(Math.round(unit * quantity))};
}

export function cartForServer() {
    const cart = till.cart;
    return {
        client_id: cart.client_id,
        customer: cart.customer ? cart.customer.id : null,
        // the appointment taken by onretail_cituro, as the server signed it
        ...(cart.cituro ? {cituro: cart.cituro} : {}),
        // the values other extensions keep for the server by cart key
        // (onretail_planet's traveller)
        ...(cart.extensions || {}),
        lines: cart.lines.map(line => {
            // what only the screen shows
            const {name, option_names, ...values} = line;
            return values;
        }),
    };
}

export function renderCart() {
    const body = $('#cart tbody');
    const final = isPriced();
    const serverLines = final ? null : cartForServer().lines;
    const infos = till.cart.lines.map((line, index) => final ?
        till.priced.lines[index] : lineEstimate(line, serverLines[index]));
    body.replaceChildren(...till.cart.lines.map((line, index) => {
        const row = document.createElement('tr');
        const info = infos[index];
        if (index === till.selected) {
            row.className = 'selected';
        }
        const name = document.createElement('td');
        name.textContent = line.name;
        const options = info.options ? info.options.map(o => o.name) :
            line.option_names || [];
        for (const option of options) {
            const note = document.createElement('small');
            note.className = 'option';
            note.textContent = option;
            name.append(document.createElement('br'), note);
        }
        if (info.public_price && info.discount_rate) {
            const note = document.createElement('small');
            note.textContent = `${money(info.public_price)} − ` +
                `${number((parseFloat(info.discount_rate) * 100).toFixed(2))} %`;
            name.append(document.createElement('br'), note);
        }
        const cells = [name];
        for (const text of [
            line.packaging ? `${number(line.quantity)} × ` +
                `${info.quantity ? number(info.quantity / line.quantity) : ''}` :
                number(line.quantity),
            money(info.unit_price), money(info.amount)]) {
            const cell = document.createElement('td');
            cell.textContent = text;
            cells.push(cell);
        }
        row.append(...cells);
        row.addEventListener('click', () => {
            till.selected = index;
            till.buffer = '';
            renderCart();
        });
        return row;
    }));
    const taxes = final ? till.priced.taxes : [];
    $('#taxes').replaceChildren(...taxes.map(tax => {
        const line = document.createElement('div');
        line.textContent = `${tax.tax}: ${money(tax.net)} + ` +
            `${money(tax.tax_amount)}`;
        return line;
    }));
    // the sum of the lines shown until the server's total comes
    const total = $('#total');
    total.textContent = final ? money(till.priced.total) :
        infos.every(info => info.amount !== undefined) ? money(decimal(
            infos.reduce((sum, info) => sum + toCents(info.amount), 0))) : '';
    total.classList.toggle('provisional', !final);
    $('#pay-button').disabled = !final && till.cart.lines.length > 0;
    // the customer's list, else the register's
    $('#price-list').textContent = till.priced ?
        till.priced.price_list || session.register.price_list || '' : '';
    for (const button of $$('#keypad [data-mode]')) {
        button.classList.toggle('active', button.dataset.mode === till.mode);
        if (button.dataset.mode !== 'quantity') {
            button.disabled = !session.register.may_change_prices;
        }
    }
}
