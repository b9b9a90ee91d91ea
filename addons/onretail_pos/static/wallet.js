// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Gift cards and eWallets: the program and amount of a card line
import {changed} from './cart.js';
import {$, choose, dialogResult, showError, showMessage} from './dom.js';
import {t} from './i18n.js';
import {decimal, money, typedCents} from './money.js';
import {model} from './rpc.js';
import {session, till} from './state.js';

export async function askWalletOptions() {
    const lines = till.priced.lines;
    for (const [index, info] of lines.entries()) {
        const line = till.cart.lines[index];
        if (!info.wallet_programs || !info.wallet_programs.length
            || line.returned_line) {
            continue;
        }
        if (!line.wallet_program && !info.wallet_program) {
            const program = await choose(t('choose_program'),
                info.wallet_programs);
            if (!program) {
                return;
            }
            line.wallet_program = program.id;
            changed();
            return;
        }
        if (info.open_price && line.unit_price === undefined) {
            const answer = await askAmount(t('card_amount'), true);
            if (!answer) {
                return;
            }
            line.unit_price = answer.amount;
            if (answer.code) {
                line.wallet_card = answer.code;
            }
            changed();
            return;
        }
    }
}

async function askAmount(title, withCode) {
    const dialog = $('#choice-dialog');
    const form = $('form', dialog);
    $('h2', dialog).textContent = title;
    $('.list', dialog).replaceChildren();
    $('.amount', dialog).hidden = false;
    $('.code', dialog).hidden = !withCode;
    // only a card sold may be a new one
    $('.code span', dialog).textContent = t('card_code_new');
    form.amount.value = form.code.value = '';
    showError(dialog, null);
    dialog.showModal();
    form.amount.focus();
    const result = await dialogResult(dialog);
    if (result !== 'ok' || !form.amount.value) {
        return null;
    }
    return {
        amount: decimal(typedCents(form.amount.value)),
        code: form.code.value.trim(),
    };
}

export async function checkCard() {
    const dialog = $('#choice-dialog');
    const form = $('form', dialog);
    $('h2', dialog).textContent = t('check_card');
    $('.list', dialog).replaceChildren();
    $('.amount', dialog).hidden = true;
    $('.code', dialog).hidden = false;
    $('.code span', dialog).textContent = t('card_code');
    form.code.value = '';
    showError(dialog, null);
    dialog.showModal();
    form.code.focus();
    if (await dialogResult(dialog) === 'ok' && form.code.value.trim()) {
        try {
            const card = await model('sale.point', 'screen_card',
                session.register.id, form.code.value.trim());
            showMessage(`${card.program} ${card.code}: ` +
                `${t('balance')} ${money(card.balance)}`);
        } catch (error) {
            showMessage(error.message);
        }
    }
}
