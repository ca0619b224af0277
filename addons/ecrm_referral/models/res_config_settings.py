from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    referral_footer_chatter = fields.Boolean(related="company_id.referral_footer_chatter", readonly=False)
    referral_footer_documents = fields.Boolean(related="company_id.referral_footer_documents", readonly=False)
    referral_footer_mass_mailing = fields.Boolean(related="company_id.referral_footer_mass_mailing", readonly=False)
    referral_footer_text = fields.Char(related="company_id.referral_footer_text", readonly=False)
