from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EcrmCampaignParticipant(models.Model):
    """A contact's way through a campaign: when they entered, where they are, every step they passed (K1, K10)."""

    _name = "ecrm.campaign.participant"
    _description = "eCRM Campaign Participant"
    _order = "date_enter desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    campaign_id = fields.Many2one("ecrm.campaign", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", string="Contact", required=True, index=True, ondelete="cascade")
    state = fields.Selection(
        [("running", "In progress"), ("completed", "Completed"), ("ended", "Ended")],
        required=True,
        default="running",
        help="In progress: more steps may fire. Completed: no step is left. Ended: a step ended the campaign "
        "for the contact, or they were removed.",
    )
    is_test = fields.Boolean(
        string="Test", help="A test participant is only advanced by the test mode, with simulated time."
    )
    date_enter = fields.Datetime(string="Entered", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Left")
    consent_confirmed_date = fields.Datetime(
        string="Consent Confirmed", help="When the contact confirmed a consent for the campaign's purpose."
    )
    step_line_ids = fields.One2many("ecrm.campaign.participant.step", "participant_id", string="Path")
    last_step_id = fields.Many2one("ecrm.campaign.step", string="Last Step", compute="_compute_path")
    path = fields.Char(string="Steps So Far", compute="_compute_path", help="The steps done so far, in order.")

    _sql_constraints = [
        (
            "campaign_partner_uniq",
            "unique(campaign_id, partner_id)",
            "A contact takes part in a campaign only once.",
        ),
    ]

    @api.depends("step_line_ids.state", "step_line_ids.date")
    def _compute_path(self):
        for participant in self:
            done = participant.step_line_ids.filtered(lambda line: line.state == "done").sorted(
                lambda line: (line.date, line.id)
            )
            participant.last_step_id = done[-1:].step_id
            participant.path = " \u2192 ".join(done.step_id.mapped("name"))

    def action_end(self):
        self.filtered(lambda p: p.state == "running").write({"state": "ended", "date_end": fields.Datetime.now()})
        return True

    def action_restart(self):
        if self.filtered(lambda p: not p.is_test):
            raise UserError(_("Only test participants can start over."))
        self.sudo().step_line_ids.unlink()
        self.sudo().write({"state": "running", "date_enter": self.env.cr.now(), "date_end": False})
        return True
