from odoo import api, models


class MailBlacklist(models.Model):
    """A blacklisted address withdraws every e-mail consent of its contacts (K2); the ledger keeps the proof."""

    _inherit = "mail.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._ecrm_withdraw_consents()
        return records

    def write(self, vals):
        result = super().write(vals)
        if vals.get("active"):
            self._ecrm_withdraw_consents()
        return result

    def _ecrm_withdraw_consents(self):
        emails = [email for email in self.filtered("active").mapped("email") if email]
        if not emails:
            return
        consents = (
            self.env["ecrm.consent"]
            .sudo()
            .search(
                [
                    ("partner_id.email_normalized", "in", emails),
                    ("channel", "=", "email"),
                    ("state", "in", ("pending", "granted")),
                ]
            )
        )
        Consent = self.env["ecrm.consent"]
        for purpose, purpose_consents in consents.grouped("purpose_id").items():
            Consent._withdraw(purpose_consents.partner_id.ids, "email", purpose, "blacklist")
