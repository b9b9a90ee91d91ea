// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The keypad changes the selected line
import {changed, renderCart} from './cart.js';
import {till} from './state.js';

export function keypad(event) {
    const button = event.target.closest('button');
    if (!button) {
        return;
    }
    if (button.dataset.mode) {
        till.mode = button.dataset.mode;
        till.buffer = '';
        renderCart();
        return;
    }
    const line = till.cart.lines[till.selected];
    if (!line) {
        return;
    }
    const key = button.dataset.key;
    if (key === 'delete') {
        till.cart.lines.splice(till.selected, 1);
        till.selected = till.cart.lines.length ?
            till.cart.lines.length - 1 : null;
        till.buffer = '';
        changed();
        return;
    }
    till.buffer = key === 'back' ? till.buffer.slice(0, -1) :
        till.buffer + key;
    const value = parseFloat(till.buffer || '0');
    if (till.mode === 'quantity') {
        // A packaging line counts packagings
        // A line returned without receipt stays negative
        line.quantity = line.returned_line ?
            Math.min(value, line.returnable) :
            line.quantity < 0 ? -value : value;
    } else if (till.mode === 'price') {
        line.unit_price = till.buffer || undefined;
        delete line.discount;
    } else {
        line.discount = till.buffer ? String(value / 100) : undefined;
        delete line.unit_price;
    }
    changed();
}
