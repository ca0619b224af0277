from odoo import _, api, models

# Refusals of the consent ledger (ecrm_campaign) that also stop a member's invitation to that address.
REFUSED_REASONS = ("blacklisted", "do_not_message", "withdrawn")


class EcrmReferralInvitation(models.Model):
    _inherit = "ecrm.referral.invitation"

    @api.model
    def _marketing_purpose(self):
        """The consent purpose of invitations and of the friend's opt-in at sign-up: offers and promotions."""
        return self.env.ref("ecrm_campaign.consent_purpose_offers", raise_if_not_found=False)

    def _cancel_unwanted(self):
        """Also cancel invitations to addresses the consent ledger refuses: blacklisted, do not message,
        or a withdrawn consent for offers. An address nobody knows yet is not refused: it is a friend."""
        unwanted = super()._cancel_unwanted()
        remaining = self - unwanted
        purpose = self._marketing_purpose()
        if not remaining or not purpose:
            return unwanted
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("email_normalized", "in", remaining.mapped("email"))])
        )
        reasons = self.env["ecrm.consent"].sudo()._refusal_reasons(partners.ids, "email", purpose, frequency_cap=False)
        refused = {partner.email_normalized for partner in partners if reasons.get(partner.id) in REFUSED_REASONS}
        refused_invitations = remaining.filtered(lambda invitation: invitation.email in refused)
        refused_invitations.write({"state": "cancelled"})
        return unwanted | refused_invitations

    def _grant_marketing_consent(self, ip_address=None, user_agent=None):
        """The friend signed up through the invitation and ticked the consent box: record their consent
        to offers in the ledger. It stays pending until they confirm it from the mail (double opt-in).
        Returns the consents changed."""
        joined = self.filtered(lambda invitation: invitation.state == "joined" and invitation.referral_id)
        purpose = self._marketing_purpose()
        if not joined or not purpose:
            return self.env["ecrm.consent"]
        return (
            self.env["ecrm.consent"]
            .sudo()
            ._grant(
                joined.referral_id.partner_id.ids,
                "email",
                purpose,
                "web_form",
                text=purpose.consent_text,
                double_opt_in=True,
                ip_address=ip_address,
                user_agent=user_agent,
                source=_("Referral invitation"),
            )
        )
