# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The steps of a price formula (spec §2), shared by compute and compute_batch"
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.modules.product import round_price
from trytond.pool import Pool


def apply_formula(rule, base, steps=None):
    """Apply discount, rounding, surcharge and margins of §2 to the base.
    rule is a price list line or its snapshot in compute_batch; steps, when
    given, receives each step as (label, value)."""
    if base is None:
        return None

    def step(msg_id, value, **numbers):
        if steps is not None:
            steps.append(
                (message(msg_id, **label_numbers(rule, numbers)), value))
        return value

    if rule.compute_price == 'percentage':
        return step('msg_step_discount',
            round_price(base * (1 - rule.percent_price / 100)),
            discount=rule.percent_price)
    discount = rule.discount or Decimal(0)
    price = step('msg_step_discount', base * (1 - discount / 100),
        discount=discount)
    if rule.rounding:
        price = step('msg_step_rounding',
            round_to_multiple(price, rule.rounding), rounding=rule.rounding)
    if rule.surcharge:
        price = step('msg_step_surcharge', price + rule.surcharge,
            surcharge=rule.surcharge)
    if rule.min_margin is not None and price < base + rule.min_margin:
        price = step('msg_step_min_margin', base + rule.min_margin,
            margin=rule.min_margin)
    if rule.max_margin is not None and price > base + rule.max_margin:
        price = step('msg_step_max_margin', base + rule.max_margin,
            margin=rule.max_margin)
    return round_price(price)


def round_to_multiple(value, multiple):
    "Round half-up to a multiple, as 12.34 to a multiple of 10 gives 10"
    return (value / multiple).quantize(
        Decimal(1), rounding=ROUND_HALF_UP) * multiple


def label_numbers(rule, numbers):
    """The numbers of a step's label as the user's language writes them:
    the discount as entered, amounts with the currency's digits"""
    lang = Pool().get('ir.lang').get()
    digits = rule.price_list.company.currency.digits
    return {
        name: lang.format_number(value,
            digits=significant_digits(value) if name == 'discount'
            else digits)
        for name, value in numbers.items()}


def significant_digits(value):
    "The decimals of value without trailing zeros, as 12.5 for 12.5000"
    return max(0, -value.normalize().as_tuple().exponent)


def message(msg_id, **kwargs):
    return gettext('onretail_pricelist.' + msg_id, **kwargs)
