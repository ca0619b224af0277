from odoo import http
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.mass_mailing.controllers.main import MassMailController


class EcrmCampaignClickController(MassMailController):
    @http.route()
    def full_url_redirect(self, code, mailing_trace_id, **post):
        """Mark the click as signed when the URL carries the signature of its own mail trace."""
        signature = post.pop("ecrm_sig", None) or ""
        expected = request.env["link.tracker.click"].sudo()._ecrm_click_signature(code, mailing_trace_id)
        request.update_context(ecrm_verified_click=bool(signature) and consteq(signature, expected))
        return super().full_url_redirect(code, mailing_trace_id, **post)
