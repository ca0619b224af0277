from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DestinationCommon


@tagged("post_install", "-at_install", "ecrm_destination")
class TestPhaseCampaigns(DestinationCommon):
    """D1, D4: phase campaigns reach the visitors whose trip is in the phase, and send their offers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purpose = cls.env.ref("ecrm_campaign.consent_purpose_newsletter")
        cls.planner = cls.env["res.partner"].create(
            {"name": "Planner Visitor", "email": "planner@example.com", "tz": "Asia/Tehran", "country_id": cls.iran.id}
        )
        cls.traveller = cls.env["res.partner"].create(
            {
                "name": "Travelling Visitor",
                "email": "traveller@example.com",
                "tz": "Asia/Tehran",
                "country_id": cls.iran.id,
            }
        )
        cls.returned = cls.env["res.partner"].create(
            {
                "name": "Returned Visitor",
                "email": "returned@example.com",
                "tz": "Asia/Tehran",
                "country_id": cls.iran.id,
            }
        )
        cls.ours = cls.planner | cls.traveller | cls.returned | cls.graduate | cls.mother
        cls.env["ecrm.consent"].sudo()._grant(cls.ours.ids, "email", cls.purpose, "staff")
        cls.template = cls.env.ref("ecrm_destination.mail_template_during_trip")

    def _fired(self, step):
        """The path lines of the step for this test's visitors (demo visitors may be in the audience too)."""
        return self.env["ecrm.campaign.participant.step"].search(
            [("step_id", "=", step.id), ("partner_id", "in", self.ours.ids)]
        )

    def _make_trips(self):
        self._trip(self.planner, date(2026, 3, 20), date(2026, 3, 25))
        self._trip(self.traveller, date(2026, 3, 8), date(2026, 3, 12))
        self._trip(self.traveller, date(2025, 2, 1), date(2025, 2, 3))  # last year's trip: travelling again now
        self._trip(self.returned, date(2026, 2, 1), date(2026, 2, 5))

    def _campaign(self, **values):
        return self.env["ecrm.campaign"].create(
            {"name": "Phase campaign", "purpose_id": self.purpose.id, "state": "running", **values}
        )

    def test_audience_is_the_visitors_in_the_phase(self):
        with freeze_time(datetime(2026, 3, 10, 9, 0)):
            self._make_trips()
            campaign = self._campaign(audience_type="visitors", trip_phase="during")
            self.env["ecrm.campaign.step"].create(
                {
                    "campaign_id": campaign.id,
                    "name": "Welcome",
                    "trigger": "audience",
                    "action": "template",
                    "mail_template_id": self.template.id,
                }
            )
            audience = set(campaign._get_audience_partner_ids()) & set(self.ours.ids)
            self.assertEqual(audience, set(self.traveller.ids))
            # the traveller's trip of last year does not make them an "after the trip" visitor
            after = self._campaign(audience_type="visitors", trip_phase="after")
            self.assertEqual(set(after._get_audience_partner_ids()) & set(self.ours.ids), {self.returned.id})
            with self.mock_mail_gateway():
                campaign._advance()
        self.assertEqual(campaign.participant_ids.partner_id & self.ours, self.traveller)
        welcome_mails = self._new_mails.filtered(
            lambda m: (
                m.subject and m.subject.startswith("Welcome") and m.email_to in self.ours.mapped("email_formatted")
            )
        )
        self.assertEqual(welcome_mails.mapped("email_to"), [self.traveller.email_formatted])
        any_phase = self._campaign(audience_type="visitors")
        self.assertEqual(
            set(any_phase._get_audience_partner_ids()) & set(self.ours.ids),
            {self.planner.id, self.traveller.id, self.returned.id},
        )

    def test_trip_phase_trigger_fires_on_arrival_only(self):
        with freeze_time(datetime(2026, 3, 5, 9, 0)):
            self._make_trips()
            campaign = self._campaign(audience_type="visitors")
            step = self.env["ecrm.campaign.step"].create(
                {
                    "campaign_id": campaign.id,
                    "name": "Welcome on arrival",
                    "trigger": "trip_phase",
                    "trip_phase": "during",
                    "action": "template",
                    "mail_template_id": self.template.id,
                }
            )
            campaign._advance()
            self.assertFalse(self._fired(step), "none of them travels on 5 March")
        # 10 March: the traveller has arrived, the planner not yet
        with freeze_time(datetime(2026, 3, 10, 9, 0)):
            self.env["ecrm.trip"]._cron_update_phases()
            campaign._advance()
            self.assertEqual(self._fired(step).partner_id, self.traveller)
            campaign._advance()  # running again does not send twice
            self.assertEqual(len(self._fired(step)), 1)
        # 21 March: the planner has arrived too
        with freeze_time(datetime(2026, 3, 21, 9, 0)):
            self.env["ecrm.trip"]._cron_update_phases()
            campaign._advance()
            self.assertEqual(self._fired(step).partner_id, self.traveller | self.planner)

    def test_send_offers_step(self):
        today = date.today()
        self._trip(
            self.graduate,
            today + timedelta(days=10),
            today + timedelta(days=100),
            destination_country_id=self.argentina.id,
            party_type="friends",
        )
        self._trip(self.planner, today + timedelta(days=10), today + timedelta(days=12))
        campaign = self._campaign(audience_type="visitors", trip_phase="before")
        step = self.env["ecrm.campaign.step"].create(
            {"campaign_id": campaign.id, "name": "Offers", "trigger": "audience", "action": "offers"}
        )
        self.assertEqual(step.channel, "email")
        with self.mock_mail_gateway():
            campaign._advance()
        lines = self._fired(step)
        done = lines.filtered(lambda line: line.state == "done")
        skipped = lines.filtered(lambda line: line.state == "skipped")
        self.assertEqual(done.partner_id, self.graduate)
        self.assertEqual(skipped.partner_id, self.planner, "no offer matches the planner's short trip")
        mail = self._new_mails.filtered(lambda m: self.graduate.email in (m.email_to or ""))
        self.assertEqual(len(mail), 1)
        self.assertIn(self.rule_insurance.product_id.name, mail.body_html)
        self.assertIn(self.rule_phone_card.product_id.name, mail.body_html)
        self.assertNotIn(self.rule_child_care.product_id.name, mail.body_html)

    def test_offers_need_consent(self):
        stranger = self.env["res.partner"].create({"name": "No Consent", "email": "noconsent@example.com"})
        self._trip(
            stranger,
            date.today() + timedelta(days=10),
            date.today() + timedelta(days=60),
            destination_country_id=self.argentina.id,
        )
        campaign = self._campaign(audience_type="visitors", trip_phase="before")
        step = self.env["ecrm.campaign.step"].create(
            {"campaign_id": campaign.id, "name": "Offers", "trigger": "audience", "action": "offers"}
        )
        with self.mock_mail_gateway():
            campaign._advance()
        line = self.env["ecrm.campaign.participant.step"].search(
            [("step_id", "=", step.id), ("partner_id", "=", stranger.id)]
        )
        self.assertEqual(line.state, "skipped")
        self.assertFalse(self._new_mails.filtered(lambda m: stranger.email in (m.email_to or "")))
