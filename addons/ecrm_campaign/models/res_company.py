from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # --- consent (K2) ---
    ecrm_consent_weekly_cap = fields.Integer(
        string="Mails per Contact per Week",
        default=0,
        help="Most marketing mails one contact may receive in 7 days; 0 means no limit. Further mails are refused "
        "with the reason 'weekly limit reached'.",
    )
    ecrm_cadence_days = fields.Integer(
        string="Cadence Floor (Days)",
        default=30,
        help="Contacts with granted consent who received nothing for this many days are listed as forgotten (K4).",
    )
    ecrm_cadence_campaign_id = fields.Many2one(
        "ecrm.campaign",
        string="Campaign for Forgotten Contacts",
        help="When set, the daily cadence check adds the contacts who got nothing for too long to this campaign.",
    )
    ecrm_presend_checks = fields.Boolean(
        string="Check Mailings Before Sending",
        default=True,
        help="Block sending, scheduling and test sends of mailings that fail the pre-send checks (K7-K9).",
    )
    ecrm_check_external_links = fields.Boolean(
        string="Check External Links Online",
        default=False,
        help="Before sending, request every external link of a mailing and block it unless it answers 2xx/3xx (K8).",
    )
    ecrm_require_tracking = fields.Boolean(
        string="Require Tracking Parameters",
        default=True,
        help="Block mailings without a UTM campaign, medium and source, whose clicks could not be attributed.",
    )
    # --- end of consent ---
