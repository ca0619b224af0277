from urllib.parse import parse_qs, urlsplit

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.ecrm_website.tests.common import EcrmWebsiteCase
from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install", "ecrm_campaign_website")
class TestLandingPages(EcrmWebsiteCase):
    """Visitors land on the page that fits their search or campaign, and the visit keeps the keywords (K11)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.page = cls.page_1  # a tracked, published page of ecrm_website's fixture
        Rule = cls.env["ecrm.landing.rule"]
        Rule.search([]).active = False
        cls.campaign_utm = cls.env["utm.campaign"].create({"title": "Nowruz offer"})
        cls.rule_price = Rule.create(
            {"name": "Prices", "keywords": "saffron price, buy saffron", "page_id": cls.page.id}
        )
        cls.rule_nowruz = Rule.create(
            {"name": "Nowruz", "utm_campaign_id": cls.campaign_utm.id, "url": "/contactus", "sequence": 20}
        )

    def _land(self, query="", **headers):
        self.env.flush_all()  # the request runs in its own environment
        response = self.url_open("/landing%s" % query, allow_redirects=False, headers=headers)
        self.assertEqual(response.status_code, 302)
        location = urlsplit(response.headers["Location"])
        return location.path, {key: values[0] for key, values in parse_qs(location.query).items()}

    def test_keywords_from_utm_term(self):
        path, query = self._land("?utm_term=best+saffron+price+tehran")
        self.assertEqual(path, self.page.url)
        self.assertEqual(query["utm_term"], "best saffron price tehran")
        self.env.invalidate_all()
        self.assertEqual(self.rule_price.hit_count, 1)

    def test_keywords_from_search_engine_referrer(self):
        path, query = self._land(Referer="https://www.google.com/search?q=buy+saffron+online")
        self.assertEqual(path, self.page.url)
        self.assertEqual(query["utm_term"], "buy saffron online")

    def test_utm_campaign_wins(self):
        path, query = self._land("?utm_campaign=%s&utm_term=saffron+price" % self.campaign_utm.name)
        self.assertEqual(path, "/contactus")
        self.assertEqual(query["utm_campaign"], self.campaign_utm.name)

    def test_nothing_fits_goes_home(self):
        path, _query = self._land("?utm_term=green+tea")
        self.assertEqual(path, "/")

    def test_known_visitor_gets_a_touchpoint_with_keywords(self):
        """The landing page's visit (recorded by ecrm_website) carries the referrer and the keywords."""
        self.authenticate(self.user_portal.login, self.user_portal.login)
        referrer = "https://www.bing.com/search?q=saffron+price"
        response = self.url_open("/landing", headers={"Referer": referrer})
        self.assertEqual(response.status_code, 200)
        touchpoint = self.visit_touchpoints(self.partner_portal)
        self.assertEqual(len(touchpoint), 1)
        self.assertEqual(touchpoint.search_keywords, "saffron price")
        self.assertIn(self.page.url, touchpoint.landing_url)

    def test_rule_needs_a_target_and_a_safe_url(self):
        with self.assertRaises(ValidationError):
            self.env["ecrm.landing.rule"].create({"name": "Nowhere"})
        with self.assertRaises(ValidationError):
            self.env["ecrm.landing.rule"].create({"name": "Bad", "url": "javascript:alert(1)"})

    def test_other_company_sees_no_rule(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = mail_new_test_user(
            self.env,
            login="landing_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        Rule = self.env["ecrm.landing.rule"].with_user(user_b)
        self.assertFalse(Rule.search([]))
        with self.assertRaises(AccessError):
            Rule.browse(self.rule_price.id).read(["name"])
