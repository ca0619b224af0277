"""Consent import (K2) and the cadence floor (K4)."""

import base64

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_consent import EcrmConsentCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestConsentImport(EcrmConsentCommon):
    def _wizard(self, content, **values):
        return (
            self.env["ecrm.consent.import"]
            .with_user(self.user_ecrm_manager)
            .create(dict({"file": base64.b64encode(content.encode()), "filename": "fair.csv"}, **values))
        )

    def test_rows_without_source_and_text_refuse_the_whole_file(self):
        content = (
            "email,name,purpose,source,consent text\n"
            "new.one@example.com,New One,newsletter,Fair 2026,I agree to the newsletter\n"
            "new.two@example.com,New Two,newsletter,,\n"
            "new.three@example.com,New Three,offers,Fair 2026,\n"
        )
        with self.assertRaises(UserError) as caught:
            self._wizard(content).action_import()
        message = str(caught.exception)
        self.assertIn("Row 3: neither a source nor a consent text", message)
        self.assertIn("Row 4: no consent text", message)
        self.assertIn("Nothing was imported", message)
        self.assertFalse(self.env["res.partner"].search([("email", "like", "new.%@example.com")]))
        self.assertFalse(self.Consent.sudo().search([("partner_id.email", "like", "new.%@example.com")]))

    def test_import_with_defaults_grants_with_proof(self):
        content = "email;name;purpose\ngolnaz@example.com;Golnaz;offers\nfresh@example.com;Fresh Face;\n"
        self._wizard(
            content,
            purpose_id=self.newsletter.id,
            source="Tehran fair 2026, paper form",
            consent_text="I agree to receive your mails.",
            consent_text_version="fair-1",
        ).action_import()
        fresh = self.env["res.partner"].search([("email", "=", "fresh@example.com")])
        self.assertEqual(fresh.name, "Fresh Face")
        consent = self.consent_of(fresh)
        self.assertEqual(consent.state, "granted")
        event = consent.event_ids
        self.assertEqual(event.method, "import")
        self.assertEqual(event.source, "Tehran fair 2026, paper form (fair.csv)")
        self.assertIn("I agree to receive your mails.", event.consent_text)
        self.assertEqual(event.consent_text_version, "fair-1")
        self.assertEqual(self.consent_of(self.granted, self.offers).state, "granted")

    def test_only_managers_import(self):
        wizard = self._wizard("email\na@example.com\n", source="x", consent_text="y", purpose_id=self.newsletter.id)
        with self.assertRaises(UserError):
            wizard.with_user(self.user_ecrm).action_import()

    def test_cadence_floor_lists_contacts_not_mailed_lately(self):
        self.env.cr.execute(
            "UPDATE ecrm_consent SET granted_date = now() - interval '60 days' WHERE partner_id = %s",
            [self.granted.id],
        )
        self.env["ecrm.consent"].invalidate_model()
        forgotten = self.Consent._forgotten_partner_ids(days=30)
        self.assertIn(self.granted.id, forgotten)
        self.assertNotIn(self.withdrawn.id, forgotten)
        self.assertNotIn(self.pending.id, forgotten)
        mailing = self.env["mailing.mailing"].create(
            {"subject": "Recent", "mailing_model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        self.env["mailing.trace"].create(
            {
                "model": "res.partner",
                "res_id": self.granted.id,
                "email": "golnaz@example.com",
                "mass_mailing_id": mailing.id,
                "trace_status": "sent",
                "sent_datetime": self.env.cr.now(),
            }
        )
        self.assertNotIn(self.granted.id, self.Consent._forgotten_partner_ids(days=30))
        action = self.Consent.action_view_forgotten()
        self.assertEqual(action["res_model"], "res.partner")
