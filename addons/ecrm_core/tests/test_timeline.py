"""The customer 360: timeline and its cost (C2)."""

from odoo.tests import HttpCase, tagged

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestTimeline(EcrmCommon):
    def add_touchpoints(self, partner, count):
        self.Touchpoint.create(
            [
                {"partner_id": partner.id, "touchpoint_type": "web_visit", "summary": "visit %d" % i}
                for i in range(count)
            ]
        )

    def read_first_page(self, partner):
        partner = partner.with_user(self.user_ecrm)
        partner.invalidate_recordset()
        self.env.invalidate_all()
        data = partner.web_read(
            {
                "touchpoint_count": {},
                "timeline_touchpoint_ids": {
                    "fields": {
                        "date": {},
                        "touchpoint_type": {},
                        "channel_id": {"fields": {"display_name": {}}},
                        "summary": {},
                        "partner_id": {"fields": {"display_name": {}}},
                    }
                },
            }
        )
        return data[0]

    def test_queries_do_not_grow_with_history(self):
        """Opening the first page of a timeline costs the same with 5 or 500 touchpoints."""
        self.add_touchpoints(self.customer, 5)
        self.add_touchpoints(self.customer_2, 500)
        self.env.flush_all()
        self.read_first_page(self.customer)  # warm the caches of the views and rules
        counts = []
        for partner in (self.customer, self.customer_2):
            queries_before = self.env.cr.sql_log_count
            data = self.read_first_page(partner)
            counts.append(self.env.cr.sql_log_count - queries_before)
            self.assertEqual(len(data["timeline_touchpoint_ids"]), min(data["touchpoint_count"], 40))
        self.assertEqual(counts[0], counts[1], "the timeline's cost must not depend on its length")
        self.assertLessEqual(counts[1], 12)

    def test_newest_first_and_b2b(self):
        self.add_touchpoints(self.company_contact, 2)
        newest = self.Touchpoint.create({"partner_id": self.company_contact.id, "touchpoint_type": "call"})
        self.assertEqual(self.company_partner.timeline_touchpoint_ids[:1], newest)
        self.assertEqual(self.company_partner.touchpoint_count, 3)
        action = self.company_partner.action_open_touchpoints()
        self.assertEqual(self.Touchpoint.search_count(action["domain"]), 3)


@tagged("post_install", "-at_install", "ecrm_core")
class TestCustomer360Ui(HttpCase):
    def test_open_partner_360(self):
        """A salesperson opens a customer's 360 page in the web client."""
        partner = self.env.ref("ecrm_core.demo_partner_sara", raise_if_not_found=False)
        if not partner:
            partner = self.env["res.partner"].create({"name": "Sara Ahmadi"})
            self.env["ecrm.touchpoint"].create(
                {
                    "partner_id": partner.id,
                    "touchpoint_type": "chat",
                    "summary": "Asked whether the sofa fabric is washable.",
                }
            )
        self.start_tour(
            "/odoo/action-ecrm_core.res_partner_action_customers/%d" % partner.id,
            "ecrm_core_partner_360",
            login="admin",
        )
