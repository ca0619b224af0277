"""POST /ecrm/v1/touchpoints: authentication, validation, limits, replays (C3)."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

URL = "/ecrm/v1/touchpoints"


@tagged("post_install", "-at_install", "ecrm_core")
class TestIngestApi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = new_test_user(
            cls.env, "ecrm_api_http", groups="base.group_user,ecrm_core.group_ecrm_integration"
        )
        cls.plain_user = new_test_user(cls.env, "ecrm_plain_http", groups="base.group_user")
        expires = fields.Datetime.now() + timedelta(days=1)
        cls.api_key = cls.env["res.users.apikeys"].with_user(cls.api_user)._generate(None, "bridge", expires)
        cls.plain_key = cls.env["res.users.apikeys"].with_user(cls.plain_user)._generate(None, "bridge", expires)
        cls.customer = cls.env["res.partner"].create({"name": "Api Customer", "email": "api.customer@example.com"})
        cls.Touchpoint = cls.env["ecrm.touchpoint"].sudo()

    def post(self, body, key=None, raw=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer %s" % key
        data = raw if raw is not None else json.dumps(body)
        return self.url_open(URL, data=data, headers=headers)

    def events(self, count, prefix="a"):
        return [
            {
                "external_id": "%s%d" % (prefix, i),
                "type": "web_visit",
                "date": "2026-02-01T08:00:00Z",
                "email": "api.customer@example.com",
                "landing_url": "https://shop.example.com/p/%d" % i,
            }
            for i in range(count)
        ]

    def assertJsonError(self, response, status):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        self.assertTrue(response.json()["error"])
        return response.json()

    def store_queued(self):
        """Run the cron that stores the queued batches (the API triggers it; tests run it themselves)."""
        self.env["ecrm.touchpoint.batch"]._cron_process()

    def status(self, url, key=None):
        return self.url_open(url, headers={"Authorization": "Bearer %s" % key} if key else {})

    def test_good_batch(self):
        response = self.post({"events": self.events(3)}, key=self.api_key)
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertEqual(answer["status"], "queued")
        self.assertEqual(answer["received"], 3)
        self.assertEqual(answer["status_url"], "/ecrm/v1/touchpoints/batches/%d" % answer["batch_id"])
        self.assertFalse(self.Touchpoint.search_count([("partner_id", "=", self.customer.id)]), "queued, not stored")

        self.store_queued()
        stored = self.status(answer["status_url"], key=self.api_key)
        self.assertEqual(stored.status_code, 200, stored.text)
        self.assertEqual(
            stored.json(),
            {
                "batch_id": answer["batch_id"],
                "status": "done",
                "received": 3,
                "created": 3,
                "skipped": 0,
                "partners_matched": 3,
                "partners_created": 0,
            },
        )
        self.assertEqual(self.Touchpoint.search_count([("partner_id", "=", self.customer.id)]), 3)

    def test_batch_status_needs_the_key_and_the_company(self):
        answer = self.post({"events": self.events(1, prefix="st")}, key=self.api_key).json()
        self.assertJsonError(self.status(answer["status_url"]), 401)
        self.assertJsonError(self.status(answer["status_url"], key=self.plain_key), 403)
        self.assertJsonError(self.status("/ecrm/v1/touchpoints/batches/999999", key=self.api_key), 404)
        company_b = self.env["res.company"].create({"name": "Status Company B"})
        user_b = new_test_user(
            self.env,
            "ecrm_api_http_b",
            groups="base.group_user,ecrm_core.group_ecrm_integration",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        key_b = (
            self.env["res.users.apikeys"]
            .with_user(user_b)
            ._generate(None, "bridge", fields.Datetime.now() + timedelta(days=1))
        )
        self.assertJsonError(self.status(answer["status_url"], key=key_b), 404)
        self.assertEqual(self.status(answer["status_url"], key=self.api_key).json()["status"], "queued")

    def test_no_key_wrong_key_and_user_outside_group(self):
        self.assertJsonError(self.post({"events": self.events(1)}), 401)
        self.assertJsonError(self.post({"events": self.events(1)}, key="forged" + self.api_key[6:]), 401)
        self.assertJsonError(self.post({"events": self.events(1)}, key=self.plain_key), 403)
        self.assertFalse(self.Touchpoint.search_count([("partner_id", "=", self.customer.id)]))

    def test_a_browser_session_is_not_enough(self):
        self.authenticate("admin", "admin")
        self.assertJsonError(self.post({"events": self.events(1)}), 401)

    def test_malformed_json_and_wrong_shape(self):
        self.assertJsonError(self.post(None, key=self.api_key, raw="{not json"), 400)
        self.assertJsonError(self.post([1, 2], key=self.api_key), 400)
        self.assertJsonError(self.post({"events": "many"}, key=self.api_key), 400)

    def test_oversized_batch(self):
        body = self.assertJsonError(self.post({"events": self.events(10001)}, key=self.api_key), 413)
        self.assertIn("10000", body["error"])
        self.assertFalse(self.Touchpoint.search_count([("partner_id", "=", self.customer.id)]))

    def test_one_bad_event_stores_nothing(self):
        events = self.events(4)
        events[2]["date"] = "yesterday"
        body = self.assertJsonError(self.post({"events": events}, key=self.api_key), 400)
        self.assertEqual([e["index"] for e in body["errors"]], [2])
        self.assertIn("date", body["errors"][0]["errors"][0])
        self.assertFalse(self.Touchpoint.search_count([("partner_id", "=", self.customer.id)]))

    def test_replayed_batch(self):
        events = self.events(4, prefix="replay")
        self.assertEqual(self.post({"events": events}, key=self.api_key).status_code, 202)
        self.store_queued()
        again = self.post({"events": events}, key=self.api_key)
        self.assertEqual(again.status_code, 202)
        self.store_queued()
        replay = self.status(again.json()["status_url"], key=self.api_key).json()
        self.assertEqual((replay["created"], replay["skipped"]), (0, 4))
        self.assertEqual(self.Touchpoint.search_count([("partner_id", "=", self.customer.id)]), 4)

    def test_get_is_refused(self):
        response = self.url_open(URL, headers={"Authorization": "Bearer %s" % self.api_key})
        self.assertEqual(response.status_code, 405)
