"""The till, in a browser: a cashier enters a member's code through the POS button and takes payment (V4)."""

from odoo.tests import tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


@tagged("post_install", "-at_install", "ecrm_referral_pos")
class TestReferralPosTour(TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test user of Odoo's POS tests is not an eCRM manager: the program is set up as the administrator.
        cls.program = (
            cls.env["ecrm.referral.program"]
            .sudo()
            .create(
                {
                    "name": "Shop friends",
                    "program_type": "network",
                    "purchase_rule": "every",
                    "company_id": cls.main_pos_config.company_id.id,
                    "level_ids": [(0, 0, {"level": 1, "reward_percent": 10})],
                }
            )
        )
        cls.sara = (
            cls.env["res.partner"]
            .sudo()
            .create(
                {"name": "Sara Tehrani", "email": "sara.tehrani@example.com", "referral_program_id": cls.program.id}
            )
        )
        cls.sara.referral_code = "SARA-TILL"
        cls.kian = cls.env["res.partner"].create({"name": "Kian Walk-in", "email": "kian.walkin@example.com"})

    def test_code_entered_at_the_till(self):
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("ecrm_referral_pos_code_tour")
        order = self.env["pos.order"].search([("partner_id", "=", self.kian.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual((order.state, order.ecrm_referral_code), ("paid", "SARA-TILL"))
        self.assertEqual(self.kian.referrer_id, self.sara, "linked when the cashier took the payment")
        reward = self.env["ecrm.referral.reward"].sudo().search([("pos_order_id", "=", order.id)])
        self.assertEqual((reward.partner_id, reward.state), (self.sara, "pending"))
        self.assertAlmostEqual(reward.amount, round((order.amount_total - order.amount_tax) * 0.1, 2))
