from odoo import _, api, fields, models
from odoo.exceptions import UserError

# The channels a consent is given for (K2). Campaign steps and the consent ledger share them.
CONSENT_CHANNELS = [
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("phone", "Phone"),
    ("postal", "Postal mail"),
]


class EcrmConsentPurpose(models.Model):
    _name = "ecrm.consent.purpose"
    _description = "Consent purpose"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable technical name, used in imports and the API.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="Shown to the contact in the preference centre.")
    consent_text = fields.Html(
        translate=True,
        sanitize=True,
        help="The exact wording the contact agrees to. Every consent event stores a copy of it.",
    )
    consent_text_version = fields.Char(
        default="1",
        help="Change it whenever the wording changes: events keep the version they were given under.",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "Another consent purpose already uses this code."),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        """Consents and their events are proof: a purpose they refer to is archived, not deleted."""
        used = self.env["ecrm.consent"].sudo().search_count([("purpose_id", "in", self.ids)], limit=1)
        used = used or self.env["mailing.mailing"].sudo().search_count(
            [("ecrm_consent_purpose_id", "in", self.ids)], limit=1
        )
        if used:
            raise UserError(_("This purpose has consents or mailings: archive it instead of deleting it."))
