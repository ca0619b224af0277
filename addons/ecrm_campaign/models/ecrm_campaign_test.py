from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError


class EcrmCampaignTest(models.TransientModel):
    """Test mode: run a campaign on one test contact with simulated time, before real contacts get it."""

    _name = "ecrm.campaign.test"
    _description = "Test a campaign"

    campaign_id = fields.Many2one("ecrm.campaign", required=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner",
        string="Test Contact",
        required=True,
        default=lambda self: self.env.user.partner_id,
        help="Mails and activities really go to this contact: use your own address or a test one.",
    )
    participant_id = fields.Many2one("ecrm.campaign.participant", readonly=True)
    simulated_date = fields.Datetime(string="Simulated Now", default=fields.Datetime.now, readonly=True)
    advance_days = fields.Integer(string="Advance By (days)", default=1)
    click_link_id = fields.Many2one(
        "link.tracker",
        string="Simulate a Click On",
        help="Records a click on this link in the test contact's last campaign mail, as if they clicked it.",
    )
    mailing_ids = fields.Many2many("mailing.mailing", compute="_compute_mailing_ids")
    line_ids = fields.One2many(related="participant_id.step_line_ids", string="Path")
    state = fields.Selection(related="participant_id.state", string="Test Status")

    def _compute_mailing_ids(self):
        for wizard in self:
            wizard.mailing_ids = wizard.campaign_id.step_ids.mailing_id

    def _start(self):
        self.ensure_one()
        Participant = self.env["ecrm.campaign.participant"]
        participant = Participant.search(
            [("campaign_id", "=", self.campaign_id.id), ("partner_id", "=", self.partner_id.id)]
        )
        if participant and not participant.is_test:
            raise UserError(
                _(
                    "%(contact)s already takes part in this campaign for real: choose another test contact.",
                    contact=self.partner_id.display_name,
                )
            )
        if participant:
            participant.action_restart()
        else:
            self.campaign_id._add_participants(self.partner_id.ids, is_test=True)
            participant = Participant.search(
                [("campaign_id", "=", self.campaign_id.id), ("partner_id", "=", self.partner_id.id)]
            )
        self.write({"participant_id": participant.id, "simulated_date": participant.date_enter})
        self._run()

    def _run(self):
        self.campaign_id.with_context(ecrm_campaign_now=self.simulated_date)._advance(participants=self.participant_id)
        self.invalidate_recordset(["line_ids", "state"])

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Test the campaign"),
        }

    def action_advance(self):
        """Move the simulated time forward and run the steps for the test contact only."""
        self.ensure_one()
        if self.advance_days < 0:
            raise UserError(_("Time only moves forward: enter a positive number of days."))
        self.simulated_date += timedelta(days=self.advance_days)
        self._run()
        return self._reopen()

    def action_click(self):
        """Record a signed click of the test contact on the chosen link, then run the steps."""
        self.ensure_one()
        if not self.click_link_id:
            raise UserError(_("Choose the link to click."))
        trace = self.participant_id.step_line_ids.filtered(
            lambda line: line.mailing_trace_id.mass_mailing_id == self.click_link_id.mass_mailing_id
        )[:1].mailing_trace_id
        if not trace:
            raise UserError(_("The test contact got no mail with this link yet: advance the time first."))
        self.env["link.tracker.click"].sudo().with_context(ecrm_verified_click=True).add_click(
            self.click_link_id.code, mailing_trace_id=trace.id
        )
        self._run()
        return self._reopen()

    def action_restart(self):
        self.ensure_one()
        self._start()
        return self._reopen()
