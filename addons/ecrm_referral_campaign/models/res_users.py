from odoo import models
from odoo.http import request

CONSENT_FIELD = "ecrm_marketing_consent"


class ResUsers(models.Model):
    _inherit = "res.users"

    def _signup_create_user(self, values):
        """A friend who signs up through an invitation and ticks the box gives their own consent to offers."""
        user = super()._signup_create_user(values)
        if request and request.params.get(CONSENT_FIELD):
            invitation = (
                self.env["ecrm.referral.invitation"]
                .sudo()
                .search([("referral_id.partner_id", "=", user.partner_id.id), ("state", "=", "joined")], limit=1)
            )
            invitation._grant_marketing_consent(
                ip_address=request.httprequest.remote_addr, user_agent=request.httprequest.user_agent.string
            )
        return user
