from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EcrmCampaignCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignTestMode(EcrmCampaignCommon):
    """A campaign runs on a test contact with simulated time, and only for them."""

    def setUp(self):
        super().setUp()
        self.pricing_rule = self.add_step(
            self.step_welcome,
            name="Pricing clicked",
            trigger="clicked",
            link_id=self.link_of("/pricing").id,
            action="tag_add",
            profile_tag_id=self.tag_pricing.id,
        )
        self.reminder = self.add_step(
            self.step_welcome, name="No open", trigger="not_opened", delay=3, delay_unit="days", action="end"
        )
        self.tester = self.env["res.partner"].create({"name": "Tina Tester", "email": "tina@example.com"})
        self._grant_consent(self.tester, "email")

    def _wizard(self):
        wizard = self.env["ecrm.campaign.test"].create({"campaign_id": self.campaign.id, "partner_id": self.tester.id})
        with self.mock_mail_gateway(mail_unlink_sent=False):
            wizard.action_restart()
        return wizard

    def test_simulated_days_and_click(self):
        wizard = self._wizard()
        participant = wizard.participant_id
        self.assertTrue(participant.is_test)
        self.assertEqual(participant.partner_id, self.tester)
        self.assertEqual(wizard.line_ids.step_id, self.step_welcome, "only the welcome mail so far")
        self.assertSentEmail("shop@example.com", [self.tester], subject="Welcome to our shop")
        self.assertFalse(self.campaign.participant_ids - participant, "nobody else entered")
        # two simulated days: the 3-day reminder does not fire yet
        wizard.advance_days = 2
        wizard.action_advance()
        self.assertNotIn(self.reminder, wizard.line_ids.step_id)
        # a click on the pricing link in the test contact's mail fires the per-link rule
        wizard.click_link_id = self.link_of("/pricing")
        wizard.action_click()
        self.assertIn(self.pricing_rule, wizard.line_ids.step_id)
        self.assertIn(self.tag_pricing, self.tester.interest_tag_ids)
        # two more days: past the deadline, the opened mail (a click opens it) skips the reminder
        wizard.action_advance()
        line = wizard.line_ids.filtered(lambda line: line.step_id == self.reminder)
        self.assertEqual(line.state, "skipped")
        self.assertGreater(line.date, participant.date_enter, "path dates are the simulated ones")
        # a test contact leaves no touchpoint and is not advanced by the real cron
        self.assertFalse(self.touchpoints_of(self.tester, touchpoint_type="email_out"))
        self.assertFalse(self.campaign.participant_count, "test participants are not counted")

    def test_restart_and_real_contacts(self):
        wizard = self._wizard()
        wizard.action_restart()
        self.assertEqual(len(wizard.line_ids), 1, "starting over clears the path")
        self.start_and_run()
        real = self.env["ecrm.campaign.test"].create({"campaign_id": self.campaign.id, "partner_id": self.customer.id})
        with self.assertRaises(UserError):
            real.action_restart()
        self.assertFalse(self.participant_of(self.customer).is_test, "a real participant is left alone")
        self.assertEqual(len(self.lines_of(self.step_welcome).filtered(lambda l: l.partner_id == self.tester)), 1)
