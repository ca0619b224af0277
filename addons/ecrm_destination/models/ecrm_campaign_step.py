from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.phases import PHASES


class EcrmCampaignStep(models.Model):
    """Campaign steps fired by the trip phase, and an action that sends each visitor their next-best offers."""

    _inherit = "ecrm.campaign.step"

    trigger = fields.Selection(
        selection_add=[("trip_phase", "Trip reaches a phase")], ondelete={"trip_phase": "cascade"}
    )
    action = fields.Selection(
        selection_add=[("offers", "Send the visitor's next-best offers")], ondelete={"offers": "cascade"}
    )
    trip_phase = fields.Selection(
        PHASES,
        string="Phase Reached",
        help="The step fires once a participant is in this phase: travelling now wins, then an upcoming trip.",
    )

    @api.model
    def _get_action_channels(self):
        return {**super()._get_action_channels(), "offers": "email"}

    @api.model
    def _get_action_touchpoints(self):
        return {**super()._get_action_touchpoints(), "offers": ("email_out", "outbound")}

    def _trigger_trip_phase(self, participants):
        """Participants whose current phase (see res.partner.visitor_phase) is the step's; one query."""
        self.env["ecrm.trip"].flush_model()
        self.env["res.partner"].flush_model(["visitor_phase"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.id FROM ecrm_campaign_participant p
              JOIN res_partner partner ON partner.id = p.partner_id
             WHERE p.id = ANY(%(participants)s) AND partner.visitor_phase = %(phase)s
               AND EXISTS (SELECT 1 FROM ecrm_trip t
                            WHERE t.partner_id = p.partner_id AND t.active AND t.company_id = p.company_id)
                """,
                participants=participants.ids,
                phase=self.trip_phase or "before",
            )
        )
        ids = {row[0] for row in rows}
        return participants.filtered(lambda p: p.id in ids)

    def _action_offers(self, participants):
        """E-mail each participant the offers that match them and their current or next trip."""
        allowed, outcome = self._allowed(participants)
        with_offers = allowed.filtered(lambda p: p.partner_id.visitor_offer_rule_ids)
        for participant in allowed - with_offers:
            outcome[participant.id] = {"state": "skipped", "note": self.env._("No offer matches this visitor")}
        if with_offers:
            template = self.env.ref("ecrm_destination.mail_template_visitor_offers").sudo()
            template.with_context(ecrm_campaign_step_id=self.id).send_mail_batch(
                with_offers.partner_id.ids, email_values={"model": "res.partner"}
            )
        return outcome
