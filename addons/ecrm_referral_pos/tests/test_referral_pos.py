"""Referral codes at the shop till (V1, V3, V4): check, link, reward, refund."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ReferralPosCommon


@tagged("post_install", "-at_install", "ecrm_referral_pos")
class TestReferralPos(ReferralPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kian = cls.env["res.partner"].create({"name": "Kian Walk-in", "email": "kian@example.com"})

    def check(self, code, partner):
        return self.env["pos.order"].ecrm_check_referral_code(code, partner.id if partner else False)

    def test_code_check_at_the_till(self):
        """The cashier is told at once what is wrong with a code, and whose code a good one is."""
        ok = self.check(" %s " % self.sara.referral_code.lower(), self.kian)
        self.assertEqual(
            ok, {"ok": True, "code": self.sara.referral_code, "referrer": "Sara", "warning": ""}, "any spelling"
        )
        errors = {
            "no customer": self.check(self.sara.referral_code, None),
            "empty": self.check("  ", self.kian),
            "unknown": self.check("NOPE-1234", self.kian),
            "self": self.check(self.sara.referral_code, self.sara),
            "already referred": self.check(self.sara.referral_code, self.babak),
            "loop": self.check(self.dariush.referral_code, self.roya),
        }
        for case, result in errors.items():
            self.assertFalse(result["ok"], case)
        self.assertIn("Choose the customer first", errors["no customer"]["error"])
        self.assertIn("NOPE-1234", errors["unknown"]["error"])
        self.assertIn("own referral code", errors["self"]["error"])
        self.assertIn("already referred by Roya", errors["already referred"]["error"])
        self.assertIn("loop", errors["loop"]["error"])
        # Babak with the code of Roya, his own referrer, is fine: nothing changes.
        self.assertTrue(self.check(self.roya.referral_code, self.babak)["ok"])

        self.program.active = False
        closed = self.check(self.sara.referral_code, self.kian)
        self.assertFalse(closed["ok"])
        self.assertIn("closed", closed["error"])

    def test_self_referral_under_another_name_is_warned(self):
        """Same mailbox once Gmail dots and +tags are removed: accepted, but the cashier is warned."""
        self.sara.email = "sara.tehrani@gmail.com"
        twin = self.env["res.partner"].create({"name": "S. Tehrani", "email": "saratehrani+shop@gmail.com"})
        result = self.check(self.sara.referral_code, twin)
        self.assertTrue(result["ok"])
        self.assertIn("share a mailbox", result["warning"])
        order = self.sync_order(twin, 300.0, code=self.sara.referral_code)
        self.assertTrue(twin.referral_in_ids.is_flagged)
        rewards = self.pos_rewards_of(order)
        self.assertTrue(rewards and all(rewards.mapped("needs_review")), "held for a person to review")
        rewards.write({"hold_until": fields.Datetime.now() - timedelta(hours=1)})
        self.Reward._cron_approve()
        self.assertEqual(set(rewards.mapped("state")), {"pending"}, "never approved automatically")

    def test_shop_path_by_code(self):
        """V4, the whole path in a shop: ticket paid with a code -> referral -> pending rewards -> approval."""
        order = self.sync_order(self.kian, 500.0, code=self.sara.referral_code.lower())
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.ecrm_referral_code, self.sara.referral_code.lower(), "stored as synchronised")
        referral = self.kian.referral_in_ids
        self.assertEqual((referral.referrer_id, referral.channel), (self.sara, "code"))
        self.assertEqual(self.kian.referral_generation, 3)
        self.assertEqual(self.kian.lifecycle_stage, "latent")
        visit = self.touchpoints_of(self.kian, touchpoint_type="shop_visit")
        self.assertEqual(len(visit), 1)
        self.assertEqual((visit.res_model, visit.res_id), ("pos.order", order.id))
        self.assertEqual(visit.source_id, self.env.ref("ecrm_referral.utm_source_referral"))

        rewards = self.pos_rewards_of(order)
        self.assertEqual(
            [(r.level, r.partner_id, r.amount, r.base_amount, r.state) for r in rewards],
            [
                (1, self.sara, 50.0, 500.0, "pending"),
                (2, self.babak, 15.0, 500.0, "pending"),
                (3, self.roya, 5.0, 500.0, "pending"),
            ],
        )
        self.assertEqual(order.ecrm_referral_reward_count, 3)
        self.assertFalse(rewards.order_id)
        self.assertTrue(all(r.hold_until > fields.Datetime.now() + timedelta(days=13) for r in rewards))
        self.Reward._cron_approve()
        self.assertEqual(set(rewards.mapped("state")), {"pending"}, "still inside the hold period")
        rewards.write({"hold_until": fields.Datetime.now() - timedelta(minutes=1)})
        self.Reward._cron_approve()
        self.assertEqual(set(rewards.mapped("state")), {"approved"})

        # Later tickets of the referred customer reward the up-line too (every purchase), with no code.
        later = self.sync_order(self.kian, 100.0)
        self.assertEqual(self.pos_rewards_of(later).mapped("amount"), [10.0, 3.0, 1.0])

    def test_paying_twice_never_rewards_twice(self):
        order = self.sync_order(self.dariush, 400.0)
        self.assertEqual(len(self.pos_rewards_of(order)), 3)
        order.action_pos_order_paid()
        self.assertFalse(self.Reward._create_for_pos_orders(order.ids), "the unique key stops a second reward")
        self.assertEqual(len(self.pos_rewards_of(order)), 3)
        self.assertEqual(len(self.touchpoints_of(self.dariush, touchpoint_type="shop_visit")), 0, "no code, no visit")

    def test_refund_cancels_pending_rewards(self):
        order = self.sync_order(self.dariush, 400.0)
        rewards = self.pos_rewards_of(order)
        rewards.filtered(lambda r: r.level == 2).action_approve()
        refund = self.sync_order(self.dariush, 400.0, refund_of=order)
        self.assertEqual(refund.state, "paid")
        self.assertFalse(self.pos_rewards_of(refund), "a refund earns nothing")
        self.assertEqual(
            {r.level: (r.state, r.cancel_reason or "") for r in rewards},
            {1: ("cancelled", "Refunded in the shop"), 2: ("approved", ""), 3: ("cancelled", "Refunded in the shop")},
            "pending rewards are reversed; an approved one is left to staff",
        )

    def test_first_purchase_and_minimum(self):
        self.program.write({"purchase_rule": "first", "minimum_amount": 200})
        self.assertFalse(self.pos_rewards_of(self.sync_order(self.sara, 150.0)), "below the minimum")
        self.assertFalse(self.pos_rewards_of(self.sync_order(self.sara, 900.0)), "not the first purchase")
        online_first = self.make_order(self.dariush, 300.0)
        online_first.action_confirm()
        self.assertFalse(self.pos_rewards_of(self.sync_order(self.dariush, 900.0)), "bought online first")
        self.assertEqual(len(self.pos_rewards_of(self.sync_order(self.kian, 300.0, self.babak.referral_code))), 2)

    def test_shop_ticket_first_makes_online_order_not_first(self):
        """V3 first purchase only, across channels: a paid shop ticket counts as the first purchase."""
        self.program.write({"purchase_rule": "first"})
        ticket = self.sync_order(self.dariush, 400.0)
        self.assertEqual(len(self.pos_rewards_of(ticket)), 3, "the ticket is the first purchase")
        ticket.date_order = fields.Datetime.now() - timedelta(days=1)
        online = self.make_order(self.dariush, 300.0)
        online.action_confirm()
        self.assertFalse(self.Reward.search([("order_id", "=", online.id)]), "bought in the shop first")

    def test_shop_tickets_count_in_program_analytics(self):
        """V6: first purchases, revenue and best referrers count shop tickets, refunds netted."""
        ticket = self.sync_order(self.dariush, 400.0)
        self.sync_order(self.dariush, 400.0)
        self.sync_order(self.dariush, 400.0, refund_of=ticket)
        self.program.invalidate_recordset()
        self.assertEqual(self.program.first_purchase_count, 1)
        self.assertEqual(self.program.referred_revenue, 400.0)
        self.assertEqual(ticket.ecrm_referral_generation, 3, "Dariush is third generation (Roya, Babak, Sara)")
        best = {partner: revenue for partner, _count, revenue in self.program._best_referrers()}
        self.assertEqual(best[self.sara], 400.0, "Sara brought Dariush, who bought in the shop")

    def test_caps_apply_to_shop_purchases(self):
        self.program.write({"cap_per_referrer": 60, "cap_period": "month"})
        first = self.sync_order(self.dariush, 400.0)
        second = self.sync_order(self.dariush, 400.0)
        sara_rewards = (self.pos_rewards_of(first) | self.pos_rewards_of(second)).filtered(
            lambda r: r.partner_id == self.sara
        )
        self.assertEqual(sara_rewards.sorted("id").mapped("amount"), [40.0, 20.0])

    def test_ticket_without_customer_or_with_a_bad_code(self):
        anonymous = self.sync_order(None, 100.0, code=self.sara.referral_code)
        self.assertEqual(anonymous.state, "paid")
        self.assertFalse(self.pos_rewards_of(anonymous))
        # A code that makes a loop is not applied; the sale itself goes through.
        looped = self.sync_order(self.roya, 100.0, code=self.dariush.referral_code)
        self.assertEqual(looped.state, "paid")
        self.assertFalse(self.roya.referral_in_ids)
        self.assertIn("not applied", looped.message_ids[:1].body)

    def test_pos_order_form_and_rewards_list(self):
        order = self.sync_order(self.kian, 500.0, code=self.sara.referral_code)
        action = order.action_open_ecrm_referral_rewards()
        self.assertEqual(self.Reward.search(action["domain"]), self.pos_rewards_of(order))
        self.assertEqual(
            self.env["pos.order"].search([("ecrm_referral_code", "!=", False), ("id", "=", order.id)]), order
        )

    def test_cashier_without_ecrm_rights(self):
        """A cashier has no eCRM rights: checking a code and paying the ticket still work, and the
        synchronised order read back by the till carries no eCRM data."""
        cashier = self.env["res.users"].create(
            {
                "name": "Shop Cashier",
                "login": "ecrm_shop_cashier",
                "groups_id": [
                    (6, 0, [self.env.ref("base.group_user").id, self.env.ref("point_of_sale.group_pos_user").id])
                ],
            }
        )
        self.assertFalse(cashier.has_group("ecrm_core.group_ecrm_user"))
        self.env = self.env(user=cashier)
        self.assertTrue(self.check(self.sara.referral_code, self.kian)["ok"])
        order = self.sync_order(self.kian, 200.0, code=self.sara.referral_code)
        self.assertEqual(order.state, "paid")
        self.assertEqual(self.kian.sudo().referrer_id, self.sara)
        self.assertEqual(len(self.Reward.sudo().search([("pos_order_id", "=", order.id)])), 3)
        data = order.read_pos_data([], self.config.id)["pos.order"][0]
        self.assertEqual(data["ecrm_referral_code"], self.sara.referral_code)
        self.assertNotIn("ecrm_referral_reward_count", data)
