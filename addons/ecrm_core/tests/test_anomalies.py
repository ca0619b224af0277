"""Anomaly flags (C7): planted unusual customers are found, normal ones are not."""

from datetime import date, timedelta

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestAnomalies(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Anomaly = cls.env["ecrm.anomaly"]
        cls.now = fields.Datetime.now()
        cls.product = cls.env["product.product"].create({"name": "Desk lamp", "list_price": 100.0, "taxes_id": False})
        Partner = cls.env["res.partner"]
        cls.dropper, cls.steady, cls.one_off = Partner.create(
            [{"name": "Dropping Darius"}, {"name": "Steady Sima"}, {"name": "One-off Omid"}]
        )
        # Darius spent 600 in each of the three quarters before the last one, and 120 in the last
        for days in (300, 200, 120):
            cls.order(cls.dropper, 600.0, days)
        cls.order(cls.dropper, 120.0, 10)
        # Sima spends the same every quarter
        for days in (300, 200, 120, 10):
            cls.order(cls.steady, 500.0, days)
        # Omid bought once, long ago: no habit to drop
        cls.order(cls.one_off, 900.0, 200)

        # Vida visited the website a dozen times a quarter, and once in the last one
        cls.visitor, cls.regular_visitor = Partner.create([{"name": "Vanishing Vida"}, {"name": "Regular Reza"}])
        visits = []
        for partner, recent in ((cls.visitor, 1), (cls.regular_visitor, 12)):
            visits += [cls.touchpoint(partner, "web_visit", 100 + 7 * index) for index in range(24)]
            visits += [cls.touchpoint(partner, "web_visit", 2 + 5 * index) for index in range(recent)]
        # Bahram got 45 touchpoints yesterday; Nora her usual 3
        cls.burst, cls.calm = Partner.create([{"name": "Bursting Bahram"}, {"name": "Calm Nora"}])
        visits += [cls.touchpoint(cls.burst, "web_visit", 1, seconds=index) for index in range(45)]
        visits += [cls.touchpoint(cls.calm, "chat", days) for days in (1, 1, 1, 30, 60)]
        cls.env["ecrm.touchpoint"].create(visits)

        today = fields.Date.today()
        cls.unborn, cls.ancient, cls.normal = Partner.create(
            [
                {"name": "Future Farid", "birth_date": today + timedelta(days=400)},
                {"name": "Ancient Azar", "birth_date": date(1890, 1, 2)},
                {"name": "Normal Nasim", "birth_date": date(1990, 6, 1)},
            ]
        )
        Partner._ecrm_compute_contact_stats()

    @classmethod
    def order(cls, partner, amount, days_ago):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": cls.product.id, "price_unit": amount})],
            }
        )
        order.action_confirm()
        order.date_order = cls.now - timedelta(days=days_ago)
        return order

    @classmethod
    def touchpoint(cls, partner, kind, days_ago, seconds=0):
        return {
            "partner_id": partner.id,
            "touchpoint_type": kind,
            "date": cls.now - timedelta(days=days_ago) + timedelta(seconds=seconds),
        }

    def flags_of(self, partner, kind=None):
        domain = [("partner_id", "=", partner.id)] + ([("kind", "=", kind)] if kind else [])
        return self.Anomaly.search(domain)

    def test_planted_anomalies_are_found_and_normal_customers_are_not(self):
        new = self.Anomaly._detect_anomalies()
        drop = self.flags_of(self.dropper)
        self.assertEqual(drop.kind, "spend_drop")
        self.assertEqual(
            drop.reason,
            "Spent 80% less in the last 90 days than on average in the 3 periods of 90 days before (120.00 vs 600.00)",
        )
        self.assertAlmostEqual(drop.value, 80.0)
        self.assertEqual(drop.state, "new")
        self.assertEqual(drop.company_id, self.company)
        self.assertEqual(self.flags_of(self.visitor).kind, "visit_drop")
        self.assertIn("Visited 92% less", self.flags_of(self.visitor).reason)
        burst = self.flags_of(self.burst)
        self.assertEqual(burst.kind, "touchpoint_burst")
        self.assertTrue(burst.reason.startswith("45 touchpoints on "), burst.reason)
        self.assertEqual(self.flags_of(self.unborn).kind, "future_birth_date")
        self.assertIn("is in the future", self.flags_of(self.unborn).reason)
        self.assertEqual(self.flags_of(self.ancient).kind, "age_over_120")
        self.assertIn("Born on 1890-01-02", self.flags_of(self.ancient).reason)
        for normal in (self.steady, self.one_off, self.regular_visitor, self.calm, self.normal):
            self.assertFalse(self.flags_of(normal), "%s is not unusual" % normal.name)
        self.assertLessEqual(drop | burst, new)
        # the customer shows the flag, and the search finds them
        self.assertEqual(self.dropper.open_anomaly_count, 1)
        self.assertIn(self.dropper, self.env["res.partner"].search([("anomaly_ids.state", "=", "new")]))

    def test_monetary_total_that_does_not_match_the_orders(self):
        self.assertFalse(self.flags_of(self.steady, "monetary_mismatch"), "fresh statistics match")
        self.order(self.dropper, 50.0, 1)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE ecrm_contact_stats_data SET monetary_total = monetary_total + 500 WHERE partner_id = ANY(%s)",
                self.steady.ids,
            )
        )
        # Darius's statistics date from before his last order changed: only waiting for the refresh
        self.env.cr.execute(
            SQL(
                "UPDATE ecrm_contact_stats_data SET contact_stats_date = %s WHERE partner_id = ANY(%s)",
                self.now - timedelta(hours=1),
                self.dropper.ids,
            )
        )
        self.env.invalidate_all()
        self.Anomaly._detect_anomalies()
        mismatch = self.flags_of(self.steady, "monetary_mismatch")
        self.assertEqual(
            mismatch.reason,
            "Total purchases shows 2,500.00 but the confirmed orders add up to 2,000.00 (a difference of 500.00)",
        )
        self.assertFalse(self.flags_of(self.dropper, "monetary_mismatch"))

    def test_no_duplicate_open_flags_and_review(self):
        self.Anomaly._detect_anomalies()
        self.Anomaly._detect_anomalies()
        flag = self.flags_of(self.unborn)
        self.assertEqual(len(flag), 1, "the same open flag is not raised twice")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.Anomaly.create({"partner_id": self.unborn.id, "kind": "future_birth_date", "reason": "again"})

        # a user marks it reviewed; it is not raised again while the data stays the same
        flag.with_user(self.user_ecrm).action_mark_reviewed()
        self.assertEqual(flag.state, "reviewed")
        self.assertEqual(flag.reviewed_by_id, self.user_ecrm)
        self.assertTrue(flag.reviewed_at)
        self.assertEqual(self.unborn.open_anomaly_count, 0)
        self.Anomaly._detect_anomalies()
        self.assertEqual(self.flags_of(self.unborn), flag)
        # after the quiet period it comes back
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE ecrm_anomaly SET reviewed_at = %s WHERE id = %s", self.now - timedelta(days=91), flag.id)
        )
        self.env.invalidate_all()
        self.Anomaly._detect_anomalies()
        self.assertEqual(len(self.flags_of(self.unborn)), 2)
        self.assertEqual(len(self.flags_of(self.unborn).filtered(lambda f: f.state == "new")), 1)

    def test_rights_and_companies(self):
        self.Anomaly._detect_anomalies()
        flag = self.flags_of(self.ancient)
        # a user closes flags but cannot rewrite them, nor run the detection
        with self.assertRaises(AccessError):
            flag.with_user(self.user_ecrm).write({"reason": "Nothing to see"})
        with self.assertRaises(AccessError):
            flag.with_user(self.user_ecrm).write({"state": "reviewed"})
        with self.assertRaises(AccessError):
            self.Anomaly.with_user(self.user_ecrm).action_detect_anomalies()
        result = self.Anomaly.with_user(self.user_ecrm_manager).action_detect_anomalies()
        self.assertEqual(result["params"]["message"], "No new anomaly.")

        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = new_test_user(
            self.env,
            "ecrm_anomaly_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        as_b = self.Anomaly.with_user(user_b)
        self.assertFalse(as_b.search([("partner_id", "=", self.ancient.id)]))
        with self.assertRaises(AccessError):
            flag.with_user(user_b).read(["reason"])
        with self.assertRaises(AccessError):
            flag.with_user(user_b).action_mark_reviewed()
        self.assertEqual(self.ancient.with_user(user_b).open_anomaly_count, 0)
        self.assertNotIn(
            self.ancient, self.env["res.partner"].with_user(user_b).search([("anomaly_ids.state", "=", "new")])
        )
        # company B checks its own data: the shared customer gets B's own flag, A's stays A's
        as_b.with_company(company_b)._detect_anomalies(company_b)
        self.assertEqual(as_b.search([("partner_id", "=", self.ancient.id)]).company_id, company_b)
        self.assertEqual(len(self.flags_of(self.ancient)), 2)
