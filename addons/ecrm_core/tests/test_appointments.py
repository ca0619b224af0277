"""Appointments and reminders (C10): follow-ups in the calendar, reminders, held meetings, overdue ones."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, tagged

from .common import EcrmCommon

# A Thursday: in Iran (the test company's country) the next working day is Saturday, Friday being the weekend.
THURSDAY = "2024-05-02 08:00:00"


@tagged("post_install", "-at_install", "ecrm_core")
class TestAppointments(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {
                "tz": "Asia/Tehran",
                "preferred_contact_time": "evening",
                "preferred_channel_id": cls.env.ref("ecrm_core.ecrm_channel_phone").id,
            }
        )
        cls.alarm_hour = cls.env.ref("ecrm_core.calendar_alarm_email_1_hour")
        cls.alarm_day = cls.env.ref("ecrm_core.calendar_alarm_email_1_day")

    def schedule(self, partner=None, touchpoint=None, **changes):
        context = {"default_partner_id": (partner or self.customer).id}
        if touchpoint:
            context["default_touchpoint_id"] = touchpoint.id
        form = Form(self.env["ecrm.followup.wizard"].with_user(self.user_ecrm).with_context(**context))
        for name, value in changes.items():
            setattr(form, name, value)
        wizard = form.save()
        action = wizard.action_schedule()
        return self.env["calendar.event"].browse(action["res_id"])

    def meeting(self, start, partners, **values):
        return (
            self.env["calendar.event"]
            .with_user(self.user_ecrm)
            .create(
                dict(
                    {
                        "name": "Showroom visit",
                        "start": start,
                        "stop": start + timedelta(hours=1),
                        "partner_ids": [(6, 0, (partners | self.user_ecrm.partner_id).ids)],
                    },
                    **values,
                )
            )
        )

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------

    @freeze_time(THURSDAY)
    def test_wizard_proposes_the_customers_time_and_method(self):
        form = Form(
            self.env["ecrm.followup.wizard"].with_user(self.user_ecrm).with_context(default_partner_id=self.customer.id)
        )
        # evening in Tehran (18:00, UTC+3:30) on Saturday: Friday is the weekend
        self.assertEqual(form.start, datetime(2024, 5, 4, 14, 30))
        self.assertEqual(form.contact_method, "call")
        self.assertEqual(form.duration, 0.25)
        self.assertEqual(form.name, "Follow-up with Parisa Customer")
        alarms = form.save().alarm_ids
        self.assertIn(self.alarm_hour, alarms)
        self.assertIn(self.alarm_day, alarms)
        sms_available = "sms" in dict(self.env["calendar.alarm"]._fields["alarm_type"].selection)
        self.assertEqual(
            bool(alarms.filtered(lambda a: a.alarm_type == "sms")),
            sms_available,
            "a customer with a phone number also gets a text message when SMS can be sent",
        )
        # opened from the menu: a customer who prefers e-mail in the morning, then one without e-mail
        self.customer_2.write(
            {"preferred_contact_time": "morning", "preferred_channel_id": self.env.ref("ecrm_core.ecrm_channel_email")}
        )
        form = Form(self.env["ecrm.followup.wizard"].with_user(self.user_ecrm))
        form.partner_id = self.customer_2
        self.assertEqual(form.contact_method, "email")
        self.assertEqual(form.duration, 0.25)
        self.assertFalse(form.warning)
        self.customer_2.email = False
        form.partner_id = self.customer
        form.partner_id = self.customer_2
        self.assertIn("no e-mail address", form.warning)

    @freeze_time(THURSDAY)
    def test_wizard_creates_the_event_with_attendees_and_reminders(self):
        event = self.schedule(description="<p>Talk about the sofa delivery</p>")
        self.assertTrue(event.ecrm_followup)
        self.assertEqual(event.ecrm_partner_id, self.customer)
        self.assertEqual(event.user_id, self.user_ecrm)
        self.assertEqual(event.partner_ids, self.customer | self.user_ecrm.partner_id)
        self.assertEqual(event.attendee_ids.partner_id, self.customer | self.user_ecrm.partner_id)
        self.assertEqual(event.start, datetime(2024, 5, 4, 14, 30))
        self.assertEqual(event.stop, datetime(2024, 5, 4, 14, 45))
        self.assertEqual(event.ecrm_contact_method, "call")
        self.assertLessEqual(self.alarm_hour | self.alarm_day, event.alarm_ids)
        # calendar's alarm cron is woken up one hour before the follow-up
        trigger = self.env["ir.cron.trigger"].search(
            [
                ("cron_id", "=", self.env.ref("calendar.ir_cron_scheduler_alarm").id),
                ("call_at", "=", event.start - timedelta(hours=1)),
            ]
        )
        self.assertTrue(trigger)
        # a follow-up in the future is no touchpoint yet
        self.assertFalse(self.touchpoints_of(self.customer, res_model="calendar.event"))

    @freeze_time(THURSDAY)
    def test_wizard_from_a_touchpoint(self):
        touchpoint = self.Touchpoint.create(
            {"partner_id": self.customer.id, "touchpoint_type": "support", "summary": "Sofa leg broke\nPhoto attached"}
        )
        event = self.schedule(touchpoint=touchpoint)
        self.assertEqual(event.ecrm_touchpoint_id, touchpoint)
        self.assertEqual(event.name, "Follow-up: Sofa leg broke")

    @freeze_time(THURSDAY)
    def test_wizard_refuses_a_past_date(self):
        with self.assertRaises(UserError):
            self.schedule(start=datetime(2024, 5, 1, 10, 0))
        with self.assertRaises(UserError):
            self.schedule(duration=0)

    # ------------------------------------------------------------------
    # Reminders through Odoo's calendar alarms
    # ------------------------------------------------------------------

    def test_alarm_sends_the_reminder_mail(self):
        with freeze_time(THURSDAY):
            event = self.schedule()
        Alarms = self.env["calendar.alarm_manager"]
        # before the alarm time: nothing
        with freeze_time(event.start - timedelta(hours=2)), self.mock_mail_gateway():
            Alarms.with_context(lastcall=event.start - timedelta(hours=3))._send_reminder()
        self.assertFalse(self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids))
        # one hour before: calendar's cron sends the reminder to the customer, from the organiser
        with freeze_time(event.start - timedelta(minutes=59)), self.mock_mail_gateway():
            Alarms.with_context(lastcall=event.start - timedelta(minutes=61))._send_reminder()
        mail = self.assertMailMail(self.customer, "sent", author=self.user_ecrm.partner_id)
        self.assertEqual(mail.subject, "%s - Reminder" % event.name)

    # ------------------------------------------------------------------
    # Held meetings become touchpoints
    # ------------------------------------------------------------------

    def test_held_meeting_becomes_a_touchpoint(self):
        start = fields.Datetime.now() + timedelta(days=2)
        event = self.meeting(start, self.customer | self.customer_2)
        event.attendee_ids.filtered(lambda a: a.partner_id == self.customer_2).do_decline()
        Event = self.env["calendar.event"]
        Event._cron_ecrm_record_held_meetings()
        self.assertFalse(self.touchpoints_of(self.customer), "a future meeting is no touchpoint until it is held")
        with freeze_time(start + timedelta(hours=2)):
            Event._cron_ecrm_record_held_meetings()
            Event._cron_ecrm_record_held_meetings()
        meeting = self.touchpoints_of(self.customer, touchpoint_type="meeting")
        self.assertEqual(len(meeting), 1, "held once, recorded once")
        self.assertEqual(meeting.date, start)
        self.assertEqual(meeting.external_id, "calendar.event:%s:%s" % (event.id, self.customer.id))
        self.assertEqual(meeting.user_id, self.user_ecrm)
        self.assertTrue(event.ecrm_held_date)
        self.assertFalse(self.touchpoints_of(self.customer_2), "who declined did not meet us")
        self.assertFalse(self.touchpoints_of(self.user_ecrm.partner_id), "staff are no customers")
        # an attendee added afterwards gets theirs; the others are not recorded twice
        event.write({"partner_ids": [(4, self.company_contact.id)]})
        self.assertEqual(len(self.touchpoints_of(self.company_contact, touchpoint_type="meeting")), 1)
        self.assertEqual(len(self.touchpoints_of(self.customer, touchpoint_type="meeting")), 1)

    def test_past_meeting_is_recorded_when_logged(self):
        start = fields.Datetime.now() - timedelta(days=1)
        event = self.meeting(start, self.customer)
        self.assertTrue(event.ecrm_held_date)
        self.assertEqual(self.touchpoints_of(self.customer, touchpoint_type="meeting").date, start)

    def test_mark_as_held(self):
        start = fields.Datetime.now() + timedelta(days=1)
        event = self.meeting(start, self.customer)
        self.assertFalse(event.ecrm_can_mark_held)
        with self.assertRaises(UserError):
            event.action_ecrm_mark_held()
        with freeze_time(start + timedelta(minutes=10)):
            event.invalidate_recordset(["ecrm_can_mark_held"])
            self.assertTrue(event.ecrm_can_mark_held)
            event.with_user(self.user_ecrm).action_ecrm_mark_held()
        self.assertEqual(len(self.touchpoints_of(self.customer, touchpoint_type="meeting")), 1)
        with self.assertRaises(UserError):
            event.action_ecrm_mark_held()

    # ------------------------------------------------------------------
    # Follow-ups: held by hand, overdue ones become activities
    # ------------------------------------------------------------------

    def test_overdue_followup_gives_one_activity_then_held_closes_it(self):
        with freeze_time(THURSDAY):
            event = self.schedule()
        Event = self.env["calendar.event"]
        todo = self.env.ref("mail.mail_activity_data_todo")

        def reminders():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.customer.id),
                    ("activity_type_id", "=", todo.id),
                ]
            )

        with freeze_time(event.stop + timedelta(minutes=30)):
            Event._cron_ecrm_followup_overdue()
        self.assertFalse(reminders(), "a short grace period after the end")
        with freeze_time(event.stop + timedelta(hours=3)):
            Event._cron_ecrm_record_held_meetings()
            self.assertFalse(event.ecrm_held_date, "a follow-up waits for staff to say it was held")
            Event._cron_ecrm_followup_overdue()
            Event._cron_ecrm_followup_overdue()
        activity = reminders()
        self.assertEqual(len(activity), 1, "one reminder, however often the cron runs")
        self.assertEqual(activity.user_id, self.user_ecrm)
        self.assertEqual(activity.calendar_event_id, event)
        self.assertIn(event.name, activity.summary)
        # the organiser calls, writes the outcome and marks it held: the reminder is done, the call recorded
        with freeze_time(event.stop + timedelta(hours=4)):
            event.with_user(self.user_ecrm).write({"ecrm_outcome": "Customer wants the grey fabric."})
            event.with_user(self.user_ecrm).action_ecrm_mark_held()
            Event._cron_ecrm_followup_overdue()
        self.assertFalse(reminders())
        call = self.touchpoints_of(self.customer, touchpoint_type="call")
        self.assertEqual(len(call), 1)
        self.assertIn("grey fabric", call.summary)
        self.assertEqual(call.direction, "outbound")

    def test_rescheduled_followup_can_be_reminded_again(self):
        with freeze_time(THURSDAY):
            event = self.schedule()
        with freeze_time(event.stop + timedelta(hours=3)):
            self.env["calendar.event"]._cron_ecrm_followup_overdue()
            self.assertTrue(event.ecrm_overdue_notified)
            new_start = fields.Datetime.now() + timedelta(days=1)
            event.with_user(self.user_ecrm).write({"start": new_start, "stop": new_start + timedelta(minutes=15)})
        self.assertFalse(event.ecrm_overdue_notified)
        self.assertFalse(event.activity_ids, "the old reminder is void")


@tagged("post_install", "-at_install", "ecrm_core")
class TestFollowupTour(HttpCase):
    def test_schedule_followup_from_the_customer(self):
        partner = self.env["res.partner"].create(
            {"name": "Tour Customer", "email": "tour@example.com", "preferred_contact_time": "afternoon"}
        )
        self.start_tour("/odoo/res.partner/%d" % partner.id, "ecrm_core_followup", login="admin")
        event = self.env["calendar.event"].search([("ecrm_partner_id", "=", partner.id)])
        self.assertEqual(len(event), 1)
        self.assertTrue(event.ecrm_followup)
        self.assertIn(partner, event.partner_ids)
