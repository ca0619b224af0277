from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import TableKind, table_kind

from ..tools.rfm import SEGMENT_SELECTION


class EcrmRfmScore(models.Model):
    """The current RFM scores of a customer (C7, C8): one row per scored commercial partner.

    Written for the whole population by ``_compute_all``. The scores live in a narrow table of
    their own, ``ecrm_rfm_score_data``, rather than in res_partner, whose rows carry dozens of
    indexes (rewriting 200,000 partners would cost ten times the scoring itself). This model is
    a view of that table joined to res_partner, and res.partner shows and searches the scores
    through its ``rfm_*`` fields.

    The data table has no foreign key to res_partner, on purpose: PostgreSQL checks a foreign
    key row by row (a lookup and a lock of the partner row), which made writing the scores of
    200,000 customers four to six times slower (see bench/RESULTS.md). Integrity is kept
    another way: the view shows only the rows of existing partners, so the scores of a deleted
    or merged partner disappear at once as with ``ondelete='cascade'``, and the next run
    deletes the leftover row (it deletes every row of a partner that no longer scores).
    Partner ids are never reused.
    """

    _name = "ecrm.rfm.score"
    _description = "RFM Score"
    _auto = False
    _order = "recency_score desc, frequency_score desc, monetary_score desc, partner_id"
    _rec_name = "partner_id"
    _log_access = False  # rewritten in bulk by SQL every night; nobody edits a score

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    recency_score = fields.Integer(readonly=True, aggregator="avg", help="1 to 5: 5 bought the most recently.")
    frequency_score = fields.Integer(readonly=True, aggregator="avg", help="1 to 5: 5 ordered the most often.")
    monetary_score = fields.Integer(readonly=True, aggregator="avg", help="1 to 5: 5 spent the most.")
    rfm_score = fields.Char(string="RFM Score", readonly=True)
    rfm_segment = fields.Selection(SEGMENT_SELECTION, string="RFM Segment", readonly=True)
    last_purchase_date = fields.Date(readonly=True, aggregator="max")
    order_count = fields.Integer(string="Orders", readonly=True, help="Orders in the RFM window.")
    amount = fields.Float(
        string="Spent", readonly=True, digits="Product Price", help="Untaxed, in the company currency, in the window."
    )

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS ecrm_rfm_score_data (
                partner_id integer PRIMARY KEY,
                recency_score smallint NOT NULL,
                frequency_score smallint NOT NULL,
                monetary_score smallint NOT NULL,
                rfm_segment varchar NOT NULL,
                last_purchase_date date,
                order_count integer,
                amount numeric
            )
            """
        )
        if table_kind(cr, self._table) == TableKind.Regular:
            # the scores used to be an ordinary table with a foreign key: keep its rows, then drop it
            cr.execute(
                """
                INSERT INTO ecrm_rfm_score_data (partner_id, recency_score, frequency_score, monetary_score,
                                                 rfm_segment, last_purchase_date, order_count, amount)
                SELECT partner_id, recency_score, frequency_score, monetary_score, rfm_segment,
                       last_purchase_date, order_count, amount
                  FROM ecrm_rfm_score
                 WHERE recency_score IS NOT NULL AND frequency_score IS NOT NULL
                   AND monetary_score IS NOT NULL AND rfm_segment IS NOT NULL
                ON CONFLICT DO NOTHING
                """
            )
            cr.execute("DROP TABLE ecrm_rfm_score CASCADE")
        cr.execute(
            """
            CREATE OR REPLACE VIEW ecrm_rfm_score AS
            SELECT d.partner_id AS id, d.partner_id, p.company_id,
                   d.recency_score::integer AS recency_score, d.frequency_score::integer AS frequency_score,
                   d.monetary_score::integer AS monetary_score,
                   concat(d.recency_score, d.frequency_score, d.monetary_score)::varchar AS rfm_score,
                   d.rfm_segment, d.last_purchase_date, d.order_count, d.amount
              FROM ecrm_rfm_score_data d
              JOIN res_partner p ON p.id = d.partner_id
            """
        )

    @api.model
    def _compute_all(self):
        """Score every customer in one statement (into a temporary table), then write only the rows that changed.

        Customers who no longer bought within the window (or no longer exist) lose their row.
        Returns the number of rows written or deleted.
        """
        scores = self.env["res.partner"]._ecrm_rfm_query(fields.Date.context_today(self))
        self.env.flush_all()
        cr = self.env.cr
        # enough memory for the sorts of 200,000 customers and of the quintile edges not to spill to disk, and
        # no JIT compilation (it costs more than it saves on a statement run once)
        settings = {"work_mem": "64MB", "jit": "off"}
        # For the scoring statement only, the planner is told that parallel workers cost nothing to start and
        # that grouping is done by sorting: the workers then join and sort the purchases by customer, and the
        # leader only adds up sorted runs, in a quarter less time than the default plan: one process building a
        # hash table of 200,000 customers' numeric sums, 100 MB (bench/RESULTS.md). Tables smaller than
        # min_parallel_table_scan_size are still read by one process.
        scoring_settings = {"enable_hashagg": "off", "parallel_setup_cost": "0", "parallel_tuple_cost": "0"}
        saved = self._set_settings({**settings, **scoring_settings})
        # The scores are first computed into a temporary table: CREATE TABLE ... AS may run its query with
        # parallel workers (PostgreSQL 11 and later), while a statement that writes to a real table (INSERT,
        # UPDATE, DELETE, also in a WITH) never does; writing a temporary table costs little (local buffers,
        # no WAL). The writes below then read that table. Dropped at the end, and at commit in any case.
        cr.execute("DROP TABLE IF EXISTS ecrm_rfm_new")
        cr.execute(SQL("CREATE TEMPORARY TABLE ecrm_rfm_new ON COMMIT DROP AS %s", scores))
        self._set_settings({name: saved[name] for name in scoring_settings})
        cr.execute("SELECT EXISTS (SELECT FROM ecrm_rfm_score_data)")
        if not cr.fetchone()[0]:
            # the first run: nothing to compare with, a plain insert; in the order of the primary key, which
            # then grows at its right end instead of splitting pages all over (a third less time for 200,000)
            cr.execute(
                """
                INSERT INTO ecrm_rfm_score_data (partner_id, recency_score, frequency_score, monetary_score,
                                                 rfm_segment, last_purchase_date, order_count, amount)
                SELECT s.partner_id, s.r, s.f, s.m, s.segment, s.last_day, s.orders, s.amount
                  FROM ecrm_rfm_new s
                 ORDER BY s.partner_id
                """
            )
            changed = cr.rowcount
        else:
            # one statement: one FULL JOIN of the new scores with the stored ones finds the new, changed and
            # gone rows (a full join is always a hash or merge join, never a loop re-reading the table); the
            # three writes then touch only those rows
            cr.execute("ANALYZE ecrm_rfm_new")  # a temporary table has no statistics until analysed
            cr.execute(
                """
                WITH diff AS MATERIALIZED (
                    SELECT s.*, d.partner_id AS old_id
                      FROM ecrm_rfm_new s
                      FULL JOIN ecrm_rfm_score_data d ON d.partner_id = s.partner_id
                     WHERE s.partner_id IS NULL OR d.partner_id IS NULL
                        OR (d.recency_score, d.frequency_score, d.monetary_score, d.rfm_segment,
                            d.last_purchase_date, d.order_count, d.amount)
                           IS DISTINCT FROM (s.r::smallint, s.f::smallint, s.m::smallint, s.segment,
                                             s.last_day, s.orders::integer, s.amount)
                ),
                changed AS (
                    UPDATE ecrm_rfm_score_data d
                       SET recency_score = x.r, frequency_score = x.f, monetary_score = x.m,
                           rfm_segment = x.segment, last_purchase_date = x.last_day,
                           order_count = x.orders, amount = x.amount
                      FROM diff x
                     WHERE x.partner_id IS NOT NULL AND d.partner_id = x.old_id
                 RETURNING 1
                ),
                added AS (
                    INSERT INTO ecrm_rfm_score_data (partner_id, recency_score, frequency_score, monetary_score,
                                                     rfm_segment, last_purchase_date, order_count, amount)
                    SELECT x.partner_id, x.r, x.f, x.m, x.segment, x.last_day, x.orders, x.amount
                      FROM diff x
                     WHERE x.old_id IS NULL
                 RETURNING 1
                ),
                gone AS (
                    DELETE FROM ecrm_rfm_score_data d
                     USING diff x
                     WHERE x.partner_id IS NULL AND d.partner_id = x.old_id
                 RETURNING 1
                )
                SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM added)
                       + (SELECT count(*) FROM gone)
                """
            )
            changed = cr.fetchone()[0]
        cr.execute("DROP TABLE ecrm_rfm_new")
        # (on an error the transaction rolls back, and these settings with it)
        self._set_settings({name: saved[name] for name in settings})
        if changed > 1000:  # keep the planner's view of the table right for the next run and the searches
            cr.execute("ANALYZE ecrm_rfm_score_data")
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(self.env["res.partner"]._ecrm_rfm_fields())
        return changed

    @api.model
    def _set_settings(self, settings):
        """Set PostgreSQL settings until the end of the transaction; returns their previous values."""
        cr = self.env.cr
        names = list(settings)
        cr.execute(SQL("SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in names)))
        previous = dict(zip(names, cr.fetchone(), strict=True))
        cr.execute(
            SQL("SELECT %s", SQL(", ").join(SQL("set_config(%s, %s, true)", name, settings[name]) for name in names))
        )
        return previous

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
