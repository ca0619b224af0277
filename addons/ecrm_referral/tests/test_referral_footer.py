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
