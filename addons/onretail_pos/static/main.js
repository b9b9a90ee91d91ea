// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The cashier screen: logs in to trytond like sao does and calls its
// JSON-RPC; the cart lives in the browser until it is paid.
import {onPriced} from './cart.js';
import {
    confirmCustomer, createCustomer, openCustomers, searchCustomers,
    setCustomer,
} from './customers.js';
import {$, onEnter, showView} from './dom.js';
import {translatePage} from './i18n.js';
import {keypad} from './keypad.js';
import {
    completePayment, confirmPayment, openPayment,
} from './payment.js';
import {reprint} from './printer.js';
import {renderGrid, scan} from './products.js';
import {
    confirmReturn, findSale, openReturn, returnWithoutReceipt, takeReturn,
} from './returns.js';
import {
    closeSession, confirmClose, login, logout, openClose, openSession, resume,
    updateDifference,
} from './session.js';
import {askWalletOptions, checkCard} from './wallet.js';

// Enter confirms in every dialog, as a scanner ends each code with it
function confirmWithEnter() {
    const choice = $('#choice-dialog');
    onEnter($('#customer-dialog'), confirmCustomer);
    onEnter(choice, () => choice.close('ok'));
    onEnter($('#pay-dialog'), confirmPayment);
    onEnter($('#return-dialog'), confirmReturn);
    onEnter($('#close-dialog'), confirmClose);
}

function start() {
    translatePage();
    $('#login-form').addEventListener('submit', login);
    $('#opening form').addEventListener('submit', openSession);
    $('#search').addEventListener('input', renderGrid);
    $('#search').addEventListener('keydown', scan);
    $('#keypad').addEventListener('click', keypad);
    $('#customer-button').addEventListener('click', openCustomers);
    const customerForm = $('#customer-dialog form');
    customerForm.query.addEventListener('input',
        event => searchCustomers(event.target.value.trim()));
    $('.create', customerForm).addEventListener('click', createCustomer);
    $('.none', customerForm).addEventListener('click', () => {
        setCustomer(null);
        $('#customer-dialog').close('ok');
    });
    $('#card-button').addEventListener('click', checkCard);
    $('#pay-button').addEventListener('click', openPayment);
    $('#pay-dialog .complete').addEventListener('click', completePayment);
    $('#return-button').addEventListener('click', openReturn);
    $('#return-dialog .find').addEventListener('click', findSale);
    $('#return-dialog .take').addEventListener('click', takeReturn);
    $('#return-dialog .no-receipt').addEventListener(
        'click', returnWithoutReceipt);
    $('#reprint-button').addEventListener('click', reprint);
    $('#close-button').addEventListener('click', openClose);
    $('#close-dialog form').counted.addEventListener('input', updateDifference);
    $('#close-dialog .close-session').addEventListener('click', closeSession);
    $('#logout-button').addEventListener('click', logout);
    onPriced(askWalletOptions);
    confirmWithEnter();
    showView('login');
    resume();
}

start();
