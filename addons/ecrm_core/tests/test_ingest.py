"""Batch ingestion from other systems (C3): matching, validation, replays."""

import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

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

    def test_queue_then_store(self):
        """The API's path: the batch is checked and queued at once, and stored by the cron (C3)."""
        Trigger = self.env["ir.cron.trigger"].sudo()
        cron = self.env.ref("ecrm_core.ir_cron_ingest_batches")
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        before = self.Touchpoint.sudo().search_count([])
        batch = self.Touchpoint.with_user(self.user_integration)._ingest_queue(
            [
                event(external_id="q1", email="kaveh@example.com"),
                event(external_id="q2", email="someone.queued@example.com", name="Queued Person"),
                event(external_id="q2", email="someone.queued@example.com"),
            ]
        )
        self.assertEqual((batch.state, batch.received, batch.user_id), ("queued", 3, self.user_integration))
        self.assertEqual(self.Touchpoint.sudo().search_count([]), before, "nothing in the ledger before the cron")
        inbox = self.env["ecrm.touchpoint.inbox"].sudo().search([("batch_id", "=", batch.id)])
        self.assertEqual(len(inbox), 1, "one row for the batch")
        self.assertEqual(json.loads(inbox.events)[1]["email"], "someone.queued@example.com", "events as received")
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), triggers + 1, "the cron runs at once")

        self.env["ecrm.touchpoint.batch"]._cron_process()
        self.assertEqual(
            batch.sudo()._result(),
            {
                "batch_id": batch.id,
                "status": "done",
                "received": 3,
                "created": 2,
                "skipped": 1,
                "partners_matched": 1,
                "partners_created": 1,
            },
        )
        self.assertFalse(self.env["ecrm.touchpoint.inbox"].sudo().search_count([("batch_id", "=", batch.id)]))
        newcomer = self.env["res.partner"].search([("email", "=", "someone.queued@example.com")])
        self.assertEqual((newcomer.name, newcomer.lifecycle_stage), ("Queued Person", "latent"))
        self.assertEqual(len(self.touchpoints_of(newcomer)), 1)
        self.assertEqual(self.touchpoints_of(newcomer).create_uid, self.user_integration)
        # a second run has nothing left to do
        self.env["ecrm.touchpoint.batch"]._cron_process()
        self.assertEqual(batch.sudo().created, 2)

    def test_queued_batches_in_order_across_batches(self):
        """Two queued batches about the same new person: one contact; the replay counts in the later batch."""
        as_api = self.Touchpoint.with_user(self.user_integration)
        first = as_api._ingest_queue([event(external_id="o1", phone="0935 111 2222", name="Caller")])
        second = as_api._ingest_queue(
            [event(external_id="o1", phone="09351112222"), event(external_id="o2", phone="+98 935 111 2222")]
        )
        self.env["ecrm.touchpoint.batch"]._cron_process()
        self.assertEqual((first.created, first.skipped, first.partners_created), (1, 0, 1))
        self.assertEqual((second.created, second.skipped, second.partners_created), (1, 1, 0))
        caller = self.env["res.partner"].search([("phone_e164", "=", "+989351112222")])
        self.assertEqual(len(caller), 1)
        self.assertEqual(len(self.touchpoints_of(caller)), 2)

    def test_batches_stay_in_their_company(self):
        """An integration user of company B stores in company B, matches B's and shared contacts, sees B's batches."""
        company_b = self.env["res.company"].create(
            {"name": "Ingest Company B", "country_id": self.env.ref("base.fr").id}
        )
        user_b = new_test_user(
            self.env,
            login="ecrm_api_b",
            groups="base.group_user,ecrm_core.group_ecrm_integration",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        own_a = self.env["res.partner"].create(
            {"name": "Only in A", "email": "only.a@example.com", "company_id": self.company.id}
        )
        result = (
            self.Touchpoint.with_user(user_b)
            .with_company(company_b)
            ._ingest_events(
                [
                    event(external_id="b1", email="kaveh@example.com"),
                    event(external_id="b2", email="only.a@example.com"),
                    event(external_id="b3", phone="06 12 34 56 78"),
                ]
            )
        )
        self.assertEqual((result["partners_matched"], result["partners_created"]), (1, 2))
        stored = self.Touchpoint.sudo().search([("external_id", "in", ["b1", "b2", "b3"])])
        self.assertEqual(stored.company_id, company_b)
        self.assertNotIn(own_a, stored.partner_id, "a contact of company A is not matched from company B")
        french = self.env["res.partner"].search([("phone_e164", "=", "+33612345678")])
        self.assertEqual(len(french), 1, "national numbers are read with company B's country")
        Batch = self.env["ecrm.touchpoint.batch"]
        self.assertEqual(Batch.with_user(user_b).search([]).company_id, company_b)
        self.assertFalse(Batch.with_user(self.user_integration).search([("company_id", "=", company_b.id)]))
        self.assertFalse(self.Touchpoint.with_user(self.user_ecrm).search([("external_id", "in", ["b1", "b2"])]))

    def test_unhashable_type_is_an_error_not_a_crash(self):
        with self.assertRaises(EcrmIngestError) as caught:
            self.ingest([event(external_id="h1", email="kaveh@example.com", type=["call"], direction={"a": 1})])
        self.assertEqual(len(caught.exception.errors[0]["errors"]), 2)

    def test_nul_character_is_refused(self):
        """PostgreSQL text cannot hold NUL: such an event is refused up front, not left to fail in the queue."""
        Batch = self.env["ecrm.touchpoint.batch"].sudo()
        batches = Batch.search_count([])
        with self.assertRaises(EcrmIngestError) as caught:
            self.ingest(
                [
                    event(external_id="z1", email="kaveh@example.com"),
                    event(external_id="z2", email="kaveh@example.com", summary="bad\x00byte"),
                ]
            )
        self.assertEqual([(e["index"], e["external_id"]) for e in caught.exception.errors], [(1, "z2")])
        self.assertEqual(Batch.search_count([]), batches, "no batch left behind")

    def test_batch_queued_in_the_old_format_is_still_stored(self):
        """Rows queued before 18.0.1.1 hold one JSON text per line: the cron after an upgrade still stores them."""
        Batch = self.env["ecrm.touchpoint.batch"].sudo()
        batch = Batch.create({"company_id": self.company.id, "user_id": self.user_integration.id, "received": 2})
        lines = [
            json.dumps(event(external_id="old1", email="kaveh@example.com")),
            json.dumps(event(external_id="old2", email="old.format@example.com", name="Old Format", type="chat")),
        ]
        self.env.cr.execute(
            "INSERT INTO ecrm_touchpoint_inbox (batch_id, events) VALUES (%s, %s)", (batch.id, "\n".join(lines))
        )
        Batch._cron_process()
        self.assertEqual(
            (batch.state, batch.created, batch.partners_matched, batch.partners_created), ("done", 2, 1, 1)
        )
        stored = self.Touchpoint.sudo().search([("external_id", "in", ["old1", "old2"])])
        self.assertEqual(sorted(stored.mapped("touchpoint_type")), ["chat", "web_visit"])
        self.assertEqual(stored.filtered(lambda t: t.external_id == "old2").partner_id.name, "Old Format")

    def test_queued_batch_is_compressed(self):
        """A batch is written once, compressed by PostgreSQL (lz4 where the server has it), and read back whole."""
        self.env.cr.execute(
            "SELECT attcompression, attstorage FROM pg_attribute "
            "WHERE attrelid = 'ecrm_touchpoint_inbox'::regclass AND attname = 'events'"
        )
        compression, storage = self.env.cr.fetchone()
        if compression != "l":
            self.assertEqual(storage, "e", "without lz4 the events are kept uncompressed")
            self.skipTest("this PostgreSQL has no lz4")
        events = [
            event(external_id="c%d" % number, email="kaveh@example.com", summary="Visit %d" % number)
            for number in range(200)
        ]
        batch = self.Touchpoint.with_user(self.user_integration)._ingest_queue(events)
        self.env.cr.execute(
            "SELECT pg_column_compression(events), pg_column_size(events), octet_length(events) "
            "FROM ecrm_touchpoint_inbox WHERE batch_id = %s",
            (batch.id,),
        )
        method, stored_size, size = self.env.cr.fetchone()
        self.assertEqual(method, "lz4")
        self.assertLess(stored_size * 3, size, "compact JSON of similar events compresses well")
        self.env["ecrm.touchpoint.batch"]._cron_process()
        self.assertEqual((batch.state, batch.created), ("done", 200))

    def test_channel_codes_of_the_company_only(self):
        """An event may name the company's own or a shared active channel, not another company's or an archived one."""
        Channel = self.env["ecrm.channel"].sudo()
        company_b = self.env["res.company"].create({"name": "Ingest Channels B"})
        Channel.create({"name": "Kiosk B", "code": "kiosk_b", "company_id": company_b.id})
        Channel.create({"name": "Old Fax", "code": "old_fax", "active": False})
        Channel.create({"name": "Kiosk A", "code": "kiosk_a", "company_id": self.company.id})
        with self.assertRaises(EcrmIngestError) as caught:
            self.ingest(
                [
                    event(external_id="k1", email="kaveh@example.com", channel="kiosk_a"),
                    event(external_id="k2", email="kaveh@example.com", channel="kiosk_b"),
                    event(external_id="k3", email="kaveh@example.com", channel="old_fax"),
                    event(external_id="k4", email="kaveh@example.com", channel="website", currency="irr", amount=5),
                ]
            )
        self.assertEqual(
            [(e["external_id"], e["errors"]) for e in caught.exception.errors],
            [
                ("k2", ["channel: unknown channel code 'kiosk_b'"]),
                ("k3", ["channel: unknown channel code 'old_fax'"]),
            ],
        )
        result = self.ingest([event(external_id="k1", email="kaveh@example.com", channel="kiosk_a")])
        self.assertEqual(result["created"], 1)
        stored = self.Touchpoint.sudo().search([("external_id", "=", "k1")])
        self.assertEqual(stored.channel_id.code, "kiosk_a")
