// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// The products: the grid of categories and tiles, the scanner
import {addProduct, productName} from './cart.js';
import {$, showMessage} from './dom.js';
import {t} from './i18n.js';
import {money} from './money.js';
import {model} from './rpc.js';
import {catalog, session} from './state.js';

export async function loadProducts() {
    const data = await model('sale.point', 'screen_products',
        session.register.id);
    catalog.categories = data.categories;
    catalog.products = data.products;
    catalog.options = data.options || {};
    catalog.byCode = new Map();
    catalog.byId = new Map(catalog.products.map(p => [p.id, p]));
    for (const product of catalog.products) {
        const add = (code, packaging) => {
            if (code) {
                catalog.byCode.set(code, {product, packaging});
            }
        };
        add(product.code, null);
        for (const code of product.barcodes) {
            add(code, null);
        }
        for (const packaging of product.packagings) {
            add(packaging.barcode, packaging);
        }
    }
    catalog.category = null;
    renderGrid();
}

// The products whose name or code has the text typed in the search
function matching(query) {
    query = query.toLowerCase();
    return catalog.products.filter(p =>
        productName(p).toLowerCase().includes(query)
        || (p.code || '').toLowerCase().includes(query));
}

export function renderGrid() {
    const query = $('#search').value.trim();
    const tiles = [];
    let products;
    if (query) {
        products = matching(query);
    } else {
        const parent = catalog.category ? catalog.category.id : null;
        for (const category of catalog.categories) {
            if (category.parent === parent) {
                tiles.push(categoryTile(category));
            }
        }
        products = parent === null ? [] : catalog.products.filter(
            p => p.categories.includes(parent));
    }
    for (const product of products.slice(0, 200)) {
        tiles.push(productTile(product));
    }
    $('#grid').replaceChildren(...tiles);
    renderBreadcrumb();
}

function tileImage(tile, src) {
    if (src) {
        const image = document.createElement('img');
        image.src = src;
        image.alt = '';
        image.loading = 'lazy';
        tile.append(image);
    }
}

function categoryTile(category) {
    const tile = document.createElement('button');
    tile.className = 'tile category';
    tileImage(tile, category.image);
    tile.append(category.name);
    tile.addEventListener('click', () => {
        catalog.category = category;
        renderGrid();
    });
    return tile;
}

// The variant's values (e.g. "Red, L") with the colour of the first
function variantLabel(product) {
    const label = document.createElement('small');
    label.className = 'variant';
    if (product.swatch) {
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = product.swatch;
        label.append(swatch);
    }
    label.append(product.variant || '');
    return label;
}

function productTile(product) {
    const tile = document.createElement('button');
    tile.className = 'tile product';
    tileImage(tile, product.image);
    const name = document.createElement('span');
    name.textContent = product.name;
    const price = document.createElement('small');
    price.textContent = money(product.price);
    tile.append(name, variantLabel(product), price);
    tile.addEventListener('click', () => addProduct(product, null));
    return tile;
}

function renderBreadcrumb() {
    const path = [];
    for (let category = catalog.category; category;
        category = catalog.categories.find(c => c.id === category.parent)) {
        path.unshift(category);
    }
    const crumbs = [null, ...path].map(category => {
        const button = document.createElement('button');
        button.textContent = category ? category.name : t('all');
        button.addEventListener('click', () => {
            catalog.category = category;
            $('#search').value = '';
            renderGrid();
        });
        return button;
    });
    $('#breadcrumb').replaceChildren(...crumbs);
}

export function scan(event) {
    if (event.key !== 'Enter') {
        return;
    }
    // The Enter of the scan is done with: a dialog the product opens (its
    // options) gets the focus now, and would take the Enter as a touch of
    // its first button (the first value chosen without the cashier)
    event.preventDefault();
    const code = event.target.value.trim();
    if (!code) {
        return;
    }
    const found = catalog.byCode.get(code);
    if (found) {
        addProduct(found.product, found.packaging);
        event.target.value = '';
        showMessage('');
    } else {
        // The tiles the grid shows: one goes into the cart, several (e.g.
        // the colours of a template's code) wait for the cashier's touch
        const matches = matching(code);
        if (matches.length === 1) {
            addProduct(matches[0], null);
            event.target.value = '';
        } else if (!matches.length) {
            showMessage(t('unknown_code', {code}));
        }
    }
    renderGrid();
}
