"""Who may see and change the ledger (C16): groups, companies, portal."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestSecurity(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.user_company_b = new_test_user(
            cls.env,
            "ecrm_user_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.touchpoint_a = cls.env["ecrm.touchpoint"].create(
            {
                "partner_id": cls.customer.id,
                "touchpoint_type": "call",
                "summary": "Company A call",
                "company_id": cls.company.id,
            }
        )

    def test_user_adds_but_cannot_edit_or_delete(self):
        touchpoint = self.Touchpoint.with_user(self.user_ecrm).create(
            {
                "partner_id": self.customer.id,
                "touchpoint_type": "shop_visit",
                "summary": "Came to the shop",
            }
        )
        self.assertEqual(touchpoint.company_id, self.user_ecrm.company_id)
        with self.assertRaises(AccessError):
            touchpoint.write({"summary": "Rewritten history"})
        with self.assertRaises(AccessError):
            touchpoint.unlink()

    def test_manager_can_erase(self):
        self.touchpoint_a.with_user(self.user_ecrm_manager).unlink()
        self.assertFalse(self.touchpoint_a.exists())

    def test_used_channel_is_archived_not_deleted(self):
        channel = self.touchpoint_a.channel_id
        self.assertTrue(channel)
        with self.assertRaises(UserError):
            channel.unlink()
        channel.action_archive()
        self.assertEqual(self.touchpoint_a.channel_id, channel)

    def test_other_company_user_sees_nothing(self):
        as_b = self.Touchpoint.with_user(self.user_company_b)
        self.assertFalse(as_b.search([("id", "=", self.touchpoint_a.id)]))
        with self.assertRaises(AccessError):
            self.touchpoint_a.with_user(self.user_company_b).read(["summary"])
        with self.assertRaises(AccessError):
            self.touchpoint_a.with_user(self.user_company_b).unlink()
        self.assertEqual(self.customer.with_user(self.user_company_b).touchpoint_count, 0)
        self.assertFalse(self.customer.with_user(self.user_company_b).timeline_touchpoint_ids)

    def test_portal_and_public_see_nothing(self):
        portal = self._create_portal_user()
        public = self.env.ref("base.public_user")
        for user in (portal, public):
            with self.assertRaises(AccessError):
                self.Touchpoint.with_user(user).search([])
            with self.assertRaises(AccessError):
                self.touchpoint_a.with_user(user).read(["summary"])
            with self.assertRaises(AccessError):
                self.Touchpoint.with_user(user).create({"partner_id": user.partner_id.id, "touchpoint_type": "other"})

    def test_employee_without_ecrm_group(self):
        employee = new_test_user(self.env, "plain_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.Touchpoint.with_user(employee).search([])
        # the partner form still opens for them: the 360 fields are empty, not an error
        partner = self.customer.with_user(employee)
        self.assertEqual(partner.touchpoint_count, 0)
        self.assertFalse(partner.timeline_touchpoint_ids)
        partner.get_views([(False, "form")])
