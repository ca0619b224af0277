from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import DestinationCommon


@tagged("post_install", "-at_install", "ecrm_destination")
class TestDestinationSecurity(DestinationCommon):
    """A user of company B sees no trip, offer rule or information need of company A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Shiraz Tourism Board"})
        cls.user_b = mail_new_test_user(
            cls.env,
            login="dest_user_b",
            name="Bahar B",
            email="b@example.com",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
            groups="base.group_user,ecrm_core.group_ecrm_manager",
        )
        cls.trip_a = cls._trip(cls.graduate, date(2026, 5, 1), date(2026, 5, 3))
        cls.need_a = cls.env["ecrm.destination.info.need"].create(
            {"name": "A's secret itinerary", "phase": "before", "company_id": cls.company.id}
        )

    def test_company_b_sees_nothing_of_a(self):
        env_b = self.env(user=self.user_b)
        self.assertFalse(env_b["ecrm.trip"].search([("id", "=", self.trip_a.id)]))
        self.assertFalse(env_b["ecrm.destination.info.need"].search([("id", "=", self.need_a.id)]))
        self.assertNotIn(self.rule_child_care, env_b["ecrm.destination.offer.rule"].search([]))
        with self.assertRaises(AccessError):
            env_b["ecrm.trip"].browse(self.trip_a.id).read(["destination_area"])
        with self.assertRaises(AccessError):
            env_b["ecrm.trip"].browse(self.trip_a.id).write({"destination_area": "Hijacked"})

    def test_company_b_trip_uses_only_shared_or_own_rules(self):
        self.rule_child_care.company_id = self.company
        trip_b = (
            self.env["ecrm.trip"]
            .with_user(self.user_b)
            .create(
                {
                    "partner_id": self.mother.id,
                    "destination_area": "Shiraz",
                    "date_start": date(2027, 5, 1),
                    "date_end": date(2027, 5, 8),
                    "party_type": "family_young",
                    "accommodation": "hotel",
                }
            )
        )
        self.assertEqual(trip_b.company_id, self.company_b)
        self.assertFalse(trip_b.offer_rule_ids, "company A's child-care rule is not offered by company B")

    def test_plain_employee_cannot_read_trips(self):
        employee = mail_new_test_user(self.env, login="dest_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["ecrm.trip"].with_user(employee).search([])
