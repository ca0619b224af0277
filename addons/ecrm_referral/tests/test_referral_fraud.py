from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralFraud(ReferralCommon):
    def link(self, referred, referrer=None, **values):
        referrer = referrer or self.roya
        return self.Referral.create(
            {"partner_id": referred.id, "referrer_id": referrer.id, "program_id": self.program.id, **values}
        )

    def test_cycle_rejected(self):
        """Roya -> Babak -> Sara -> Dariush: Dariush (or anyone below Roya) cannot refer Roya."""
        with self.assertRaises(ValidationError):
            self.link(self.roya, self.dariush)
        with self.assertRaises(ValidationError):
            self.link(self.babak, self.babak)
        self.assertFalse(self.roya.referrer_id)

    def test_late_joiner_extends_downline(self):
        """A member who already has a down-line joins someone's network: the whole down-line moves under."""
        top = self.env["res.partner"].create({"name": "Top", "referral_program_id": self.program.id})
        self.link(self.roya, top)
        self.assertEqual(self.dariush.referral_upline_ids.ids, [self.sara.id, self.babak.id, self.roya.id, top.id])
        self.assertEqual(self.dariush.referral_generation, 4)
        with self.assertRaises(ValidationError):
            self.link(top, self.dariush)

    def test_same_mailbox_gmail_dots_and_tags(self):
        referrer = self.env["res.partner"].create(
            {"name": "Ali", "email": "ali.rezaei@gmail.com", "referral_program_id": self.program.id}
        )
        alias = self.env["res.partner"].create({"name": "A. R.", "email": "Ali.Rez.aei+shop@googlemail.com"})
        referral = self.link(alias, referrer)
        self.assertIn("same_email", referral.risk_rules)
        self.assertTrue(referral.is_flagged)
        self.assertIn("share a mailbox", referral.risk_reasons)

    def test_same_phone(self):
        referrer = self.env["res.partner"].create(
            {
                "name": "P1",
                "phone": "0912 345 6789",
                "country_id": self.env.ref("base.ir").id,
                "referral_program_id": self.program.id,
            }
        )
        other = self.env["res.partner"].create(
            {"name": "P2", "mobile": "+98 912 345 6789", "country_id": self.env.ref("base.ir").id}
        )
        self.assertIn("same_phone", self.link(other, referrer).risk_rules)

    def test_same_delivery_address(self):
        referrer = self.env["res.partner"].create(
            {
                "name": "Home",
                "street": "12 Valiasr St",
                "zip": "1234",
                "city": "Tehran",
                "referral_program_id": self.program.id,
            }
        )
        other = self.env["res.partner"].create({"name": "Other", "email": "other@example.com"})
        self.env["res.partner"].create(
            {
                "name": "Other delivery",
                "type": "delivery",
                "parent_id": other.id,
                "street": "12 Valiasr St.",
                "zip": "1234",
                "city": "tehran",
            }
        )
        self.assertIn("same_address", self.link(other, referrer).risk_rules)

    def test_disposable_domain_flagged(self):
        throwaway = self.env["res.partner"].create({"name": "Temp", "email": "x123@mailinator.com"})
        referral = self.link(throwaway)
        self.assertIn("disposable_email", referral.risk_rules)
        self.assertFalse(referral.is_flagged, "a disposable address alone is noted, not held")

    def test_ip_burst_flagged(self):
        self.program.ip_burst_limit = 2
        people = self.env["res.partner"].create(
            [{"name": "Burst %s" % i, "email": "b%s@example.com" % i} for i in range(4)]
        )
        referrals = self.Referral.browse()
        for person in people:
            referrals |= self.link(person, ip_address="198.51.100.9")
        self.assertFalse("ip_burst" in (referrals[0].risk_rules or ""))
        self.assertIn("ip_burst", referrals[-1].risk_rules)

    def test_clean_referral(self):
        newcomer = self.env["res.partner"].create({"name": "Clean", "email": "clean@example.com"})
        referral = self.link(newcomer)
        self.assertEqual((referral.risk_score, referral.risk_rules or False), (0, False))

    def test_flagged_reward_held_for_review(self):
        referrer = self.env["res.partner"].create(
            {"name": "Ali", "email": "ali.rezaei@gmail.com", "referral_program_id": self.program.id}
        )
        alias = self.env["res.partner"].create({"name": "A. R.", "email": "alirezaei+2@gmail.com"})
        self.link(alias, referrer)
        order = self.make_order(alias, 100.0)
        order.action_confirm()
        reward = self.rewards_of(order)
        self.assertTrue(reward.needs_review)
        reward.hold_until = "2000-01-01 00:00:00"
        self.Reward._cron_approve()
        self.assertEqual(reward.state, "pending")
        reward.with_user(self.user_ecrm_manager).action_approve()
        self.assertEqual(reward.state, "approved")
