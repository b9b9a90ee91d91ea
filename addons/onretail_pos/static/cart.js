// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The cart: kept in the browser until paid, priced by the server
import {renderCustomer} from './customers.js';
import {$, $$, choose, showMessage} from './dom.js';
import {money, number, toCents} from './money.js';
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

export async function addProduct(product, packaging) {
    const options = await askOptions(product);
    if (!options) {
        return;
    }
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

let repricing = null;

export function changed() {
    saveCart();
    renderCart();
    clearTimeout(repricing);
    repricing = setTimeout(priceCart, 150);
}

let pricingRequest = 0;

// The cart as it is now, without waiting for the next change
export function priceNow() {
    clearTimeout(repricing);
    return priceCart();
}
const pricedListeners = [];

// What asks the cashier about the priced lines (e.g. a card's amount)
export function onPriced(listener) {
    pricedListeners.push(listener);
}

// The server prices the whole cart in one call; a late answer to an older
// cart is dropped.
export async function priceCart() {
    const request = ++pricingRequest;
    const cart = cartForServer();
    try {
        const priced = await model('sale.point.sale', 'price_cart',
            session.register.id, cart);
        if (request === pricingRequest) {
            till.priced = priced;
            renderCart();
            for (const listener of pricedListeners) {
                await listener();
            }
        }
    } catch (error) {
        if (request === pricingRequest) {
            till.priced = null;
            renderCart();
            showMessage(error.message);
        }
    }
}

export function cartForServer() {
    const cart = till.cart;
    return {
        client_id: cart.client_id,
        customer: cart.customer ? cart.customer.id : null,
        lines: cart.lines.map(line => {
            // what only the screen shows
            const {name, option_names, ...values} = line;
            return values;
        }),
    };
}

export function renderCart() {
    const body = $('#cart tbody');
    const priced = till.priced && till.priced.lines.length ===
        till.cart.lines.length ? till.priced.lines : null;
    body.replaceChildren(...till.cart.lines.map((line, index) => {
        const row = document.createElement('tr');
        const info = priced ? priced[index] : {};
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
    const taxes = till.priced ? till.priced.taxes : [];
    $('#taxes').replaceChildren(...taxes.map(tax => {
        const line = document.createElement('div');
        line.textContent = `${tax.tax}: ${money(tax.net)} + ` +
            `${money(tax.tax_amount)}`;
        return line;
    }));
    $('#total').textContent = till.priced ? money(till.priced.total) : '';
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
