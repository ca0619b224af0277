from odoo import fields, models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    # --- consent (K2) ---
    # Mails cancelled at send time by the consent ledger, one failure type per refusal reason
    failure_type = fields.Selection(
        selection_add=[
            ("ecrm_blacklisted", "Blacklisted (consent check)"),
            ("ecrm_opted_out", "Opted out (consent check)"),
            ("ecrm_do_not_message", "Does not want messages"),
            ("ecrm_no_consent", "No consent"),
            ("ecrm_pending", "Consent not confirmed yet"),
            ("ecrm_withdrawn", "Consent withdrawn"),
            ("ecrm_frequency_cap", "Weekly limit reached"),
        ]
    )
    # --- end of consent ---
