"""A customer segment as the audience of a mass mailing (C12, K1)."""

from odoo.tests import Form, new_test_user, tagged

from odoo.addons.ecrm_core.tests.common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_mass_mailing")
class TestSegmentMailing(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(
            cls.env,
            "ecrm_marketer",
            email="marketer@example.com",
            groups="base.group_user,ecrm_core.group_ecrm_user,mass_mailing.group_mass_mailing_user",
        )
        Partner = cls.env["res.partner"]
        cls.members = Partner.create(
            [
                {"name": "Member %d" % number, "email": "member%d@example.com" % number, "city": "Mailabad"}
                for number in range(3)
            ]
        )
        cls.outsider = Partner.create({"name": "Outsider", "email": "outsider@example.com", "city": "Elsewhere"})
        if "ecrm.consent" in cls.env:  # with ecrm_campaign, only contacts who consented are mailed (K2)
            newsletter = cls.env.ref("ecrm_campaign.consent_purpose_newsletter")
            cls.env["ecrm.consent"]._grant((cls.members | cls.outsider).ids, "email", newsletter, "staff")
        cls.segment = cls.env["ecrm.segment"].create(
            {"name": "Mailabad customers", "rule_domain": "[('city', '=', 'Mailabad')]"}
        )
        cls.segment._refresh_members()

    def test_mailing_recipients_are_the_segment_members(self):
        action = self.segment.with_user(self.marketer).action_send_mailing()
        self.assertEqual(action["res_model"], "mailing.mailing")
        form = Form(self.env["mailing.mailing"].with_user(self.marketer).with_context(**action["context"]))
        form.subject = "Spring offer for Mailabad"
        form.body_arch = "<p>Hello from the shop</p>"
        mailing = form.save()
        self.assertEqual(mailing.mailing_model_real, "res.partner")
        self.assertEqual(mailing._get_recipients(), self.members.ids)

        # members who leave before the mailing goes out are not mailed
        self.members[0].city = "Elsewhere"
        self.segment._refresh_members()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(sorted(mailing.mailing_trace_ids.mapped("res_id")), self.members[1:].ids)
        self.assertEqual(len(self._new_mails), 2)
        mailed = set(self._new_mails.mapped("email_to")) | set(self._new_mails.recipient_ids.mapped("email"))
        self.assertIn("member1@example.com", mailed)
        self.assertNotIn("member0@example.com", mailed)
        self.assertNotIn("outsider@example.com", mailed)
