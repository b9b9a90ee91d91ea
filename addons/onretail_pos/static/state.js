// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// What the modules of the screen share, in three parts that change
// at different times.

export const DATABASE = decodeURIComponent(location.pathname.split('/')[1]);
export const LOGGED_IN = `onretail-pos-logged-in-${DATABASE}`;

// The login's context and the chosen cash register
export const session = {
    context: {},
    registers: [],
    register: null,
};

// What the register sells, loaded once it opens
export const catalog = {
    categories: [],
    products: [],
    byCode: new Map(),
    byId: new Map(),
    // the option attributes of the templates that have any, by template
    options: {},
    category: null,
};

// The cart, its prices from the server and the keypad's input
export const till = {
    cart: null,
    priced: null,
    selected: null,
    mode: 'quantity',
    buffer: '',
    // changes of the cart, and the change the server priced last
    version: 0,
    pricedVersion: -1,
    // the server's lines by what was sent of them
    pricedLines: new Map(),
};
