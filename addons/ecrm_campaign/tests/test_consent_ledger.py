"""The consent ledger (K2, C16): states, immutable events, the filter every mailing goes through."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_consent import EcrmConsentCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestConsentLedger(EcrmConsentCommon):
    def test_grant_records_the_proof_once(self):
        consent = self.consent_of(self.granted)
        self.assertEqual(consent.state, "granted")
        event = consent.event_ids
        self.assertEqual(len(event), 1)
        self.assertEqual(event.method, "staff")
        self.assertEqual(event.email, "golnaz@example.com")
        self.assertIn("I agree to receive the newsletter", event.consent_text)
        self.assertEqual(event.consent_text_version, self.newsletter.consent_text_version)
        # granting again changes nothing and records nothing
        changed = self.Consent._grant(self.granted.ids, "email", self.newsletter, "staff")
        self.assertFalse(changed)
        self.assertEqual(len(consent.event_ids), 1)

    def test_withdrawal_without_prior_consent_is_kept(self):
        self.Consent._withdraw(self.silent.ids, "email", self.offers, "staff")
        consent = self.consent_of(self.silent, self.offers)
        self.assertEqual(consent.state, "withdrawn")
        self.assertEqual(consent.event_ids.state, "withdrawn")
        self.assertFalse(consent.event_ids.previous_state)

    def test_filter_allowed_gives_reasons(self):
        self.env["mail.blacklist"]._add("blocked@example.com")
        blocked = self.env["res.partner"].create({"name": "Blocked", "email": "blocked@example.com"})
        ids = [self.silent.id, self.granted.id, self.pending.id, self.withdrawn.id, blocked.id]
        allowed, refused = self.Consent._filter_allowed(ids, "email", self.newsletter)
        self.assertEqual(allowed, [self.granted.id])
        self.assertEqual(refused, {"no_consent": 1, "pending": 1, "withdrawn": 1, "blacklisted": 1})
        # another purpose or channel: nobody
        allowed, refused = self.Consent._filter_allowed([self.granted.id], "email", self.offers)
        self.assertEqual((allowed, refused), ([], {"no_consent": 1}))
        allowed, refused = self.Consent._filter_allowed([self.granted.id], "sms", self.newsletter.id)
        self.assertEqual((allowed, refused), ([], {"no_consent": 1}))

    def test_filter_allowed_weekly_cap(self):
        mailing = self.env["mailing.mailing"].create(
            {"subject": "Earlier", "mailing_model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        self.env["mailing.trace"].create(
            [
                {
                    "model": "res.partner",
                    "res_id": self.granted.id,
                    "email": "golnaz@example.com",
                    "mass_mailing_id": mailing.id,
                    "trace_status": "sent",
                    "sent_datetime": "2000-01-01 00:00:00",
                }
            ]
        )
        self.env.company.ecrm_consent_weekly_cap = 1
        self.assertEqual(self.Consent._filter_allowed(self.granted.ids, "email", self.newsletter)[0], self.granted.ids)
        self.env["mailing.trace"].search([("res_id", "=", self.granted.id)]).sent_datetime = self.env.cr.now()
        allowed, refused = self.Consent._filter_allowed(self.granted.ids, "email", self.newsletter)
        self.assertEqual((allowed, refused), ([], {"frequency_cap": 1}))

    def test_events_cannot_be_changed_or_deleted_by_a_manager(self):
        event = self.consent_of(self.granted).event_ids
        as_manager = event.with_user(self.user_ecrm_manager)
        self.assertEqual(as_manager.method, "staff")  # managers read the proof
        with self.assertRaises(UserError):
            as_manager.write({"method": "import"})
        with self.assertRaises(UserError):
            as_manager.unlink()
        with self.assertRaises(UserError):
            self.env["ecrm.consent.event"].with_user(self.user_ecrm_manager).create(
                {
                    "consent_id": event.consent_id.id,
                    "channel": "email",
                    "purpose_id": self.newsletter.id,
                    "state": "granted",
                    "method": "staff",
                }
            )
        # not even the superuser through the ORM
        with self.assertRaises(UserError):
            event.sudo().write({"ip_address": "10.0.0.1"})
        with self.assertRaises(UserError):
            event.sudo().unlink()
        # nor through the consent itself
        consent = self.consent_of(self.withdrawn).with_user(self.user_ecrm_manager)
        with self.assertRaises(UserError):
            consent.write({"state": "granted"})
        with self.assertRaises(UserError):
            consent.unlink()
        self.assertEqual(consent.state, "withdrawn")
        self.assertEqual(len(consent.event_ids), 2)

    def test_contact_with_consents_cannot_be_deleted(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.granted.unlink()
            self.env.flush_all()

    def test_other_company_sees_nothing(self):
        Consent = self.env["ecrm.consent"].with_user(self.user_company_b)
        Event = self.env["ecrm.consent.event"].with_user(self.user_company_b)
        self.assertFalse(Consent.search([]))
        self.assertFalse(Event.search([]))
        with self.assertRaises(AccessError):
            self.consent_of(self.granted).with_user(self.user_company_b).read(["state"])
        # and a user of the right company does
        self.assertIn(self.consent_of(self.granted), self.env["ecrm.consent"].with_user(self.user_ecrm).search([]))

    def test_blacklist_withdraws_email_consents(self):
        self.env["mail.blacklist"]._add("golnaz@example.com")
        consent = self.consent_of(self.granted)
        self.assertEqual(consent.state, "withdrawn")
        self.assertEqual(consent.event_ids[:1].method, "blacklist")

    def test_mailing_list_opt_out_withdraws_and_withdrawal_opts_out(self):
        mailing_list = self.env["mailing.list"].create(
            {"name": "Newsletter list", "ecrm_consent_purpose_id": self.newsletter.id}
        )
        contact = self.env["mailing.contact"].create(
            {
                "name": "Golnaz",
                "email": "golnaz@example.com",
                "subscription_ids": [(0, 0, {"list_id": mailing_list.id})],
            }
        )
        subscription = contact.subscription_ids
        subscription.opt_out = True
        self.assertEqual(self.consent_of(self.granted).state, "withdrawn")
        self.assertEqual(self.consent_of(self.granted).method, "mailing_opt_out")
        # the other way: a withdrawal opts out of the lists of that purpose
        self.Consent._grant(self.granted.ids, "email", self.newsletter, "staff")
        subscription.with_context(ecrm_consent_sync=True).opt_out = False
        self.Consent._withdraw(self.granted.ids, "email", self.newsletter, "preference_centre")
        self.assertTrue(subscription.opt_out)

    def test_double_opt_in_confirmation_and_single_welcome(self):
        with self.mock_mail_gateway():
            self.Consent._grant(self.silent.ids, "email", self.offers, "web_form", double_opt_in=True)
        consent = self.consent_of(self.silent, self.offers)
        self.assertEqual(consent.state, "pending")
        confirmation = self._new_mails.filtered(lambda m: "/ecrm/consent/confirm/" in m.body_html)
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.recipient_ids, self.silent)
        self.assertEqual(self.Consent._filter_allowed(self.silent.ids, "email", self.offers)[1], {"pending": 1})
        with self.mock_mail_gateway():
            consent._confirm(ip_address="192.0.2.7", user_agent="Test browser")
        self.assertEqual(consent.state, "granted")
        self.assertEqual(consent.event_ids[0].ip_address, "192.0.2.7")
        welcome = self._new_mails.filtered(lambda m: m.subject and m.subject.startswith("Welcome"))
        self.assertEqual(len(welcome), 1)
        self.assertTrue(consent.welcome_sent_date)
        # withdrawn and granted again: no second welcome mail
        self.Consent._withdraw(self.silent.ids, "email", self.offers, "staff")
        with self.mock_mail_gateway():
            self.Consent._grant(self.silent.ids, "email", self.offers, "staff")
        self.assertFalse(self._new_mails.filtered(lambda m: m.subject and m.subject.startswith("Welcome")))

    def test_erasure_keeps_the_suppression_but_not_the_person(self):
        self.assertTrue(self.consent_of(self.granted).event_ids.email)
        wizard = (
            self.env["ecrm.forget.wizard"]
            .with_user(self.user_ecrm_manager)
            .create({"partner_id": self.granted.id, "confirm": True})
        )
        wizard.action_forget()
        consent = self.consent_of(self.granted)
        self.assertEqual(consent.state, "withdrawn")
        self.assertEqual(consent.event_ids[0].method, "erasure")
        self.assertTrue(all(consent.event_ids.mapped("anonymised")))
        self.assertFalse(any(consent.event_ids.mapped("email")))
        self.assertEqual(self.Consent._filter_allowed(self.granted.ids, "email", self.newsletter)[0], [])
