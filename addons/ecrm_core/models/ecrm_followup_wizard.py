from datetime import timedelta

import pytz

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from ..tools.followup import (
    CONTACT_METHODS,
    DURATION_BY_METHOD,
    contact_method_for_channel,
    propose_start,
    weekend_days,
)

REMINDER_ALARMS = ("ecrm_core.calendar_alarm_email_1_day", "ecrm_core.calendar_alarm_email_1_hour")


class EcrmFollowupWizard(models.TransientModel):
    """Plan a follow-up with a customer in the calendar, at the time and by the means they prefer (C10)."""

    _name = "ecrm.followup.wizard"
    _description = "Schedule a Customer Follow-up"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    touchpoint_id = fields.Many2one(
        "ecrm.touchpoint", string="Follow-up of", help="The touchpoint this follow-up answers."
    )
    preferred_contact_time = fields.Selection(related="partner_id.preferred_contact_time")
    preferred_channel_id = fields.Many2one(related="partner_id.preferred_channel_id")
    contact_method = fields.Selection(
        CONTACT_METHODS,
        compute="_compute_contact_method",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Proposed from the customer's preferred channel.",
    )
    start = fields.Datetime(
        compute="_compute_start",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Proposed on the next working day at the customer's preferred contact time, in their time zone.",
    )
    duration = fields.Float(compute="_compute_duration", store=True, readonly=False, precompute=True, required=True)
    name = fields.Char(string="Subject", compute="_compute_name", store=True, readonly=False, precompute=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        required=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    alarm_ids = fields.Many2many(
        "calendar.alarm",
        string="Reminders",
        compute="_compute_alarm_ids",
        store=True,
        readonly=False,
        precompute=True,
        help="Sent automatically before the follow-up to the customer and to you.",
    )
    location = fields.Char()
    description = fields.Html(string="Notes")
    warning = fields.Char(compute="_compute_warning")

    @api.depends("partner_id")
    def _compute_contact_method(self):
        for wizard in self:
            wizard.contact_method = contact_method_for_channel(wizard.partner_id.preferred_channel_id.code)

    @api.depends("partner_id")
    def _compute_start(self):
        now = fields.Datetime.now()
        weekend = weekend_days(self.env.company.country_id.code)
        for wizard in self:
            tz = pytz.timezone(wizard._customer_tz())
            now_local = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
            local = propose_start(now_local, wizard.partner_id.preferred_contact_time, weekend)
            wizard.start = tz.localize(local).astimezone(pytz.utc).replace(tzinfo=None)

    def _customer_tz(self):
        """The customer's time zone: theirs, else their country's when it has only one, else the user's."""
        partner = self.partner_id
        if partner.tz:
            return partner.tz
        zones = pytz.country_timezones.get(
            partner.country_id.code or partner.commercial_partner_id.country_id.code or ""
        )
        if zones and len(zones) == 1:
            return zones[0]
        return self.env.user.tz or "UTC"

    @api.depends("contact_method")
    def _compute_duration(self):
        for wizard in self:
            wizard.duration = DURATION_BY_METHOD.get(wizard.contact_method, 0.5)

    @api.depends("partner_id", "touchpoint_id")
    def _compute_name(self):
        for wizard in self:
            about = (wizard.touchpoint_id.summary or "").strip().splitlines()
            if about:
                wizard.name = _("Follow-up: %s", about[0][:80])
            elif wizard.partner_id:
                wizard.name = _("Follow-up with %s", wizard.partner_id.name)
            else:
                wizard.name = False

    @api.depends("partner_id")
    def _compute_alarm_ids(self):
        alarms = self.env["calendar.alarm"]
        for xmlid in REMINDER_ALARMS:
            alarms |= self.env.ref(xmlid, raise_if_not_found=False) or alarms
        for wizard in self:
            sms = self.env["calendar.alarm"]
            if wizard.partner_id.mobile or wizard.partner_id.phone:
                sms = self._sms_alarm()
            wizard.alarm_ids = alarms | sms

    @api.depends("partner_id", "alarm_ids", "contact_method")
    def _compute_warning(self):
        for wizard in self:
            partner = wizard.partner_id
            emails = wizard.alarm_ids.filtered(lambda a: a.alarm_type == "email")
            if partner and emails and not partner.email:
                wizard.warning = _("%s has no e-mail address: the reminder e-mails will not reach them.", partner.name)
            elif partner and wizard.contact_method == "call" and not (partner.mobile or partner.phone):
                wizard.warning = _("%s has no phone number yet.", partner.name)
            else:
                wizard.warning = False

    @api.model
    def _sms_alarm(self):
        """The 1-hour SMS reminder when text messages can be sent (calendar_sms installed), else nothing."""
        Alarm = self.env["calendar.alarm"]
        if "sms" not in dict(Alarm._fields["alarm_type"]._description_selection(self.env)):
            return Alarm
        alarm = Alarm.search([("alarm_type", "=", "sms"), ("duration", "=", 1), ("interval", "=", "hours")], limit=1)
        if not alarm:
            alarm = Alarm.sudo().create(
                {"name": _("SMS - 1 Hour"), "alarm_type": "sms", "duration": 1, "interval": "hours"}
            )
        return alarm

    def action_schedule(self):
        """Create the calendar event, with the customer and the responsible as attendees."""
        self.ensure_one()
        if self.start < fields.Datetime.now() - timedelta(minutes=5):
            raise UserError(_("A follow-up is planned for later: pick a date and time in the future."))
        if self.duration <= 0:
            raise UserError(_("Give the follow-up a duration, for example 0:15 for a short call."))
        event = (
            self.env["calendar.event"]
            .with_context(clean_context(self.env.context))
            .create(
                {
                    "name": self.name or _("Follow-up with %s", self.partner_id.name),
                    "start": self.start,
                    "stop": self.start + timedelta(hours=self.duration),
                    "duration": self.duration,
                    "user_id": self.user_id.id,
                    "partner_ids": [Command.set((self.partner_id | self.user_id.partner_id).ids)],
                    "alarm_ids": [Command.set(self.alarm_ids.ids)],
                    "location": self.location,
                    "description": self.description,
                    "ecrm_followup": True,
                    "ecrm_partner_id": self.partner_id.id,
                    "ecrm_touchpoint_id": self.touchpoint_id.id,
                    "ecrm_contact_method": self.contact_method,
                }
            )
        )
        if self.contact_method == "video":
            event._set_discuss_videocall_location()
        return {
            "type": "ir.actions.act_window",
            "res_model": "calendar.event",
            "res_id": event.id,
            "views": [(False, "form")],
            "target": "current",
        }
