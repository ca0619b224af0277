from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.ecrm_referral.tests.common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral_loyalty")
class TestReferralLoyalty(ReferralCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet = cls.env["loyalty.program"].create({"name": "Referral wallet", "program_type": "ewallet"})
        cls.program.loyalty_program_id = cls.wallet

    def settle(self, order):
        rewards = self.rewards_of(order)
        rewards.write({"hold_until": fields.Datetime.now() - timedelta(minutes=1)})
        self.Reward._cron_approve()
        return rewards

    def test_credit_goes_to_ewallet_and_tops_up(self):
        first = self.make_order(self.dariush, 1000.0)
        first.action_confirm()
        rewards = self.settle(first)
        self.assertEqual(set(rewards.mapped("state")), {"paid"})
        card = self.env["loyalty.card"].search([("program_id", "=", self.wallet.id), ("partner_id", "=", self.sara.id)])
        self.assertEqual(card.points, 100.0)
        second = self.make_order(self.dariush, 500.0)
        second.action_confirm()
        self.settle(second)
        card.invalidate_recordset()
        self.assertEqual(card.points, 150.0, "the same eWallet is topped up")
        self.assertEqual(len(card.history_ids), 2)

    def test_flagged_reward_is_not_paid(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        rewards = self.rewards_of(order)
        rewards.needs_review = True
        self.settle(order)
        self.assertEqual(set(rewards.mapped("state")), {"pending"})
        self.assertFalse(self.env["loyalty.card"].search([("program_id", "=", self.wallet.id)]))

    def test_wrong_program_type_refused(self):
        coupons = self.env["loyalty.program"].create({"name": "Coupons", "program_type": "coupons"})
        with self.assertRaises(ValidationError):
            self.program.loyalty_program_id = coupons
