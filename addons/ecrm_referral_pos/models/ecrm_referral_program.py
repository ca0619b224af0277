from odoo import api, models
from odoo.tools import SQL

from .ecrm_referral_reward import PAID_STATES


class EcrmReferralProgram(models.Model):
    _inherit = "ecrm.referral.program"

    @api.model
    def _purchases_sql(self):
        """Paid shop tickets count in the program analytics too (first purchases, revenue, best referrers)."""
        return SQL(
            """%s
             UNION ALL
            SELECT partner_id, amount_total - amount_tax FROM pos_order
             WHERE state IN %s AND partner_id IS NOT NULL""",
            super()._purchases_sql(),
            PAID_STATES,
        )
