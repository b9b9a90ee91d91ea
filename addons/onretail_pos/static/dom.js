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

export function dialogResult(dialog) {
    return new Promise(resolve => {
        dialog.addEventListener('close', () => resolve(dialog.returnValue),
            {once: true});
    });
}
