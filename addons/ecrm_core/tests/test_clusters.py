"""Clustering and classification of customers (C7), on a planted population."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import EcrmCommon

# Three kinds of customer, far apart: (count, days since last purchase or None, purchases, spend,
# touchpoints per type over the last year, birth years ago, household, children)
PLANTED = {
    "mail_spenders": (8, 20, 6, 6000.0, {"email_in": 12, "email_out": 18}, 45, 4, 2),
    "web_browsers": (8, None, 0, 0.0, {"web_visit": 25, "email_out": 1}, 25, 1, 0),
    "shop_regulars": (8, 200, 2, 150.0, {"shop_visit": 8}, 68, 2, 0),
}


@tagged("post_install", "-at_install", "ecrm_core")
class TestClusters(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("ecrm_core.cluster_k_max", 6)
        cls.Run = cls.env["ecrm.cluster.run"]
        now = fields.Datetime.now()
        today = fields.Date.today()
        Partner = cls.env["res.partner"]
        cls.groups = {}
        touchpoints = []
        for key, (count, recency, purchases, spend, contacts, age, household, children) in PLANTED.items():
            partners = Partner.create(
                [
                    {
                        "name": "%s %d" % (key, number),
                        "email": "%s.%d@example.com" % (key, number),
                        "birth_date": today.replace(year=today.year - age) - timedelta(days=40 * number),
                        "household_size": household,
                        "children_count": children,
                    }
                    for number in range(count)
                ]
            )
            cls.groups[key] = partners
            for partner in partners:
                for kind, number in contacts.items():
                    touchpoints += [
                        {
                            "partner_id": partner.id,
                            "touchpoint_type": kind,
                            "direction": "outbound" if kind == "email_out" else "inbound",
                            "date": now - timedelta(days=3 + 7 * index),
                        }
                        for index in range(number)
                    ]
            # the statistics as the nightly refresh would have stored them; members differ a little
            cls.env.flush_all()
            cls.env.cr.execute(
                SQL(
                    """
                WITH v AS (SELECT * FROM unnest(%s::int[]) WITH ORDINALITY AS v(id, rank))
                INSERT INTO ecrm_contact_stats_data AS d (partner_id, lifecycle_stage, purchase_count, monetary_total,
                                                          last_purchase_date, contact_stats_date)
                SELECT v.id, %s, %s, %s * (1 + 0.01 * v.rank), %s::timestamp - interval '1 day' * v.rank, %s FROM v
                ON CONFLICT (partner_id) DO UPDATE
                   SET lifecycle_stage = excluded.lifecycle_stage,
                       purchase_count = excluded.purchase_count, monetary_total = excluded.monetary_total,
                       last_purchase_date = excluded.last_purchase_date,
                       contact_stats_date = excluded.contact_stats_date
                """,
                    partners.ids,
                    "repeat" if purchases else "latent",
                    purchases,
                    spend,
                    now - timedelta(days=recency) if recency is not None else None,
                    now,
                )
            )
        cls.env["ecrm.touchpoint"].create(touchpoints)
        # only the planted customers are customers in this test
        cls.planted = Partner.concat(*cls.groups.values())
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE ecrm_contact_stats_data SET lifecycle_stage = NULL WHERE NOT (partner_id = ANY(%s))",
                cls.planted.ids,
            )
        )
        cls.env.invalidate_all()
        cls.category = cls.env["product.category"].create({"name": "Office chairs"})
        cls.product = cls.env["product.product"].create(
            {"name": "Ergonomic chair", "list_price": 500.0, "categ_id": cls.category.id, "taxes_id": False}
        )

    def run_clustering(self):
        return self.Run.with_user(self.user_ecrm_manager)._run_clustering()

    def test_planted_groups_are_recovered(self):
        run = self.run_clustering()
        self.assertEqual(run.partner_count, 24)
        self.assertEqual(run.k, 3, "silhouette picks the three planted groups: %s" % run.silhouette_summary)
        self.assertEqual(run.k_method, "silhouette")
        self.assertGreater(run.silhouette, 0.5)
        self.assertEqual(run.state, "active")
        clusters = set()
        for key, partners in self.groups.items():
            self.assertEqual(len(partners.cluster_id), 1, "every %s is in the same cluster" % key)
            clusters.add(partners.cluster_id)
        self.assertEqual(len(clusters), 3, "each group has its own cluster")
        self.assertEqual(sorted(run.cluster_ids.mapped("size")), [8, 8, 8])
        # the words say what tells the groups apart
        spenders = self.groups["mail_spenders"].cluster_id
        self.assertIn("mostly e-mail", spenders.name)
        self.assertIn("the average", spenders.name)
        self.assertEqual(spenders.name, spenders.description_auto)
        self.assertIn("Has not bought yet", self.groups["web_browsers"].cluster_id.name)
        self.assertIn("mostly in the shop", self.groups["shop_regulars"].cluster_id.name)
        self.assertAlmostEqual(spenders.centroid["monetary_total"], 6000.0, delta=6000 * 0.05)
        self.assertEqual(spenders.partner_count, 8)
        # the household of latent web browsers is known, their children too: nothing to fill in
        self.assertIn("Every feature was known", run.notes)

    def test_user_k_and_unknown_values(self):
        self.env["ir.config_parameter"].sudo().set_param("ecrm_core.cluster_k_mode", "user")
        self.env["ir.config_parameter"].sudo().set_param("ecrm_core.cluster_k", 2)
        self.groups["web_browsers"].write({"birth_date": False})
        run = self.run_clustering()
        self.assertEqual((run.k, run.k_method), (2, "user"))
        self.assertIn("Age unknown for 8 of 24 customers (33%)", run.notes)

    def test_new_customer_is_classified_without_a_new_run(self):
        run = self.run_clustering()
        runs = self.Run.search_count([])
        spenders = self.groups["mail_spenders"].cluster_id
        newcomer = self.env["res.partner"].create(
            {"name": "Newcomer", "email": "newcomer@example.com", "birth_date": "1980-05-05", "household_size": 4}
        )
        self.assertFalse(newcomer.cluster_id)
        self.env["ecrm.touchpoint"].create(
            [
                {"partner_id": newcomer.id, "touchpoint_type": "email_in", "date": fields.Datetime.now()}
                for _index in range(25)
            ]
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": newcomer.id,
                "order_line": [Command.create({"product_id": self.product.id, "price_unit": 5500.0})],
            }
        )
        order.action_confirm()
        # the statistics refresh (nightly, or the button on the customer) places them
        self.env["res.partner"]._ecrm_compute_contact_stats([newcomer.id])
        self.assertEqual(newcomer.lifecycle_stage, "new")
        self.assertEqual(newcomer.cluster_id, spenders)
        self.assertEqual(self.Run.search_count([]), runs, "no new clustering")
        self.assertEqual(run.state, "active")
        self.assertEqual(spenders.partner_count, 9)
        self.assertEqual(spenders.size, 8, "the size at the run does not move")

        # what they bought shows in the buying habits of their cluster
        report = self.env["ecrm.cluster.purchase.report"].with_user(self.user_ecrm)
        groups = report._read_group(
            [("partner_id", "=", newcomer.id)], ["cluster_id", "product_category_id"], ["amount:sum", "quantity:sum"]
        )
        self.assertEqual(groups, [(spenders, self.category, 5500.0, 1.0)])
        groups = report._read_group(
            [("cluster_id", "=", spenders.id)], ["product_category_id"], ["order_count:count_distinct"]
        )
        self.assertEqual(groups, [(self.category, 1)], "order count counts distinct orders")

    def test_customers_in_no_cluster_join_at_the_next_refresh(self):
        self.run_clustering()
        web = self.groups["web_browsers"]
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE res_partner SET cluster_id = NULL WHERE id = ANY(%s)", web.ids))
        self.env.invalidate_all()
        # a refresh that changes nobody's statistics still places them
        self.env["res.partner"]._ecrm_after_contact_stats([])
        self.assertEqual(len(web.cluster_id), 1)
        self.assertIn("Has not bought yet", web.cluster_id.name)

    def test_renamed_cluster_keeps_its_name_and_identity(self):
        first = self.run_clustering()
        spenders = self.groups["mail_spenders"].cluster_id
        spenders.with_user(self.user_ecrm_manager).name = "E-mail VIPs"
        second = self.run_clustering()
        self.assertEqual(first.state, "superseded")
        self.assertEqual(second.state, "active")
        self.assertEqual(self.groups["mail_spenders"].cluster_id, spenders, "the same customers, the same cluster")
        self.assertEqual(spenders.run_id, second)
        self.assertEqual(spenders.name, "E-mail VIPs")
        self.assertEqual(len(second.cluster_ids), 3)
        self.assertFalse(first.cluster_ids, "no cluster is left behind in the old run")

    def test_too_few_customers(self):
        self.env.cr.execute(SQL("UPDATE ecrm_contact_stats_data SET lifecycle_stage = NULL"))
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "clustering needs at least"):
            self.run_clustering()

    def test_cron_skips_companies_without_customers(self):
        self.env["res.company"].create({"name": "Empty Company"})
        self.Run._cron_cluster_customers()
        self.assertEqual(self.Run.search([]).company_id, self.company)

    def test_rights_and_companies(self):
        # a user reads the clusters but cannot run or rename them
        with self.assertRaises(AccessError):
            self.Run.with_user(self.user_ecrm).action_run_clustering()
        action = self.Run.with_user(self.user_ecrm_manager).action_run_clustering()
        self.assertEqual(action["res_model"], "ecrm.cluster")
        cluster = self.env["ecrm.cluster"].with_user(self.user_ecrm).search([], limit=1)
        self.assertTrue(cluster)
        with self.assertRaises(AccessError):
            cluster.name = "Mine"
        # another company's user sees neither runs, clusters nor buying habits of this one
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = new_test_user(
            self.env,
            "ecrm_cluster_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        self.assertFalse(self.env["ecrm.cluster"].with_user(user_b).search([]))
        self.assertFalse(self.Run.with_user(user_b).search([]))
        self.assertFalse(self.env["ecrm.cluster.purchase.report"].with_user(user_b).search([]))
        with self.assertRaises(AccessError):
            cluster.with_user(user_b).read(["name"])
        # the shared customers already in this company's clusters stay there: none left for B to cluster
        with self.assertRaisesRegex(UserError, "Only 0 customers of Company B"):
            self.Run.with_user(user_b).with_company(company_b)._run_clustering(company_b)
        self.assertEqual(self.planted.cluster_id.company_id, self.company)
