from odoo import fields, models


class MailingList(models.Model):
    _inherit = "mailing.list"

    ecrm_consent_purpose_id = fields.Many2one(
        "ecrm.consent.purpose",
        string="Consent Purpose",
        ondelete="set null",
        help="Opting out of this list withdraws the contact's e-mail consent for this purpose, and withdrawing "
        "the consent opts the contact out of the list.",
    )
