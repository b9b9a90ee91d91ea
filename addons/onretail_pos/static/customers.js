// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The customer of the cart
import {changed} from './cart.js';
import {$, showError} from './dom.js';
import {model} from './rpc.js';
import {session, till} from './state.js';

export function renderCustomer() {
    const customer = till.cart.customer;
    $('#customer-name').textContent = customer ? customer.name : '';
}

let searches = 0;

// Each keystroke searches; the answer to the newest search wins
export async function searchCustomers(query) {
    const dialog = $('#customer-dialog');
    const search = ++searches;
    const parties = query ? await model('party.party', 'search_read',
        ['OR', ['rec_name', 'ilike', `%${query}%`],
            ['contact_mechanisms.value', 'ilike', `%${query}%`]],
        0, 20, null, ['rec_name']) : [];
    if (search !== searches) {
        return;
    }
    $('.list', dialog).replaceChildren(...parties.map(party => {
        const button = document.createElement('button');
        button.value = 'ok';
        button.textContent = party.rec_name;
        button.addEventListener('click', () => setCustomer(
            {id: party.id, name: party.rec_name}));
        return button;
    }));
}

// Enter in the search takes its first customer (a scanned loyalty card
// finds one); in the new customer's fields, it creates her
export async function confirmCustomer(input) {
    const dialog = $('#customer-dialog');
    if (input.name !== 'query') {
        await createCustomer();
        return;
    }
    await searchCustomers(input.value.trim());
    const first = $('.list button', dialog);
    if (first) {
        first.click();
    }
}

export function setCustomer(customer) {
    till.cart.customer = customer;
    renderCustomer();
    changed();
}

export async function createCustomer() {
    const dialog = $('#customer-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    try {
        const id = await model('sale.point', 'create_customer',
            session.register.id, {
                name: form.name.value, email: form.email.value,
                phone: form.phone.value});
        setCustomer({id, name: form.name.value});
        dialog.close('ok');
    } catch (error) {
        showError(dialog, error);
    }
}

export function openCustomers() {
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
