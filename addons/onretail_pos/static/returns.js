// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Returns: against a receipt's lines, or without receipt
import {changed} from './cart.js';
import {$, $$, showError} from './dom.js';
import {parseNumber, t} from './i18n.js';
import {number} from './money.js';
import {model} from './rpc.js';
import {session, till} from './state.js';

let returnable = null;

export async function findSale() {
    const dialog = $('#return-dialog');
    const form = $('form', dialog);
    showError(dialog, null);
    try {
        returnable = await model('sale.point.sale', 'screen_return',
            session.register.id, form.number.value.trim());
    } catch (error) {
        returnable = null;
        showError(dialog, error);
    }
    const lines = returnable ? returnable.lines : [];
    $('.lines', dialog).replaceChildren(...lines.map(line => {
        const row = document.createElement('tr');
        row.innerHTML = '<td></td><td></td><td><input inputmode="decimal" size="4"></td>';
        row.cells[0].textContent = line.name;
        row.cells[1].textContent =
            `${t('returnable')} ${number(line.returnable)}`;
        $('input', row).value = '0';
        $('input', row).dataset.line = line.id;
        return row;
    }));
    const first = $('.lines input', dialog);
    if (first) {
        first.select();
    }
}

// Enter: a scanned receipt number finds the sale, a quantity takes the
// lines back
export async function confirmReturn(input) {
    if (input.name === 'number') {
        await findSale();
    } else {
        takeReturn();
    }
}

export function takeReturn() {
    const dialog = $('#return-dialog');
    if (!returnable) {
        return;
    }
    const lines = [];
    for (const input of $$('.lines input', dialog)) {
        const line = returnable.lines.find(
            l => l.id === parseInt(input.dataset.line, 10));
        const quantity = Math.min(parseNumber(input.value) || 0,
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
    till.cart.lines.push(...lines);
    till.cart.refunds = returnable.payments;
    till.selected = till.cart.lines.length - 1;
    dialog.close('ok');
    changed();
}

export function openReturn() {
    const dialog = $('#return-dialog');
    $('form', dialog).number.value = '';
    $('.lines', dialog).replaceChildren();
    returnable = null;
    showError(dialog, null);
    const line = till.cart.lines[till.selected];
    $('.no-receipt', dialog).hidden = !(
        session.register.returns_without_receipt && line
        && !line.returned_line && line.quantity > 0);
    dialog.showModal();
}

// The selected line goes back without a receipt: a manager approves it
// when the cart is paid
export function returnWithoutReceipt() {
    const line = till.cart.lines[till.selected];
    line.quantity = -Math.abs(line.quantity);
    $('#return-dialog').close('ok');
    changed();
}

export function returnsWithoutReceipt() {
    return till.cart.lines.some(line =>
        line.quantity < 0 && !line.returned_line);
}
