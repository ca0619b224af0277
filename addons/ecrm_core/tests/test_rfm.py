"""RFM scores (C7, C8) on a hand-built population with known answers, and the monthly snapshots."""

import random
from datetime import timedelta

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import rfm
from .rfm_common import RfmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestRfm(RfmCommon):
    def test_quintile_scores_and_segments(self):
        # the ten, and the demo customers whose orders were cancelled losing their scores
        self.assertGreaterEqual(self.env["res.partner"]._ecrm_compute_rfm(), 10)
        # Worked out by hand (see POPULATION): ten customers, two per quintile.
        # Recency, oldest first: J I | H G | F E | D C | B A.
        # Frequency: B D G (1 order) | E (3) C (4) | J (5) F (6) | H (7) I (8) | A (9): NTILE puts G in the
        # second quintile with B and D in the first; equal figures share the lowest, so G scores 1 too.
        # Monetary: D B | G E | C F | H I | A J.
        self.assertEqual(
            self.scores(),
            {
                "A": (5, 5, 5, "champions"),
                "B": (5, 1, 1, "new"),
                "C": (4, 3, 3, "potential_loyalist"),
                "D": (4, 1, 1, "promising"),
                "E": (3, 2, 2, "about_to_sleep"),
                "F": (3, 4, 3, "loyal"),
                "G": (2, 1, 2, "hibernating"),
                "H": (2, 4, 4, "at_risk"),
                "I": (1, 5, 4, "cant_lose"),
                "J": (1, 3, 5, "at_risk"),
            },
        )
        self.assertEqual(self.people["A"].rfm_score, "555")
        self.assertEqual(self.people["J"].rfm_score, "135")
        self.assertIn("recommend", self.people["A"].rfm_segment_explanation)
        # the company F scores with its buyer's orders; the buyer has no score of their own
        self.assertFalse(self.buyer_f.rfm_segment)
        self.assertFalse(self.customer.rfm_segment)
        # nothing changed: nothing written
        self.assertEqual(self.env["res.partner"]._ecrm_compute_rfm(), 0)

    def test_grid_and_partner_search(self):
        Partner = self.env["res.partner"]
        Partner._ecrm_compute_rfm()
        people = Partner.concat(*self.people.values())
        grid = {
            (recency, frequency): count
            for recency, frequency, count in self.env["ecrm.rfm.score"]._read_group(
                [("partner_id", "in", people.ids)], ["recency_score", "frequency_score"], ["__count"]
            )
        }
        self.assertEqual(
            grid,
            {
                (5, 5): 1,
                (5, 1): 1,
                (4, 3): 1,
                (4, 1): 1,
                (3, 2): 1,
                (3, 4): 1,
                (2, 1): 1,
                (2, 4): 1,
                (1, 5): 1,
                (1, 3): 1,
            },
        )
        candidates = people | self.buyer_f | self.customer
        search = lambda domain: Partner.search([("id", "in", candidates.ids), *domain])
        self.assertEqual(search([("rfm_segment", "=", "champions")]), self.people["A"])
        self.assertEqual(
            search([("rfm_segment", "in", ["at_risk", "cant_lose"])]),
            self.people["H"] | self.people["I"] | self.people["J"],
        )
        self.assertEqual(search([("rfm_segment", "=", False)]), self.buyer_f | self.customer)
        self.assertEqual(search([("rfm_segment", "!=", False)]), people)
        self.assertEqual(search([("rfm_segment", "!=", "champions")]), candidates - self.people["A"])
        self.assertEqual(
            search([("rfm_recency_score", ">=", 4)]),
            self.people["A"] | self.people["B"] | self.people["C"] | self.people["D"],
        )
        self.assertEqual(search([("rfm_score", "=", "555")]), self.people["A"])
        # a company's people are found through it, as the RFM segments do
        self.assertEqual(search([("commercial_partner_id.rfm_segment", "=", "loyal")]), self.people["F"] | self.buyer_f)

    def test_threshold_scores(self):
        self.env["ir.config_parameter"].set_param("ecrm_core.rfm_method", "threshold")
        self.env["res.partner"]._ecrm_compute_rfm()
        # recency 30, 90, 180, 365 days; frequency 2, 3, 5, 10 orders; monetary 100, 500, 1000, 5000
        self.assertEqual(
            self.scores(),
            {
                "A": (5, 4, 3, "champions"),
                "B": (5, 1, 2, "new"),
                "C": (5, 3, 2, "potential_loyalist"),
                "D": (5, 1, 1, "new"),
                "E": (5, 3, 2, "potential_loyalist"),
                "F": (4, 4, 3, "loyal"),
                "G": (4, 1, 2, "promising"),
                "H": (3, 4, 3, "loyal"),
                "I": (2, 4, 3, "at_risk"),
                "J": (2, 4, 4, "at_risk"),
            },
        )

    def test_window_and_customers_leaving_it(self):
        old = self.env["res.partner"].create({"name": "Bought 30 months ago"})
        self.env["sale.order"].create(self._order_vals(old, 30 * 31, 5000))
        Partner = self.env["res.partner"]
        Partner._ecrm_compute_rfm()
        self.assertFalse(old.rfm_segment, "outside the default 24-month window")
        self.env["ir.config_parameter"].set_param("ecrm_core.rfm_window_months", "36")
        Partner._ecrm_compute_rfm()
        self.assertEqual(old.rfm_recency_score, 1)
        self.assertEqual(old.rfm_monetary_score, 5)
        self.env["ir.config_parameter"].set_param("ecrm_core.rfm_window_months", "24")
        Partner._ecrm_compute_rfm()
        self.assertFalse(old.rfm_segment)
        self.assertFalse(old.rfm_recency_score)
        self.assertFalse(old.rfm_score)

    def test_cancelled_orders_do_not_count(self):
        Partner = self.env["res.partner"]
        Partner._ecrm_compute_rfm()
        self.orders.filtered(lambda order: order.partner_id == self.people["A"]).write({"state": "cancel"})
        Partner._ecrm_compute_rfm()
        self.assertFalse(self.people["A"].rfm_segment)
        self.assertEqual(self.people["B"].rfm_recency_score, 5)

    def test_sql_quintiles_are_ntile_on_random_customers(self):
        # many ties (a few order counts, repeated amounts and days) and amounts in cents: the SQL's quintile
        # edges (amounts compared as float8) must give exactly rfm.quintile_scores of the stored figures
        rng = random.Random(7)
        Partner = self.env["res.partner"]
        vals_list = []
        for number in range(30):
            partner = Partner.create({"name": "Random RFM customer %d" % number})
            for _order in range(rng.choice([1, 1, 2, 3])):
                vals_list.append(
                    self._order_vals(partner, rng.choice([3, 3, 15, 40, 41, 100]), rng.choice([10.01, 10.02, 99.99, 5]))
                )
        self.env["sale.order"].create(vals_list)
        Partner._ecrm_compute_rfm()
        figures = {}
        for order in self.env["sale.order"].search([("state", "=", "sale")]):
            last, count, amount = figures.get(order.partner_id.commercial_partner_id, (order.date_order, 0, 0))
            figures[order.partner_id.commercial_partner_id] = (
                max(last, order.date_order),
                count + 1,
                amount + order.amount_untaxed,
            )
        customers, rows = list(figures), list(figures.values())
        expected = zip(
            rfm.quintile_scores([last for last, _count, _amount in rows]),
            rfm.quintile_scores([count for _last, count, _amount in rows]),
            rfm.quintile_scores([round(amount, 2) for _last, _count, amount in rows]),
            strict=True,
        )
        self.assertEqual(
            [(c.rfm_recency_score, c.rfm_frequency_score, c.rfm_monetary_score) for c in customers], list(expected)
        )
        self.assertGreater(len(customers), 35)

    def test_deleted_customer_loses_the_score(self):
        # the scores have no foreign key (see ecrm.rfm.score): a deleted customer's score must vanish at once,
        # as with ondelete='cascade', and its row go at the next run
        Partner = self.env["res.partner"]
        gone = Partner.create({"name": "Deleted after buying"})
        order = self.env["sale.order"].create(self._order_vals(gone, 3, 100))
        Partner._ecrm_compute_rfm()
        Score = self.env["ecrm.rfm.score"]
        self.assertEqual(Score.search([("partner_id", "=", gone.id)]).partner_id, gone)
        order.write({"state": "cancel"})
        order.unlink()
        gone.unlink()
        self.assertFalse(Score.search([("partner_id", "=", gone.id)]))
        self.assertFalse(
            Score.search_count([("partner_id", "not in", Partner.with_context(active_test=False).search([]).ids)])
        )
        # the order's cancellation changed the quintiles: rows are rewritten, and the leftover one deleted
        self.assertGreaterEqual(Partner._ecrm_compute_rfm(), 1)
        self.env.cr.execute("SELECT count(*) FROM ecrm_rfm_score_data WHERE partner_id = %s", [gone.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self.scores()["A"], (5, 5, 5, "champions"))

    def test_first_run_fills_a_new_table_unless_another_object_reads_it(self):
        # The first run scores into a new table that takes the empty one's place (see _fill_new_data_table); it
        # must give the same scores, the primary key and NOT NULL columns, and keep the view working.
        Partner, cr = self.env["res.partner"], self.env.cr
        cr.execute("DELETE FROM ecrm_rfm_score_data")
        cr.execute("SELECT 'ecrm_rfm_score_data'::regclass::oid")
        old_table = cr.fetchone()[0]
        self.assertGreaterEqual(Partner._ecrm_compute_rfm(), 10)
        cr.execute("SELECT 'ecrm_rfm_score_data'::regclass::oid")
        self.assertNotEqual(cr.fetchone()[0], old_table, "the first run should have filled a new table")
        expected = self.scores()
        self.assertEqual(expected["A"], (5, 5, 5, "champions"))
        self.assertEqual(expected["J"], (1, 3, 5, "at_risk"))
        cr.execute(
            """
            SELECT array_agg(a.attname::text ORDER BY a.attname) FILTER (WHERE a.attnotnull),
                   (SELECT array_agg(i.indisprimary) FROM pg_index i WHERE i.indrelid = a.attrelid)
              FROM pg_attribute a
             WHERE a.attrelid = 'ecrm_rfm_score_data'::regclass AND a.attnum > 0 AND NOT a.attisdropped
             GROUP BY a.attrelid
            """
        )
        self.assertEqual(
            cr.fetchone(),
            (["frequency_score", "monetary_score", "partner_id", "recency_score", "rfm_segment"], [True]),
        )
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), cr.savepoint():
            cr.execute("INSERT INTO ecrm_rfm_score_data SELECT * FROM ecrm_rfm_score_data LIMIT 1")
        self.assertEqual(Partner._ecrm_compute_rfm(), 0)
        # another addon's view reads the table: the first run leaves the table in place and inserts instead
        cr.execute("DELETE FROM ecrm_rfm_score_data")
        cr.execute("CREATE VIEW ecrm_rfm_test_reader AS SELECT partner_id FROM ecrm_rfm_score_data")
        cr.execute("SELECT 'ecrm_rfm_score_data'::regclass::oid")
        kept_table = cr.fetchone()[0]
        self.assertGreaterEqual(Partner._ecrm_compute_rfm(), 10)
        cr.execute("SELECT 'ecrm_rfm_score_data'::regclass::oid")
        self.assertEqual(cr.fetchone()[0], kept_table)
        self.env["ecrm.rfm.score"].invalidate_model()
        self.assertEqual(self.scores(), expected)
        cr.execute("SELECT count(*) FROM ecrm_rfm_test_reader")
        self.assertGreaterEqual(cr.fetchone()[0], 10)

    def test_bad_settings_are_refused(self):
        settings = self.env["res.config.settings"].create({})
        with self.assertRaises(ValidationError):
            settings.write({"ecrm_rfm_recency_days": "90, 30, 180, 365"})
        with self.assertRaises(ValidationError):
            settings.write({"ecrm_rfm_window_months": 0})
        # a parameter broken behind the settings' back stops the computation with a clear message
        self.env["ir.config_parameter"].set_param("ecrm_core.rfm_frequency_orders", "1, 2")
        with self.assertRaisesRegex(UserError, "exactly four"):
            self.env["res.partner"]._ecrm_compute_rfm()

    def test_scores_need_the_ecrm_group(self):
        self.env["res.partner"]._ecrm_compute_rfm()
        employee = self.env["res.users"].create(
            {"name": "Plain employee", "login": "rfm_plain", "groups_id": [(6, 0, self.env.ref("base.group_user").ids)]}
        )
        partner = self.people["A"].with_user(employee)
        self.assertEqual(partner.name, "RFM customer A")
        with self.assertRaises(AccessError):
            partner.read(["rfm_segment"])
        self.assertEqual(self.people["A"].with_user(self.user_ecrm).rfm_segment, "champions")


