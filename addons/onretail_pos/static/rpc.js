// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// JSON-RPC to trytond, as sao calls it
import {showView} from './dom.js';
import {t} from './i18n.js';
import {DATABASE, LOGGED_IN, session} from './state.js';

export class RpcError extends Error {
    constructor(error) {
        const [name, args] = Array.isArray(error) ? error : [error, []];
        const message = Array.isArray(args) ? args[0] : args;
        super(message || String(name));
        this.name = name;
    }
}

let requestId = 0;

// Decimals, dates and bytes come as objects with __class__
function revive(key, value) {
    if (value && typeof value === 'object' && value.__class__) {
        switch (value.__class__) {
            case 'Decimal': return value.decimal;
            case 'date': return [value.year, value.month, value.day]
                .map(n => String(n).padStart(2, '0')).join('-');
            default: return value;
        }
    }
    return value;
}

export async function post(url, method, params) {
    let response;
    try {
        response = await fetch(url, {
            method: 'POST',
            credentials: 'same-origin',
            // trytond then answers 401 without asking the browser for a
            // password: an expired session shows the screen's own login
            headers: {
                'Content-Type': 'application/json',
                'X-Requested-With': 'XMLHttpRequest',
            },
            body: JSON.stringify({id: ++requestId, method, params}),
        });
    } catch (error) {
        throw new RpcError(t('no_answer'));
    }
    if (response.status === 401) {
        throw new RpcError(['AuthError', [t('wrong_login')]]);
    }
    if (response.status === 403) {  // a method the server does not offer
        throw new RpcError(['Forbidden', [t('forbidden')]]);
    }
    // The call waited too long for a lock or the database and was undone
    if (response.status === 503 || response.status === 504) {
        throw new RpcError(['Busy', [t('busy')]]);
    }
    const data = JSON.parse(await response.text(), revive);
    if (data.error) {
        throw new RpcError(data.error);
    }
    return data.result;
}

export async function rpc(method, ...params) {
    try {
        return await post(`/${DATABASE}/rpc/`, method,
            [...params, session.context]);
    } catch (error) {
        if (error.name === 'AuthError') {
            // The session expired: log in again, the cart is kept
            localStorage.removeItem(LOGGED_IN);
            showView('login');
        }
        throw error;
    }
}

export function model(name, method, ...params) {
    return rpc(`model.${name}.${method}`, ...params);
}
