from odoo import Command
from odoo.tests import HttpCase

GOOGLE_REFERRER = "https://www.google.com/search?q=red+chair"
PAGE_COUNT = 4  # pages /ecrm-test-1 .. /ecrm-test-3 are tracked, /ecrm-test-4 is not


class EcrmWebsiteCase(HttpCase):
    """Website pages, a portal customer and an employee, for real page views (self.url_open)."""

    # Odoo tracks page views only on read/write cursors (website ir.http._register_website_track).
    readonly_enabled = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].get_current_website()
        # the landing cookie is an optional cookie: no cookie bar asking for consent in tests
        cls.website.cookies_bar = False
        views = cls.env["ir.ui.view"].create(
            [
                {
                    "name": f"eCRM test page {number}",
                    "type": "qweb",
                    "key": f"ecrm_website.test_page_{number}",
                    "arch": f'<t t-name="ecrm_website.test_page_{number}"><t t-call="website.layout">'
                    f'<div id="wrap">eCRM test page {number}</div></t></t>',
                    "track": number < PAGE_COUNT,
                }
                for number in range(1, PAGE_COUNT + 1)
            ]
        )
        cls.pages = cls.env["website.page"].create(
            [
                {"view_id": view.id, "url": f"/ecrm-test-{number}", "website_published": True}
                for number, view in enumerate(views, start=1)
            ]
        )
        cls.page_1, cls.page_2, cls.page_3, cls.untracked_page = cls.pages

        cls.user_portal = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Roya Karimi",
                    "login": "ecrm_web_portal",
                    "password": "ecrm_web_portal",
                    "email": "roya.karimi@example.com",
                    "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
                }
            )
        )
        cls.partner_portal = cls.user_portal.partner_id
        cls.user_employee = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Babak Tehrani",
                    "login": "ecrm_web_employee",
                    "password": "ecrm_web_employee",
                    "email": "babak.tehrani@example.com",
                    "groups_id": [
                        Command.set(
                            [
                                cls.env.ref("base.group_user").id,
                                cls.env.ref("ecrm_core.group_ecrm_user").id,
                            ]
                        )
                    ],
                }
            )
        )
        cls.partner_employee = cls.user_employee.partner_id

    def view(self, page, referrer=None, query=""):
        """View ``page`` as the current session; returns the response, after checking it rendered."""
        headers = {"Referer": referrer} if referrer else None
        response = self.url_open(page.url + query, headers=headers)
        self.assertEqual(response.status_code, 200, "the page must render")
        return response

    def login_in_browser(self, user):
        """Log in through the login form, as a browser does (the password is the login).

        Unlike ``self.authenticate``, this keeps the session, so Odoo links the anonymous
        visitor to the user (``res.users.authenticate`` in ``website``).
        """
        login_page = self.url_open("/web/login")
        csrf_anchor = '<input type="hidden" name="csrf_token" value="'
        response = self.url_open(
            "/web/login",
            allow_redirects=False,
            data={
                "login": user.login,
                "password": user.login,
                "csrf_token": login_page.text.partition(csrf_anchor)[2].partition('"')[0],
            },
        )
        self.assertEqual(response.status_code, 303, "the login must succeed")

    def page_url(self, page, query=""):
        return self.base_url() + page.url + query

    def visit_touchpoints(self, partner):
        return self.env["ecrm.touchpoint"].search(
            [("partner_id", "=", partner.id), ("source_system", "=", "website")], order="date, id"
        )

    def visitor_of(self, partner):
        return self.env["website.visitor"].search([("partner_id", "=", partner.id)])

    def move_back(self, visitor, minutes):
        """Simulate inactivity: move the visitor's page views ``minutes`` into the past."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE website_track SET visit_datetime = visit_datetime - make_interval(mins => %s) "
            "WHERE visitor_id = %s",
            (minutes, visitor.id),
        )
        self.env.invalidate_all()
