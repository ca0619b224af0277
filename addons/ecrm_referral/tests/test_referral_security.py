from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralSecurity(ReferralCommon):
    def test_company_b_sees_nothing_of_a(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = mail_new_test_user(
            self.env,
            login="ecrm_user_b",
            name="User B",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
            groups="base.group_user,ecrm_core.group_ecrm_manager",
        )
        for model in (
            "ecrm.referral.program",
            "ecrm.referral",
            "ecrm.referral.reward",
            "ecrm.referral.invitation",
            "ecrm.referral.program.level",
        ):
            self.assertFalse(self.env[model].with_user(user_b).search([]), model)
        with self.assertRaises(AccessError):
            self.program.with_user(user_b).read(["name"])
        self.assertTrue(self.env["ecrm.referral.reward"].with_user(self.user_ecrm).search([]))

    def test_user_cannot_approve_or_edit_rewards(self):
        order = self.make_order(self.dariush, 1000.0)
        order.action_confirm()
        reward = self.rewards_of(order)[0]
        with self.assertRaises(AccessError):
            reward.with_user(self.user_ecrm).write({"amount": 1e6})
        with self.assertRaises(AccessError):
            self.program.with_user(self.user_ecrm).write({"hold_days": 0})
