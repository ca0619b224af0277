from odoo import api, models
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _ecrm_rfm_sources(self, date_from, date_to):
        """Paid POS orders count as purchases too, untaxed, in the company currency.

        Refunds (negative totals) are left out: a returned item is not a visit. Anonymous
        tickets (no customer) cannot be scored and are left out as well.
        """
        return super()._ecrm_rfm_sources(date_from, date_to) + [
            SQL(
                """
            SELECT o.partner_id, o.date_order, (o.amount_total - o.amount_tax) / NULLIF(o.currency_rate, 0)
              FROM pos_order o
             WHERE o.state IN ('paid', 'done', 'invoiced') AND o.partner_id IS NOT NULL AND o.amount_total > 0
               AND o.date_order >= %s AND o.date_order < %s
            """,
                date_from,
                date_to,
            )
        ]
