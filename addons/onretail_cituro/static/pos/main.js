// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// cituro appointments at the till: the cashier picks today's appointment of
// the customer at the counter; its customer and services go into the cart.
// The server signs what it took (the cart's cituro), which the cart sends
// back as is: the checkout sells the services at cituro's prices and
// records the take.
import {changed} from '../../cart.js';
import {renderCustomer} from '../../customers.js';
import {$, onEnter, showError} from '../../dom.js';
import {REGISTER_OPENED} from '../../extensions.js';
import {t} from '../../i18n.js';
import {money} from '../../money.js';
import {model} from '../../rpc.js';
import {session, till} from '../../state.js';

const button = document.createElement('button');
button.id = 'cituro-button';
button.dataset.t = 'cituro_appointments';
// only a register with a cituro account shows it
button.hidden = !session.register?.cituro;
$('#customer-button').after(button);

const dialog = document.createElement('dialog');
dialog.id = 'cituro-dialog';
dialog.innerHTML = `
    <form method="dialog" class="card">
        <h2 data-t="cituro_title"></h2>
        <input name="query" autocomplete="off" data-t-placeholder="cituro_filter">
        <div class="list"></div>
        <p class="error"></p>
        <div class="buttons">
            <button value="cancel" data-t="close"></button>
        </div>
    </form>`;
document.body.append(dialog);
const form = $('form', dialog);

// The appointments the server listed when the dialog opened, null until
// it answered; the newest opening's answer wins
let appointments = null;
let loading = Promise.resolve();
let loads = 0;
let taking = false;

function label(appointment) {
    return [`${appointment.time} ${appointment.customer}`,
        appointment.services, money(appointment.total)]
        .filter(Boolean).join(' — ');
}

function renderAppointments() {
    const list = $('.list', dialog);
    if (appointments && !appointments.length) {
        list.textContent = t('cituro_none');
        return;
    }
    const query = form.query.value.trim().toLowerCase();
    list.replaceChildren(...(appointments || []).filter(
        appointment => label(appointment).toLowerCase().includes(query)).map(
        appointment => {
            const choice = document.createElement('button');
            // a refused take shows its error in the dialog, still open
            choice.type = 'button';
            choice.textContent = label(appointment);
            choice.addEventListener('click', () => take(appointment.id));
            return choice;
        }));
}

async function loadAppointments() {
    const load = ++loads;
    let listed;
    try {
        listed = await model('sale.point', 'screen_cituro_appointments',
            session.register.id);
    } catch (error) {
        listed = [];
        showError(dialog, error);
    }
    if (load === loads) {
        appointments = listed;
        renderAppointments();
    }
}

function openAppointments() {
    form.query.value = '';
    appointments = null;
    renderAppointments();
    showError(dialog, null);
    dialog.showModal();
    form.query.focus();
    loading = loadAppointments();
}

async function take(cituroId) {
    // a second tap while the server takes the first is none
    if (taking) {
        return;
    }
    taking = true;
    showError(dialog, null);
    try {
        putInCart(await model('sale.point', 'screen_cituro_take',
            session.register.id, cituroId));
        dialog.close('ok');
    } catch (error) {
        showError(dialog, error);
    } finally {
        taking = false;
    }
}

// The take replaces the cart's earlier one and its services; the customer
// is set as setCustomer does, but the cart is priced once, with the lines
function putInCart({customer, take, lines}) {
    const cart = till.cart;
    const earlier = new Set((cart.cituro?.items || []).map(item => item.id));
    cart.lines = cart.lines.filter(line => !earlier.has(line.cituro_item));
    cart.lines.push(...lines);
    cart.cituro = take;
    cart.customer = customer;
    till.selected = cart.lines.length - 1;
    till.buffer = '';
    renderCustomer();
    changed();
}

document.addEventListener(REGISTER_OPENED, event => {
    button.hidden = !event.detail.cituro;
});
button.addEventListener('click', openAppointments);
form.query.addEventListener('input', renderAppointments);
// Enter takes the first appointment the filter leaves, once listed
onEnter(dialog, async () => {
    await loading;
    const first = $('.list button', dialog);
    if (first) {
        first.click();
    }
});
