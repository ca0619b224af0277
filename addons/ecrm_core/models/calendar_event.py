from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools.followup import CONTACT_METHODS, TOUCHPOINT_TYPE_BY_METHOD

# Past meetings turned into touchpoints per cron batch.
HELD_BATCH = 1000
# An overdue follow-up gets its reminder activity this long after it should have ended.
OVERDUE_GRACE = timedelta(hours=1)


class CalendarEvent(models.Model):
    """Meetings held with customers become touchpoints; follow-ups are tracked until done (C1, C10).

    A meeting is recorded once it has taken place: when it is created in the past, when its
    organiser marks it as held, or by the hourly cron for meetings whose end has passed. A
    customer who declined gets no touchpoint. Follow-ups planned from the eCRM wait for
    staff to mark them as held; one left without outcome becomes an activity of its organiser.
    """

    _inherit = "calendar.event"

    ecrm_followup = fields.Boolean(
        string="Customer Follow-up", readonly=True, copy=False, help="Planned from the eCRM to follow up a customer."
    )
    ecrm_partner_id = fields.Many2one(
        "res.partner", string="Followed-up Customer", index="btree_not_null", readonly=True, copy=False
    )
    ecrm_touchpoint_id = fields.Many2one(
        "ecrm.touchpoint",
        string="Follow-up of",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
        help="The touchpoint this follow-up answers.",
    )
    ecrm_contact_method = fields.Selection(CONTACT_METHODS, string="Contact Method", copy=False)
    ecrm_held_date = fields.Datetime(
        string="Held",
        readonly=True,
        copy=False,
        help="When the meeting was recorded as held and became a touchpoint of its customer attendees.",
    )
    ecrm_outcome = fields.Text(string="Outcome", copy=False, help="What came out of the meeting or call.")
    ecrm_overdue_notified = fields.Boolean(
        string="Overdue Reminder Sent",
        readonly=True,
        copy=False,
        help="The organiser already got a To-Do because this follow-up ended without being marked as held.",
    )

    ecrm_can_mark_held = fields.Boolean(compute="_compute_ecrm_can_mark_held")

    def init(self):
        # The hourly cron looks for past meetings not recorded yet: keep that lookup small.
        create_index(
            self.env.cr,
            "calendar_event_ecrm_not_held_index",
            self._table,
            ["stop"],
            where="ecrm_held_date IS NULL AND active",
        )

    @api.depends("start", "ecrm_held_date")
    def _compute_ecrm_can_mark_held(self):
        now = fields.Datetime.now()
        for event in self:
            started = bool(event.id and event.start and event.start <= now)
            event.ecrm_can_mark_held = started and not event.ecrm_held_date

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        now = fields.Datetime.now()
        events.filtered(lambda event: not event.ecrm_followup and event.stop and event.stop <= now)._ecrm_mark_held()
        return events

    def write(self, vals):
        result = super().write(vals)
        if "start" in vals or "stop" in vals:
            # planned again for later: the overdue reminder is void and may be given again
            replanned = self.filtered(
                lambda event: (
                    event.ecrm_overdue_notified and not event.ecrm_held_date and event.stop > fields.Datetime.now()
                )
            )
            if replanned:
                todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
                replanned.sudo().activity_ids.filtered(lambda a: a.activity_type_id == todo).unlink()
                replanned.sudo().ecrm_overdue_notified = False
        held = self.filtered("ecrm_held_date")
        if held and "partner_ids" in vals:
            held._ecrm_record_meetings()
        if held and "start" in vals:
            touchpoints = (
                self.env["ecrm.touchpoint"]
                .sudo()
                .search([("res_model", "=", "calendar.event"), ("res_id", "in", held.ids)])
            )
            for event in held:
                touchpoints.filtered(lambda t, event=event: t.res_id == event.id).write({"date": event.start})
        return result

    def action_ecrm_mark_held(self):
        """Record the meeting as held now: each customer attendee gets a touchpoint."""
        self.ensure_one()
        self.check_access("write")
        if self.ecrm_held_date:
            raise UserError(_("This meeting was already recorded as held on %s.", self.ecrm_held_date))
        if self.start > fields.Datetime.now():
            raise UserError(_("This meeting has not started yet. Mark it as held once it has taken place."))
        self._ecrm_mark_held()
        return True

    def action_ecrm_open_touchpoints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.ecrm_touchpoint_action")
        action["domain"] = [("res_model", "=", "calendar.event"), ("res_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Held meetings become touchpoints
    # ------------------------------------------------------------------

    def _ecrm_mark_held(self):
        if not self:
            return
        self.sudo().write({"ecrm_held_date": fields.Datetime.now()})
        touchpoints = self._ecrm_record_meetings()
        # a follow-up held closes its activities (the overdue reminder, the meeting activity)
        for event in self.sudo().filtered(lambda event: event.ecrm_followup and event.activity_ids):
            event.activity_ids.action_feedback(feedback=event.ecrm_outcome or _("The meeting was held."))
        return touchpoints

    def _ecrm_record_meetings(self):
        """One touchpoint per customer attendee who did not decline; nobody twice."""
        vals_list = []
        for event in self.sudo():
            attendees = event.attendee_ids.filtered(lambda a: a.state != "declined" and a.partner_id.partner_share)
            method = event.ecrm_contact_method if event.ecrm_followup else False
            summary = event.name
            if event.ecrm_outcome:
                summary = "%s\n%s" % (event.name, event.ecrm_outcome)
            for partner in attendees.partner_id:
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "company_id": (event.user_id.company_id or self.env.company).id,
                        "touchpoint_type": TOUCHPOINT_TYPE_BY_METHOD.get(method, "meeting"),
                        "direction": "outbound",
                        "date": event.start,
                        "summary": summary,
                        "res_model": "calendar.event",
                        "res_id": event.id,
                        "user_id": event.user_id.id,
                        "external_id": "calendar.event:%s:%s" % (event.id, partner.id),
                    }
                )
        return self.env["ecrm.touchpoint"]._record(vals_list)

    @api.model
    def _cron_ecrm_record_held_meetings(self):
        """Record the meetings whose end has passed, oldest first, in batches."""
        self.env.flush_all()
        query = SQL(
            """
            SELECT id FROM calendar_event
             WHERE active AND ecrm_held_date IS NULL AND ecrm_followup IS NOT TRUE AND stop < %s
             ORDER BY stop
            """,
            fields.Datetime.now(),
        )
        self.env.cr.execute(SQL("%s LIMIT %s", query, HELD_BATCH + 1))
        ids = [row[0] for row in self.env.cr.fetchall()]
        events = self.browse(ids[:HELD_BATCH])
        events._ecrm_mark_held()
        self.env["ir.cron"]._notify_progress(done=len(events), remaining=max(len(ids) - HELD_BATCH, 0))
        return events

    # ------------------------------------------------------------------
    # Overdue follow-ups become activities of their organiser
    # ------------------------------------------------------------------

    @api.model
    def _cron_ecrm_followup_overdue(self):
        """Give each follow-up past its end and still not held one To-Do activity for its organiser."""
        events = self.sudo().search(
            [
                ("ecrm_followup", "=", True),
                ("ecrm_held_date", "=", False),
                ("ecrm_overdue_notified", "=", False),
                ("stop", "<", fields.Datetime.now() - OVERDUE_GRACE),
                ("ecrm_partner_id", "!=", False),
            ]
        )
        if not events:
            return events
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        partner_model = self.env["ir.model"]._get_id("res.partner")
        today = fields.Date.context_today(self)
        vals_list = [
            {
                "res_model_id": partner_model,
                "res_id": event.ecrm_partner_id.id,
                "activity_type_id": activity_type.id if activity_type else False,
                "summary": _("Overdue follow-up: %s", event.name),
                "note": _(
                    "The follow-up planned on %(date)s has no outcome yet. Open the meeting, write what came of it "
                    "and mark it as held, or plan it again.",
                    date=fields.Datetime.to_string(event.start),
                ),
                "date_deadline": today,
                "user_id": event.user_id.id or self.env.user.id,
                "calendar_event_id": event.id,
            }
            for event in events
        ]
        activities = self.env["mail.activity"].sudo().create(vals_list)
        events.write({"ecrm_overdue_notified": True})
        return activities
