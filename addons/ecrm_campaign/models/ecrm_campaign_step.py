import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .ecrm_consent_purpose import CONSENT_CHANNELS

_logger = logging.getLogger(__name__)

# Triggers that react to the mail sent by the parent step.
MAIL_TRIGGERS = ("opened", "not_opened", "clicked", "not_clicked", "replied")
# Triggers that wait a period: the delay counts from the parent step (or from entering the campaign).
TIMED_TRIGGERS = ("delay", "not_opened", "not_clicked")
DELAY_UNITS = {"hours": 1, "days": 24, "weeks": 24 * 7}
# Which channel each action reaches the contact on, for the consent check; None: no message sent.
ACTION_CHANNELS = {
    "mailing": "email",
    "template": "email",
    "survey": "email",
    "sms": "sms",
    "postal": "postal",
}
# The touchpoint each action becomes: (type, direction).
ACTION_TOUCHPOINTS = {
    "mailing": ("email_out", "outbound"),
    "template": ("email_out", "outbound"),
    "survey": ("survey", "outbound"),
    "sms": ("other", "outbound"),
    "postal": ("other", "outbound"),
    "appointment": ("meeting", "outbound"),
    "activity": ("other", "internal"),
    "tag_add": ("other", "internal"),
    "tag_remove": ("other", "internal"),
    "segment": ("other", "internal"),
    "end": ("other", "internal"),
}


