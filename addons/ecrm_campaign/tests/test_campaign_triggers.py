from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import EcrmCampaignCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignTriggers(EcrmCampaignCommon):
    """Each trigger fires for the right participants only (K1, K10)."""

    def test_audience_enters_and_gets_the_mailing(self):
        self.start_and_run()
        participants = self.campaign.participant_ids
        self.assertEqual(participants.partner_id, self.audience)
        self.assertEqual(self.fired_partners(self.step_welcome), self.audience)
        for partner in self.audience:
            self.assertSentEmail("shop@example.com", [partner], subject="Welcome to our shop")
            self.assertTrue(self.trace_of(partner))
        lines = self.lines_of(self.step_welcome)
        self.assertEqual(lines.mailing_trace_id, self.trace_of(self.audience))
        # running again sends nothing twice
        self.advance()
        self.assertFalse(self._new_mails)
        self.assertEqual(len(self.lines_of(self.step_welcome)), 3)

    def test_contacts_without_consent_get_nothing(self):
        if "ecrm.consent" not in self.env:
            self.skipTest("consent ledger not installed")
        stranger = self.env["res.partner"].create({"name": "No Consent", "email": "noconsent@example.com"})
        self.campaign.audience_domain = "[('id', 'in', %s)]" % (self.audience | stranger).ids
        self.start_and_run()
        line = self.lines_of(self.step_welcome).filtered(lambda line: line.partner_id == stranger)
        self.assertEqual(line.state, "skipped")
        self.assertIn("email", line.note)
        self.assertFalse(self.trace_of(stranger))
        self.assertNotIn("noconsent@example.com", [mail["email_to"][0] for mail in self._mails])

    def test_clicked_specific_link(self):
        """On a click of the pricing link the salesperson gets an activity; the blog link fires nothing."""
        pricing = self.link_of("/pricing")
        self.assertEqual(len(pricing), 1, "the step's mailing links exist before the first send")
        step_pricing = self.add_step(
            self.step_welcome,
            trigger="clicked",
            link_id=pricing.id,
            action="activity",
            activity_type_id=self.env.ref("mail.mail_activity_data_call").id,
            activity_summary="Call about prices",
        )
        self.customer.user_id = self.user_ecrm
        self.start_and_run()
        self.signed_click(self.customer, "/pricing")
        self.signed_click(self.customer_2, "/blog")
        self.advance()
        self.assertEqual(self.fired_partners(step_pricing), self.customer)
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("summary", "=", "Call about prices"),
            ]
        )
        self.assertEqual(activity.user_id, self.user_ecrm, "the contact's salesperson gets the call")
        self.assertFalse(
            self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", self.customer_2.id),
                    ("summary", "=", "Call about prices"),
                ]
            )
        )

    def test_forged_clicks_fire_nothing(self):
        """A click recorded on another recipient's trace id, unsigned, or with a made-up code fires nothing."""
        pricing = self.link_of("/pricing")
        step_pricing = self.add_step(self.step_welcome, trigger="clicked", link_id=pricing.id, action="end")
        self.start_and_run()
        Click = self.env["link.tracker.click"].sudo()
        # the attacker (customer) replays the pricing URL with customer_2's trace id, without the signature
        Click.add_click(pricing.code, mailing_trace_id=self.trace_of(self.customer_2).id)
        # a made-up code is not even recorded
        self.assertIsNone(Click.add_click("made-up-code", mailing_trace_id=self.trace_of(self.customer_3).id))
        # a signed click of another mailing's link on customer_3's trace
        other = self.mailing.copy({"name": "Other mailing"})
        other.campaign_id = self.campaign.utm_campaign_id
        other.convert_links()
        other_link = self.link_of("/pricing", other)
        Click.with_context(ecrm_verified_click=True).add_click(
            other_link.code, mailing_trace_id=self.trace_of(self.customer_3).id
        )
        self.advance()
        self.assertFalse(self.fired_partners(step_pricing))
        self.assertEqual(set(self.campaign.participant_ids.mapped("state")), {"running"})

    def test_opened_and_not_opened(self):
        step_opened = self.add_step(
            self.step_welcome, trigger="opened", action="tag_add", profile_tag_id=self.tag_pricing.id
        )
        step_not_opened = self.add_step(
            self.step_welcome, trigger="not_opened", delay=3, delay_unit="days", action="end"
        )
        self.start_and_run()
        self.trace_of(self.customer).set_opened()
        self.advance()
        self.assertEqual(self.fired_partners(step_opened), self.customer)
        self.assertIn(self.tag_pricing, self.customer.interest_tag_ids)
        self.assertFalse(self.lines_of(step_not_opened), "the deadline has not passed yet")
        later = fields.Datetime.now() + timedelta(days=3, minutes=1)
        self.advance(now=later)
        self.assertEqual(self.fired_partners(step_not_opened), self.customer_2 | self.customer_3)
        skipped = self.lines_of(step_not_opened).filtered(lambda line: line.state == "skipped")
        self.assertEqual(skipped.partner_id, self.customer, "the one who opened is skipped, not ended")
        self.assertEqual(self.participant_of(self.customer_2).state, "ended")
        self.assertEqual(self.participant_of(self.customer).state, "completed", "no step is left for them")

    def test_not_clicked_within(self):
        step = self.add_step(
            self.step_welcome,
            trigger="not_clicked",
            link_id=self.link_of("/pricing").id,
            delay=2,
            delay_unit="days",
            action="tag_add",
            profile_tag_id=self.tag_pricing.id,
        )
        self.start_and_run()
        self.signed_click(self.customer, "/pricing")
        self.signed_click(self.customer_2, "/blog")  # another link does not count as the pricing click
        self.advance(now=fields.Datetime.now() + timedelta(days=2, minutes=1))
        self.assertEqual(self.fired_partners(step), self.customer_2 | self.customer_3)

    def test_replied(self):
        step = self.add_step(self.step_welcome, trigger="replied", action="end")
        self.start_and_run()
        self.trace_of(self.customer_3).set_replied()
        self.advance()
        self.assertEqual(self.fired_partners(step), self.customer_3)

    def test_delay_after_parent(self):
        step = self.add_step(
            self.step_welcome,
            trigger="delay",
            delay=5,
            delay_unit="hours",
            action="tag_add",
            profile_tag_id=self.tag_pricing.id,
        )
        self.start_and_run()
        self.advance(now=fields.Datetime.now() + timedelta(hours=4))
        self.assertFalse(self.lines_of(step))
        self.advance(now=fields.Datetime.now() + timedelta(hours=5, minutes=1))
        self.assertEqual(self.fired_partners(step), self.audience)

    def test_bought_through_the_campaign(self):
        step = self.add_step(
            self.step_welcome, trigger="bought", action="tag_remove", profile_tag_id=self.tag_pricing.id
        )
        self.customer_2.interest_tag_ids = self.tag_pricing
        self.start_and_run()
        product = self.env["product.product"].create({"name": "Saffron", "list_price": 120.0})
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "campaign_id": utm.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
                for partner, utm in (
                    (self.customer_2, self.campaign.utm_campaign_id),
                    (self.customer_3, self.env["utm.campaign"].create({"title": "Another campaign"})),
                )
            ]
        )
        orders.action_confirm()
        self.advance()
        self.assertEqual(self.fired_partners(step), self.customer_2, "only the order attributed to the campaign")
        self.assertFalse(self.customer_2.interest_tag_ids)
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.conversion_count, 1)
        self.assertEqual(self.campaign.revenue, 120.0)

    def test_survey_answered(self):
        survey = self.env["survey.survey"].create({"title": "How was it?"})
        step_send = self.add_step(self.step_welcome, trigger="audience", action="survey", survey_id=survey.id)
        step_answered = self.add_step(
            step_send, trigger="survey_answered", action="tag_add", profile_tag_id=self.tag_pricing.id
        )
        self.start_and_run()
        answers = self.env["survey.user_input"].search([("survey_id", "=", survey.id)])
        self.assertEqual(answers.partner_id, self.audience, "each contact got an invitation")
        answers.filtered(lambda a: a.partner_id == self.customer_3)._mark_done()
        self.advance()
        self.assertEqual(self.fired_partners(step_answered), self.customer_3)
        answered = self.touchpoints_of(self.customer_3, touchpoint_type="survey", direction="inbound")
        self.assertTrue(answered, "the answer is a touchpoint (K6)")

    def test_consent_confirmed(self):
        if "ecrm.consent" not in self.env:
            self.skipTest("consent ledger not installed")
        campaign = self.Campaign.create(
            {
                "name": "Welcome on opt-in",
                "audience_type": "domain",
                "audience_domain": "[('id', '=', 0)]",
                "purpose_id": self.purpose.id,
            }
        )
        step = self.Step.create(
            {
                "name": "Thanks",
                "campaign_id": campaign.id,
                "trigger": "consent_confirmed",
                "action": "tag_add",
                "profile_tag_id": self.tag_pricing.id,
            }
        )
        campaign.action_start()
        newcomer = self.env["res.partner"].create({"name": "New Subscriber", "email": "new@example.com"})
        self.env["ecrm.consent"].sudo()._grant(newcomer.ids, "email", self.purpose, "staff")
        self.advance(campaign)
        self.assertEqual(self.fired_partners(step), newcomer)
        self.assertIn(self.tag_pricing, newcomer.interest_tag_ids)


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignVariants(EcrmCampaignCommon):
    """An offer tested in two versions until a date, then withdrawn for the one that did best (K12)."""

    def test_variants_split_then_winner(self):
        variant = self.mailing.copy({"name": "Free shipping over 50", "subject": "Free shipping over 50"})
        end = fields.Datetime.now() + timedelta(days=2)
        self.step_welcome.write({"variant_mailing_ids": [(6, 0, variant.ids)], "variant_end_date": end})
        rule = self.add_step(self.step_welcome, trigger="clicked", link_id=self.link_of("/pricing").id, action="end")
        self.start_and_run()
        lines = self.lines_of(self.step_welcome)
        by_mailing = {
            m: lines.filtered(lambda line, m=m: line.mailing_trace_id.mass_mailing_id == m)
            for m in (self.mailing, variant)
        }
        self.assertTrue(by_mailing[self.mailing] and by_mailing[variant], "both versions were sent")
        self.assertEqual(len(lines), 3)
        # a click on the pricing link of the variant fires the per-link rule too
        variant_line = by_mailing[variant][:1]
        self.signed_click(variant_line.partner_id, "/pricing", mailing=variant)
        self.advance()
        self.assertEqual(self.fired_partners(rule), variant_line.partner_id)
        self.assertEqual(self.step_welcome._winner_mailing(), variant)
        # after the end of the test, newcomers get the winner only
        newcomers = self.env["res.partner"].create(
            [{"name": "Late %s" % i, "email": "late%s@example.com" % i} for i in range(4)]
        )
        self._grant_consent(newcomers, "email")
        self.campaign.audience_domain = "[('id', 'in', %s)]" % (self.audience | newcomers).ids
        self.advance(now=end + timedelta(minutes=1))
        late = self.lines_of(self.step_welcome).filtered(lambda line: line.partner_id in newcomers)
        self.assertEqual(late.mailing_trace_id.mass_mailing_id, variant)
