from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.rfm import SEGMENT_SELECTION


class EcrmRfmSnapshot(models.Model):
    """Every scored customer's RFM scores and segment at the start of a month (C7, D7).

    Written for the whole population by one INSERT ... SELECT a month, so that movement
    between segments can be reported over time (see ``ecrm.rfm.movement``). A customer
    who bought nothing within the RFM window before the month has no snapshot.
    """

    _name = "ecrm.rfm.snapshot"
    _description = "Monthly RFM Snapshot"
    _order = "month desc, partner_id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    month = fields.Date(
        required=True, index=True, help="First day of the month; the scores are those at the end of the month before."
    )
    recency_score = fields.Integer(aggregator="avg")
    frequency_score = fields.Integer(aggregator="avg")
    monetary_score = fields.Integer(aggregator="avg")
    rfm_score = fields.Char(string="RFM Score")
    rfm_segment = fields.Selection(SEGMENT_SELECTION, string="RFM Segment", required=True)
    company_id = fields.Many2one(
        "res.company", index="btree_not_null", help="The customer's company; empty for customers shared by all."
    )

    _sql_constraints = [
        ("partner_month_uniq", "unique(partner_id, month)", "A customer has one RFM snapshot a month."),
    ]

    @api.model
    def _take_snapshot(self, day=None):
        """Store every customer's RFM scores at the start of ``day``'s month (default: this month).

        The scores are computed as of the last day of the month before, so a snapshot of a
        past month can be taken later too (e.g. to fill the history). Taking it again
        replaces that month's snapshot, so the cron is idempotent. Returns the number of
        customers in the snapshot.
        """
        month = (day or fields.Date.context_today(self)).replace(day=1)
        scores = self.env["res.partner"]._ecrm_rfm_query(month - relativedelta(days=1))
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            WITH score AS MATERIALIZED (%(scores)s),
            gone AS (
                DELETE FROM ecrm_rfm_snapshot s
                 WHERE s.month = %(month)s AND NOT EXISTS (SELECT 1 FROM score WHERE score.partner_id = s.partner_id)
            )
            INSERT INTO ecrm_rfm_snapshot (partner_id, month, recency_score, frequency_score, monetary_score,
                                           rfm_score, rfm_segment, company_id,
                                           create_uid, create_date, write_uid, write_date)
            SELECT s.partner_id, %(month)s, s.r, s.f, s.m, s.r::text || s.f::text || s.m::text, s.segment,
                   p.company_id, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM score s
              JOIN res_partner p ON p.id = s.partner_id
                ON CONFLICT (partner_id, month) DO UPDATE
               SET recency_score = EXCLUDED.recency_score, frequency_score = EXCLUDED.frequency_score,
                   monetary_score = EXCLUDED.monetary_score, rfm_score = EXCLUDED.rfm_score,
                   rfm_segment = EXCLUDED.rfm_segment, company_id = EXCLUDED.company_id,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
            """,
                scores=scores,
                month=month,
                uid=self.env.uid,
            )
        )
        count = cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _cron_take_snapshot(self):
        self._take_snapshot()
