from odoo.tests import HttpCase, tagged

from odoo.addons.ecrm_referral.tests.common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral_campaign")
class TestReferralConsent(ReferralCommon, HttpCase):
    """Invitees get no marketing without their own consent, given through the consent ledger (V1, K2)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Consent = cls.env["ecrm.consent"]
        cls.offers = cls.env.ref("ecrm_campaign.consent_purpose_offers")

    def invite(self, *emails):
        with self.mock_mail_gateway():
            invitations = self.sara._invite_friends(", ".join(emails), True)
        return invitations

    def test_refused_addresses_get_no_invitation(self):
        """Blacklisted, do-not-message and withdrawn contacts are not invited; an unknown friend is."""
        Partner = self.env["res.partner"]
        withdrawn, quiet, known = Partner.create(
            [
                {"name": "Withdrawn", "email": "withdrawn@example.com"},
                {"name": "Quiet", "email": "quiet@example.com"},
                {"name": "Known", "email": "known@example.com"},
            ]
        )
        self.Consent._grant(withdrawn.ids, "email", self.offers, "staff")
        self.Consent._withdraw(withdrawn.ids, "email", self.offers, "staff")
        self.assertEqual(self.Consent._refusal_reasons(withdrawn.ids, "email", self.offers)[withdrawn.id], "withdrawn")
        self.env["mail.blacklist"].sudo()._add("blocked@example.com")
        quiet.sudo().write({"do_not_message": True, "do_not_message_reason": "suppressed"})
        self.assertEqual(self.Consent._refusal_reasons(quiet.ids, "email", self.offers)[quiet.id], "do_not_message")

        invitations = self.invite(
            "withdrawn@example.com", "quiet@example.com", "blocked@example.com", "known@example.com", "new@example.com"
        )
        states = {invitation.email: invitation.state for invitation in invitations}
        self.assertEqual(
            states,
            {
                "withdrawn@example.com": "cancelled",
                "quiet@example.com": "cancelled",
                "blocked@example.com": "cancelled",
                "known@example.com": "sent",
                "new@example.com": "sent",
            },
        )
        sent_to = " ".join(self._new_mails.mapped("email_to"))
        for address in ("new@example.com", "known@example.com"):
            self.assertIn(address, sent_to)
        for address in ("withdrawn@example.com", "quiet@example.com", "blocked@example.com"):
            self.assertNotIn(address, sent_to)
        self.assertFalse(self.Consent.search([("partner_id", "=", known.id)]), "an invitation is no consent")

    def signup(self, invitation, login, consent):
        """Follow the invitation link and sign up in the same browser session."""
        self.env["ir.config_parameter"].sudo().set_param("auth_signup.invitation_scope", "b2c")
        if "website" in self.env:
            self.env["website"].search([]).auth_signup_uninvited = "b2c"
        self.url_open(f"/ref/{self.sara.referral_code}?inv={invitation.token}")
        page = self.url_open("/web/signup").text
        self.assertIn('name="ecrm_marketing_consent"', page, "the sign-up form offers the consent box")
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        data = {
            "login": login,
            "name": "Invited friend",
            "password": "Secret-pass-123",
            "confirm_password": "Secret-pass-123",
            "csrf_token": csrf,
        }
        if consent:
            data["ecrm_marketing_consent"] = "1"
        with self.mock_mail_gateway():
            self.assertEqual(self.url_open("/web/signup", data=data).status_code, 200)
        friend = self.env["res.users"].search([("login", "=", login)]).partner_id
        self.assertTrue(friend, "the friend signed up")
        self.assertEqual(invitation.state, "joined")
        self.assertEqual(friend.referrer_id, self.sara)
        return friend

    def test_signup_with_consent_is_double_opt_in(self):
        invitation = self.invite("friend.yes@example.com")
        friend = self.signup(invitation, "friend.yes@example.com", consent=True)
        consent = self.Consent.search([("partner_id", "=", friend.id)])
        self.assertEqual((consent.channel, consent.purpose_id, consent.state), ("email", self.offers, "pending"))
        self.assertEqual(consent.method, "web_form")
        self.assertTrue(consent.confirmation_sent_date, "the confirmation mail was sent")
        self.assertIn("friend.yes@example.com", " ".join(self._new_mails.mapped("email_to")))
        allowed, refused = self.Consent._filter_allowed(friend.ids, "email", self.offers)
        self.assertEqual((allowed, refused), ([], {"pending": 1}), "no offers before the friend confirms")

    def test_signup_without_consent_records_nothing(self):
        invitation = self.invite("friend.no@example.com")
        friend = self.signup(invitation, "friend.no@example.com", consent=False)
        self.assertFalse(self.Consent.search([("partner_id", "=", friend.id)]))
        allowed, refused = self.Consent._filter_allowed(friend.ids, "email", self.offers)
        self.assertEqual((allowed, refused), ([], {"no_consent": 1}))
