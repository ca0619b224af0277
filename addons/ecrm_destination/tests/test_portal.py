import re
from datetime import date

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import DestinationCommon


@tagged("post_install", "-at_install", "ecrm_destination")
class TestVisitorPortal(HttpCase, DestinationCommon):
    """D6: a visitor sees their own trips and edits their interests; no one else's data, no forged posts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = mail_new_test_user(
            cls.env, login="visitor_portal", name="Portal Visitor", email="pv@example.com", groups="base.group_portal"
        )
        cls.visitor = cls.portal_user.partner_id
        cls.own_trip = cls._trip(cls.visitor, date(2026, 4, 1), date(2026, 4, 5), destination_area="Naqsh-e Jahan")
        cls.other_trip = cls._trip(cls.mother, date(2026, 4, 1), date(2026, 4, 5), destination_area="Secret Valley")
        cls.nature = cls.env.ref("ecrm_core.ecrm_profile_tag_nature")
        cls.wellness = cls.env.ref("ecrm_destination.ecrm_profile_tag_wellness")
        cls.value_tag = cls.env.ref("ecrm_core.ecrm_profile_tag_price")  # a value, not an interest
        cls.newsletter = cls.env.ref("ecrm_destination.ecrm_channel_newsletter")

    def _csrf_token(self):
        page = self.url_open("/my/trips")
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def test_visitor_sees_own_trips_only(self):
        self.authenticate("visitor_portal", "visitor_portal")
        page = self.url_open("/my/trips")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Naqsh-e Jahan", page.text)
        self.assertNotIn("Secret Valley", page.text)
        self.assertEqual(self.url_open(f"/my/trips/{self.own_trip.id}").status_code, 200)
        self.assertEqual(self.url_open(f"/my/trips/{self.other_trip.id}").status_code, 403)
        self.assertEqual(self.url_open("/my/trips/999999999").status_code, 404)
        # the ORM says the same as the pages
        trips = self.env["ecrm.trip"].with_user(self.portal_user).search([])
        self.assertEqual(trips, self.own_trip)

    def test_visitor_updates_interests_and_channels(self):
        self.authenticate("visitor_portal", "visitor_portal")
        token = self._csrf_token()
        response = self.url_open(
            "/my/trips/preferences",
            data={
                "csrf_token": token,
                "interest_ids": [str(self.nature.id), str(self.wellness.id), str(self.value_tag.id)],
                "channel_ids": [str(self.newsletter.id)],
                "budget_band": "premium",
                "accessibility_needs": "Vegetarian",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("/my/trips?saved=1", response.url)
        self.visitor.invalidate_recordset()
        self.assertEqual(self.visitor.interest_tag_ids, self.nature | self.wellness, "a value tag is not an interest")
        self.assertEqual(self.visitor.info_channel_ids, self.newsletter)
        self.assertEqual(self.visitor.budget_band, "premium")
        self.assertEqual(self.visitor.accessibility_needs, "Vegetarian")
        self.assertFalse(self.mother.interest_tag_ids, "nobody else's profile changed")

    def test_forged_post_is_refused(self):
        self.authenticate("visitor_portal", "visitor_portal")
        response = self.url_open(
            "/my/trips/preferences", data={"interest_ids": [str(self.nature.id)], "budget_band": "luxury"}
        )
        self.assertEqual(response.status_code, 400)
        self.visitor.invalidate_recordset()
        self.assertFalse(self.visitor.interest_tag_ids)
        self.assertFalse(self.visitor.budget_band)

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open("/my/trips", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
