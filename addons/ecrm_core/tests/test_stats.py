"""Contact statistics and lifecycle stages on known data (C4, C5)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import column_exists

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

    def test_statistics_search_sort_and_sum_from_their_own_table(self):
        """The figures live in ecrm_contact_stats_data, yet filters, sorting and totals on res.partner still work."""
        Partner = self.env["res.partner"]
        self.order(self.customer, 20, 250.0)
        self.order(self.customer_2, 30, 900.0)
        Partner._ecrm_compute_contact_stats()
        newcomer = Partner.create({"name": "Not counted yet"})
        both = self.customer | self.customer_2
        self.assertEqual(
            Partner.search([("id", "in", both.ids)], order="monetary_total desc"), self.customer_2 | self.customer
        )
        self.assertEqual(Partner.search([("id", "in", both.ids), ("monetary_total", ">", 500)]), self.customer_2)
        # a contact without a statistics row reads as no purchase and is found as such (segments use such domains)
        self.assertEqual(newcomer.purchase_count, 0)
        self.assertFalse(newcomer.last_purchase_date)
        self.assertIn(newcomer, Partner.search([("purchase_count", "=", 0)]))
        self.assertIn(newcomer, Partner.search([("last_purchase_date", "=", False)]))
        self.assertNotIn(self.customer, Partner.search([("purchase_count", "=", 0)]))
        groups = Partner.read_group([("id", "in", both.ids)], ["monetary_total:sum"], [])
        self.assertAlmostEqual(groups[0]["monetary_total"], 1150.0)
        self.assertTrue(Partner.fields_get(["monetary_total"], ["sortable"])["monetary_total"]["sortable"])
        # no longer columns of res_partner: rewriting the figures does not rewrite the partners
        self.env.cr.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_name = 'res_partner' AND column_name = 'monetary_total'"
        )
        self.assertFalse(self.env.cr.fetchall())

    def stats_row(self, partner):
        self.env.cr.execute(
            SQL(
                "SELECT lifecycle_stage, purchase_count, monetary_total FROM ecrm_contact_stats_data"
                " WHERE partner_id = %s",
                partner.id,
            )
        )
        return self.env.cr.fetchone()

    def test_lifecycle_stage_in_the_statistics_table(self):
        """C5: the stage lives with the figures, yet reads, filters, sorts and groups on res.partner as before."""
        Partner = self.env["res.partner"]
        latent, new, repeat, silent = Partner.create([{"name": n} for n in ("Latent", "New", "Repeat", "Silent")])
        self.touch(latent, 3, "web_visit")
        self.order(new, 10, 80.0)
        self.order(repeat, 10, 120.0)
        self.order(repeat, 40, 100.0)
        # the first run after install or upgrade finds the table empty and fills it with a plain INSERT
        self.env.cr.execute("DELETE FROM ecrm_contact_stats_data")
        filled = Partner._ecrm_compute_contact_stats()
        self.env.cr.execute("SELECT count(*) FROM res_partner")
        self.assertEqual(filled, self.env.cr.fetchone()[0], "a row for every partner, archived ones too")
        self.assertEqual(Partner._ecrm_compute_contact_stats(), 0, "the upsert path finds nothing changed")
        people = latent | new | repeat | silent
        self.assertEqual(people.mapped("lifecycle_stage"), ["latent", "new", "repeat", False])
        self.assertEqual(self.stats_row(repeat), ("repeat", 2, 220.0))
        self.assertFalse(column_exists(self.env.cr, "res_partner", "lifecycle_stage"), "no res_partner rewrite")
        # filters, as the "Latent customers" menu and the segments use them
        scope = [("id", "in", people.ids)]
        self.assertEqual(Partner.search(scope + [("lifecycle_stage", "=", "latent")]), latent)
        self.assertEqual(Partner.search(scope + [("lifecycle_stage", "in", ["new", "repeat"])]), new | repeat)
        self.assertEqual(Partner.search(scope + [("lifecycle_stage", "=", False)]), silent)
        self.assertEqual(Partner.search(scope + [("lifecycle_stage", "!=", "latent")]), new | repeat | silent)
        self.assertEqual(Partner.search(scope + [("monetary_total", ">", 100)]), repeat)
        self.assertEqual(Partner.search(scope + [("purchase_count", ">=", 1)]), new | repeat)
        # sorting (list view column headers) and grouping (list and pivot group-bys)
        self.assertEqual(
            Partner.search(scope, order="lifecycle_stage, id").ids, [latent.id, new.id, repeat.id, silent.id]
        )
        self.assertEqual(Partner.search(scope, order="monetary_total desc, id").ids[:2], [repeat.id, new.id])
        described = Partner.fields_get(["lifecycle_stage"], ["sortable", "groupable"])["lifecycle_stage"]
        self.assertTrue(described["sortable"] and described["groupable"])
        groups = Partner.read_group(scope, ["monetary_total:sum"], ["lifecycle_stage"])
        self.assertEqual(
            {g["lifecycle_stage"]: (g["lifecycle_stage_count"], g["monetary_total"]) for g in groups},
            {"latent": (1, 0.0), "new": (1, 80.0), "repeat": (1, 220.0), False: (1, 0.0)},
        )
        web = Partner.web_read_group(scope, ["purchase_count:sum"], ["lifecycle_stage"])
        self.assertEqual(web["length"], 4)
        self.assertEqual(
            dict(Partner._read_group(scope, ["lifecycle_stage"], ["__count"])),
            {"latent": 1, "new": 1, "repeat": 1, False: 1},
        )

    def test_lifecycle_stage_written_by_code(self):
        """Contacts made from events or referrals are created "latent"; the next run derives the stage again."""
        Partner = self.env["res.partner"]
        newcomers = Partner.create([{"name": "Event Person", "lifecycle_stage": "latent"}, {"name": "No Stage"}])
        newcomer, plain = newcomers
        self.assertEqual(self.stats_row(newcomer), ("latent", None, None), "only the stage is known yet")
        self.assertIsNone(self.stats_row(plain), "no row for a contact without a stage or statistics")
        newcomers.invalidate_recordset()
        self.assertEqual(newcomers.mapped("lifecycle_stage"), ["latent", False])
        self.assertEqual((newcomer.purchase_count, newcomer.last_purchase_date), (0, False))
        self.assertEqual(Partner.search([("lifecycle_stage", "=", "latent"), ("id", "in", newcomers.ids)]), newcomer)
        plain.write({"lifecycle_stage": "new"})
        newcomer.write({"lifecycle_stage": False})
        newcomers.invalidate_recordset()
        self.assertEqual(newcomers.mapped("lifecycle_stage"), [False, "new"])
        # no touchpoint, no order: the statistics run sets both straight and fills the figures
        self.touch(newcomer, 1, "form")
        self.assertEqual(Partner._ecrm_compute_contact_stats(newcomers.ids), 2)
        self.assertEqual(newcomers.mapped("lifecycle_stage"), ["latent", False])
        self.assertEqual(self.stats_row(plain), (None, 0, 0.0))

    def test_deleted_partner_loses_its_row_at_the_next_full_run(self):
        Partner = self.env["res.partner"]
        leaving = Partner.create({"name": "Leaving", "lifecycle_stage": "latent"})
        self.touch(leaving, 2, "chat")
        Partner._ecrm_compute_contact_stats()
        self.assertEqual(self.stats_row(leaving)[0], "latent")
        leaving_id = leaving.id
        leaving.unlink()
        Partner._ecrm_compute_contact_stats(self.customer.ids)
        self.assertEqual(
            self.env["ecrm.contact.stats"].search_count([("partner_id", "=", leaving_id)]), 0, "never shown"
        )
        Partner._ecrm_compute_contact_stats()
        self.env.cr.execute(SQL("SELECT count(*) FROM ecrm_contact_stats_data WHERE partner_id = %s", leaving_id))
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_other_company_sees_nothing_new(self):
        """A company-B user finds none of company A's customers through the statistics, stage or their model."""
        Partner = self.env["res.partner"]
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = self.env["res.users"].create(
            {
                "name": "Bahar B",
                "login": "bahar_b_stats",
                "company_id": company_b.id,
                "company_ids": [Command.set(company_b.ids)],
                "groups_id": [Command.set([self.env.ref("ecrm_core.group_ecrm_manager").id])],
            }
        )
        own = Partner.create({"name": "Company A buyer", "company_id": self.company.id})
        self.order(own, 5, 700.0)
        Partner._ecrm_compute_contact_stats()
        self.assertEqual(own.lifecycle_stage, "new")
        as_b = Partner.with_user(user_b).with_company(company_b)
        self.assertNotIn(own, as_b.search([("monetary_total", ">", 600)]))
        self.assertNotIn(own, as_b.search([("lifecycle_stage", "=", "new")]))
        counted = dict(as_b._read_group([("id", "=", own.id)], ["lifecycle_stage"], ["__count"]))
        self.assertFalse(counted)
        Stats = self.env["ecrm.contact.stats"]
        self.assertTrue(Stats.search([("partner_id", "=", own.id)]))
        self.assertFalse(Stats.with_user(user_b).with_company(company_b).search([("partner_id", "=", own.id)]))

    def test_upgrade_moves_the_old_columns(self):
        """Upgrading from the version that stored statistics and stage on res_partner keeps them, then drops them."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "ALTER TABLE res_partner ADD COLUMN lifecycle_stage varchar, ADD COLUMN monetary_total double precision,"
            " ADD COLUMN contact_stats_date timestamp"
        )
        cr.execute("CREATE INDEX res_partner__lifecycle_stage_index ON res_partner (lifecycle_stage)")
        cr.execute(
            SQL(
                "UPDATE res_partner SET lifecycle_stage = 'loyal', monetary_total = 1234.5, contact_stats_date = %s"
                " WHERE id = %s",
                self.now,
                self.customer.id,
            )
        )
        self.env["ecrm.contact.stats"].init()
        self.assertEqual(self.stats_row(self.customer), ("loyal", None, 1234.5))
        for name in ("lifecycle_stage", "monetary_total", "contact_stats_date"):
            self.assertFalse(column_exists(cr, "res_partner", name))
        cr.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'res_partner__lifecycle_stage_index'")
        self.assertFalse(cr.fetchall())
        self.customer.invalidate_recordset()
        self.assertEqual((self.customer.lifecycle_stage, self.customer.monetary_total), ("loyal", 1234.5))

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