@tagged("post_install", "-at_install", "ecrm_core")
class TestRfmSnapshot(RfmCommon):
    def test_snapshot_is_idempotent_per_month(self):
        Snapshot = self.env["ecrm.rfm.snapshot"]
        # next month's snapshot is computed as of the end of this month: every order counts
        next_month = fields.Date.context_today(Snapshot) + relativedelta(months=1)
        self.assertEqual(Snapshot._take_snapshot(next_month), 10)
        rows = Snapshot.search([("month", "=", next_month.replace(day=1))])
        self.assertEqual(len(rows), 10)
        by_partner = {row.partner_id: row for row in rows}
        self.assertEqual(by_partner[self.people["A"]].rfm_segment, "champions")
        self.assertEqual(by_partner[self.people["J"]].rfm_score, "135")

        # again in the same month: the same rows, updated in place, no duplicate
        self.orders.filtered(lambda order: order.partner_id == self.people["A"]).write({"state": "cancel"})
        self.assertEqual(Snapshot._take_snapshot(next_month + timedelta(days=3)), 9)
        again = Snapshot.search([("month", "=", next_month.replace(day=1))])
        self.assertEqual(len(again), 9)
        self.assertTrue(set(again.ids) < set(rows.ids))
        self.assertNotIn(self.people["A"], again.partner_id)

    def test_movement_between_months(self):
        Snapshot = self.env["ecrm.rfm.snapshot"]
        month_1 = fields.Date.context_today(Snapshot).replace(day=1) + relativedelta(months=1)
        month_2 = month_1 + relativedelta(months=1)
        Snapshot._take_snapshot(month_1)
        # B comes back often: from new to champions; A stops buying entirely
        self.env["sale.order"].create([self._order_vals(self.people["B"], 1, 500) for _i in range(12)])
        self.orders.filtered(lambda order: order.partner_id == self.people["A"]).write({"state": "cancel"})
        Snapshot._take_snapshot(month_2)
        Movement = self.env["ecrm.rfm.movement"]
        moves = {
            move.partner_id: (move.from_segment, move.to_segment, move.moved)
            for move in Movement.search(
                [("to_month", "=", month_2), ("partner_id", "in", [p.id for p in self.people.values()])]
            )
        }
        self.assertEqual(moves[self.people["B"]], ("new", "champions", True))
        self.assertEqual(moves[self.people["A"]], ("champions", False, True))
        self.assertEqual(moves[self.people["I"]][0], "cant_lose")
        # the from-segment by to-segment matrix is a read_group away
        matrix = Movement._read_group([("to_month", "=", month_2)], ["from_segment", "to_segment"], ["__count"])
        self.assertIn(("new", "champions", 1), matrix)
