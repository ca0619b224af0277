"""Opted-out contacts do not want messages (C6, K2); forgetting a person clears their mailing data (C16)."""

from odoo.tests import tagged

from odoo.addons.ecrm_core.tests.common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_mass_mailing")
class TestOptedOut(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Omid Optout", "email": "Omid.Optout@example.com"})
        cls.news, cls.offers = cls.env["mailing.list"].create([{"name": "News"}, {"name": "Offers"}])
        cls.contact = cls.env["mailing.contact"].create(
            # subscribed through the lists, as on the contact form: the subscriptions' opt_out stays empty
            {"name": "Omid", "email": "omid.optout@example.com", "list_ids": [(6, 0, (cls.news | cls.offers).ids)]}
        )

    def subscription(self, mailing_list):
        self.contact.invalidate_recordset(["subscription_ids"])
        return self.contact.subscription_ids.filtered(lambda sub: sub.list_id == mailing_list)

    def test_opted_out_of_every_list(self):
        self.subscription(self.news).opt_out = True
        self.assertFalse(self.partner.do_not_message, "still wants the offers")
        self.subscription(self.offers).opt_out = True
        self.assertTrue(self.partner.do_not_message)
        self.assertEqual(self.partner.do_not_message_reason, "opted_out")
        Partner = self.env["res.partner"]
        self.assertFalse(Partner.search(Partner._ecrm_contactable_domain() + [("id", "=", self.partner.id)]))
        self.subscription(self.offers).opt_out = False
        self.assertFalse(self.partner.do_not_message)

    def test_population_refresh_sees_opt_outs(self):
        self.env.flush_all()
        self.env.cr.execute("UPDATE mailing_subscription SET opt_out = true WHERE contact_id = %s", [self.contact.id])
        self.env.invalidate_all()
        self.assertFalse(self.partner.do_not_message)
        self.env["res.partner"]._ecrm_refresh_do_not_message()
        self.assertEqual(self.partner.do_not_message_reason, "opted_out")

    def test_forget_deletes_mailing_contacts_and_traces(self):
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring",
                "body_html": "<p>Hi</p>",
                "mailing_model_id": self.env.ref("base.model_res_partner").id,
            }
        )
        trace = self.env["mailing.trace"].create(
            {
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": self.partner.id,
                "email": "omid.optout@example.com",
            }
        )
        export = self.partner.sudo()._ecrm_personal_data_export()
        self.assertEqual(sorted(line["list"] for line in export["mailing_lists"]), ["News", "Offers"])
        self.partner.with_user(self.user_ecrm_manager)._ecrm_forget()
        self.assertFalse(self.contact.exists())
        self.assertFalse(trace.email)
        self.assertTrue(trace.exists(), "the mailing's statistics stay")
