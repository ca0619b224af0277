from odoo import api, models


class MailingSubscription(models.Model):
    """Opting out of a list with a consent purpose withdraws that consent (K2, both ways with ecrm.consent)."""

    _inherit = "mailing.subscription"

    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions.filtered("opt_out")._ecrm_withdraw_consents()
        return subscriptions

    def write(self, vals):
        result = super().write(vals)
        if vals.get("opt_out") and not self.env.context.get("ecrm_consent_sync"):
            self._ecrm_withdraw_consents()
        return result

    def _ecrm_withdraw_consents(self):
        Consent = self.env["ecrm.consent"]
        for purpose, subscriptions in (
            self.filtered("list_id.ecrm_consent_purpose_id")
            .grouped(lambda subscription: subscription.list_id.ecrm_consent_purpose_id)
            .items()
        ):
            own = Consent.sudo().search(
                [
                    ("mailing_contact_id", "in", subscriptions.contact_id.ids),
                    ("channel", "=", "email"),
                    ("purpose_id", "=", purpose.id),
                ]
            )
            if own:
                Consent._withdraw(
                    [],
                    "email",
                    purpose,
                    "mailing_opt_out",
                    source=", ".join(subscriptions.list_id.mapped("name")),
                    mailing_contact_ids=own.mailing_contact_id.ids,
                )
            emails = [email for email in subscriptions.contact_id.mapped("email_normalized") if email]
            partners = self.env["res.partner"].sudo().search([("email_normalized", "in", emails)])
            if partners:
                Consent._withdraw(
                    partners.ids,
                    "email",
                    purpose,
                    "mailing_opt_out",
                    source=", ".join(subscriptions.list_id.mapped("name")),
                )
