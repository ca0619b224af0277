from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.rfm import SEGMENT_SELECTION


class EcrmRfmScore(models.Model):
    """The current RFM scores of a customer (C7, C8): one row per scored commercial partner.

    Written for the whole population by ``_compute_all`` in one statement. The scores live
    in this narrow table rather than in res_partner, whose rows carry dozens of indexes:
    rewriting 200,000 partners would cost ten times the scoring itself. res.partner shows
    them through its ``rfm_*`` fields, which are read from and searched in this table. For
    the same reason the company is not copied here: the record rule goes through the partner.
    """

    _name = "ecrm.rfm.score"
    _description = "RFM Score"
    _order = "recency_score desc, frequency_score desc, monetary_score desc, partner_id"
    _rec_name = "partner_id"
    _log_access = False  # rewritten in bulk by SQL every night; nobody edits a score

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="partner_id.company_id", string="Company")
    recency_score = fields.Integer(readonly=True, aggregator="avg", help="1 to 5: 5 bought the most recently.")
    frequency_score = fields.Integer(readonly=True, aggregator="avg", help="1 to 5: 5 ordered the most often.")
    monetary_score = fields.Integer(readonly=True, aggregator="avg", help="1 to 5: 5 spent the most.")
    rfm_score = fields.Char(string="RFM Score", readonly=True)
    # no index but partner_id's: the table is narrow and read whole by the grid and the segments
    rfm_segment = fields.Selection(SEGMENT_SELECTION, string="RFM Segment", readonly=True)
    last_purchase_date = fields.Date(readonly=True, aggregator="max")
    order_count = fields.Integer(string="Orders", readonly=True, help="Orders in the RFM window.")
    amount = fields.Float(
        string="Spent", readonly=True, digits="Product Price", help="Untaxed, in the company currency, in the window."
    )

    _sql_constraints = [("partner_uniq", "unique(partner_id)", "A customer has one RFM score.")]

    @api.model
    def _compute_all(self):
        """Score every customer in one statement, writing only the rows that changed.

        Customers who no longer bought within the window lose their row. Returns the
        number of rows written or deleted.
        """
        scores = self.env["res.partner"]._ecrm_rfm_query(fields.Date.context_today(self))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH score AS MATERIALIZED (
                SELECT s.*, s.r::text || s.f::text || s.m::text AS rfm_score FROM (%(scores)s) s
            ),
            old AS MATERIALIZED (
                SELECT id, partner_id, recency_score, frequency_score, monetary_score, rfm_segment,
                       last_purchase_date, order_count, amount
                  FROM ecrm_rfm_score
            ),
            -- one FULL JOIN (always a hash or merge join) finds the new, changed and gone rows; the
            -- writes below never look up the table they write to
            diff AS MATERIALIZED (
                SELECT s.*, o.id AS old_id
                  FROM score s
                  FULL JOIN old o ON o.partner_id = s.partner_id
                 WHERE s.partner_id IS NULL OR o.id IS NULL
                    OR (o.recency_score, o.frequency_score, o.monetary_score, o.rfm_segment,
                        o.last_purchase_date, o.order_count, o.amount)
                       IS DISTINCT FROM (s.r, s.f, s.m, s.segment, s.last_day, s.orders, s.amount)
            ),
            gone AS (
                DELETE FROM ecrm_rfm_score r USING diff d
                 WHERE d.partner_id IS NULL AND r.id = d.old_id
             RETURNING 1
            ),
            changed AS (
                UPDATE ecrm_rfm_score r
                   SET recency_score = d.r, frequency_score = d.f, monetary_score = d.m,
                       rfm_score = d.rfm_score, rfm_segment = d.segment, last_purchase_date = d.last_day,
                       order_count = d.orders, amount = d.amount
                  FROM diff d
                 WHERE d.partner_id IS NOT NULL AND r.id = d.old_id
             RETURNING 1
            ),
            added AS (
                INSERT INTO ecrm_rfm_score (partner_id, recency_score, frequency_score, monetary_score,
                                            rfm_score, rfm_segment, last_purchase_date, order_count, amount)
                SELECT d.partner_id, d.r, d.f, d.m, d.rfm_score, d.segment, d.last_day, d.orders, d.amount
                  FROM diff d
                 WHERE d.old_id IS NULL
             RETURNING 1
            )
            SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM changed) + (SELECT count(*) FROM added)
            """,
                scores=scores,
            )
        )
        changed = self.env.cr.fetchone()[0]
        if changed > 1000:  # keep the planner's view of the table right for the next run and the searches
            self.env.cr.execute("ANALYZE ecrm_rfm_score")
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(self.env["res.partner"]._ecrm_rfm_fields())
        return changed

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
