// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The cart: kept in the browser until paid, priced by the server
import {renderCustomer} from './customers.js';
import {$, $$, showMessage} from './dom.js';
import {money, number} from './money.js';
import {model} from './rpc.js';
import {DATABASE, session, till} from './state.js';

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

export function addProduct(product, packaging) {
    const lines = till.cart.lines;
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
            const values = {...line};
            delete values.name;
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
