from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import EcrmCampaignCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignActions(EcrmCampaignCommon):
    """Each action acts on every participant of the step at once, and becomes a touchpoint (K1, K10)."""

    def test_mailing_action_is_a_touchpoint_of_the_campaign(self):
        self.start_and_run()
        touchpoint = self.touchpoints_of(self.customer, touchpoint_type="email_out")
        self.assertEqual(len(touchpoint), 1)
        self.assertEqual(touchpoint.campaign_id, self.campaign.utm_campaign_id)
        self.assertEqual(touchpoint.direction, "outbound")
        self.assertEqual(self.mailing.campaign_id, self.campaign.utm_campaign_id)
        if "ecrm_consent_purpose_id" in self.mailing._fields:
            self.assertEqual(self.mailing.ecrm_consent_purpose_id, self.purpose)

    def test_template_action(self):
        template = self.env["mail.template"].create(
            {
                "name": "Tip",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "subject": "A tip for {{ object.name }}",
                "body_html": "<p>Hello</p>",
                "email_from": "shop@example.com",
                "email_to": "{{ object.email_formatted }}",
            }
        )
        self.step_welcome.write({"action": "template", "mail_template_id": template.id, "mailing_id": False})
        self.start_and_run()
        self.assertEqual(len(self._new_mails.filtered(lambda m: m.subject.startswith("A tip for"))), 3)
        self.assertEqual(self.fired_partners(self.step_welcome), self.audience)

    def test_sms_action(self):
        if "sms.sms" not in self.env:
            self.skipTest("sms not installed")
        self._grant_consent(self.audience, "sms")
        self.customer.phone = "+98 912 000 1111"
        self.step_welcome.write({"action": "sms", "sms_body": "Welcome!", "mailing_id": False})
        self.start_and_run()
        sms = self.env["sms.sms"].search([("partner_id", "in", self.audience.ids)])
        self.assertEqual(sms.partner_id, self.customer, "only the contact with a number gets the SMS")
        skipped = self.lines_of(self.step_welcome).filtered(lambda line: line.state == "skipped")
        self.assertEqual(skipped.partner_id, self.customer_2 | self.customer_3)

    def test_segment_and_tags(self):
        segment = self.env["ecrm.segment"].create({"name": "Engaged", "rule_domain": "[('id', '=', 0)]"})
        self.step_welcome.write({"action": "segment", "segment_id": segment.id, "mailing_id": False})
        tag_step = self.add_step(
            self.step_welcome, trigger="audience", action="tag_add", profile_tag_id=self.tag_pricing.id
        )
        self.start_and_run()
        self.assertEqual(segment.partner_ids, self.audience)
        self.assertEqual(self.fired_partners(tag_step), self.audience)
        for partner in self.audience:
            self.assertIn(self.tag_pricing, partner.interest_tag_ids)

    def test_appointment_and_end(self):
        self.step_welcome.write(
            {"action": "appointment", "appointment_days": 2, "activity_summary": "Tasting", "mailing_id": False}
        )
        end = self.add_step(self.step_welcome, trigger="audience", action="end")
        self.customer.user_id = self.user_ecrm
        self.start_and_run()
        event = self.env["calendar.event"].search([("name", "=", "Tasting - %s" % self.customer.name)])
        self.assertEqual(len(event), 1)
        self.assertIn(self.customer, event.partner_ids)
        self.assertEqual(event.user_id, self.user_ecrm)
        self.assertEqual(
            self.touchpoints_of(self.customer, touchpoint_type="meeting").campaign_id, self.campaign.utm_campaign_id
        )
        self.assertEqual(set(self.campaign.participant_ids.mapped("state")), {"ended"})
        self.assertEqual(self.fired_partners(end), self.audience)

    def test_postal_list(self):
        self._grant_consent(self.audience, "postal")
        self.step_welcome.write({"action": "postal", "mailing_id": False})
        self.start_and_run()
        self.assertEqual(self.fired_partners(self.step_welcome), self.customer_3, "only the one with an address")

    def test_bad_settings_are_refused(self):
        with self.assertRaises(ValidationError):
            self.add_step(trigger="audience", action="mailing")
        with self.assertRaises(ValidationError):
            self.add_step(trigger="opened", action="end")  # no mailing before it
        with self.assertRaises(UserError):  # a step after its own child
            self.step_welcome.parent_id = self.add_step(self.step_welcome, trigger="opened", action="end")

    def test_participant_path(self):
        step_opened = self.add_step(self.step_welcome, trigger="opened", action="end", name="Opened: done")
        self.start_and_run()
        self.trace_of(self.customer).set_opened()
        self.advance()
        participant = self.participant_of(self.customer)
        self.assertEqual(participant.path, "Welcome mail \u2192 Opened: done")
        self.assertEqual(participant.last_step_id, step_opened)
        self.assertEqual(participant.state, "ended")
        self.step_welcome.invalidate_recordset()
        self.assertEqual(self.step_welcome.done_count, 3)
        step_opened.invalidate_recordset()
        self.assertEqual(step_opened.waiting_count, 2)


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignCron(EcrmCampaignCommon):
    def test_end_date_stops_the_offer(self):
        self.campaign.write({"date_end": fields.Datetime.now() + timedelta(days=2)})
        self.campaign.action_start()
        with self.mock_mail_gateway():
            self.Campaign.with_context(ecrm_campaign_now=fields.Datetime.now() + timedelta(days=3))._cron_advance()
        self.assertEqual(self.campaign.state, "done")
        self.assertFalse(self.campaign.participant_ids, "nothing ran after the end")
        self.assertFalse(self._new_mails)

    def test_not_started_yet(self):
        self.campaign.write({"date_start": fields.Datetime.now() + timedelta(days=1)})
        self.campaign.action_start()
        with self.mock_mail_gateway():
            self.Campaign._cron_advance()
        self.assertFalse(self.campaign.participant_ids)

    def test_cron_runs_running_campaigns(self):
        self.campaign.action_start()
        with self.mock_mail_gateway():
            self.Campaign._cron_advance()
        self.assertEqual(self.fired_partners(self.step_welcome), self.audience)

    def test_queries_do_not_grow_with_participants(self):
        """One query for the due participants and one batch action per step, whatever their number."""
        step = self.add_step(
            self.step_welcome, trigger="audience", action="tag_add", profile_tag_id=self.tag_pricing.id
        )
        self.step_welcome.write(
            {
                "action": "segment",
                "mailing_id": False,
                "segment_id": self.env["ecrm.segment"].create({"name": "S", "rule_domain": "[]"}).id,
            }
        )
        small = self.audience[:1]
        many = self.env["res.partner"].create([{"name": "P%s" % i, "email": "p%s@example.com" % i} for i in range(40)])

        counts = []
        for partners in (small, many):
            campaign = self.campaign.copy({"audience_domain": "[('id', 'in', %s)]" % partners.ids})
            campaign.action_start()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            campaign._advance()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(campaign.participant_ids), len(partners))
        self.assertLessEqual(
            counts[1], counts[0] + 2, "queries for 40 participants: %s, for 1: %s" % tuple(counts[::-1])
        )
        self.assertTrue(step)
