"""Consent enforced on mass mailings (K2), signed unsubscribe links and headers (K7), pre-send checks (K7-K9)."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_consent import EcrmConsentCommon

BODY = """<div style="max-width: 600px"><p>Spring news</p>
<p><a href="https://www.odoo.com/page/spring">Read more</a></p>
<p><a href="/unsubscribe_from_list">Unsubscribe</a></p></div>"""


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestConsentMailing(EcrmConsentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.audience = cls.granted | cls.pending | cls.withdrawn | cls.silent
        cls.utm_campaign = cls.env["utm.campaign"].create({"name": "Spring consent test"})

    def _mailing(self, body=BODY, **values):
        return (
            self.env["mailing.mailing"]
            .with_user(self.marketer)
            .create(
                dict(
                    {
                        "subject": "Spring news",
                        "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                        "mailing_domain": repr([("id", "in", self.audience.ids)]),
                        "body_arch": body,
                        "body_html": body,
                        "campaign_id": self.utm_campaign.id,
                        "medium_id": self.env.ref("utm.utm_medium_email").id,
                        "source_id": self.env["utm.source"].create({"name": "consent test"}).id,
                    },
                    **values,
                )
            )
        )

    def test_audience_is_filtered_and_refusals_counted(self):
        mailing = self._mailing()
        self.assertEqual(mailing.ecrm_consent_purpose_id, self.newsletter)
        self.assertEqual(mailing._get_recipients(), self.granted.ids)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(mailing.mailing_trace_ids.res_id, self.granted.id)
        self.assertEqual(len(self._mails), 1)
        self.assertEqual(self._mails[0]["email_to"], ['"Granted Golnaz" <golnaz@example.com>'])
        self.assertEqual(mailing.ecrm_consent_refusals, {"no_consent": 1, "pending": 1, "withdrawn": 1})
        self.assertEqual(mailing.ecrm_consent_refused_count, 3)

    def test_withdrawn_after_queueing_is_not_sent(self):
        self.env["ir.config_parameter"].sudo().set_param("mail.mail.force.send.limit", 0)
        other = self.env["res.partner"].create({"name": "Other Granted", "email": "other@example.com"})
        self.Consent._grant(other.ids, "email", self.newsletter, "staff")
        self.audience |= other
        mailing = self._mailing()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
            mails = self.env["mail.mail"].sudo().search([("mailing_id", "=", mailing.id)])
            self.assertEqual(len(mails), 2)
            self.assertEqual(set(mails.mapped("state")), {"outgoing"})
            self.assertFalse(self._mails)
            # Golnaz unsubscribes while the mails wait in the queue
            self.Consent._withdraw(self.granted.ids, "email", self.newsletter, "unsubscribe_link")
            mails.send()
        self.assertEqual(len(self._mails), 1)
        self.assertIn("other@example.com", self._mails[0]["email_to"][0])
        golnaz_mail = mails.filtered(lambda m: m.res_id == self.granted.id)
        self.assertEqual(golnaz_mail.state, "cancel")
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.res_id == self.granted.id)
        self.assertEqual(trace.trace_status, "cancel")
        self.assertEqual(trace.failure_type, "ecrm_withdrawn")
        self.assertEqual(mailing._ecrm_consent_refusal_counts().get("withdrawn"), 2)  # 1 at audience, 1 at send

    def test_mail_carries_signed_unsubscribe_link_and_one_click_header(self):
        mailing = self._mailing()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        sent = self._mails[0]
        headers = sent["headers"]
        self.assertIn("/ecrm/consent/one-click/", headers["List-Unsubscribe"])
        self.assertEqual(headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertIn("/ecrm/consent/unsubscribe/", sent["body"])
        self.assertNotIn("/unsubscribe_from_list", sent["body"])
        token = headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
        result = self.Consent._public_unsubscribe(token)
        self.assertEqual(result["partner"], self.granted)
        self.assertEqual(result["purpose"], self.newsletter)

    def test_presend_check_blocks_missing_unsubscribe_link(self):
        mailing = self._mailing(body='<p>Buy now at <a href="https://www.odoo.com">our shop</a></p>')
        with self.assertRaisesRegex(UserError, "unsubscribe link"):
            mailing.action_launch()
        self.assertEqual(mailing.state, "draft")
        with self.assertRaisesRegex(UserError, "unsubscribe link"):
            mailing.action_test()

    def test_presend_check_lists_every_problem(self):
        mailing = self._mailing(
            body='<table width="800"><tr><td><a href="htp:/broken link">x</a>'
            '<a href="/unsubscribe_from_list">Unsubscribe</a></td></tr></table>',
            campaign_id=False,
        )
        with self.assertRaises(UserError) as caught:
            mailing.action_launch()
        message = str(caught.exception)
        self.assertIn("htp:/broken link", message)
        self.assertIn("800px", message)
        self.assertIn("campaign", message)
        # a correct mailing goes to the queue
        good = self._mailing()
        good.action_launch()
        self.assertEqual(good.state, "in_queue")

    def test_presend_check_own_unpublished_page(self):
        if "website.page" not in self.env:
            self.skipTest("website is not installed")
        page = self.env["website.page"].create(
            {
                "name": "Hidden offer",
                "url": "/hidden-offer-consent",
                "type": "qweb",
                "arch": "<div/>",
                "website_published": False,
            }
        )
        base = self.env["mailing.mailing"].get_base_url()
        body = BODY.replace("https://www.odoo.com/page/spring", base + "/hidden-offer-consent")
        with self.assertRaisesRegex(UserError, "not published"):
            self._mailing(body=body).action_launch()
        page.website_published = True
        self._mailing(body=body).action_launch()
        missing = BODY.replace("https://www.odoo.com/page/spring", "/no-such-page-consent")
        with self.assertRaisesRegex(UserError, "does not exist"):
            self._mailing(body=missing).action_launch()

    def test_mailing_list_contacts_follow_their_contact_consent(self):
        mailing_list = self.env["mailing.list"].create({"name": "Spring list"})
        contacts = self.env["mailing.contact"].create(
            [
                {"name": "Golnaz", "email": "Golnaz@Example.com", "list_ids": [(6, 0, mailing_list.ids)]},
                {"name": "Vida", "email": "vida@example.com", "list_ids": [(6, 0, mailing_list.ids)]},
                {"name": "Stranger", "email": "stranger@example.com", "list_ids": [(6, 0, mailing_list.ids)]},
            ]
        )
        mailing = self._mailing(
            mailing_model_id=self.env["ir.model"]._get_id("mailing.list"),
            contact_list_ids=[(6, 0, mailing_list.ids)],
            mailing_domain=repr([("list_ids", "in", mailing_list.ids)]),
        )
        self.assertEqual(mailing.mailing_model_real, "mailing.contact")
        self.assertEqual(mailing._get_recipients(), contacts[0].ids)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(mailing.ecrm_consent_refusals, {"withdrawn": 1, "no_consent": 1})
        self.assertEqual(len(self._mails), 1)
