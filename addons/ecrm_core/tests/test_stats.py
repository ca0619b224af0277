"""Contact statistics and lifecycle stages on known data (C4, C5)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestStats(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now()
        cls.product = cls.env["product.product"].create({"name": "Rug", "list_price": 100.0})

    def touch(self, partner, days_ago, kind="call", direction="inbound"):
        return self.Touchpoint.create(
            {
                "partner_id": partner.id,
                "touchpoint_type": kind,
                "direction": direction,
                "date": self.now - timedelta(days=days_ago),
            }
        )

    def order(self, partner, days_ago, amount):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1, "price_unit": amount})],
            }
        )
        order.action_confirm()
        order.date_order = self.now - timedelta(days=days_ago)
        return order

    def test_statistics(self):
        self.touch(self.customer, 400)
        self.touch(self.customer, 100)
        self.touch(self.customer, 10)
        self.touch(self.customer, 5, "email_out", "outbound")
        self.touch(self.customer, 4, "email_out", "outbound")
        self.touch(self.customer, 3, "email_in")
        self.order(self.customer, 20, 250.0)
        self.order(self.customer, 60, 150.0)
        self.env["res.partner"]._ecrm_compute_contact_stats()
        c = self.customer
        # 6 touchpoints by hand + 2 purchases captured at confirmation (dated now)
        self.assertEqual(c.first_touchpoint_date, self.now - timedelta(days=400))
        self.assertEqual((c.touchpoint_count_30d, c.touchpoint_count_90d, c.touchpoint_count_365d), (6, 6, 7))
        self.assertEqual(c.purchase_count, 2)
        self.assertAlmostEqual(c.monetary_total, 400.0)
        self.assertEqual(c.last_purchase_date, self.now - timedelta(days=20))
        self.assertAlmostEqual(c.email_response_rate, 50.0)
        self.assertEqual(c.lifecycle_stage, "repeat")
        self.assertTrue(c.contact_stats_date)

    def test_lifecycle_stages(self):
        Partner = self.env["res.partner"]
        latent, new, loyal, at_risk, lost, silent, outbound_only = Partner.create(
            [{"name": n} for n in ("Latent", "New", "Loyal", "At risk", "Lost", "Silent", "Only mailed")]
        )
        self.touch(latent, 3, "web_visit")
        self.order(new, 10, 100)
        for days in (10, 40, 70, 100, 130):
            self.order(loyal, days, 100)
        self.order(at_risk, 200, 100)
        self.order(lost, 400, 100)
        self.touch(outbound_only, 1, "email_out", "outbound")
        Partner._ecrm_compute_contact_stats()
        self.assertEqual(
            [p.lifecycle_stage for p in (latent, new, loyal, at_risk, lost, silent, outbound_only)],
            ["latent", "new", "loyal", "at_risk", "lost", False, False],
        )
        # thresholds are settings
        self.env["ir.config_parameter"].set_param("ecrm_core.loyal_purchase_count", 10)
        self.env["ir.config_parameter"].set_param("ecrm_core.at_risk_days", 250)
        Partner._ecrm_compute_contact_stats()
        self.assertEqual((loyal.lifecycle_stage, at_risk.lifecycle_stage), ("repeat", "new"))

    def test_company_rolls_up_its_contacts(self):
        """B2B (C14): the company's statistics include its people's touchpoints and orders."""
        self.touch(self.company_contact, 2, "meeting")
        self.touch(self.company_partner, 1, "call")
        self.order(self.company_contact, 5, 1000)
        self.env["res.partner"]._ecrm_compute_contact_stats()
        self.assertEqual(self.company_contact.touchpoint_count_30d, 2)
        self.assertEqual(self.company_partner.touchpoint_count_30d, 3)
        self.assertEqual(self.company_partner.purchase_count, 1)
        self.assertAlmostEqual(self.company_partner.monetary_total, 1000)
        self.assertEqual(self.company_partner.lifecycle_stage, "new")
        self.assertEqual(self.company_partner.touchpoint_count, 3)
        self.assertEqual(len(self.company_partner.timeline_touchpoint_ids), 3)

    def test_only_changed_rows_are_written_and_subset_refresh(self):
        Partner = self.env["res.partner"]
        self.touch(self.customer, 1)
        Partner._ecrm_compute_contact_stats()
        self.assertEqual(Partner._ecrm_compute_contact_stats(), 0, "nothing changed, nothing written")
        self.touch(self.customer, 1)
        self.touch(self.customer_2, 1)
        self.assertEqual(Partner._ecrm_compute_contact_stats(self.customer.ids), 1)
        self.assertEqual(self.customer.touchpoint_count_30d, 2)
        self.assertEqual(self.customer_2.touchpoint_count_30d, 0, "not refreshed yet")

    def test_cron_and_refresh_button(self):
        self.touch(self.customer_2, 1, "chat")
        self.customer_2.action_ecrm_refresh_stats()
        self.assertEqual(self.customer_2.lifecycle_stage, "latent")
        self.env.ref("ecrm_core.ir_cron_contact_stats").method_direct_trigger()

    def test_profile_age_band_and_life_stage(self):
        today = fields.Date.context_today(self.customer)
        self.customer.write(
            {"birth_date": today.replace(year=today.year - 38), "household_size": 4, "children_count": 2}
        )
        self.assertEqual((self.customer.age, self.customer.age_band), (38, "35_44"))
        self.assertEqual(self.customer.life_stage, "young_family")
        self.customer.life_stage_override = "mature_family"
        self.assertEqual(self.customer.life_stage, "mature_family")
        self.customer.life_stage_override = False
        self.assertEqual(self.customer.life_stage, "young_family")
        # a birthday passes: the nightly refresh moves the age and everything derived from it
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET age = 37 WHERE id = %s", [self.customer.id])
        self.customer.invalidate_recordset()
        self.assertGreaterEqual(self.env["res.partner"]._ecrm_refresh_ages(), 1)
        self.assertEqual(self.customer.age, 38)
        self.assertEqual(self.env["res.partner"]._ecrm_refresh_ages(), 0, "the next night has nothing to do")
