import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

_logger = logging.getLogger(__name__)


class EcrmCampaign(models.Model):
    """A rule-driven campaign: an audience, a tree of steps and the indicators it is judged by (K1, K10, K12).

    The campaign owns a utm.campaign, so every mailing, link, visit and order it brings is
    attributed to it. The cron ``_cron_advance`` adds the audience as participants and walks
    each participant down the step tree, set-based, one query and one batch action per step.
    """

    _name = "ecrm.campaign"
    _description = "eCRM Campaign"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    utm_campaign_id = fields.Many2one(
        "utm.campaign",
        string="UTM Campaign",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        ondelete="restrict",
        help="The campaign's tracking identity, created with it: mailings, links, visits and orders carry it.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    goal = fields.Text(tracking=True, help="What this campaign should achieve, in one or two sentences.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Gets the activities of contacts who have no salesperson.",
    )
    audience_type = fields.Selection(
        [("segment", "Segment"), ("domain", "Filter")],
        string="Audience",
        required=True,
        default="segment",
        help="Segment: the members of an eCRM segment. Filter: the contacts matching a filter.",
    )
    segment_id = fields.Many2one(
        "ecrm.segment", string="Segment", check_company=True, index="btree_not_null", ondelete="restrict"
    )
    audience_domain = fields.Char(string="Filter", default="[]", help="The contacts this campaign reaches.")
    purpose_id = fields.Many2one(
        "ecrm.consent.purpose",
        string="Consent Purpose",
        required=True,
        default=lambda self: self.env.ref("ecrm_campaign.consent_purpose_newsletter", raise_if_not_found=False),
        help="Only contacts who granted consent for this purpose, on the channel of each step, are contacted.",
    )
    date_start = fields.Datetime(
        string="Start", tracking=True, help="No step runs before this moment. Empty: as soon as it is started."
    )
    date_end = fields.Datetime(
        string="End",
        tracking=True,
        help="The campaign stops by itself at this moment: a time-limited offer is withdrawn without anyone "
        "having to remember it.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("stopped", "Stopped"), ("done", "Done")],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    step_ids = fields.One2many("ecrm.campaign.step", "campaign_id", string="Steps")
    participant_ids = fields.One2many("ecrm.campaign.participant", "campaign_id", string="Participants")
    # KPI targets (K1)
    target_open_rate = fields.Float(string="Target Open Rate (%)", help="Opened mails / delivered mails.")
    target_click_rate = fields.Float(string="Target Click Rate (%)", help="Mails with a click / delivered mails.")
    target_conversions = fields.Integer(help="Confirmed orders attributed to the campaign through its UTM campaign.")
    target_revenue = fields.Monetary(currency_field="currency_id", help="Untaxed amount of those orders.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Live performance (C12)
    participant_count = fields.Integer(compute="_compute_participant_stats")
    running_participant_count = fields.Integer(string="In Progress", compute="_compute_participant_stats")
    test_participant_count = fields.Integer(compute="_compute_participant_stats")
    sent_count = fields.Integer(string="Sent", compute="_compute_kpis")
    opened_count = fields.Integer(string="Opened", compute="_compute_kpis")
    clicked_count = fields.Integer(string="Clicked", compute="_compute_kpis")
    replied_count = fields.Integer(string="Replied", compute="_compute_kpis")
    open_rate = fields.Float(compute="_compute_kpis", help="Opened / sent, in percent.")
    click_rate = fields.Float(compute="_compute_kpis", help="Clicked / sent, in percent.")
    conversion_count = fields.Integer(string="Conversions", compute="_compute_kpis")
    revenue = fields.Monetary(currency_field="currency_id", compute="_compute_kpis")
    kpi_summary = fields.Html(compute="_compute_kpis", sanitize=False)

    @api.depends("participant_ids.state", "participant_ids.is_test")
    def _compute_participant_stats(self):
        counts = {
            (campaign.id, state, is_test): count
            for campaign, state, is_test, count in self.env["ecrm.campaign.participant"]._read_group(
                [("campaign_id", "in", self.ids)], ["campaign_id", "state", "is_test"], ["__count"]
            )
        }
        for campaign in self:
            real = {state: counts.get((campaign.id, state, False), 0) for state in ("running", "completed", "ended")}
            campaign.participant_count = sum(real.values())
            campaign.running_participant_count = real["running"]
            campaign.test_participant_count = sum(
                count for (cid, _s, is_test), count in counts.items() if cid == campaign.id and is_test
            )

    def _compute_kpis(self):
        stats = self._kpi_stats()
        for campaign in self:
            values = stats.get(campaign.id, {})
            sent = values.get("sent", 0)
            campaign.sent_count = sent
            campaign.opened_count = values.get("opened", 0)
            campaign.clicked_count = values.get("clicked", 0)
            campaign.replied_count = values.get("replied", 0)
            campaign.open_rate = 100.0 * campaign.opened_count / sent if sent else 0.0
            campaign.click_rate = 100.0 * campaign.clicked_count / sent if sent else 0.0
            campaign.conversion_count = values.get("conversions", 0)
            campaign.revenue = values.get("revenue", 0.0)
            campaign.kpi_summary = campaign._kpi_summary_html()

    def _kpi_stats(self):
        """Sent/opened/clicked/replied of the campaign's mails and its attributed orders, in two queries."""
        if not self.ids:
            return {}
        self.env.flush_all()
        utm_ids = {campaign.utm_campaign_id.id: campaign.id for campaign in self}
        stats = {campaign.id: {} for campaign in self}
        rows = self.env.execute_query(
            SQL(
                """
            SELECT campaign_id,
                   count(*) FILTER (WHERE sent_datetime IS NOT NULL),
                   count(*) FILTER (WHERE open_datetime IS NOT NULL OR trace_status IN ('open', 'reply')),
                   count(*) FILTER (WHERE links_click_datetime IS NOT NULL),
                   count(*) FILTER (WHERE trace_status = 'reply')
              FROM mailing_trace
             WHERE campaign_id IN %s
          GROUP BY campaign_id
            """,
                tuple(utm_ids),
            )
        )
        for utm_id, sent, opened, clicked, replied in rows:
            stats[utm_ids[utm_id]].update(sent=sent, opened=opened, clicked=clicked, replied=replied)
        for utm_id, conversions, revenue in self._kpi_orders(tuple(utm_ids)):
            stats[utm_ids[utm_id]].update(conversions=conversions, revenue=revenue)
        return stats

    def _kpi_orders(self, utm_ids):
        """Confirmed orders attributed through the UTM campaign: [(utm id, count, untaxed amount)]."""
        return self.env.execute_query(
            SQL(
                """
            SELECT campaign_id, count(*), COALESCE(sum(amount_untaxed), 0)
              FROM sale_order
             WHERE campaign_id IN %s AND state = 'sale'
          GROUP BY campaign_id
            """,
                utm_ids,
            )
        )

    def _kpi_summary_html(self):
        """A small table of each indicator against its target, for the form."""
        self.ensure_one()
        rows = [
            (_("Open rate"), "%.1f %%" % self.open_rate, self.target_open_rate, self.open_rate),
            (_("Click rate"), "%.1f %%" % self.click_rate, self.target_click_rate, self.click_rate),
            (_("Conversions"), str(self.conversion_count), self.target_conversions, self.conversion_count),
            (_("Revenue"), "%.2f" % self.revenue, self.target_revenue, self.revenue),
        ]
        cells = []
        for label, shown, target, value in rows:
            if target:
                reached = value >= target
                badge = '<span class="badge %s">%s</span>' % (
                    "text-bg-success" if reached else "text-bg-warning",
                    _("reached") if reached else _("%(percent)d %% of target", percent=100 * value / target),
                )
                target_text = "%g" % target
            else:
                badge, target_text = "", "-"
            cells.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (label, shown, target_text, badge))
        return (
            '<table class="table table-sm o_ecrm_campaign_kpis"><thead><tr><th>%s</th><th>%s</th><th>%s</th>'
            "<th></th></tr></thead><tbody>%s</tbody></table>" % (_("Indicator"), _("Now"), _("Target"), "".join(cells))
        )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for campaign in self:
            if campaign.date_start and campaign.date_end and campaign.date_end <= campaign.date_start:
                raise ValidationError(
                    _("The campaign %(name)s must end after it starts: change its end date.", name=campaign.name)
                )

    @api.constrains("audience_type", "segment_id", "audience_domain")
    def _check_audience(self):
        for campaign in self:
            if campaign.audience_type == "segment" and not campaign.segment_id:
                raise ValidationError(_("Choose the segment the campaign %(name)s reaches.", name=campaign.name))
            if campaign.audience_type == "domain":
                campaign._get_audience_domain()

    @api.model_create_multi
    def create(self, vals_list):
        missing = [vals for vals in vals_list if not vals.get("utm_campaign_id")]
        if missing:
            utm_campaigns = (
                self.env["utm.campaign"]
                .sudo()
                .create([{"title": vals.get("name") or _("Campaign"), "is_auto_campaign": True} for vals in missing])
            )
            for vals, utm_campaign in zip(missing, utm_campaigns, strict=True):
                vals["utm_campaign_id"] = utm_campaign.id
        return super().create(vals_list)

    def write(self, vals):
        result = super().write(vals)
        if vals.get("name"):
            self.utm_campaign_id.sudo().write({"title": vals["name"]})
        return result

    def copy(self, default=None):
        """Copy the step tree too, each copied step after the copy of its parent."""
        new_campaigns = super().copy(default=default)
        for campaign, new_campaign in zip(self, new_campaigns, strict=True):
            copies = {}
            for step in campaign.step_ids.sorted(lambda s: (s._depth(), s.sequence, s.id)):
                parent = copies.get(step.parent_id.id)
                copies[step.id] = step.copy(
                    {"campaign_id": new_campaign.id, "parent_id": parent.id if parent else False}
                )
        return new_campaigns

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for campaign, vals in zip(self, vals_list, strict=True):
            vals["name"] = _("%s (copy)", campaign.name)
        return vals_list

    def action_start(self):
        for campaign in self:
            if not campaign.step_ids:
                raise UserError(
                    _("Add at least one step to the campaign %(name)s before starting it.", name=campaign.name)
                )
        mailings = self.step_ids.filtered(lambda s: s.action == "mailing").mailing_id
        if hasattr(mailings, "_ecrm_check_before_sending"):
            mailings._ecrm_check_before_sending()
        self.write({"state": "running"})
        return True

    def action_stop(self):
        self.write({"state": "stopped"})
        return True

    def action_draft(self):
        self.write({"state": "draft"})
        return True

    def action_run_now(self):
        """Run the campaign's steps now instead of waiting for the cron."""
        self.ensure_one()
        if self.state != "running":
            raise UserError(_("Start the campaign before running it."))
        self._advance()
        return True

    def action_open_participants(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_campaign.ecrm_campaign_participant_action")
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id, "search_default_filter_real": 1}
        return action

    def action_open_performance(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_campaign.ecrm_campaign_performance_action")
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"search_default_group_step": 1}
        return action

    def action_open_test(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Test the campaign"),
            "res_model": "ecrm.campaign.test",
            "view_mode": "form",
            "target": "new",
            "context": {"default_campaign_id": self.id},
        }

    # ------------------------------------------------------------------
    # Audience
    # ------------------------------------------------------------------

    def _get_audience_domain(self):
        self.ensure_one()
        try:
            domain = safe_eval(self.audience_domain or "[]")
        except Exception as error:
            raise ValidationError(
                _("The filter of the campaign %(name)s cannot be read: %(error)s", name=self.name, error=error)
            ) from error
        if not isinstance(domain, list | tuple):
            raise ValidationError(_("The filter of the campaign %(name)s must be a list.", name=self.name))
        return [("company_id", "in", [False, self.company_id.id])] + list(domain)

    def _get_audience_partner_ids(self):
        """The contacts the campaign reaches now, as a list of res.partner ids.

        Other addons add an ``audience_type`` by selection_add, handle it here and call super for the rest.
        """
        self.ensure_one()
        if self.audience_type == "segment":
            self.env.flush_all()
            return [
                row[0]
                for row in self.env.execute_query(
                    SQL("SELECT partner_id FROM ecrm_segment_partner_rel WHERE segment_id = %s", self.segment_id.id)
                )
            ]
        if self.audience_type == "domain":
            return self.env["res.partner"].sudo().with_context(active_test=True).search(self._get_audience_domain()).ids
        return []

    def _add_participants(self, partner_ids, is_test=False):
        """Add these contacts as participants, skipping those already in; one statement. Returns how many."""
        self.ensure_one()
        if not partner_ids:
            return 0
        self.env.flush_all()
        now = self.env["ecrm.campaign.step"]._now()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ecrm_campaign_participant (campaign_id, company_id, partner_id, state, is_test,
                                                   date_enter, create_uid, write_uid, create_date, write_date)
            SELECT %(campaign)s, %(company)s, p.id, 'running', %(test)s, %(now)s, %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM res_partner p
             WHERE p.id = ANY(%(partners)s)
            ON CONFLICT (campaign_id, partner_id) DO NOTHING
            """,
                campaign=self.id,
                company=self.company_id.id,
                test=is_test,
                now=now,
                uid=self.env.uid,
                partners=list(partner_ids),
            )
        )
        added = self.env.cr.rowcount
        self.env["ecrm.campaign.participant"].invalidate_model()
        self.invalidate_recordset(["participant_ids"])
        return added

    # ------------------------------------------------------------------
    # Advancing (the cron)
    # ------------------------------------------------------------------

    @api.model
    def _cron_advance(self):
        """Close the campaigns past their end, then advance every running campaign."""
        now = self.env["ecrm.campaign.step"]._now()
        finished = self.search([("state", "=", "running"), ("date_end", "!=", False), ("date_end", "<=", now)])
        finished.write({"state": "done"})
        # the offer is over: whoever was still on their way through it has completed it
        self.env["ecrm.campaign.participant"].search(
            [("campaign_id", "in", finished.ids), ("state", "=", "running")]
        ).write({"state": "completed", "date_end": now})
        for campaign in self.search(
            [("state", "=", "running"), "|", ("date_start", "=", False), ("date_start", "<=", now)]
        ):
            try:
                with self.env.cr.savepoint():
                    campaign._advance()
            except (UserError, ValidationError) as error:
                # one misconfigured campaign must not hold the others back: it is retried at the next run
                _logger.warning("campaign %s (id %d) could not advance: %s", campaign.name, campaign.id, error)
                campaign.message_post(body=_("The campaign could not advance: %s", error))

    def _advance(self, participants=None):
        """Add the audience (unless only ``participants`` are advanced), then run every step in tree order.

        Each step: one query for its due participants, its trigger, one batch action, one insert of path
        lines and one call to record the touchpoints. A step that fires makes its children due in the
        same run, so a chain of immediate steps completes at once.
        """
        self.ensure_one()
        if participants is None:
            self._add_participants(self._get_audience_partner_ids())
        for step in self.step_ids.sorted(lambda s: (s._depth(), s.sequence, s.id)):
            step._run(participants)
        self._complete_participants(participants)
        return True

    def _complete_participants(self, participants=None):
        """Mark completed the running participants no step can fire for any more, in one UPDATE.

        A step can still fire when it has no path line for the participant yet and its parent step is done
        (or it has no parent); the steps under a skipped step never will.
        """
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE ecrm_campaign_participant p SET state = 'completed', date_end = %(now)s
             WHERE p.campaign_id = %(campaign)s AND p.state = 'running' %(only)s
               AND NOT EXISTS (
                    SELECT 1 FROM ecrm_campaign_step s
                     WHERE s.campaign_id = p.campaign_id
                       AND NOT EXISTS (SELECT 1 FROM ecrm_campaign_participant_step l
                                        WHERE l.participant_id = p.id AND l.step_id = s.id)
                       AND (s.parent_id IS NULL OR EXISTS (
                                SELECT 1 FROM ecrm_campaign_participant_step l
                                 WHERE l.participant_id = p.id AND l.step_id = s.parent_id AND l.state = 'done')))
            """,
                now=self.env["ecrm.campaign.step"]._now(),
                campaign=self.id,
                only=SQL("AND p.id = ANY(%s)", participants.ids) if participants is not None else SQL(),
            )
        )
        self.env["ecrm.campaign.participant"].invalidate_model(["state", "date_end"])

    def _demo_start(self):
        """Demo data: the audience agrees to the newsletter, the campaign starts and one contact clicks the
        pricing link, so a fresh database shows the whole story (path, activity, performance)."""
        for campaign in self:
            partner_ids = campaign._get_audience_partner_ids()
            if "ecrm.consent" in self.env:
                self.env["ecrm.consent"].sudo()._grant(partner_ids, "email", campaign.purpose_id, "staff")
            campaign.action_start()
            campaign._advance()
            click_step = campaign.step_ids.filtered(lambda s: s.trigger == "clicked" and s.link_id)[:1]
            line = self.env["ecrm.campaign.participant.step"].search(
                [("step_id", "=", click_step.parent_id.id), ("mailing_trace_id", "!=", False)], limit=1
            )
            if line:
                self.env["link.tracker.click"].sudo().with_context(ecrm_verified_click=True).add_click(
                    click_step.link_id.code, mailing_trace_id=line.mailing_trace_id.id
                )
                campaign._advance()

    # ------------------------------------------------------------------
    # Hooks called by other parts
    # ------------------------------------------------------------------

    @api.model
    def _on_consent_confirmed(self, partners, channel, purpose):
        """A contact confirmed a consent: start the "consent confirmed" steps of running campaigns for it.

        Called by the consent ledger. The contacts join each running campaign of that purpose that has a
        "consent confirmed" step (even outside its audience: they asked for it), and the moment is noted
        on their participation.
        """
        purpose_id = purpose.id if hasattr(purpose, "id") else purpose
        steps = (
            self.env["ecrm.campaign.step"]
            .sudo()
            .search(
                [
                    ("trigger", "=", "consent_confirmed"),
                    ("campaign_id.state", "=", "running"),
                    ("campaign_id.purpose_id", "=", purpose_id),
                ]
            )
        )
        steps = steps.filtered(lambda s: not s.consent_channel or s.consent_channel == channel)
        if not steps or not partners:
            return False
        now = self.env["ecrm.campaign.step"]._now()
        for campaign in steps.campaign_id:
            campaign._add_participants(partners.ids)
            self.env["ecrm.campaign.participant"].sudo().search(
                [("campaign_id", "=", campaign.id), ("partner_id", "in", partners.ids)]
            ).write({"consent_confirmed_date": now})
        return True
