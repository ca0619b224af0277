import logging
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import GOOGLE_REFERRER, EcrmWebsiteCase

CAPTURE_LOGGER = "odoo.addons.ecrm_website.models.website_visitor"


@tagged("post_install", "-at_install", "ecrm_website")
class TestWebVisit(EcrmWebsiteCase):
    def test_visit_recorded_as_one_touchpoint(self):
        """Three tracked pages from a Google search: one touchpoint with where the visit came from."""
        self.authenticate(self.user_portal.login, self.user_portal.login)
        self.view(self.page_1, referrer=GOOGLE_REFERRER)
        self.view(self.page_2, referrer=self.page_url(self.page_1))
        self.view(self.untracked_page, referrer=self.page_url(self.page_2))
        self.view(self.page_3, referrer=self.page_url(self.untracked_page))

        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertEqual(len(touchpoint), 1, "one visit, one touchpoint")
        visitor = self.visitor_of(self.partner_portal)
        first_track = visitor.website_track_ids.sorted("id")[0]
        self.assertRecordValues(
            touchpoint,
            [
                {
                    "touchpoint_type": "web_visit",
                    "direction": "inbound",
                    "channel_id": self.env.ref("ecrm_core.ecrm_channel_website").id,
                    "company_id": self.website.company_id.id,
                    "referrer_url": GOOGLE_REFERRER,
                    "search_keywords": "red chair",
                    "landing_url": self.page_url(self.page_1),
                    "navigation_path": "\n".join(
                        self.page_url(page) for page in (self.page_1, self.page_2, self.page_3)
                    ),
                    "summary": "Visited 3 pages: /ecrm-test-1, /ecrm-test-2, /ecrm-test-3",
                    "external_id": f"website.visit:{visitor.id}:{first_track.id}",
                    "date": first_track.visit_datetime,
                    "res_model": "website.visitor",
                    "res_id": visitor.id,
                }
            ],
        )

    def test_inactivity_starts_a_new_visit(self):
        """Page views 29 minutes apart are one visit; after 31 minutes a new visit begins."""
        self.authenticate(self.user_employee.login, self.user_employee.login)
        self.view(self.page_1, referrer=GOOGLE_REFERRER)
        visitor = self.visitor_of(self.partner_employee)
        self.move_back(visitor, 29)
        self.view(self.page_2)
        first = self.visit_touchpoints(self.partner_employee)
        self.assertEqual(len(first), 1, "29 minutes apart: still the same visit")
        self.assertEqual(first.navigation_path.splitlines(), [self.page_url(self.page_1), self.page_url(self.page_2)])

        self.move_back(visitor, 31)
        self.view(self.page_3, referrer="https://duckduckgo.com/?q=oak+table")
        self.view(self.page_1, referrer=self.page_url(self.page_3))
        touchpoints = self.visit_touchpoints(self.partner_employee)
        self.assertEqual(len(touchpoints), 2, "31 minutes of inactivity: a second visit")
        second = touchpoints - first
        self.assertEqual(first.navigation_path.count("\n"), 1, "the first visit is left as it was")
        self.assertEqual(first.search_keywords, "red chair")
        self.assertRecordValues(
            second,
            [
                {
                    "landing_url": self.page_url(self.page_3),
                    "navigation_path": self.page_url(self.page_3) + "\n" + self.page_url(self.page_1),
                    "referrer_url": "https://duckduckgo.com/?q=oak+table",
                    "search_keywords": "oak table",
                    "summary": "Visited 2 pages: /ecrm-test-3, /ecrm-test-1",
                }
            ],
        )
        self.assertNotEqual(second.external_id, first.external_id)

    def test_internal_referrer_and_utm(self):
        """An internal referrer is not kept; UTM parameters and utm_term are."""
        self.authenticate(self.user_portal.login, self.user_portal.login)
        query = "?utm_campaign=Spring%20Sale&utm_source=Newsletter&utm_medium=Email&utm_term=walnut%20desk"
        self.view(self.page_1, referrer=self.base_url() + "/shop", query=query)
        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertFalse(touchpoint.referrer_url, "a referrer on the website itself is no referrer")
        self.assertEqual(touchpoint.search_keywords, "walnut desk")
        self.assertEqual(touchpoint.landing_url, self.page_url(self.page_1, query))
        self.assertEqual(touchpoint.summary, "Visited one page: /ecrm-test-1")
        self.assertEqual(
            (touchpoint.campaign_id.name, touchpoint.source_id.name, touchpoint.medium_id.name),
            ("Spring Sale", "Newsletter", "Email"),
        )

    def test_utm_cookies(self):
        """Without UTM parameters, Odoo's UTM cookies from an earlier page give the campaign."""
        self.authenticate(self.user_employee.login, self.user_employee.login)
        campaign = self.env["utm.campaign"].create({"name": "eCRM Autumn Push"})
        self.opener.cookies.set("odoo_utm_campaign", campaign.name)
        self.opener.cookies.set("odoo_utm_medium", "Banner")
        self.view(self.page_2)
        touchpoint = self.visit_touchpoints(self.partner_employee)
        self.assertEqual(touchpoint.campaign_id, campaign, "the existing campaign is used, not a copy")
        self.assertEqual(touchpoint.medium_id.name, "Banner")
        self.assertFalse(touchpoint.source_id)

    def test_summary_in_website_language(self):
        """The summary is written in the website's default language (Persian here)."""
        persian = self.env["res.lang"]._activate_lang("fa_IR")
        self.website.language_ids |= persian
        self.website.default_lang_id = persian
        self.user_portal.lang = "fa_IR"
        self.authenticate(self.user_portal.login, self.user_portal.login)
        self.view(self.page_1)
        self.view(self.page_2)
        self.assertEqual(
            self.visit_touchpoints(self.partner_portal).summary, "بازدید از 2 صفحه: /ecrm-test-1, /ecrm-test-2"
        )

    def test_anonymous_visitor_records_nothing(self):
        """A public visitor is tracked by Odoo but makes no touchpoint."""
        Touchpoint = self.env["ecrm.touchpoint"].sudo()
        before = Touchpoint.search_count([("source_system", "=", "website")])
        tracks_before = self.env["website.track"].search_count([])
        self.view(self.page_1, referrer=GOOGLE_REFERRER)
        self.view(self.page_2, referrer=self.page_url(self.page_1))
        self.assertEqual(self.env["website.track"].search_count([]), tracks_before + 2, "Odoo tracked the pages")
        self.assertEqual(Touchpoint.search_count([("source_system", "=", "website")]), before)
        self.assertIn("odoo_ecrm_landing", self.opener.cookies, "where the visit came from is noted")

    def test_login_during_visit(self):
        """An anonymous visitor who logs in brings the visit's earlier page views and referrer along."""
        self.view(self.page_1, referrer="https://www.bing.com/search?q=blue+sofa")
        self.view(self.page_2, referrer=self.page_url(self.page_1))
        self.assertFalse(self.visit_touchpoints(self.partner_portal))

        self.login_in_browser(self.user_portal)
        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertEqual(len(touchpoint), 1, "the visit is recorded at login")
        self.assertRecordValues(
            touchpoint,
            [
                {
                    "landing_url": self.page_url(self.page_1),
                    "navigation_path": self.page_url(self.page_1) + "\n" + self.page_url(self.page_2),
                    "referrer_url": "https://www.bing.com/search?q=blue+sofa",
                    "search_keywords": "blue sofa",
                }
            ],
        )

        self.view(self.page_3, referrer=self.page_url(self.page_2))
        self.assertEqual(self.visit_touchpoints(self.partner_portal), touchpoint, "the same visit goes on")
        self.assertEqual(touchpoint.navigation_path.splitlines()[-1], self.page_url(self.page_3))
        self.assertEqual(touchpoint.summary, "Visited 3 pages: /ecrm-test-1, /ecrm-test-2, /ecrm-test-3")

    def test_landing_of_an_earlier_visit_is_ignored(self):
        """The landing cookie of an earlier visit does not give its referrer to the next one."""
        self.view(self.page_1, referrer="https://www.bing.com/search?q=blue+sofa")
        visitor = self.env["website.visitor"].search([], limit=1)
        self.move_back(visitor, 45)  # that visit ended; its cookie stays in the browser
        self.view(self.page_2)
        self.login_in_browser(self.user_portal)
        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertEqual(touchpoint.landing_url, self.page_url(self.page_2))
        self.assertEqual(touchpoint.navigation_path, self.page_url(self.page_2))
        self.assertFalse(touchpoint.referrer_url)
        self.assertFalse(touchpoint.search_keywords)

    def test_capture_failure_still_renders(self):
        """A database error inside the capture is rolled back alone: the page renders and Odoo's tracking stays."""

        def broken_record(model, vals_list):
            model.env.cr.execute("SELECT 1 / 0")

        self.authenticate(self.user_portal.login, self.user_portal.login)
        Touchpoint = self.registry["ecrm.touchpoint"]
        with (
            patch.object(Touchpoint, "_record", autospec=True, side_effect=broken_record),
            mute_logger("odoo.sql_db"),
            self.assertLogs(CAPTURE_LOGGER, logging.WARNING) as logs,
        ):
            response = self.view(self.page_1, referrer=GOOGLE_REFERRER)
        self.assertIn("eCRM test page 1", response.text)
        self.assertIn("could not record the website visit", logs.output[0])
        visitor = self.visitor_of(self.partner_portal)
        self.assertEqual(len(visitor.website_track_ids), 1, "Odoo's own tracking was kept")
        self.assertFalse(self.visit_touchpoints(self.partner_portal))

        self.view(self.page_2)
        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertEqual(touchpoint.navigation_path.count("\n"), 1, "the next page view records the whole visit")

    def test_timeline_and_access(self):
        """The visit shows in the customer's timeline for eCRM users; the customer cannot change it."""
        self.authenticate(self.user_portal.login, self.user_portal.login)
        self.view(self.page_1)
        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertIn(touchpoint, self.partner_portal.with_user(self.user_employee).timeline_touchpoint_ids)
        self.assertEqual(self.partner_portal.with_user(self.user_employee).touchpoint_count, 1)
        with self.assertRaises(AccessError):
            touchpoint.with_user(self.user_portal).check_access("read")
        with self.assertRaises(AccessError):
            touchpoint.with_user(self.user_employee).write({"summary": "edited"})

    def test_capture_queries_do_not_grow(self):
        """Each page view costs the capture the same few queries, however long the visit."""
        Visitor = self.registry["website.visitor"]
        original = Visitor._ecrm_record_visit
        counts = []

        def counting(model, partner, page_view=True):
            before = model.env.cr.sql_log_count
            result = original(model, partner, page_view=page_view)
            model.env.flush_all()
            counts.append(model.env.cr.sql_log_count - before)
            return result

        self.authenticate(self.user_portal.login, self.user_portal.login)
        with patch.object(Visitor, "_ecrm_record_visit", autospec=True, side_effect=counting):
            for page in (self.page_1, self.page_2, self.page_3, self.page_1, self.page_2, self.page_3):
                self.view(page)
        self.assertEqual(len(counts), 6)
        self.assertEqual(counts[1:], [2] * 5, "one SELECT and one UPDATE per page view, however long the visit")
        self.assertEqual(self.visit_touchpoints(self.partner_portal).navigation_path.count("\n"), 5)
