// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Payment: the payments of the cart, then the checkout
import {
    cartForServer, cartKey, newCart, priceNow, isPriced, renderCart,
    saveCart,
} from './cart.js';
import {renderCustomer} from './customers.js';
import {$, showError, showMessage} from './dom.js';
import {t} from './i18n.js';
import {decimal, money, shown, toCents, typedCents} from './money.js';
import {printSale} from './printer.js';
import {returnsWithoutReceipt} from './returns.js';
import {model} from './rpc.js';
import {session, till} from './state.js';

// The payments typed in the pay dialog
let payments = [];

function cartTotal() {
    return till.priced ? toCents(till.priced.total) : 0;
}

function paidCents() {
    return payments.reduce((sum, p) => sum + toCents(p.amount), 0);
}

export async function openPayment() {
    if (!till.cart.lines.length) {
        showMessage(t('cart_empty'));
        return;
    }
    await priceNow();
    if (!isPriced()) {
        return;
    }
    const dialog = $('#pay-dialog');
    payments = [];
    const methods = session.register.payment_methods;
    $('.methods', dialog).replaceChildren(...methods.map(method => {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = method.name;
        button.dataset.method = method.id;
        button.addEventListener('click', () => addPayment(method));
        return button;
    }));
    const refunds = till.cart.refunds || [];
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
    $('.due', dialog).textContent = shown(cartTotal());
    // what is left to pay (or to pay out), never what was paid too much
    const left = cartTotal() >= 0 ? due > 0 : due < 0;
    form.amount.value = left ? shown(due) : '';
    const refund = refunds.find(r => r.card);
    form.card.value = refund ? refund.card : '';
    $('.payments', dialog).replaceChildren(...payments.map(
        (payment, index) => {
            const row = document.createElement('tr');
            row.innerHTML = '<td></td><td></td><td><button type="button">×</button></td>';
            row.cells[0].textContent = payment.name +
                (payment.card ? ` ${payment.card}` : '');
            row.cells[1].textContent = money(payment.amount);
            $('button', row).addEventListener('click', () => {
                payments.splice(index, 1);
                renderPayments();
            });
            return row;
        }));
    const change = cartTotal() >= 0 ? paidCents() - cartTotal() : 0;
    $('.change', dialog).textContent = shown(Math.max(change, 0));
    $('.complete', dialog).disabled = !paidInFull();
}

// A refund is paid out exactly, a sale at least
function paidInFull() {
    return cartTotal() >= 0 ?
        paidCents() >= cartTotal() : paidCents() === cartTotal();
}

// Enter: a scanned card code pays with the card; an amount is paid in
// cash while something is left to pay; else the sale completes
export async function confirmPayment(input) {
    const methods = session.register.payment_methods;
    if (input.name === 'card') {
        const wallet = methods.find(method => method.wallet);
        if (wallet) {
            await addPayment(wallet);
        }
    } else if (input.name === 'amount' && typedCents(input.value)
            && !paidInFull()) {
        await addPayment(methods.find(method => method.cash) || methods[0]);
    } else if (paidInFull()) {
        await completePayment();
    }
}

async function addPayment(method) {
    const dialog = $('#pay-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    $('.card-info', dialog).textContent = '';
    const payment = {
        method: method.id, name: method.name,
        amount: decimal(typedCents(form.amount.value)),
    };
    const refund = cartTotal() < 0 && (till.cart.refunds || []).find(
        r => r.method === method.id && r.payment);
    if (method.wallet && refund) {
        // Paid back to the card that paid the returned sale
        payment.refund = refund.payment;
        payment.card = refund.card;
    } else if (method.wallet) {
        const code = form.card.value.trim();
        try {
            const card = await model('sale.point', 'screen_card',
                session.register.id, code);
            payment.card = card.code;
            $('.card-info', dialog).textContent =
                `${card.program}: ${t('balance')} ${money(card.balance)}`;
            if (toCents(payment.amount) > toCents(card.balance)) {
                payment.amount = decimal(toCents(card.balance));
            }
        } catch (error) {
            showError(dialog, error);
            return;
        }
    }
    if (toCents(payment.amount)) {
        payments.push(payment);
    }
    renderPayments();
}

let checkingOut = false;
// How often a checkout is sent while the server answers that it is busy
const CHECKOUT_ATTEMPTS = 3;

// Registers that pay at once wait for each other's receipt and account
// move numbers; one that waited too long is undone and sent again. The
// same client_id makes that safe: the server never sells twice.
async function checkout(cart) {
    for (let attempt = 1; ; attempt++) {
        try {
            return await model('sale.point.sale', 'checkout',
                session.register.id, cart);
        } catch (error) {
            if (error.name !== 'Busy' || attempt >= CHECKOUT_ATTEMPTS) {
                throw error;
            }
            await new Promise(resolve => setTimeout(resolve, 100 * attempt));
        }
    }
}

export async function completePayment() {
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
    cart.payments = payments.map(p => p.refund ?
        {method: p.method, amount: p.amount, refund: p.refund} :
        {method: p.method, amount: p.amount, card: p.card});
    try {
        const result = await checkout(cart);
        dialog.close('ok');
        localStorage.setItem(`${cartKey()}-last`, String(result.id));
        till.cart = newCart();
        till.version += 1;
        till.selected = null;
        saveCart();
        renderCustomer();
        renderCart();
        showMessage(t('paid', {change: money(result.change)}));
        const paidCash = payments.some(p =>
            session.register.payment_methods.find(
                m => m.id === p.method && m.cash));
        await printSale(result, paidCash);
    } catch (error) {
        showError(dialog, error);
    } finally {
        checkingOut = false;
    }
}
