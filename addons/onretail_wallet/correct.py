# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.wizard import Button, StateTransition, StateView, Wizard


class CorrectStart(ModelView):
    "Correct the balance of a card"
    __name__ = 'wallet.card.correct.start'
    __string__ = "Correct Card Balance"

    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        help="Positive to add credit, negative to remove it.")
    reason = fields.Text("Reason", required=True)


class Correct(Wizard):
    "Correct the balance of a card"
    __name__ = 'wallet.card.correct'
    start = StateView(
        'wallet.card.correct.start',
        'onretail_wallet.card_correct_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Correct", 'correct', 'tryton-ok', default=True),
            ])
    correct = StateTransition()

    def default_start(self, fields):
        return {'currency': self.record.currency.id}

    def transition_correct(self):
        self.record.correct(self.start.amount, self.start.reason)
        return 'end'
