from odoo import fields, models


class EcrmSegmentRefreshLine(models.Model):
    """A customer who entered or left a segment at a refresh; written in bulk by the refresh.

    Only the refresh, the customer and the change are stored: a first refresh writes a line
    per member, so every extra column, index and foreign key counts.
    """

    _name = "ecrm.segment.refresh.line"
    _description = "Segment Refresh Change"
    _order = "refresh_id desc, change, partner_id"
    _rec_name = "partner_id"
    _log_access = False  # bookkeeping rows written by SQL; the refresh has the date

    refresh_id = fields.Many2one("ecrm.segment.refresh", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    change = fields.Selection([("entered", "Entered"), ("left", "Left")], required=True)
    segment_id = fields.Many2one(related="refresh_id.segment_id")
    date = fields.Datetime(related="refresh_id.date")
    company_id = fields.Many2one(related="refresh_id.company_id")
