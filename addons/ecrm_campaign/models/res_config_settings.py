from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # --- consent (K2) ---
    ecrm_consent_weekly_cap = fields.Integer(related="company_id.ecrm_consent_weekly_cap", readonly=False)
    ecrm_cadence_days = fields.Integer(related="company_id.ecrm_cadence_days", readonly=False)
    ecrm_cadence_campaign_id = fields.Many2one(related="company_id.ecrm_cadence_campaign_id", readonly=False)
    ecrm_presend_checks = fields.Boolean(related="company_id.ecrm_presend_checks", readonly=False)
    ecrm_check_external_links = fields.Boolean(related="company_id.ecrm_check_external_links", readonly=False)
    ecrm_require_tracking = fields.Boolean(related="company_id.ecrm_require_tracking", readonly=False)
    # --- end of consent ---
