from odoo import api, fields, models


class EcrmSegmentRefresh(models.Model):
    """One refresh of a segment's members: its size and who entered and left (C12)."""

    _name = "ecrm.segment.refresh"
    _description = "Segment Refresh"
    _order = "date desc, id desc"
    _rec_name = "segment_id"

    segment_id = fields.Many2one("ecrm.segment", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="segment_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    size = fields.Integer(string="Members", aggregator="max", help="Members after the refresh.")
    entered_count = fields.Integer(string="Entered")
    left_count = fields.Integer(string="Left")
    change = fields.Integer(compute="_compute_change", help="Members gained (or lost, when negative) by the refresh.")
    line_ids = fields.One2many("ecrm.segment.refresh.line", "refresh_id", string="Changes")
    entered_line_ids = fields.One2many(
        "ecrm.segment.refresh.line", "refresh_id", string="Who Entered", domain=[("change", "=", "entered")]
    )
    left_line_ids = fields.One2many(
        "ecrm.segment.refresh.line", "refresh_id", string="Who Left", domain=[("change", "=", "left")]
    )

    @api.depends("entered_count", "left_count")
    def _compute_change(self):
        for refresh in self:
            refresh.change = refresh.entered_count - refresh.left_count
