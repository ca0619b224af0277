from odoo import api, fields, models, tools


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    ecrm_verified = fields.Boolean(
        string="Signed Click",
        readonly=True,
        help="The click came through the signed tracked URL of its own mail. Campaign rules only count these: "
        "a URL with another mail's id or a made-up code fires nothing.",
    )

    @api.model
    def _ecrm_click_signature(self, code, mailing_trace_id):
        """The signature of a tracked URL for one mail trace (HMAC with the database secret)."""
        return tools.hmac(self.env(su=True), "ecrm_campaign-click", (str(code), int(mailing_trace_id)))[:32]

    @api.model_create_multi
    def create(self, vals_list):
        # only the tracked-URL route (and the test mode) set it, as superuser: a user's RPC context cannot
        verified = self.env.su and bool(self.env.context.get("ecrm_verified_click"))
        for vals in vals_list:
            vals["ecrm_verified"] = verified and bool(vals.get("mailing_trace_id"))
        return super().create(vals_list)
