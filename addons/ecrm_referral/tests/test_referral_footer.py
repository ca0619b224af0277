from odoo.tests import tagged

from .common import ReferralCommon


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralFooter(ReferralCommon):
    """V2: the company link in every outgoing mail of the chosen kinds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_ecrm.partner_id.referral_program_id = cls.program
        cls.code = cls.user_ecrm.partner_id.referral_code
        cls.recipient = cls.env["res.partner"].create({"name": "Reader", "email": "reader@example.com"})

    def post(self, record, partner=None):
        with self.mock_mail_gateway():
            record.with_user(self.user_ecrm).message_post(
                body="<p>Hello</p>",
                partner_ids=(partner or self.recipient).ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return [mail for mail in self._mails if (partner or self.recipient).email in str(mail["email_to"])]

    def test_footer_in_chatter_mail(self):
        mails = self.post(self.customer)
        self.assertEqual(len(mails), 1)
        body = mails[0]["body"]
        self.assertIn("/ref/%s?utm_source=referral&amp;utm_medium=email" % self.code, body)
        self.assertIn('dir="ltr"', body)
        self.assertEqual(body.count("o_ecrm_referral_footer"), 1)
        self.assertLess(
            body.index("o_ecrm_referral_footer"), body.rindex("</html>") if "</html>" in body else len(body)
        )
        self.assertIn("/ref/%s" % self.code, mails[0]["body_alternative"])

    def test_footer_in_chatter_of_a_sale_order(self):
        order = self.make_order(self.customer, 100.0, user_id=self.user_ecrm.id)
        body = self.post(order)[0]["body"]
        self.assertIn("/ref/%s?utm_source=referral" % self.code, body)
        self.assertEqual(body.count("o_ecrm_referral_footer"), 1)

    def test_no_footer_in_password_reset(self):
        """Account mails are never marketing: no link in a password reset, whatever the switches say."""
        user = self.user_ecrm
        user.partner_id.email = "ecrm.user.reset@example.com"
        with self.mock_mail_gateway():
            user.sudo().action_reset_password()
        mails = [mail for mail in self._mails if "ecrm.user.reset@example.com" in str(mail["email_to"])]
        self.assertEqual(len(mails), 1, "the password reset mail was sent")
        self.assertIn("reset", (mails[0]["subject"] + mails[0]["body"]).lower())
        self.assertNotIn("o_ecrm_referral_footer", mails[0]["body"])
        self.assertNotIn("/ref/", mails[0]["body"])

    def test_no_footer_in_portal_invitation_or_mail_about_nothing(self):
        portal_user_partner = self.env["res.partner"].create({"name": "Portal guest", "email": "guest@example.com"})
        wizard = self.env["portal.wizard"].create({"partner_ids": [(4, portal_user_partner.id)]})
        with self.mock_mail_gateway():
            wizard.user_ids.action_grant_access()
            self.env["mail.mail"].create(
                {
                    "subject": "No document",
                    "body_html": "<p>Nothing in particular</p>",
                    "email_to": "reader@example.com",
                    "author_id": self.user_ecrm.partner_id.id,
                }
            ).send()
        mails = [mail for mail in self._mails if mail["email_to"]]
        self.assertTrue(any("guest@example.com" in str(mail["email_to"]) for mail in mails), "invitation sent")
        self.assertTrue(any("reader@example.com" in str(mail["email_to"]) for mail in mails), "plain mail sent")
        for mail in mails:
            self.assertNotIn("o_ecrm_referral_footer", mail["body"])

    def test_footer_switched_off_for_one_company_only(self):
        company_b = self.env["res.company"].create({"name": "Referral company B"})
        company_b.referral_footer_documents = False
        self.user_ecrm.write({"company_ids": [(4, company_b.id)]})
        order_a = self.make_order(self.customer, 100.0, user_id=self.user_ecrm.id)
        order_b = self.make_order(self.customer, 100.0, user_id=self.user_ecrm.id, company_id=company_b.id)
        self.assertTrue(self.env.company.referral_footer_documents)
        self.assertIn("o_ecrm_referral_footer", self.post(order_a)[0]["body"])
        self.assertNotIn("o_ecrm_referral_footer", self.post(order_b)[0]["body"], "company B switched it off")

    def test_footer_switched_off_per_kind_and_company(self):
        self.env.company.referral_footer_chatter = False
        self.assertNotIn("o_ecrm_referral_footer", self.post(self.customer)[0]["body"])
        order = self.make_order(self.customer, 100.0, user_id=self.user_ecrm.id)
        self.assertIn("o_ecrm_referral_footer", self.post(order)[0]["body"], "quotations keep their own switch")
        self.env.company.referral_footer_documents = False
        self.assertNotIn("o_ecrm_referral_footer", self.post(order)[0]["body"])

    def test_footer_rtl_in_persian(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env.company.with_context(lang="fa_IR").referral_footer_text = "دوستانتان را دعوت کنید:"
        self.recipient.lang = "fa_IR"
        body = self.post(self.customer)[0]["body"]
        self.assertIn('dir="rtl"', body)
        self.assertIn("text-align:right", body)
        self.assertIn("دوستانتان را دعوت کنید", body)

    def test_company_link_when_sender_is_not_a_member(self):
        self.user_ecrm.partner_id.write({"referral_program_id": False, "referral_code": False})
        body = self.post(self.customer)[0]["body"]
        self.assertIn("o_ecrm_referral_footer", body)
        self.assertNotIn("/ref/", body)
