from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import TableKind, table_kind

from ..tools.rfm import SEGMENT_SELECTION

# The columns of ecrm_rfm_score_data: name, type, NOT NULL; and the column of the scoring query each is filled from
DATA_COLUMNS = [
    ("partner_id", "integer", True),
    ("recency_score", "smallint", True),
    ("frequency_score", "smallint", True),
    ("monetary_score", "smallint", True),
    ("rfm_segment", "varchar", True),
    ("last_purchase_date", "date", False),
    ("order_count", "integer", False),
    ("amount", "numeric", False),
]
SCORING_COLUMNS = ["partner_id", "r", "f", "m", "segment", "last_day", "orders", "amount"]


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
            SQL(
                "CREATE TABLE IF NOT EXISTS ecrm_rfm_score_data (%s, PRIMARY KEY (partner_id))",
                SQL(", ").join(
                    SQL("%s %s%s", SQL.identifier(name), SQL(kind), SQL(" NOT NULL" if required else ""))
                    for name, kind, required in DATA_COLUMNS
                ),
            )
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
        self._create_view("ecrm_rfm_score_data")

    @api.model
    def _create_view(self, data_table):
        """(Re)create the view ``ecrm_rfm_score`` over ``data_table``: the scores of existing partners."""
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW ecrm_rfm_score AS
            SELECT d.partner_id AS id, d.partner_id, p.company_id,
                   d.recency_score::integer AS recency_score, d.frequency_score::integer AS frequency_score,
                   d.monetary_score::integer AS monetary_score,
                   concat(d.recency_score, d.frequency_score, d.monetary_score)::varchar AS rfm_score,
                   d.rfm_segment, d.last_purchase_date, d.order_count, d.amount
              FROM %s d
              JOIN res_partner p ON p.id = d.partner_id
            """,
                SQL.identifier(data_table),
            )
        )

    @api.model
    def _compute_all(self):
        """Score every customer in one statement, then write only the rows that changed.

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
        saved = self._set_settings(settings)
        cr.execute("SELECT EXISTS (SELECT FROM ecrm_rfm_score_data)")
        if not cr.fetchone()[0] and self._data_table_is_replaceable():
            # the first run: the scores go straight into a new table, which then replaces the empty one
            changed = self._fill_new_data_table(scores, scoring_settings)
        else:
            changed = self._write_changed_scores(scores, scoring_settings)
        # (on an error the transaction rolls back, and these settings with it)
        self._set_settings(saved)
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(self.env["res.partner"]._ecrm_rfm_fields())
        return changed

    @api.model
    def _write_changed_scores(self, scores, scoring_settings):
        """Write the new, changed and gone rows of ``scores`` into ecrm_rfm_score_data; returns their number."""
        cr = self.env.cr
        saved_scoring = self._set_settings(scoring_settings)
        # Nightly: one statement scores everyone and compares with the stored scores, and only the new, changed
        # and gone rows land in a temporary table (usually a few). It is a CREATE TABLE ... AS, which may run its
        # query with parallel workers (PostgreSQL 11 and later), while a statement that writes to a real table
        # (INSERT, UPDATE, DELETE, also in a WITH) never does. One FULL JOIN finds the three kinds of rows (a
        # full join is always a hash or merge join, never a loop re-reading the table). Dropped at the end, and
        # at commit in any case.
        cr.execute("DROP TABLE IF EXISTS ecrm_rfm_new")
        cr.execute(
            SQL(
                """
            CREATE TEMPORARY TABLE ecrm_rfm_new ON COMMIT DROP AS
            SELECT s.*, d.partner_id AS old_id
              FROM (%s) s
              FULL JOIN ecrm_rfm_score_data d ON d.partner_id = s.partner_id
             WHERE s.partner_id IS NULL OR d.partner_id IS NULL
                OR (d.recency_score, d.frequency_score, d.monetary_score, d.rfm_segment,
                    d.last_purchase_date, d.order_count, d.amount)
                   IS DISTINCT FROM (s.r::smallint, s.f::smallint, s.m::smallint, s.segment,
                                     s.last_day, s.orders::integer, s.amount)
            """,
                scores,
            )
        )
        changed = cr.rowcount
        self._set_settings(saved_scoring)
        if changed:
            # the three writes touch only those rows; new rows go in the order of the primary key, which then
            # grows at its right end instead of splitting pages all over (the first run when the table
            # cannot be replaced, see _data_table_is_replaceable)
            cr.execute(
                """
                WITH changed AS (
                    UPDATE ecrm_rfm_score_data d
                       SET recency_score = x.r, frequency_score = x.f, monetary_score = x.m,
                           rfm_segment = x.segment, last_purchase_date = x.last_day,
                           order_count = x.orders, amount = x.amount
                      FROM ecrm_rfm_new x
                     WHERE x.partner_id IS NOT NULL AND d.partner_id = x.old_id
                ),
                added AS (
                    INSERT INTO ecrm_rfm_score_data (partner_id, recency_score, frequency_score, monetary_score,
                                                     rfm_segment, last_purchase_date, order_count, amount)
                    SELECT x.partner_id, x.r, x.f, x.m, x.segment, x.last_day, x.orders, x.amount
                      FROM ecrm_rfm_new x
                     WHERE x.old_id IS NULL
                     ORDER BY x.partner_id
                )
                DELETE FROM ecrm_rfm_score_data d
                 USING ecrm_rfm_new x
                 WHERE x.partner_id IS NULL AND d.partner_id = x.old_id
                """
            )
        cr.execute("DROP TABLE ecrm_rfm_new")
        if changed > 1000:  # keep the planner's view of the table right for the next run and the searches
            cr.execute("ANALYZE ecrm_rfm_score_data")
        return changed

    @api.model
    def _data_table_is_replaceable(self):
        """Whether ecrm_rfm_score_data is still as ``init`` made it, so a new table can take its place.

        True when it has only the columns of DATA_COLUMNS, its primary key as its only index, no
        trigger, no foreign key pointing at it, no privileges granted to other roles, and no view but
        ecrm_rfm_score reading it: replacing it then loses nothing. Another addon or a database
        administrator who adds any of these makes the first run insert instead.
        """
        self.env.cr.execute(
            SQL(
                """
            SELECT t.relacl IS NULL
                   AND (SELECT count(*) FROM pg_attribute
                         WHERE attrelid = t.oid AND attnum > 0 AND NOT attisdropped) = %(columns)s
                   AND (SELECT count(*) FROM pg_index WHERE indrelid = t.oid) = 1
                   AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = t.oid)
                   AND NOT EXISTS (SELECT FROM pg_constraint WHERE confrelid = t.oid)
                   AND NOT EXISTS (SELECT FROM pg_depend d
                                     JOIN pg_rewrite w ON w.oid = d.objid
                                    WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = t.oid
                                      AND w.ev_class != 'ecrm_rfm_score'::regclass)
              FROM pg_class t
             WHERE t.oid = 'ecrm_rfm_score_data'::regclass
            """,
                columns=len(DATA_COLUMNS),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _fill_new_data_table(self, scores, scoring_settings):
        """The first run: score into a new table with CREATE TABLE ... AS, which then replaces the empty one.

        Inserting 200,000 rows into the empty table, after scoring them into a temporary table, cost
        as much again as the scoring (every row written twice, the primary key maintained row by
        row, all in one process); here the scoring statement writes the table itself, with parallel
        workers, and the primary key is built once at the end by sorting. The new table is not
        analysed: autovacuum does it within a minute of the commit (200,000 new rows are far above its
        threshold). Returns the number of customers scored.
        """
        cr = self.env.cr
        saved = self._set_settings(scoring_settings)
        cr.execute(
            SQL(
                "CREATE TABLE ecrm_rfm_score_fill AS SELECT %s FROM (%s) s",
                SQL(", ").join(
                    SQL("%s::%s AS %s", SQL.identifier("s", source), SQL(kind), SQL.identifier(name))
                    for (name, kind, _required), source in zip(DATA_COLUMNS, SCORING_COLUMNS, strict=True)
                ),
                scores,
            )
        )
        count = cr.rowcount
        self._set_settings(saved)
        # the view moves to the new table, and the old one, now read by nothing, goes; a view follows its table
        # through a rename. All in this transaction: readers of the scores wait for its end, then see the new.
        self._create_view("ecrm_rfm_score_fill")
        cr.execute("DROP TABLE ecrm_rfm_score_data")
        cr.execute("ALTER TABLE ecrm_rfm_score_fill RENAME TO ecrm_rfm_score_data")
        cr.execute(
            SQL(
                "ALTER TABLE ecrm_rfm_score_data %s, ADD CONSTRAINT ecrm_rfm_score_data_pkey PRIMARY KEY (partner_id)",
                SQL(", ").join(
                    SQL("ALTER COLUMN %s SET NOT NULL", SQL.identifier(name))
                    for name, _kind, required in DATA_COLUMNS
                    if required
                ),
            )
        )
        return count

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
