"""Public consent links (K2): scanners change nothing, one-click is idempotent, forgeries get nothing."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools import tokens
from .common_consent import EcrmConsentCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestConsentHttp(EcrmConsentCommon, HttpCase):
    def _state_snapshot(self):
        consents = self.Consent.sudo().search([])
        return {c.id: c.state for c in consents}, self.env["ecrm.consent.event"].sudo().search_count([])

    def _invalid_tokens(self, kind, good_token, ids):
        tampered = good_token[:-2] + ("AA" if not good_token.endswith("AA") else "BB")
        unknown = self.Consent._sign(kind, ids)
        return {"tampered": tampered, "unknown": unknown, "garbage": "not-a-token"}

    def test_confirmation_get_changes_nothing_post_confirms_once(self):
        consent = self.consent_of(self.pending)
        url = consent._get_confirmation_url()
        token = url.rsplit("/", 1)[1]
        before = self._state_snapshot()
        response = self.url_open("/ecrm/consent/confirm/%s" % token)  # what a mail scanner does
        self.assertEqual(response.status_code, 200)
        self.assertIn("<form", response.text)
        self.assertEqual(self._state_snapshot(), before)
        self.assertEqual(consent.state, "pending")

        response = self.url_open("/ecrm/consent/confirm/%s" % token, data={"confirm": "1"})
        self.assertEqual(response.status_code, 200)
        consent.invalidate_recordset()
        self.assertEqual(consent.state, "granted")
        self.assertEqual(consent.event_ids[0].method, "confirmation_link")
        self.assertTrue(consent.event_ids[0].ip_address)

        # replaying the same link, a tampered one and one for an unknown consent: the same answer, no change
        after = self._state_snapshot()
        bad = self._invalid_tokens(tokens.KIND_CONFIRM, token, [999999, 1])
        bad["replayed"] = token
        answers = set()
        for name, bad_token in bad.items():
            for data in (None, {"confirm": "1"}):
                response = self.url_open("/ecrm/consent/confirm/%s" % bad_token, data=data)
                self.assertEqual(response.status_code, 404, name)
                answers.add(response.text)
        self.assertEqual(len(answers), 1, "every invalid link must get the same page")
        self.assertEqual(self._state_snapshot(), after)

    def test_one_click_post_is_idempotent_and_get_changes_nothing(self):
        url = self.Consent._get_unsubscribe_url(self.granted, "email", self.newsletter, one_click=True)
        path = url[url.index("/ecrm/") :]
        before = self._state_snapshot()
        response = self.url_open(path)  # scanner
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._state_snapshot(), before)

        for _attempt in range(2):
            response = self.url_open(path, data={"List-Unsubscribe": "One-Click"})
            self.assertEqual(response.status_code, 200)
        consent = self.consent_of(self.granted)
        self.assertEqual(consent.state, "withdrawn")
        withdrawals = consent.event_ids.filtered(lambda e: e.state == "withdrawn")
        self.assertEqual(len(withdrawals), 1)
        self.assertEqual(withdrawals.method, "one_click")

    def test_forged_unsubscribe_links_change_nothing(self):
        url = self.Consent._get_unsubscribe_url(self.granted, "email", self.newsletter)
        token = url.rsplit("/", 1)[1]
        before = self._state_snapshot()
        bad = self._invalid_tokens(tokens.KIND_UNSUBSCRIBE, token, [999999, "email", self.newsletter.id, 0])
        # a genuine preference-centre token used as an unsubscribe token
        bad["other_kind"] = self.Consent._get_preferences_url(self.granted).rsplit("/", 1)[1]
        answers = set()
        for name, bad_token in bad.items():
            for route in ("unsubscribe", "one-click"):
                response = self.url_open(
                    "/ecrm/consent/%s/%s" % (route, bad_token), data={"List-Unsubscribe": "One-Click"}
                )
                self.assertEqual(response.status_code, 404, name)
                answers.add(response.text)
        self.assertEqual(len(answers), 1)
        self.assertEqual(self._state_snapshot(), before)

    def test_preference_centre_shows_and_changes_each_purpose_and_channel(self):
        url = self.Consent._get_preferences_url(self.granted)
        path = url[url.index("/ecrm/") :]
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn('value="%s-email" checked' % self.newsletter.id, response.text)
        self.assertIn('value="%s-sms"' % self.offers.id, response.text)
        # keep nothing of the newsletter, take offers by SMS
        response = self.url_open(path, data={"choice": ["%s-sms" % self.offers.id]})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.consent_of(self.granted).state, "withdrawn")
        self.assertEqual(self.consent_of(self.granted, self.offers, "sms").state, "granted")
        self.assertEqual(self.consent_of(self.granted, self.offers, "sms").event_ids.method, "preference_centre")
        self.assertEqual(self.url_open(path.replace("preferences/", "preferences/x")).status_code, 404)

    def test_manager_cannot_change_or_delete_events_through_rpc(self):
        consent = self.consent_of(self.withdrawn)
        events = consent.event_ids
        before = [(e.state, e.method, e.ip_address) for e in events]
        self.authenticate("ecrm_manager", "ecrm_manager")
        calls = [
            ("ecrm.consent.event", "write", [events.ids, {"method": "staff", "state": "granted"}]),
            ("ecrm.consent.event", "unlink", [events.ids]),
            (
                "ecrm.consent.event",
                "create",
                [
                    {
                        "consent_id": consent.id,
                        "channel": "email",
                        "purpose_id": self.newsletter.id,
                        "state": "granted",
                        "method": "staff",
                    }
                ],
            ),
            ("ecrm.consent", "write", [consent.ids, {"state": "granted"}]),
            ("ecrm.consent", "unlink", [consent.ids]),
            ("ecrm.consent.event", "_anonymise", [events.ids]),
        ]
        for model, method, args in calls:
            with self.assertRaises(JsonRpcException, msg="%s.%s must be refused" % (model, method)):
                self.make_jsonrpc_request(
                    "/web/dataset/call_kw/%s/%s" % (model, method),
                    {"model": model, "method": method, "args": args, "kwargs": {}},
                )
        # what a manager may do: read the proof
        read = self.make_jsonrpc_request(
            "/web/dataset/call_kw/ecrm.consent.event/read",
            {"model": "ecrm.consent.event", "method": "read", "args": [events.ids, ["method"]], "kwargs": {}},
        )
        self.assertEqual(len(read), 2)
        events.invalidate_recordset()
        consent.invalidate_recordset()
        self.assertEqual([(e.state, e.method, e.ip_address) for e in events], before)
        self.assertEqual(consent.state, "withdrawn")

    def test_api_subscription_stays_pending_until_confirmed(self):
        expires = fields.Datetime.now() + timedelta(days=1)
        key = self.env["res.users.apikeys"].with_user(self.user_integration)._generate(None, "forms", expires)
        plain_user = mail_new_test_user(self.env, login="ecrm_plain_consent", groups="base.group_user")
        plain_key = self.env["res.users.apikeys"].with_user(plain_user)._generate(None, "forms", expires)

        def post(body, api_key=None):
            headers = {"Content-Type": "application/json"}
            if api_key:
                headers["Authorization"] = "Bearer %s" % api_key
            return self.url_open("/ecrm/api/consent", data=json.dumps(body), headers=headers)

        body = {
            "email": "New.Reader@Example.com",
            "name": "New Reader",
            "purpose": "newsletter",
            "text": "Footer form: I want the newsletter.",
            "source": "footer form",
        }
        self.assertEqual(post(body).status_code, 401)
        self.assertEqual(post(body, plain_key).status_code, 403)
        for bad, field in (
            ({"purpose": "nope"}, "purpose"),
            ({"email": "not an address"}, "email"),
            ({"channel": "pigeon"}, "channel"),
        ):
            response = post(dict(body, **bad), key)
            self.assertEqual(response.status_code, 400, response.text)
            self.assertEqual(response.json()["error"], field)
        self.assertFalse(self.env["res.partner"].search([("email_normalized", "=", "new.reader@example.com")]))

        with self.mock_mail_gateway():
            response = post(body, key)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["state"], "pending")
        partner = self.env["res.partner"].search([("email_normalized", "=", "new.reader@example.com")])
        consent = self.consent_of(partner)
        self.assertEqual(consent.state, "pending")
        self.assertEqual(consent.event_ids.method, "api")
        self.assertEqual(consent.event_ids.source, "footer form")
        self.assertIn("Footer form", consent.event_ids.consent_text)
        self.assertEqual(self.Consent._filter_allowed(partner.ids, "email", self.newsletter)[1], {"pending": 1})
