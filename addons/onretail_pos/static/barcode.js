// This file is part of onRetail.  The COPYRIGHT file at the top level of
// this repository contains the full copyright notices and license terms.
// Code 128 (code set B: printable ASCII) as an SVG, for the receipts the
// browser prints when no printer service is set

// The modules of each symbol value, 1 a bar, 0 a space (ISO/IEC 15417)
const SYMBOLS = [
    '11011001100', '11001101100', '11001100110', '10010011000', '10010001100',
    '10001001100', '10011001000', '10011000100', '10001100100', '11001001000',
    '11001000100', '11000100100', '10110011100', '10011011100', '10011001110',
    '10111001100', '10011101100', '10011100110', '11001110010', '11001011100',
    '11001001110', '11011100100', '11001110100', '11101101110', '11101001100',
    '11100101100', '11100100110', '11101100100', '11100110100', '11100110010',
    '11011011000', '11011000110', '11000110110', '10100011000', '10001011000',
    '10001000110', '10110001000', '10001101000', '10001100010', '11010001000',
    '11000101000', '11000100010', '10110111000', '10110001110', '10001101110',
    '10111011000', '10111000110', '10001110110', '11101110110', '11010001110',
    '11000101110', '11011101000', '11011100010', '11011101110', '11101011000',
    '11101000110', '11100010110', '11101101000', '11101100010', '11100011010',
    '11101111010', '11001000010', '11110001010', '10100110000', '10100001100',
    '10010110000', '10010000110', '10000101100', '10000100110', '10110010000',
    '10110000100', '10011010000', '10011000010', '10000110100', '10000110010',
    '11000010010', '11001010000', '11110111010', '11000010100', '10001111010',
    '10100111100', '10010111100', '10010011110', '10111100100', '10011110100',
    '10011110010', '11110100100', '11110010100', '11110010010', '11011011110',
    '11011110110', '11110110110', '10101111000', '10100011110', '10001011110',
    '10111101000', '10111100010', '11110101000', '11110100010', '10111011110',
    '10111101110', '11101011110', '11110101110', '11010000100', '11010010000',
    '11010011100',
];
const START_B = 104;
const STOP = '1100011101011';
const QUIET = 10;  // modules of blank on each side

// The modules of text: start B, the characters, the checksum, stop
export function code128Modules(text) {
    const values = [...text].map(character => {
        const value = character.charCodeAt(0) - 32;
        if (value < 0 || value > 95) {
            throw new Error(`Code 128 B cannot encode ${character}`);
        }
        return value;
    });
    const checksum = values.reduce(
        (sum, value, index) => sum + value * (index + 1), START_B) % 103;
    return [START_B, ...values, checksum].map(value => SYMBOLS[value])
        .join('') + STOP;
}

// An SVG of the barcode of text, height in modules
export function code128Svg(text, height = 50) {
    const modules = code128Modules(text);
    const width = modules.length + 2 * QUIET;
    const bars = [];
    for (const match of modules.matchAll(/1+/g)) {
        bars.push(`M${match.index + QUIET} 0h${match[0].length}` +
            `v${height}h-${match[0].length}z`);
    }
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('class', 'barcode');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.dataset.code = text;
    const path = document.createElementNS(svg.namespaceURI, 'path');
    path.setAttribute('d', bars.join(''));
    svg.append(path);
    return svg;
}
