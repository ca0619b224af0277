from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools.rfm import SEGMENT_SELECTION


class EcrmRfmMovement(models.Model):
    """Where each customer's RFM segment went from one monthly snapshot to the next (C7, C12).

    One row per customer and month: the segment in the month before (empty when the
    customer was not scored then) and the segment in the month (empty when the customer
    dropped out of the RFM window). A pivot of from-segment by to-segment, filtered on one
    month, is the segment movement matrix.
    """

    _name = "ecrm.rfm.movement"
    _description = "RFM Segment Movement"
    _auto = False
    _order = "to_month desc, partner_id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    from_month = fields.Date(readonly=True)
    to_month = fields.Date(string="Month", readonly=True)
    from_segment = fields.Selection(SEGMENT_SELECTION, string="From Segment", readonly=True)
    to_segment = fields.Selection(SEGMENT_SELECTION, string="To Segment", readonly=True)
    moved = fields.Boolean(readonly=True, help="The customer is in another segment than the month before.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                SELECT s.id, s.partner_id, s.company_id,
                       (s.month - interval '1 month')::date AS from_month, s.month AS to_month,
                       prev.rfm_segment AS from_segment, s.rfm_segment AS to_segment,
                       prev.rfm_segment IS DISTINCT FROM s.rfm_segment AS moved
                  FROM ecrm_rfm_snapshot s
                  LEFT JOIN ecrm_rfm_snapshot prev
                         ON prev.partner_id = s.partner_id AND prev.month = (s.month - interval '1 month')::date
                 UNION ALL
                -- customers scored a month and not the next, once the next month's snapshot exists
                SELECT -prev.id, prev.partner_id, prev.company_id,
                       prev.month, (prev.month + interval '1 month')::date,
                       prev.rfm_segment, NULL, TRUE
                  FROM ecrm_rfm_snapshot prev
                 WHERE EXISTS (SELECT 1 FROM ecrm_rfm_snapshot later
                                WHERE later.month = (prev.month + interval '1 month')::date)
                   AND NOT EXISTS (SELECT 1 FROM ecrm_rfm_snapshot s
                                    WHERE s.partner_id = prev.partner_id
                                      AND s.month = (prev.month + interval '1 month')::date)
            )
            """,
                SQL.identifier(self._table),
            )
        )
