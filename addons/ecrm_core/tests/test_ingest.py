"""Batch ingestion from other systems (C3): matching, validation, replays."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..models.ecrm_touchpoint import EcrmIngestError
from .common import EcrmCommon


def event(**values):
    base = {"type": "web_visit", "date": "2026-03-01T10:00:00Z"}
    base.update(values)
    return base


@tagged("post_install", "-at_install", "ecrm_core")
class TestIngest(EcrmCommon):
    def ingest(self, events, user=None):
        return self.Touchpoint.with_user(user or self.user_integration)._ingest_events(events)

    def test_match_by_email_phone_and_ref(self):
        self.customer_2.ref = "CRM-42"
        result = self.ingest(
            [
                event(external_id="e1", email="  PARISA.customer@example.com "),
                event(external_id="e2", phone="+98 912 000 1111", type="call"),
                event(external_id="e3", partner_ref="CRM-42", type="chat"),
            ]
        )
        self.assertEqual(
            result, {"received": 3, "created": 3, "skipped": 0, "partners_matched": 3, "partners_created": 0}
        )
        self.assertEqual(len(self.touchpoints_of(self.customer)), 2)
        self.assertEqual(len(self.touchpoints_of(self.customer_2)), 1)

    def test_web_visit_fields_and_utm(self):
        self.ingest(
            [
                event(
                    external_id="v1",
                    source="matomo",
                    email="kaveh@example.com",
                    referrer_url="https://www.google.com/search?q=persian+rug&hl=fa",
                    landing_url="https://shop.example.com/rugs",
                    navigation_path=["/rugs", "/rugs/tabriz", "/cart"],
                    utm_campaign="Yalda",
                    utm_source="google",
                    utm_medium="cpc",
                    payload={"session": "abc"},
                    date="2026-03-01T13:30:00+03:30",
                )
            ]
        )
        visit = self.touchpoints_of(self.customer_2)
        self.assertEqual(visit.search_keywords, "persian rug")
        self.assertEqual(visit.navigation_path, "/rugs\n/rugs/tabriz\n/cart")
        self.assertEqual(visit.campaign_id.name, "Yalda")
        self.assertEqual(visit.source_id.name, "google")
        self.assertEqual(visit.medium_id.name, "cpc")
        self.assertEqual(visit.source_system, "matomo")
        self.assertEqual(visit.payload, {"session": "abc"})
        self.assertEqual(str(visit.date), "2026-03-01 10:00:00", "dates are stored in UTC")
        self.assertEqual(visit.channel_id, self.env.ref("ecrm_core.ecrm_channel_website"))
        self.assertEqual(visit.company_id, self.user_integration.company_id)

    def test_unknown_people_become_latent_contacts(self):
        result = self.ingest(
            [
                event(external_id="n1", email="new.person@example.com", name="New Person"),
                event(external_id="n2", email="new.person@example.com", type="form"),
                event(external_id="n3", phone="09350000000"),
            ]
        )
        self.assertEqual(result["partners_created"], 2)
        self.assertEqual(result["partners_matched"], 0)
        person = self.env["res.partner"].search([("email", "=", "new.person@example.com")])
        self.assertEqual(person.name, "New Person")
        self.assertEqual(person.lifecycle_stage, "latent")
        self.assertEqual(len(self.touchpoints_of(person)), 2)
        by_phone = self.env["res.partner"].search([("phone_e164", "=", "+989350000000")])
        self.assertEqual(len(by_phone), 1, "the national number was read with the company's country")

    def test_one_bad_event_refuses_the_batch(self):
        before = self.Touchpoint.sudo().search_count([])
        partners_before = self.env["res.partner"].search_count([])
        with self.assertRaises(EcrmIngestError) as caught:
            self.ingest(
                [
                    event(external_id="ok1", email="kaveh@example.com"),
                    event(external_id="bad1", email="not-an-address", type="teleport"),
                    event(external_id="ok2", email="someone.new@example.com"),
                    event(external_id="bad2", email="kaveh@example.com", channel="pigeon"),
                    event(external_id="bad3", email="kaveh@example.com", amount="12", currency="EUR"),
                ]
            )
        errors = caught.exception.errors
        self.assertEqual([e["index"] for e in errors], [1, 3, 4])
        self.assertEqual(errors[0]["external_id"], "bad1")
        self.assertTrue(any("type" in msg for msg in errors[0]["errors"]))
        self.assertTrue(any("email" in msg for msg in errors[0]["errors"]))
        self.assertTrue(any("channel" in msg for msg in errors[1]["errors"]))
        self.assertTrue(any("amount" in msg for msg in errors[2]["errors"]))
        self.assertEqual(self.Touchpoint.sudo().search_count([]), before)
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before, "no latent contact half-created")

    def test_replay_is_skipped_and_counted(self):
        batch = [event(external_id="r%d" % i, email="kaveh@example.com") for i in range(5)]
        self.assertEqual(self.ingest(batch)["created"], 5)
        replay = self.ingest(batch + [event(external_id="r5", email="kaveh@example.com")])
        self.assertEqual((replay["created"], replay["skipped"]), (1, 5))
        self.assertEqual(len(self.touchpoints_of(self.customer_2)), 6)
        # the same external id from another system is another event
        other = self.ingest([event(external_id="r1", source="call-centre", email="kaveh@example.com", type="call")])
        self.assertEqual(other["created"], 1)

    def test_duplicates_inside_one_batch(self):
        result = self.ingest([event(external_id="d1", email="kaveh@example.com")] * 3)
        self.assertEqual((result["created"], result["skipped"]), (1, 2))

    def test_purchase_with_amount_and_currency(self):
        self.ingest([event(external_id="p1", type="purchase", email="kaveh@example.com", amount=120.5, currency="eur")])
        purchase = self.touchpoints_of(self.customer_2)
        self.assertEqual(purchase.amount, 120.5)
        self.assertEqual(purchase.currency_id, self.env.ref("base.EUR"))
        with self.assertRaises(EcrmIngestError):
            self.ingest([event(external_id="p2", type="purchase", email="kaveh@example.com", amount=3)])

    def test_user_without_rights_cannot_ingest(self):
        portal = self._create_portal_user()
        with self.assertRaises(AccessError):
            self.ingest([event(external_id="x", email="kaveh@example.com")], user=portal)

    def test_stats_refresh_is_scheduled(self):
        """New touchpoints ask the statistics cron to run soon instead of waiting for the night."""
        Trigger = self.env["ir.cron.trigger"].sudo()
        cron = self.env.ref("ecrm_core.ir_cron_contact_stats")
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self.ingest([event(external_id="s1", email="kaveh@example.com")])
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)
