// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Receipts: the printer service, else the browser's print dialog
import {code128Svg} from './barcode.js';
import {cartKey} from './cart.js';
import {$, showMessage} from './dom.js';
import {t} from './i18n.js';
import {money} from './money.js';
import {model} from './rpc.js';
import {session} from './state.js';

const saleDocuments = [];

// What an extension prints after a sale's receipt: provider(result) of the
// checkout gives the jobs (e.g. onretail_planet's tax-free form)
export function onSalePrinted(provider) {
    saleDocuments.push(provider);
}

export async function printSale(result, openDrawer) {
    const [receipt] = await model('sale.point.sale', 'get_receipt',
        [result.id]);
    const jobs = [{receipt}];
    for (const card of result.cards || []) {
        jobs.push({gift_card: {
            title: card.program, code: card.code,
            lines: [{label: t('balance'), value: money(card.amount)}],
        }});
    }
    for (const provider of saleDocuments) {
        jobs.push(...await provider(result));
    }
    await print(jobs, openDrawer);
}

export async function print(jobs, openDrawer = false) {
    const printer = session.register.printer;
    if (!printer) {
        printInBrowser(jobs);
        return;
    }
    try {
        for (const job of jobs) {
            await printerRequest('print', {printer: printer.name || undefined, ...job});
        }
        if (openDrawer && session.register.cash_drawer) {
            await printerRequest('drawer', {printer: printer.name || undefined});
        }
    } catch (error) {
        showMessage(t('not_printed', {error: error.message}));
    }
}

async function printerRequest(path, body) {
    const printer = session.register.printer;
    const response = await fetch(`${printer.url.replace(/\/$/, '')}/${path}`, {
        method: 'POST',
        headers: {
            'Content-Type': 'application/json',
            'Authorization': `Bearer ${printer.token}`,
        },
        body: JSON.stringify(body),
    });
    if (!response.ok) {
        throw new Error(`${response.status} ${await response.text()}`);
    }
}

export function receiptElement(job) {
    const element = document.createElement('div');
    element.className = 'receipt';
    const add = (tag, text, className) => {
        const child = document.createElement(tag);
        child.textContent = text;
        if (className) {
            child.className = className;
        }
        element.append(child);
        return child;
    };
    const row = (label, amount) => {
        const line = add('div', '', 'row');
        line.append(Object.assign(document.createElement('span'),
            {textContent: label}));
        line.append(Object.assign(document.createElement('span'),
            {textContent: amount}));
    };
    if (job.gift_card) {
        add('h3', job.gift_card.title, 'center');
        add('p', job.gift_card.code, 'center code');
        for (const line of job.gift_card.lines || []) {
            row(line.label, line.value);
        }
        return element;
    }
    const receipt = job.receipt;
    if (receipt.logo) {
        const logo = document.createElement('img');
        logo.className = 'logo';
        logo.src = `data:image;base64,${receipt.logo}`;
        logo.alt = '';
        element.append(logo);
    }
    for (const text of receipt.header || []) {
        add('div', text, 'center');
    }
    if (receipt.title) {
        add('h3', receipt.title);
    }
    for (const line of receipt.lines || []) {
        add('div', line.name);
        row(`  ${line.quantity} × ${line.unit_price}`, line.amount);
        if (line.note) {
            add('div', `  ${line.note}`, 'note');
        }
    }
    for (const section of ['totals', 'taxes', 'payments']) {
        if ((receipt[section] || []).length) {
            add('hr', '');
            for (const item of receipt[section]) {
                row(item.label, item.amount);
            }
        }
    }
    for (const section of receipt.sections || []) {
        add('h4', section.title);
        for (const item of section.rows) {
            row(item.label, item.amount);
        }
    }
    if (receipt.barcode) {
        element.append(code128Svg(receipt.barcode));
        add('div', receipt.barcode, 'center code');
    }
    for (const text of receipt.footer || []) {
        add('div', text, 'center');
    }
    return element;
}

function printInBrowser(jobs) {
    $('#print-area').replaceChildren(...jobs.map(receiptElement));
    // After this event's work, so that the screen is updated first
    setTimeout(() => window.print(), 0);
}

// The newest receipt of the register's session from the server, so that
// any browser reprints it; this browser's last sale while the server does
// not offer screen_last_receipt yet
export async function reprint() {
    let receipt;
    try {
        receipt = await model('sale.point.sale', 'screen_last_receipt',
            session.register.id);
    } catch (error) {
        const last = localStorage.getItem(`${cartKey()}-last`);
        if (error.name !== 'Forbidden' || !last) {
            showMessage(error.message);
            return;
        }
        [receipt] = await model('sale.point.sale', 'get_receipt',
            [parseInt(last, 10)]);
    }
    if (receipt) {
        await print([{receipt}]);
    }
}
