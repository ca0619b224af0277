from odoo import api, fields, models
from odoo.tools import SQL


class EcrmCampaignParticipantStep(models.Model):
    """One line of a participant's path: a step that fired for them (or was skipped), when, and what it did."""

    _name = "ecrm.campaign.participant.step"
    _description = "eCRM Campaign Path Line"
    _order = "date desc, id desc"
    _rec_name = "step_id"

    participant_id = fields.Many2one("ecrm.campaign.participant", required=True, ondelete="cascade")
    step_id = fields.Many2one("ecrm.campaign.step", string="Step", required=True, index=True, ondelete="cascade")
    campaign_id = fields.Many2one(related="participant_id.campaign_id", store=True, index=True)
    company_id = fields.Many2one(related="participant_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="participant_id.partner_id", store=True, string="Contact")
    is_test = fields.Boolean(related="participant_id.is_test")
    trigger = fields.Selection(related="step_id.trigger")
    action = fields.Selection(related="step_id.action")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("done", "Done"), ("skipped", "Skipped")],
        required=True,
        default="done",
        help="Skipped: the step's condition can no longer hold (e.g. the mail was opened before the deadline of a "
        "'not opened' step), or consent was missing; the steps after it do not run.",
    )
    note = fields.Char(help="Why the step was skipped, or what it did.")
    mailing_trace_id = fields.Many2one("mailing.trace", string="Mail", index="btree_not_null", ondelete="set null")
    res_model = fields.Char(string="Document Model")
    res_id = fields.Many2oneReference(string="Document", model_field="res_model")

    def init(self):
        # the cron's hot lookup: has this participant done this step yet?
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS ecrm_campaign_participant_step_uniq "
            "ON ecrm_campaign_participant_step (participant_id, step_id)"
        )

    @api.depends("step_id", "partner_id")
    def _compute_display_name(self):
        for line in self:
            line.display_name = "%s - %s" % (line.partner_id.name, line.step_id.name)

    def _record_touchpoints(self):
        """Every action that did something becomes a touchpoint of the contact, in one INSERT per step.

        The same statement as ecrm_core's ``_backfill_sale_orders``: keyed
        ``ecrm.campaign.participant.step:<line id>`` in the ledger, so a line is never recorded twice, and
        set-based, so advancing 100,000 participants does not create 100,000 records through the ORM.
        """
        lines = self.filtered(lambda line: line.state == "done")
        if not lines:
            return 0
        self.env.flush_all()
        recorded = 0
        Channel = self.env["ecrm.channel"].sudo()
        channels = {}
        kinds = self.env["ecrm.campaign.step"]._get_action_touchpoints()
        for step, step_lines in lines.grouped("step_id").items():
            campaign = step.campaign_id
            touchpoint_type, direction = kinds.get(step.action, ("other", "internal"))
            if campaign.company_id not in channels:
                channels[campaign.company_id] = Channel._channel_map("touchpoint_type", campaign.company_id)
            self.env.cr.execute(
                SQL(
                    """
                INSERT INTO ecrm_touchpoint (
                    partner_id, commercial_partner_id, company_id, channel_id, touchpoint_type, direction, date,
                    summary, res_model, res_id, source_system, external_id, campaign_id, create_uid, write_uid,
                    create_date, write_date)
                SELECT l.partner_id, p.commercial_partner_id, l.company_id, %(channel)s, %(type)s, %(direction)s,
                       l.date, %(summary)s, %(model)s, l.id, 'odoo', %(prefix)s || l.id, %(utm)s, %(uid)s, %(uid)s,
                       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                  FROM ecrm_campaign_participant_step l
                  JOIN ecrm_campaign_participant cp ON cp.id = l.participant_id AND NOT cp.is_test
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.id = ANY(%(lines)s)
                ON CONFLICT (source_system, external_id) DO NOTHING
                    """,
                    channel=channels[campaign.company_id].get(touchpoint_type),
                    type=touchpoint_type,
                    direction=direction,
                    summary="%s: %s" % (campaign.name, step.description),
                    model=self._name,
                    prefix="%s:" % self._name,
                    utm=campaign.utm_campaign_id.id,
                    uid=self.env.uid,
                    lines=step_lines.ids,
                )
            )
            recorded += self.env.cr.rowcount
        self.env["ecrm.touchpoint"].invalidate_model()
        return recorded
