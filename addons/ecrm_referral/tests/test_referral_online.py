from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralOnline(ReferralCommon, HttpCase):
    def test_online_path(self):
        """Link, visit, sign-up, order, hold, approval, credit (V1, V5)."""
        self.env["ir.config_parameter"].sudo().set_param("auth_signup.invitation_scope", "b2c")
        if "website" in self.env:
            self.env["website"].search([]).auth_signup_uninvited = "b2c"
        response = self.url_open("/ref/%s?utm_source=friend" % self.sara.referral_code.lower())
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self.opener.cookies.get("ecrm_ref", "").startswith(self.sara.referral_code))
        visit = self.touchpoints_of(self.sara, touchpoint_type="web_visit")
        self.assertEqual(len(visit), 1, "the visit is on the member's timeline")

        # Sign-up in the same browser session.
        response = self.url_open("/web/signup")
        csrf = response.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = self.url_open(
            "/web/signup",
            data={
                "login": "newfriend@example.com",
                "name": "New Friend",
                "password": "Secret-pass-123",
                "confirm_password": "Secret-pass-123",
                "csrf_token": csrf,
            },
        )
        self.assertEqual(response.status_code, 200)
        friend = self.env["res.users"].search([("login", "=", "newfriend@example.com")]).partner_id
        self.assertTrue(friend, "the visitor signed up")
        self.assertEqual(friend.referrer_id, self.sara)
        self.assertEqual(friend.referral_in_ids.channel, "link")
        self.assertEqual(friend.lifecycle_stage, "latent")

        order = self.make_order(friend, 300.0)
        order.action_confirm()
        rewards = self.rewards_of(order)
        self.assertEqual(rewards.partner_id, self.sara | self.babak | self.roya)
        rewards.write({"hold_until": fields.Datetime.now() - timedelta(hours=1)})
        self.Reward._cron_approve()
        self.assertEqual(
            set(rewards.mapped("state")), {"approved"}, "credit is paid by the loyalty glue when installed"
        )

    def test_unknown_code_is_404(self):
        self.assertEqual(self.url_open("/ref/NOSUCHCODE").status_code, 404)

    def test_invitation_needs_confirmation_and_never_creates_a_contact(self):
        with self.mock_mail_gateway():
            invitations = self.sara._invite_friends("friend.one@example.com, friend.two@example.com", False)
        self.assertEqual(set(invitations.mapped("state")), {"draft"})
        self.assertFalse(self._new_mails, "nothing is sent before the member confirms they know them")
        invitations.write({"knows_invitee": True})
        with self.mock_mail_gateway():
            invitations.action_send()
        self.assertEqual(set(invitations.mapped("state")), {"sent"})
        sent = [mail for mail in self._mails if "friend.one@example.com" in str(mail["email_to"])]
        self.assertEqual(len(sent), 1)
        self.assertIn("Sara", sent[0]["email_from"], "the friend sees who invites them")
        self.assertIn(invitations[0].token, sent[0]["body"])
        self.assertNotIn("o_ecrm_referral_footer", sent[0]["body"], "no second link under the invitation")
        self.assertFalse(
            self.env["res.partner"].search([("email", "ilike", "friend.one@example.com")]),
            "the invitee is not added to the contacts (nor to marketing)",
        )

    def test_invitation_never_sent_to_opted_out_addresses(self):
        self.env["mail.blacklist"].sudo()._add("blocked.friend@example.com")
        with self.mock_mail_gateway():
            invitations = self.sara._invite_friends("blocked.friend@example.com\nok.friend@example.com", True)
        by_email = {i.email: i.state for i in invitations}
        self.assertEqual(by_email, {"blocked.friend@example.com": "cancelled", "ok.friend@example.com": "sent"})
        self.assertFalse([m for m in self._mails if "blocked.friend" in str(m["email_to"])])
