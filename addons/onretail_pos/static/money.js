// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Money in the register's currency, computed in cents
import {session} from './state.js';

function digits() {
    return session.register ? session.register.currency.digits : 2;
}

export function toCents(value) {
    const number = parseFloat(String(value ?? '').replace(',', '.'));
    return Number.isFinite(number) ? Math.round(number * 10 ** digits()) : 0;
}

export function fromCents(cents) {
    return (cents / 10 ** digits()).toFixed(digits());
}

export function money(value) {
    return value === null || value === undefined ? '' :
        fromCents(toCents(value));
}
