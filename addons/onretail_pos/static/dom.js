// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Views, errors and dialogs of the screen

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) =>
    [...root.querySelectorAll(selector)];

export function showView(id) {
    for (const view of $$('.view')) {
        view.hidden = view.id !== id;
    }
    const first = $(`#${id} input`);
    if (first) {
        first.focus();
    }
}

export function showError(root, error) {
    const element = $('.error', root);
    element.textContent = error ? (error.message || String(error)) : '';
}

export function showMessage(text) {
    $('#message').textContent = text || '';
}

// A barcode scanner ends each code with Enter: in an input of root, Enter
// runs the confirming action instead of submitting the form with its
// first button (which would cancel a dialog)
export function onEnter(root, action) {
    root.addEventListener('keydown', event => {
        if (event.key === 'Enter' && event.target.matches('input')) {
            event.preventDefault();
            action(event.target);
        }
    });
}

export function dialogResult(dialog) {
    return new Promise(resolve => {
        dialog.addEventListener('close', () => resolve(dialog.returnValue),
            {once: true});
    });
}

// One of options ({name}) chosen by touch or Enter in the choice dialog,
// null if cancelled
export async function choose(title, options) {
    const dialog = $('#choice-dialog');
    $('h2', dialog).textContent = title;
    $('.amount', dialog).hidden = $('.code', dialog).hidden = true;
    let chosen = null;
    $('.list', dialog).replaceChildren(...options.map(option => {
        const button = document.createElement('button');
        button.value = 'ok';
        button.textContent = option.name;
        button.addEventListener('click', () => {
            chosen = option;
        });
        return button;
    }));
    showError(dialog, null);
    dialog.showModal();
    await dialogResult(dialog);
    return chosen;
}
