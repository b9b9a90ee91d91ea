// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Planet tax-free forms at the till: Tax free takes the traveller's
// passport into the cart (the server checks it, and the minimum, as the
// checkout will); once paid, the form is issued and prints after the
// receipt, or the cashier reads Planet's answer and issues it again.
import {cartForServer, onPriced, saveCart} from '../../cart.js';
import {$, onEnter, showError, showMessage} from '../../dom.js';
import {REGISTER_OPENED} from '../../extensions.js';
import {t} from '../../i18n.js';
import {print, onSalePrinted} from '../../printer.js';
import {model} from '../../rpc.js';
import {session, till} from '../../state.js';

const button = document.createElement('button');
button.id = 'planet-button';
button.hidden = !session.register?.planet;
$('#customer-button').after(button);

const dialog = document.createElement('dialog');
dialog.id = 'planet-dialog';
dialog.innerHTML = `
    <form method="dialog" class="card">
        <h2 data-t="planet_title"></h2>
        <label><span data-t="planet_first_name"></span>
            <input name="first_name" autocomplete="off" required></label>
        <label><span data-t="planet_last_name"></span>
            <input name="last_name" autocomplete="off" required></label>
        <label><span data-t="planet_birth_date"></span>
            <input name="birth_date" type="date" required></label>
        <label><span data-t="planet_nationality"></span>
            <select name="nationality"></select></label>
        <label><span data-t="planet_residence"></span>
            <select name="residence_country"></select></label>
        <label><span data-t="planet_document"></span>
            <input name="document_number" autocomplete="off" required></label>
        <p class="error"></p>
        <div class="buttons">
            <button value="cancel" data-t="close"></button>
            <button type="button" class="remove" data-t="planet_remove"></button>
            <button type="button" class="ok" data-t="ok"></button>
        </div>
    </form>`;
document.body.append(dialog);
const form = $('form', dialog);

const failed = document.createElement('dialog');
failed.id = 'planet-failed';
failed.innerHTML = `
    <form method="dialog" class="card">
        <h2 data-t="planet_failed"></h2>
        <p class="error"></p>
        <div class="buttons">
            <button value="cancel" data-t="close"></button>
            <button type="button" class="again" data-t="planet_issue_again"></button>
        </div>
    </form>`;
document.body.append(failed);

const FIELDS = ['first_name', 'last_name', 'birth_date', 'nationality',
    'residence_country', 'document_number'];
let countries = null;
let checking = false;
let issuing = null;

// (no cart before a register is open)
function traveller() {
    return till.cart?.extensions?.planet || null;
}

function renderButton() {
    const taken = traveller();
    button.textContent = taken ?
        `${t('planet_tax_free')}: ${taken.first_name} ${taken.last_name}` :
        t('planet_tax_free');
    button.classList.toggle('active', Boolean(taken));
}

async function loadCountries() {
    if (!countries) {
        countries = await model('sale.point', 'screen_planet_countries',
            session.register.id);
    }
    for (const name of ['nationality', 'residence_country']) {
        form[name].replaceChildren(...countries.map(country =>
            new Option(country.name, String(country.id))));
    }
}

async function openDialog() {
    showError(dialog, null);
    try {
        await loadCountries();
    } catch (error) {
        showError(dialog, error);
    }
    const taken = traveller() || {};
    for (const name of FIELDS) {
        form[name].value = taken[name] !== undefined ? String(taken[name]) :
            '';
    }
    dialog.showModal();
    form.first_name.focus();
}

function entered() {
    const values = {document_type: 'passport'};
    for (const name of FIELDS) {
        values[name] = form[name].value.trim();
    }
    for (const name of ['nationality', 'residence_country']) {
        values[name] = values[name] ? parseInt(values[name], 10) : null;
    }
    return values;
}

// The server checks the traveller with the cart as the checkout will: the
// cashier learns now what would refuse the form
async function confirm() {
    if (checking) {
        return;
    }
    checking = true;
    showError(dialog, null);
    const values = entered();
    try {
        await model('sale.point.sale', 'screen_planet_check',
            session.register.id, {...cartForServer(), planet: values});
        setTraveller(values);
        dialog.close('ok');
    } catch (error) {
        showError(dialog, error);
    } finally {
        checking = false;
    }
}

function setTraveller(values) {
    const cart = till.cart;
    const {planet, ...others} = cart.extensions || {};
    cart.extensions = values ? {...others, planet: values} : others;
    saveCart();
    renderButton();
}

// After the receipt: the form, issued by the server once the sale was
// saved (or now); a failed one shows Planet's answer with Issue again
async function formJobs(result) {
    renderButton();
    if (!result.planet_form) {
        return [];
    }
    const answer = await issue(result.planet_form);
    if (answer?.state === 'issued') {
        showMessage(t('planet_issued', {number: answer.number}));
        return [{receipt: answer.job}];
    }
    showFailure(result.planet_form, answer);
    return [];
}

async function issue(formId) {
    try {
        return await model('onretail.planet.form', 'screen_issue',
            session.register.id, formId);
    } catch (error) {
        return {state: 'failed', error: error.message};
    }
}

function showFailure(formId, answer) {
    issuing = formId;
    $('.error', failed).textContent = answer?.error || '';
    if (!failed.open) {
        failed.showModal();
    }
}

async function issueAgain() {
    const formId = issuing;
    const answer = await issue(formId);
    if (answer?.state === 'issued') {
        failed.close('ok');
        showMessage(t('planet_issued', {number: answer.number}));
        await print([{receipt: answer.job}]);
    } else {
        showFailure(formId, answer);
    }
}

document.addEventListener(REGISTER_OPENED, event => {
    button.hidden = !event.detail.planet;
    renderButton();
});
button.addEventListener('click', openDialog);
$('.ok', dialog).addEventListener('click', confirm);
$('.remove', dialog).addEventListener('click', () => {
    setTraveller(null);
    dialog.close('remove');
});
$('.again', failed).addEventListener('click', issueAgain);
// A scanner or the keyboard's Enter confirms the passport
onEnter(dialog, confirm);
onSalePrinted(formJobs);
// a cart restored or emptied shows its own traveller
onPriced(renderButton);
renderButton();
