// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Money in the register's currency, computed in cents; the server's
// amounts are written with a dot, the cashier's in her language's format
import {formatNumber, parseNumber} from './i18n.js';
import {session} from './state.js';

function digits() {
    return session.register ? session.register.currency.digits : 2;
}

function cents(number) {
    return Number.isFinite(number) ? Math.round(number * 10 ** digits()) : 0;
}

// An amount of the server (a Decimal's text) in cents
export function toCents(value) {
    return cents(parseFloat(String(value ?? '')));
}

// An amount the cashier typed in cents
export function typedCents(text) {
    return cents(parseNumber(text));
}

// Cents as the server reads them
export function decimal(amount) {
    return (amount / 10 ** digits()).toFixed(digits());
}

// Cents as the cashier reads and types them
export function shown(amount) {
    return formatNumber(decimal(amount));
}

// An amount of the server as the cashier reads it
export function money(value) {
    return value === null || value === undefined ? '' :
        shown(toCents(value));
}

// A quantity or a rate in the cashier's format
export function number(value) {
    return formatNumber(String(value));
}
