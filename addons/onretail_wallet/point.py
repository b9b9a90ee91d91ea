# This file is part of onRetail.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What joins the wallet to the cash registers of sale_point"
from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Program(metaclass=PoolMeta):
    __name__ = 'wallet.program'

    sale_points = fields.Many2Many(
        'wallet.program-sale.point', 'program', 'sale_point',
        "Cash Registers",
        domain=[('company', '=', Eval('company', -1))],
        help="The cash registers where the cards are valid; empty for all.")

    def allows_sale_point(self, sale_point):
        return (super().allows_sale_point(sale_point)
            and (not self.sale_points or sale_point in self.sale_points))


class ProgramSalePoint(ModelSQL):
    __name__ = 'wallet.program-sale.point'
    __string__ = "Wallet Program - Cash Register"

    program = fields.Many2One(
        'wallet.program', "Program", required=True, ondelete='CASCADE')
    sale_point = fields.Many2One(
        'sale.point', "Cash Register", required=True, ondelete='CASCADE')
