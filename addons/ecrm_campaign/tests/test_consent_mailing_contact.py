"""Consent of mailing list contacts (K2): their own consent is enforced, withdrawn and unsubscribed like a partner's."""

from psycopg2 import IntegrityError

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..tools import tokens
from .common_consent import EcrmConsentCommon

BODY = """<div style="max-width: 600px"><p>List news</p>
<p><a href="/unsubscribe_from_list">Unsubscribe</a></p></div>"""


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestConsentMailingContact(EcrmConsentCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mailing_list = cls.env["mailing.list"].create({"name": "Shop newsletter list"})
        Contact = cls.env["mailing.contact"]
        cls.mc_granted, cls.mc_pending, cls.mc_silent, cls.mc_partner_match = Contact.create(
            [
                {"name": "List Leila", "email": "leila@example.com", "list_ids": [(4, cls.mailing_list.id)]},
                {"name": "List Parsa", "email": "parsa@example.com", "list_ids": [(4, cls.mailing_list.id)]},
                {"name": "List Nima", "email": "nima@example.com", "list_ids": [(4, cls.mailing_list.id)]},
                # no consent of its own, but the address of a partner who granted (Golnaz)
                {"name": "List Golnaz", "email": "golnaz@example.com", "list_ids": [(4, cls.mailing_list.id)]},
            ]
        )
        cls.Consent._grant([], "email", cls.newsletter, "staff", mailing_contact_ids=cls.mc_granted.ids)
        cls.Consent._grant(
            [], "email", cls.newsletter, "web_form", double_opt_in=True, mailing_contact_ids=cls.mc_pending.ids
        )
        cls.utm_campaign = cls.env["utm.campaign"].create({"name": "List consent test"})

    def contact_consent(self, contact, purpose=None, channel="email"):
        return self.Consent.sudo().search(
            [
                ("mailing_contact_id", "=", contact.id),
                ("purpose_id", "=", (purpose or self.newsletter).id),
                ("channel", "=", channel),
            ]
        )

    def _mailing(self):
        return (
            self.env["mailing.mailing"]
            .with_user(self.marketer)
            .create(
                {
                    "subject": "List news",
                    "mailing_model_id": self.env["ir.model"]._get_id("mailing.contact"),
                    "contact_list_ids": [(6, 0, self.mailing_list.ids)],
                    "mailing_domain": repr([("list_ids", "in", self.mailing_list.ids)]),
                    "body_arch": BODY,
                    "body_html": BODY,
                    "campaign_id": self.utm_campaign.id,
                    "medium_id": self.env.ref("utm.utm_medium_email").id,
                    "source_id": self.env["utm.source"].create({"name": "list consent test"}).id,
                }
            )
        )

    def test_ledger_keeps_one_consent_per_mailing_contact(self):
        consent = self.contact_consent(self.mc_granted)
        self.assertEqual(consent.state, "granted")
        self.assertFalse(consent.partner_id)
        self.assertEqual(consent.email, "leila@example.com")
        self.assertEqual(consent.event_ids.mailing_contact_id, self.mc_granted)
        self.assertEqual(consent.event_ids.email, "leila@example.com")
        pending = self.contact_consent(self.mc_pending)
        self.assertEqual(pending.state, "pending")
        self.assertTrue(pending.confirmation_sent_date, "the double opt-in mail goes to the list contact's address")
        # granting again changes nothing; the partner signature still works alongside
        self.assertFalse(
            self.Consent._grant([], "email", self.newsletter, "staff", mailing_contact_ids=self.mc_granted.ids)
        )
        self.assertEqual(self.contact_consent(self.mc_granted), consent)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Consent.sudo().create(
                {
                    "partner_id": self.silent.id,
                    "mailing_contact_id": self.mc_silent.id,
                    "channel": "email",
                    "purpose_id": self.newsletter.id,
                }
            )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Consent.sudo().create(
                {"mailing_contact_id": self.mc_granted.id, "channel": "email", "purpose_id": self.newsletter.id}
            )

    def test_only_granted_mailing_contacts_are_mailed(self):
        mailing = self._mailing()
        self.assertEqual(sorted(mailing._get_recipients()), sorted((self.mc_granted | self.mc_partner_match).ids))
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(
            set(mailing.mailing_trace_ids.mapped("res_id")), {self.mc_granted.id, self.mc_partner_match.id}
        )
        self.assertEqual(
            sorted(mail["email_to"][0] for mail in self._mails),
            ["golnaz@example.com", "leila@example.com"],
        )
        self.assertEqual(mailing.ecrm_consent_refusals, {"pending": 1, "no_consent": 1})

    def test_withdrawn_after_queueing_is_not_sent(self):
        self.env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        mailing = self._mailing()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
            mails = self.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)])
            self.assertEqual(len(mails), 2)
            self.assertFalse(self._mails)
            self.Consent._withdraw([], "email", self.newsletter, "staff", mailing_contact_ids=self.mc_granted.ids)
            mails.send()
        self.assertEqual([mail["email_to"][0] for mail in self._mails], ["golnaz@example.com"])
        leila_mail = mails.filtered(lambda m: m.res_id == self.mc_granted.id)
        self.assertEqual(leila_mail.state, "cancel")
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.res_id == self.mc_granted.id)
        self.assertEqual(trace.failure_type, "ecrm_withdrawn")

    def test_one_click_from_list_mail_withdraws_that_consent_once(self):
        mailing = self._mailing()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        sent = next(mail for mail in self._mails if "leila@example.com" in mail["email_to"][0])
        url = sent["headers"]["List-Unsubscribe"].strip("<>")
        path = url[url.index("/ecrm/") :]
        token = path.rsplit("/", 1)[1]
        consent = self.contact_consent(self.mc_granted)
        self.assertEqual(self.Consent._public_unsubscribe(token)["partner"], self.mc_granted)

        # a tampered link and a partner-shaped link with the same ids change nothing and get the invalid page
        forged = self.Consent._sign(tokens.KIND_UNSUBSCRIBE, [self.mc_granted.id, "email", self.newsletter.id, 0])
        for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not-a-token"):
            response = self.url_open("/ecrm/consent/one-click/%s" % bad, data={"List-Unsubscribe": "One-Click"})
            self.assertEqual(response.status_code, 404)
        self.assertEqual(consent.state, "granted")
        self.url_open("/ecrm/consent/one-click/%s" % forged, data={"List-Unsubscribe": "One-Click"})
        consent.invalidate_recordset()
        self.assertEqual(consent.state, "granted", "a partner link never touches a list contact's consent")

        for _attempt in range(2):
            response = self.url_open("/ecrm/consent/one-click/%s" % token, data={"List-Unsubscribe": "One-Click"})
            self.assertEqual(response.status_code, 200)
        consent.invalidate_recordset()
        self.assertEqual(consent.state, "withdrawn")
        withdrawals = consent.event_ids.filtered(lambda e: e.state == "withdrawn")
        self.assertEqual(len(withdrawals), 1)
        self.assertEqual(withdrawals.method, "one_click")
        self.assertEqual(withdrawals.mailing_id, mailing)
        self.assertEqual(withdrawals.mailing_contact_id, self.mc_granted)

        # the preference centre of the list contact shows and changes its own consent
        preferences = self.Consent._get_preferences_url(self.mc_granted)
        response = self.url_open(preferences[preferences.index("/ecrm/") :])
        self.assertEqual(response.status_code, 200)
        self.assertIn("<form", response.text)
        self.Consent._public_save_preferences(preferences.rsplit("/", 1)[1], {"%s-email" % self.newsletter.id})
        consent.invalidate_recordset()
        self.assertEqual(consent.state, "granted")
        self.assertEqual(consent.event_ids[0].method, "preference_centre")