class EcrmCampaignStep(models.Model):
    """One step of a campaign: when its trigger fires for a participant, its action runs (K1).

    Steps form a tree: a step is due for a participant once its parent step was done for them
    (a root step: once they entered the campaign). The cron calls ``_trigger_<trigger>(participants)``,
    which returns the participants for whom the step fires now, then ``_action_<action>(participants)``,
    which acts on all of them at once. Add a trigger or an action with ``selection_add`` and those methods.
    """

    _name = "ecrm.campaign.step"
    _description = "eCRM Campaign Step"
    _order = "sequence, id"
    _parent_store = True
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    campaign_id = fields.Many2one("ecrm.campaign", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    parent_id = fields.Many2one(
        "ecrm.campaign.step",
        string="After Step",
        index="btree_not_null",
        ondelete="cascade",
        domain="[('campaign_id', '=', campaign_id), ('id', '!=', id)]",
        help="This step waits for that step to be done for the contact. Empty: it starts when the contact "
        "enters the campaign.",
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("ecrm.campaign.step", "parent_id", string="Next Steps")
    level = fields.Integer(compute="_compute_level", help="Depth in the tree: 0 for the first steps.")
    trigger = fields.Selection(
        [
            ("audience", "Entering the audience"),
            ("delay", "Delay after the parent step"),
            ("opened", "Opened"),
            ("not_opened", "Not opened within"),
            ("clicked", "Clicked a link"),
            ("not_clicked", "Did not click within"),
            ("replied", "Replied"),
            ("bought", "Bought"),
            ("survey_answered", "Survey answered"),
            ("consent_confirmed", "Consent confirmed"),
        ],
        required=True,
        default="audience",
        help="When the step fires for a contact. Opened, clicked and replied react to the mail of the parent "
        "step; the 'within' triggers fire once the delay passed without that event.",
    )
    action = fields.Selection(
        [
            ("mailing", "Send a mailing"),
            ("template", "Send a mail template"),
            ("sms", "Send an SMS"),
            ("tag_add", "Add an interest tag"),
            ("tag_remove", "Remove an interest tag"),
            ("segment", "Move to a segment"),
            ("activity", "Create an activity for the salesperson"),
            ("appointment", "Schedule an appointment"),
            ("survey", "Send a survey"),
            ("postal", "Add to the postal mail list"),
            ("end", "End the campaign for the contact"),
        ],
        required=True,
        default="mailing",
    )
    delay = fields.Integer(default=0, help="How long to wait, counted from the parent step.")
    delay_unit = fields.Selection(
        [("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks")], required=True, default="days"
    )
    description = fields.Char(compute="_compute_description", string="Rule")
    tree_name = fields.Char(compute="_compute_description", string="Step in the Tree")
    # what the trigger watches
    link_id = fields.Many2one(
        "link.tracker",
        string="Link",
        ondelete="restrict",
        domain="[('mass_mailing_id', '=', parent_mailing_id)]",
        help="Only a click on this link of the parent step's mailing fires the step. Empty: any link.",
    )
    parent_mailing_id = fields.Many2one(related="parent_id.mailing_id", string="Parent Mailing")
    trigger_survey_id = fields.Many2one(
        "survey.survey", string="Answered Survey", help="Empty: the survey sent by the parent step, or any survey."
    )
    consent_channel = fields.Selection(CONSENT_CHANNELS, help="Empty: a consent on any channel.")
    # what the action needs
    mailing_id = fields.Many2one(
        "mailing.mailing",
        string="Mailing",
        ondelete="restrict",
        domain="[('mailing_model_id.model', '=', 'res.partner'), ('mailing_type', '=', 'mail')]",
        help="A mailing on contacts. It is sent to each participant when the step fires; its consent "
        "purpose is set to the campaign's.",
    )
    variant_mailing_ids = fields.Many2many(
        "mailing.mailing",
        "ecrm_campaign_step_variant_rel",
        "step_id",
        "mailing_id",
        string="Variants",
        domain="[('mailing_model_id.model', '=', 'res.partner'), ('mailing_type', '=', 'mail'), "
        "('id', '!=', mailing_id)]",
        help="Other versions of the mail (another offer, subject or threshold). Contacts are split evenly between "
        "the mailing and its variants until the test ends (K12).",
    )
    variant_end_date = fields.Datetime(
        string="Test Variants Until",
        help="From then on every contact gets the variant that did best; empty: the split goes on.",
    )
    variant_winner_selection = fields.Selection(
        [("opened", "Highest open rate"), ("clicked", "Highest click rate"), ("replied", "Highest reply rate")],
        string="Winner",
        default="clicked",
        required=True,
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="Mail Template", domain="[('model', '=', 'res.partner')]", ondelete="restrict"
    )
    sms_body = fields.Text(string="SMS Text", translate=True)
    profile_tag_id = fields.Many2one("ecrm.profile.tag", string="Interest Tag", ondelete="restrict")
    segment_id = fields.Many2one(
        "ecrm.segment",
        string="Target Segment",
        ondelete="restrict",
        check_company=True,
        help="The contact is added to this segment; a rule segment recomputes its members at its next refresh.",
    )
    activity_type_id = fields.Many2one("mail.activity.type", string="Activity Type", ondelete="restrict")
    activity_summary = fields.Char(string="Activity Summary", translate=True)
    activity_days = fields.Integer(string="Due In (days)", default=1)
    appointment_days = fields.Integer(string="Appointment In (days)", default=3)
    appointment_duration = fields.Float(string="Appointment Duration (hours)", default=1.0)
    survey_id = fields.Many2one("survey.survey", string="Survey", ondelete="restrict")
    channel = fields.Selection(CONSENT_CHANNELS, compute="_compute_channel", help="The channel the action uses.")
    # performance
    done_count = fields.Integer(string="Done", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    waiting_count = fields.Integer(string="Waiting", compute="_compute_counts")

    @api.depends("parent_path")
    def _compute_level(self):
        for step in self:
            step.level = (step.parent_path or "").count("/") - 1 if step.parent_path else 0

    @api.depends("action")
    def _compute_channel(self):
        channels = self._get_action_channels()
        for step in self:
            step.channel = channels.get(step.action, False)

    @api.depends("trigger", "action", "delay", "delay_unit", "link_id", "parent_id", "name", "level")
    def _compute_description(self):
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        actions = dict(self._fields["action"]._description_selection(self.env))
        units = dict(self._fields["delay_unit"]._description_selection(self.env))
        for step in self:
            trigger = triggers.get(step.trigger, "")
            if step.trigger in TIMED_TRIGGERS:
                trigger = "%s %s %s" % (trigger, step.delay, units.get(step.delay_unit, ""))
            if step.trigger in ("clicked", "not_clicked"):
                trigger = "%s: %s" % (trigger, step.link_id.label or step.link_id.url or _("any link"))
            step.description = "%s \u2192 %s" % (trigger, actions.get(step.action, ""))
            step.tree_name = "%s%s%s" % ("\u00a0" * 4 * step.level, "\u21b3 " if step.parent_id else "", step.name)

    def _compute_counts(self):
        counts = {
            (step.id, state): count
            for step, state, count in self.env["ecrm.campaign.participant.step"]._read_group(
                [("step_id", "in", self.ids), ("participant_id.is_test", "=", False)],
                ["step_id", "state"],
                ["__count"],
            )
        }
        waiting = dict(self._waiting_counts()) if self.ids else {}
        for step in self:
            step.done_count = counts.get((step.id, "done"), 0)
            step.skipped_count = counts.get((step.id, "skipped"), 0)
            step.waiting_count = waiting.get(step.id, 0)

    def _waiting_counts(self):
        """Participants waiting on each step: their parent step is done and this one is not, in one query."""
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                """
            SELECT s.id, count(p.id)
              FROM ecrm_campaign_step s
              JOIN ecrm_campaign_participant p ON p.campaign_id = s.campaign_id AND p.state = 'running'
                                              AND NOT p.is_test
             WHERE s.id IN %(steps)s
               AND (s.parent_id IS NULL OR EXISTS (
                        SELECT 1 FROM ecrm_campaign_participant_step l
                         WHERE l.participant_id = p.id AND l.step_id = s.parent_id AND l.state = 'done'))
               AND NOT EXISTS (SELECT 1 FROM ecrm_campaign_participant_step l
                                WHERE l.participant_id = p.id AND l.step_id = s.id)
          GROUP BY s.id
            """,
                steps=tuple(self.ids),
            )
        )

    @api.constrains("parent_id", "campaign_id")
    def _check_parent(self):
        if self._has_cycle():
            raise ValidationError(_("A step cannot come after itself: choose another parent step."))
        for step in self:
            if step.parent_id and step.parent_id.campaign_id != step.campaign_id:
                raise ValidationError(
                    _("The step %(step)s can only follow a step of the same campaign.", step=step.name)
                )

    @api.constrains("trigger", "action", "parent_id", "mailing_id", "mail_template_id", "link_id", "delay")
    def _check_settings(self):
        for step in self:
            step._check_trigger_settings()
            step._check_action_settings()

    def _check_trigger_settings(self):
        self.ensure_one()
        if self.trigger in MAIL_TRIGGERS and self.parent_id.action != "mailing":
            raise ValidationError(
                _(
                    "The step %(step)s reacts to a mail: put it after a step that sends a mailing.",
                    step=self.name,
                )
            )
        if self.trigger in TIMED_TRIGGERS and self.delay < 0:
            raise ValidationError(_("The delay of the step %(step)s cannot be negative.", step=self.name))
        if self.link_id and self.link_id.mass_mailing_id != self.parent_id.mailing_id:
            raise ValidationError(
                _("The link of the step %(step)s must be a link of the parent step's mailing.", step=self.name)
            )

    def _check_action_settings(self):
        self.ensure_one()
        required = {
            "mailing": ("mailing_id", _("a mailing")),
            "template": ("mail_template_id", _("a mail template")),
            "sms": ("sms_body", _("the SMS text")),
            "tag_add": ("profile_tag_id", _("an interest tag")),
            "tag_remove": ("profile_tag_id", _("an interest tag")),
            "segment": ("segment_id", _("a segment")),
            "activity": ("activity_type_id", _("an activity type")),
            "survey": ("survey_id", _("a survey")),
        }
        if self.action in required and not self[required[self.action][0]]:
            raise ValidationError(_("The step %(step)s needs %(what)s.", step=self.name, what=required[self.action][1]))
        if self.action == "sms" and "sms.sms" not in self.env:
            raise ValidationError(_("Install the SMS app to send SMS from a campaign."))
        if self.action == "mailing" and self.mailing_id.mailing_model_real != "res.partner":
            raise ValidationError(_("The mailing of the step %(step)s must be addressed to contacts.", step=self.name))

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps._prepare_mailings()
        return steps

    def write(self, vals):
        result = super().write(vals)
        if {"mailing_id", "action", "variant_mailing_ids"} & set(vals):
            self._prepare_mailings()
        return result

    def _prepare_mailings(self):
        """Tie each step's mailing to the campaign and create its tracked links now.

        The mailing gets the campaign's UTM campaign and consent purpose; its links become link_tracker
        records at once (the same ones the sending will use), so a next step can name the one link
        whose click it waits for.
        """
        for step in self.filtered(lambda s: s.action == "mailing" and s.mailing_id):
            for mailing in (step.mailing_id | step.variant_mailing_ids).sudo():
                step._prepare_mailing(mailing)

    def _prepare_mailing(self, mailing):
        self.ensure_one()
        values = {}
        if mailing.campaign_id != self.campaign_id.utm_campaign_id:
            values["campaign_id"] = self.campaign_id.utm_campaign_id.id
        purpose = self.campaign_id.purpose_id
        if "ecrm_consent_purpose_id" in mailing._fields and mailing.ecrm_consent_purpose_id != purpose:
            values["ecrm_consent_purpose_id"] = purpose.id
        if values:
            mailing.write(values)
        if mailing.body_html:
            mailing.convert_links()

    def _set_link_by_url(self, url_part):
        """Point these click steps at the parent mailing's link whose URL contains ``url_part``."""
        for step in self:
            link = self.env["link.tracker"].search(
                [("mass_mailing_id", "=", step.parent_id.mailing_id.id), ("url", "ilike", url_part)], limit=1
            )
            if not link:
                raise UserError(
                    _("The mailing before the step %(step)s has no link to %(url)s.", step=step.name, url=url_part)
                )
            step.link_id = link

    # ------------------------------------------------------------------
    # Running a step
    # ------------------------------------------------------------------

    @api.model
    def _now(self):
        """The current time, or the simulated time of a test run (context key ``ecrm_campaign_now``)."""
        return self.env.context.get("ecrm_campaign_now") or self.env.cr.now()

    def _delay_delta(self):
        self.ensure_one()
        return timedelta(hours=self.delay * DELAY_UNITS[self.delay_unit])

    def _depth(self):
        return (self.parent_path or "").count("/")

    def _due_participants(self, participants=None):
        """Running participants whose parent step is done and this step not yet: one query."""
        self.ensure_one()
        self.env.flush_all()
        only = SQL("AND p.id = ANY(%s)", participants.ids) if participants is not None else SQL("AND NOT p.is_test")
        parent = (
            SQL(
                """AND EXISTS (SELECT 1 FROM ecrm_campaign_participant_step l
                                WHERE l.participant_id = p.id AND l.step_id = %s AND l.state = 'done')""",
                self.parent_id.id,
            )
            if self.parent_id
            else SQL()
        )
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                SELECT p.id FROM ecrm_campaign_participant p
                 WHERE p.campaign_id = %(campaign)s AND p.state = 'running' %(only)s %(parent)s
                   AND NOT EXISTS (SELECT 1 FROM ecrm_campaign_participant_step l
                                    WHERE l.participant_id = p.id AND l.step_id = %(step)s)
              ORDER BY p.id
                """,
                    campaign=self.campaign_id.id,
                    only=only,
                    parent=parent,
                    step=self.id,
                )
            )
        ]
        return self.env["ecrm.campaign.participant"].sudo().browse(ids)

    def _run(self, participants=None):
        """Fire the step for the participants whose trigger holds now and act on them. Returns the path lines."""
        self.ensure_one()
        due = self._due_participants(participants)
        if not due:
            return self.env["ecrm.campaign.participant.step"]
        fired = getattr(self, "_trigger_%s" % self.trigger)(due)
        if not fired:
            return self.env["ecrm.campaign.participant.step"]
        outcome = getattr(self, "_action_%s" % self.action)(fired) or {}
        lines = self._log(fired, outcome)
        lines._record_touchpoints()
        return lines

    def _log(self, participants, outcome=None, state="done"):
        """Write one path line per participant in one INSERT; ``outcome``: participant id -> line values.

        A line already there for the same participant and step is kept (two runs racing log once).
        """
        self.ensure_one()
        outcome = outcome or {}
        ids = participants.ids
        if not ids:
            return self.env["ecrm.campaign.participant.step"]

        def column(name, default=None):
            return [outcome.get(pid, {}).get(name, default) or default for pid in ids]

        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            INSERT INTO ecrm_campaign_participant_step (
                participant_id, step_id, campaign_id, company_id, partner_id, date, state, note,
                mailing_trace_id, res_model, res_id, create_uid, write_uid, create_date, write_date)
            SELECT u.participant_id, %(step)s, p.campaign_id, p.company_id, p.partner_id, %(now)s, u.state, u.note,
                   u.trace_id, u.res_model, u.res_id, %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%(ids)s::int[], %(states)s::varchar[], %(notes)s::varchar[], %(traces)s::int[],
                          %(models)s::varchar[], %(res_ids)s::int[])
                   AS u(participant_id, state, note, trace_id, res_model, res_id)
              JOIN ecrm_campaign_participant p ON p.id = u.participant_id
            ON CONFLICT (participant_id, step_id) DO NOTHING
         RETURNING id
                """,
                step=self.id,
                now=self._now(),
                uid=self.env.uid,
                ids=ids,
                states=column("state", state),
                notes=column("note"),
                traces=column("mailing_trace_id"),
                models=column("res_model"),
                res_ids=column("res_id"),
            )
        )
        Line = self.env["ecrm.campaign.participant.step"]
        Line.invalidate_model()
        participants.invalidate_recordset(["step_line_ids"])
        return Line.sudo().browse([row[0] for row in rows])

    def _parent_references(self, participants):
        """participant id -> (moment the parent step was done or the participant entered, the parent's mail trace)."""
        self.ensure_one()
        self.env.flush_all()
        if not self.parent_id:
            return {p.id: (p.date_enter, False) for p in participants}
        rows = self.env.execute_query(
            SQL(
                """
            SELECT participant_id, date, mailing_trace_id FROM ecrm_campaign_participant_step
             WHERE step_id = %s AND participant_id = ANY(%s) AND state = 'done'
            """,
                self.parent_id.id,
                participants.ids,
            )
        )
        return {participant_id: (date, trace_id) for participant_id, date, trace_id in rows}

    def _split_by_deadline(self, participants, event_ids):
        """For the 'within' triggers: fire for those past the deadline without the event, skip those with it."""
        deadline_passed = self.env["ecrm.campaign.participant"]
        now = self._now()
        delta = self._delay_delta()
        references = self._parent_references(participants)
        for participant in participants:
            reference = references.get(participant.id)
            if reference and reference[0] and reference[0] + delta <= now:
                deadline_passed |= participant
        with_event = deadline_passed.filtered(lambda p: p.id in event_ids)
        if with_event:
            self._log(with_event, state="skipped")
        return deadline_passed - with_event

    def _traced_participants(self, participants, condition):
        """Participants whose parent mail trace meets an SQL condition on trace ``t``; one query."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.participant_id FROM ecrm_campaign_participant_step l
              JOIN mailing_trace t ON t.id = l.mailing_trace_id
             WHERE l.step_id = %s AND l.participant_id = ANY(%s) AND l.state = 'done' AND %s
            """,
                self.parent_id.id,
                participants.ids,
                condition,
            )
        )
        return {row[0] for row in rows}

    # ------------------------------------------------------------------
    # Triggers: _trigger_<code>(participants) -> the participants for whom the step fires now
    # ------------------------------------------------------------------

    def _trigger_audience(self, participants):
        return participants

    def _trigger_delay(self, participants):
        now = self._now()
        delta = self._delay_delta()
        references = self._parent_references(participants)
        return participants.filtered(
            lambda p: references.get(p.id) and references[p.id][0] and references[p.id][0] + delta <= now
        )

    def _opened_ids(self, participants):
        return self._traced_participants(
            participants, SQL("(t.open_datetime IS NOT NULL OR t.trace_status IN ('open', 'reply'))")
        )

    def _clicked_ids(self, participants):
        """Participants who clicked the step's link (any link of the mailing when none) in the parent's mail.

        Only clicks recorded by link_tracker on the participant's own trace count, and only those that came
        through a signed tracked URL (``ecrm_verified``): another trace's id or a made-up code fires nothing.
        """
        # the same address in a variant of the mailing counts too: it has its own link_tracker record
        link = SQL("AND k.url = %s", self.link_id.url) if self.link_id else SQL()
        return self._traced_participants(
            participants,
            SQL(
                """EXISTS (SELECT 1 FROM link_tracker_click c JOIN link_tracker k ON k.id = c.link_id
                            WHERE c.mailing_trace_id = t.id AND c.ecrm_verified
                              AND k.mass_mailing_id = t.mass_mailing_id %s)""",
                link,
            ),
        )

    def _trigger_opened(self, participants):
        ids = self._opened_ids(participants)
        return participants.filtered(lambda p: p.id in ids)

    def _trigger_not_opened(self, participants):
        return self._split_by_deadline(participants, self._opened_ids(participants))

    def _trigger_clicked(self, participants):
        ids = self._clicked_ids(participants)
        return participants.filtered(lambda p: p.id in ids)

    def _trigger_not_clicked(self, participants):
        return self._split_by_deadline(participants, self._clicked_ids(participants))

    def _trigger_replied(self, participants):
        ids = self._traced_participants(participants, SQL("(t.reply_datetime IS NOT NULL OR t.trace_status = 'reply')"))
        return participants.filtered(lambda p: p.id in ids)

    def _trigger_bought(self, participants):
        """A confirmed order of the contact (or its company) attributed to the campaign's UTM campaign."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.id FROM ecrm_campaign_participant p
              JOIN res_partner pp ON pp.id = p.partner_id
             WHERE p.id = ANY(%(participants)s)
               AND EXISTS (SELECT 1 FROM sale_order o JOIN res_partner op ON op.id = o.partner_id
                            WHERE o.campaign_id = %(utm)s AND o.state = 'sale'
                              AND op.commercial_partner_id = pp.commercial_partner_id
                              AND o.date_order >= p.date_enter)
            """,
                participants=participants.ids,
                utm=self.campaign_id.utm_campaign_id.id,
            )
        )
        ids = {row[0] for row in rows}
        return participants.filtered(lambda p: p.id in ids)

    def _trigger_survey_answered(self, participants):
        """The survey sent by the parent step was completed; or, without one, any (or the chosen) survey."""
        self.env.flush_all()
        if self.parent_id.action == "survey" and not self.trigger_survey_id:
            query = SQL(
                """
            SELECT l.participant_id FROM ecrm_campaign_participant_step l
              JOIN survey_user_input ui ON ui.id = l.res_id AND l.res_model = 'survey.user_input'
             WHERE l.step_id = %s AND l.participant_id = ANY(%s) AND ui.state = 'done'
                """,
                self.parent_id.id,
                participants.ids,
            )
        else:
            survey = self.trigger_survey_id
            query = SQL(
                """
            SELECT p.id FROM ecrm_campaign_participant p
             WHERE p.id = ANY(%(participants)s)
               AND EXISTS (SELECT 1 FROM survey_user_input ui
                            WHERE ui.partner_id = p.partner_id AND ui.state = 'done' AND NOT ui.test_entry
                              AND ui.write_date >= p.date_enter %(survey)s)
                """,
                participants=participants.ids,
                survey=SQL("AND ui.survey_id = %s", survey.id) if survey else SQL(),
            )
        ids = {row[0] for row in self.env.execute_query(query)}
        return participants.filtered(lambda p: p.id in ids)

    def _trigger_consent_confirmed(self, participants):
        return participants.filtered("consent_confirmed_date")

    @api.model
    def _get_action_channels(self):
        """{action: consent channel} of the actions that message the contact; extend for new actions."""
        return dict(ACTION_CHANNELS)

    @api.model
    def _get_action_touchpoints(self):
        """{action: (touchpoint type, direction)} each action is recorded as; extend for new actions."""
        return dict(ACTION_TOUCHPOINTS)

    # ------------------------------------------------------------------
    # Actions: _action_<code>(participants) -> {participant id: extra path line values} or None
    # ------------------------------------------------------------------

    def _allowed(self, participants):
        """Split participants by consent on the step's channel for the campaign's purpose.

        Returns (allowed participants, {participant id: path line values of a refusal}). The check is the
        consent ledger's ``_filter_allowed``, one set-based call.
        """
        channel = self._get_action_channels().get(self.action)
        if not channel or "ecrm.consent" not in self.env:
            return participants, {}
        allowed_ids, refused = (
            self.env["ecrm.consent"]
            .sudo()
            ._filter_allowed(participants.partner_id.ids, channel, self.campaign_id.purpose_id)
        )
        allowed_ids = set(allowed_ids)
        allowed = participants.filtered(lambda p: p.partner_id.id in allowed_ids)
        note = ", ".join("%s: %s" % (reason, count) for reason, count in sorted(refused.items()))
        note = self.env._("No consent on %(channel)s (%(why)s)", channel=channel, why=note)
        outcome = {p.id: {"state": "skipped", "note": note} for p in participants - allowed}
        return allowed, outcome

    def _variant_scores(self):
        """{mailing: rate} of the step's mailing and variants, on the mails the step sent; one query."""
        self.ensure_one()
        mailings = self.mailing_id | self.variant_mailing_ids
        column = {
            "opened": SQL("t.open_datetime IS NOT NULL OR t.trace_status IN ('open', 'reply')"),
            "clicked": SQL("t.links_click_datetime IS NOT NULL"),
            "replied": SQL("t.trace_status = 'reply'"),
        }[self.variant_winner_selection]
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT t.mass_mailing_id, count(*) FILTER (WHERE %s)::float / count(*)
              FROM ecrm_campaign_participant_step l JOIN mailing_trace t ON t.id = l.mailing_trace_id
             WHERE l.step_id = %s
          GROUP BY t.mass_mailing_id
                """,
                column,
                self.id,
            )
        )
        rates = dict(rows)
        return {mailing: rates.get(mailing.id, 0.0) for mailing in mailings}

    def _winner_mailing(self):
        """The variant that did best (the main mailing on a tie)."""
        scores = self._variant_scores()
        return max(scores, key=lambda mailing: (scores[mailing], mailing == self.mailing_id))

    def _action_mailing(self, participants):
        """Send the mailing (or split between variants while they are tested), through mass_mailing."""
        allowed, outcome = self._allowed(participants)
        if not allowed:
            return outcome
        self._prepare_mailings()
        if self.variant_mailing_ids and self.variant_end_date and self._now() >= self.variant_end_date:
            groups = {self._winner_mailing(): allowed}
        elif self.variant_mailing_ids:
            mailings = (self.mailing_id | self.variant_mailing_ids).sorted("id")
            groups = {
                mailing: allowed.filtered(lambda p, index=index: p.id % len(mailings) == index)
                for index, mailing in enumerate(mailings)
            }
        else:
            groups = {self.mailing_id: allowed}
        for mailing, group in groups.items():
            if not group:
                continue
            partner_ids = group.partner_id.ids
            mailing.sudo().with_context(ecrm_campaign_step_id=self.id).action_send_mail(res_ids=partner_ids)
            self.env.flush_all()
            traces = dict(
                self.env.execute_query(
                    SQL(
                        """
                    SELECT res_id, max(id) FROM mailing_trace
                     WHERE mass_mailing_id = %s AND model = 'res.partner' AND res_id = ANY(%s)
                  GROUP BY res_id
                        """,
                        mailing.id,
                        partner_ids,
                    )
                )
            )
            for participant in group:
                outcome[participant.id] = {"mailing_trace_id": traces.get(participant.partner_id.id)}
        return outcome

    def _action_template(self, participants):
        allowed, outcome = self._allowed(participants)
        if allowed:
            self.mail_template_id.sudo().with_context(ecrm_campaign_step_id=self.id).send_mail_batch(
                allowed.partner_id.ids,
                email_values={"model": "res.partner"},
            )
        return outcome

    def _action_sms(self, participants):
        if "sms.sms" not in self.env:
            raise UserError(_("Install the SMS app to send SMS from a campaign."))
        allowed, outcome = self._allowed(participants)
        vals_list = []
        for participant in allowed:
            number = participant.partner_id.phone_sanitized or participant.partner_id.mobile
            if not number:
                outcome[participant.id] = {"state": "skipped", "note": _("No mobile number")}
                continue
            vals_list.append({"partner_id": participant.partner_id.id, "number": number, "body": self.sms_body})
        self.env["sms.sms"].sudo().create(vals_list)
        return outcome

    def _action_tag_add(self, participants):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ecrm_partner_interest_tag_rel (partner_id, tag_id)
            SELECT unnest(%s::int[]), %s
            ON CONFLICT DO NOTHING
            """,
                participants.partner_id.ids,
                self.profile_tag_id.id,
            )
        )
        self.env["res.partner"].invalidate_model(["interest_tag_ids"])

    def _action_tag_remove(self, participants):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "DELETE FROM ecrm_partner_interest_tag_rel WHERE tag_id = %s AND partner_id = ANY(%s)",
                self.profile_tag_id.id,
                participants.partner_id.ids,
            )
        )
        self.env["res.partner"].invalidate_model(["interest_tag_ids"])

    def _action_segment(self, participants):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ecrm_segment_partner_rel (segment_id, partner_id)
            SELECT %s, unnest(%s::int[])
            ON CONFLICT DO NOTHING
            """,
                self.segment_id.id,
                participants.partner_id.ids,
            )
        )
        self.env["res.partner"].invalidate_model(["segment_ids"])
        self.env["ecrm.segment"].invalidate_model(["partner_ids"])

    def _responsible(self, partner):
        return partner.user_id or partner.commercial_partner_id.user_id or self.campaign_id.user_id or self.env.user

    def _action_activity(self, participants):
        model = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.to_date(self._now()) + timedelta(days=self.activity_days)
        note = self.env._(
            "From the campaign %(campaign)s, step %(step)s.", campaign=self.campaign_id.name, step=self.name
        )
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model,
                    "res_id": participant.partner_id.id,
                    "activity_type_id": self.activity_type_id.id,
                    "summary": self.activity_summary or self.name,
                    "note": note,
                    "user_id": self._responsible(participant.partner_id).id,
                    "date_deadline": deadline,
                }
                for participant in participants
            ]
        )

    def _action_appointment(self, participants):
        start = self._now().replace(minute=0, second=0, microsecond=0) + timedelta(days=self.appointment_days)
        stop = start + timedelta(hours=self.appointment_duration or 1.0)
        vals_list = []
        for participant in participants:
            user = self._responsible(participant.partner_id)
            vals_list.append(
                {
                    "name": "%s - %s" % (self.activity_summary or self.name, participant.partner_id.name),
                    "start": start,
                    "stop": stop,
                    "user_id": user.id,
                    "partner_ids": [(6, 0, [participant.partner_id.id, user.partner_id.id])],
                }
            )
        events = self.env["calendar.event"].sudo().with_context(no_mail_to_attendees=True).create(vals_list)
        return {
            participant.id: {"res_model": "calendar.event", "res_id": event.id}
            for participant, event in zip(participants, events, strict=True)
        }

    def _action_survey(self, participants):
        allowed, outcome = self._allowed(participants)
        if not allowed:
            return outcome
        survey = self.survey_id.sudo()
        answers = (
            self.env["survey.user_input"]
            .sudo()
            .create(
                [
                    {
                        "survey_id": survey.id,
                        "partner_id": participant.partner_id.id,
                        "email": participant.partner_id.email,
                    }
                    for participant in allowed
                ]
            )
        )
        template = self.env.ref("survey.mail_template_user_input_invite", raise_if_not_found=False)
        if template:
            template.sudo().send_mail_batch(answers.ids)
        for participant, answer in zip(allowed, answers, strict=True):
            outcome[participant.id] = {"res_model": "survey.user_input", "res_id": answer.id}
        return outcome

    def _action_postal(self, participants):
        allowed, outcome = self._allowed(participants)
        for participant in participants - allowed:
            outcome.setdefault(participant.id, {"state": "skipped"})
        for participant in allowed.filtered(lambda p: not p.partner_id.street):
            outcome[participant.id] = {"state": "skipped", "note": _("No postal address")}
        return outcome

    def _action_end(self, participants):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE ecrm_campaign_participant SET state = 'ended', date_end = %s WHERE id = ANY(%s)",
                self._now(),
                participants.ids,
            )
        )
        participants.invalidate_recordset(["state", "date_end"])
