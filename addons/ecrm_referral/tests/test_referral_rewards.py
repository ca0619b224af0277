from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralRewards(ReferralCommon):
    def test_three_level_payout(self):
        """V3: Dariush's order pays Sara 10%, Babak 3%, Roya 1%; nothing beyond the program depth."""
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        rewards = self.rewards_of(order)
        self.assertEqual(
            [(r.level, r.partner_id, r.amount, r.state) for r in rewards],
            [(1, self.sara, 100.0, "pending"), (2, self.babak, 30.0, "pending"), (3, self.roya, 10.0, "pending")],
        )
        self.assertTrue(all(r.hold_until > fields.Datetime.now() + timedelta(days=13) for r in rewards))
        self.assertEqual(rewards.referred_partner_id, self.dariush)

    def test_depth_cuts_the_chain(self):
        self.program.level_ids.filtered(lambda lv: lv.level == 3).unlink()
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        self.assertEqual(self.rewards_of(order).partner_id, self.sara | self.babak)

    def test_confirming_twice_rewards_once(self):
        order = self.make_order(self.dariush, 500.0)
        order.action_confirm()
        order._referral_on_confirm()
        self.Reward._create_for_orders(order.ids)
        self.assertEqual(len(self.rewards_of(order)), 3)

    def test_first_purchase_only_and_minimum(self):
        self.program.write({"purchase_rule": "first", "minimum_amount": 200})
        small = self.make_order(self.sara, 100.0)
        small.action_confirm()
        self.assertFalse(self.rewards_of(small), "below the minimum amount: no reward")
        second = self.make_order(self.sara, 900.0)
        second.action_confirm()
        self.assertFalse(self.rewards_of(second), "not the first purchase: no reward")
        self.program.purchase_rule = "every"
        third = self.make_order(self.sara, 900.0)
        third.action_confirm()
        self.assertEqual(len(self.rewards_of(third)), 2)

    def test_cap_per_referrer(self):
        self.program.write({"cap_per_referrer": 150, "cap_period": "month"})
        first = self.make_order(self.dariush, 1000.0)
        first.action_confirm()
        second = self.make_order(self.dariush, 1000.0)
        second.action_confirm()
        sara_rewards = self.Reward.search([("partner_id", "=", self.sara.id)], order="id")
        self.assertEqual(sara_rewards.mapped("amount"), [100.0, 50.0])
        self.assertTrue(sara_rewards[1].capped)
        third = self.make_order(self.dariush, 1000.0)
        third.action_confirm()
        last = self.rewards_of(third).filtered(lambda r: r.level == 1)
        self.assertEqual((last.amount, last.state), (0.0, "cancelled"))

    def test_program_budget(self):
        self.program.write({"cap_program": 120})
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        self.assertEqual(sum(self.rewards_of(order).filtered(lambda r: r.state != "cancelled").mapped("amount")), 120.0)

    def test_cancel_inside_hold_reverses_pending(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(set(self.rewards_of(order).mapped("state")), {"cancelled"})

    def test_refund_reverses_pending_reward(self):
        order = self.make_order(self.sara, 400.0)
        order.action_confirm()
        order.order_line.qty_delivered = 1
        invoice = order._create_invoices()
        invoice.action_post()
        approved = self.rewards_of(order).filtered(lambda r: r.level == 2)
        approved.action_approve()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.action_post()
        rewards = self.rewards_of(order)
        self.assertEqual(rewards.filtered(lambda r: r.level == 1).state, "cancelled")
        self.assertEqual(rewards.filtered(lambda r: r.level == 1).cancel_reason, "Refunded")
        self.assertEqual(approved.state, "approved", "an approved reward is left to staff")

    def test_hold_then_automatic_approval(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        rewards = self.rewards_of(order)
        self.Reward._cron_approve()
        self.assertEqual(set(rewards.mapped("state")), {"pending"}, "still inside the hold period")
        rewards.write({"hold_until": fields.Datetime.now() - timedelta(minutes=1)})
        self.program.approval = "manual"
        self.Reward._cron_approve()
        self.assertEqual(set(rewards.mapped("state")), {"pending"}, "manual programs wait for staff")
        self.program.approval = "auto"
        self.Reward._cron_approve()
        self.assertEqual(set(rewards.mapped("state")), {"approved"})
        rewards[0].action_mark_paid()
        self.assertEqual(rewards[0].state, "paid")
        with self.assertRaises(UserError):
            rewards[0].action_cancel()

    def test_viral_signup_reward(self):
        viral = self.env["ecrm.referral.program"].create(
            {
                "name": "Viral",
                "program_type": "viral",
                "reward_kind": "service",
                "signup_reward": 1,
                "service_description": "1 GB",
                "hold_days": 0,
            }
        )
        member = self.env["res.partner"].create(
            {"name": "Mina", "email": "mina@example.com", "referral_program_id": viral.id}
        )
        friend = self.env["res.partner"].create({"name": "Omid", "email": "omid@example.com"})
        referral = self.Referral._link(member, friend, "link")
        reward = self.Reward.search([("referral_id", "=", referral.id)])
        self.assertEqual((reward.partner_id, reward.reason, reward.amount), (member, "signup", 1.0))
        self.Reward._cron_approve()
        self.assertEqual(reward.state, "paid", "more-service rewards are granted on approval")

    def test_shop_path_by_code(self):
        """V4: staff type the member's code on the order: the buyer is linked, latent, and the up-line paid."""
        newcomer = self.env["res.partner"].create({"name": "Kian Walk-in", "email": "kian@example.com"})
        with Form(self.env["sale.order"]) as form:
            form.partner_id = newcomer
            form.referral_code = self.sara.referral_code
            with form.order_line.new() as line:
                line.product_id = self.product
                line.price_unit = 200
        order = form.save()
        order.action_confirm()
        self.assertEqual(newcomer.referrer_id, self.sara)
        self.assertEqual(newcomer.referral_in_ids.channel, "code")
        self.assertEqual(newcomer.referral_generation, 3)
        self.assertEqual(self.rewards_of(order).partner_id, self.sara | self.babak | self.roya)
        self.assertEqual(newcomer.lifecycle_stage, "latent")
        source = self.env.ref("ecrm_referral.utm_source_referral")
        self.assertTrue(self.touchpoints_of(newcomer, source_id=source.id))

    def test_unknown_code_is_refused(self):
        with self.assertRaises(ValidationError):
            self.make_order(self.customer, referral_code="NOPE1234")

    def test_statistics(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        self.program.invalidate_recordset()
        self.assertEqual(self.program.referral_count, 3)
        self.assertEqual(self.program.member_count, 4)
        self.assertEqual(self.program.generation_count, 3)
        self.assertEqual(self.program.first_purchase_count, 1)
        self.assertEqual(self.program.referred_revenue, 1000.0)
        self.assertAlmostEqual(self.program.viral_coefficient, 0.75)
        best = self.program._best_referrers()
        self.assertEqual(len(best), 3)

    def test_periodic_report_mailed_to_managers(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        with self.mock_mail_gateway():
            self.env["ecrm.referral.program"]._cron_send_report()
        mails = self._new_mails.filtered(lambda m: self.program.name in (m.subject or ""))
        self.assertEqual(len(mails), 1)
        self.assertIn(self.user_ecrm_manager.partner_id, mails.recipient_ids)
        self.assertNotIn(self.user_ecrm.partner_id, mails.recipient_ids, "plain users do not get the report")
        self.assertIn("Sara", str(mails.body_html), "best referrers are listed")
