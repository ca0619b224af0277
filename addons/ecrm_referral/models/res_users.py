from odoo import models
from odoo.http import request

from ..controllers.main import read_referral


class ResUsers(models.Model):
    _inherit = "res.users"

    def _signup_create_user(self, values):
        """Link a visitor who came through a referral link to the member when they sign up (V1, V5)."""
        user = super()._signup_create_user(values)
        if request:
            code, token = read_referral(request)
            self.env["ecrm.referral"].sudo()._link_by_code(
                code, user.partner_id, channel="link", ip_address=request.httprequest.remote_addr, token=token
            )
        return user
