from odoo import fields, models
from odoo.tools import SQL

from ..tools.phases import PHASES


class EcrmCampaignPerformance(models.Model):
    """Campaign results per trip phase (D4): the phase the campaign addresses, on every result row."""

    _inherit = "ecrm.campaign.performance"

    trip_phase = fields.Selection(PHASES, readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
        SELECT results.*, c.trip_phase AS trip_phase
          FROM (%s) results
          LEFT JOIN ecrm_campaign c ON c.id = results.campaign_id
            """,
            super()._table_query,
        )
