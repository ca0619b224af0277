from odoo import fields, models
from odoo.tools import SQL

from ..tools.phases import PHASES


class EcrmCampaign(models.Model):
    """Phase campaigns (D1, D4): a campaign can reach the visitors whose trip is in a given phase."""

    _inherit = "ecrm.campaign"

    audience_type = fields.Selection(
        selection_add=[("visitors", "Visitors by trip phase")], ondelete={"visitors": "set default"}
    )
    trip_phase = fields.Selection(
        PHASES,
        help="Visitors audience: only visitors now in this phase (travelling now wins, then an upcoming trip). "
        "Empty: every visitor with a trip.",
    )

    def _get_audience_partner_ids(self):
        self.ensure_one()
        if self.audience_type != "visitors":
            return super()._get_audience_partner_ids()
        self.env["ecrm.trip"].flush_model()
        # the visitor's current phase (travelling now wins, then an upcoming trip): someone back from last
        # year's trip who is travelling again now is not an "after the trip" visitor
        self.env["res.partner"].flush_model(["visitor_phase"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.id FROM res_partner p
             WHERE p.active AND p.visitor_phase IS NOT NULL %(phase)s
               AND EXISTS (SELECT 1 FROM ecrm_trip t
                            WHERE t.partner_id = p.id AND t.active AND t.company_id = %(company)s)
                """,
                company=self.company_id.id,
                phase=SQL("AND p.visitor_phase = %s", self.trip_phase) if self.trip_phase else SQL(),
            )
        )
        return [row[0] for row in rows]
