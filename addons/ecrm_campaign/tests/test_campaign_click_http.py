import re

from odoo.tests import HttpCase, tagged

from .common import EcrmCampaignCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignClickRoute(HttpCase, EcrmCampaignCommon):
    """Clicks through the real tracked URLs: only the signed URL of the contact's own mail fires a rule."""

    def _sent_url(self, partner, url_part):
        body = next(mail["body"] for mail in self._mails if partner.email_normalized in mail["email_to"][0].lower())
        urls = re.findall(r'href="([^"]*/r/[^"]*)"', body)
        links = {link.short_url.split("/r/")[1]: link for link in self.env["link.tracker"].search([])}
        for url in urls:
            code = url.split("/r/")[1].split("/")[0]
            if code in links and url_part in links[code].url:
                return url.replace("&amp;", "&")
        raise AssertionError("no tracked link to %s in the mail of %s" % (url_part, partner.name))

    def test_signed_url_fires_forged_urls_do_not(self):
        pricing = self.link_of("/pricing")
        step = self.add_step(self.step_welcome, trigger="clicked", link_id=pricing.id, action="end")
        self.start_and_run()
        own_url = self._sent_url(self.customer, "/pricing")
        self.assertIn("ecrm_sig=", own_url)
        path = "/r/" + own_url.split("/r/")[1]
        other_trace = self.trace_of(self.customer_2)
        forged = [
            # customer's signature with customer_2's trace id
            re.sub(r"/m/\d+", "/m/%d" % other_trace.id, path),
            # no signature at all
            "/r/%s/m/%d" % (pricing.code, self.trace_of(self.customer_3).id),
        ]
        for url in forged:
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 301)
        self.advance()
        self.assertFalse(self.fired_partners(step), "forged clicks fire nothing")
        response = self.url_open(path, allow_redirects=False)
        self.advance()
        self.assertEqual(self.fired_partners(step), self.customer)
        self.assertEqual(response.status_code, 301)
