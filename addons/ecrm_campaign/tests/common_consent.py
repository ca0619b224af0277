from odoo.addons.ecrm_core.tests.common import EcrmCommon
from odoo.addons.mail.tests.common import mail_new_test_user


class EcrmConsentCommon(EcrmCommon):
    """Consent purposes, contacts in several consent states, a marketer and a user of another company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Consent = cls.env["ecrm.consent"]
        cls.newsletter = cls.env.ref("ecrm_campaign.consent_purpose_newsletter")
        cls.offers = cls.env.ref("ecrm_campaign.consent_purpose_offers")
        Partner = cls.env["res.partner"]
        cls.granted, cls.pending, cls.withdrawn, cls.silent = Partner.create(
            [
                {"name": "Granted Golnaz", "email": "golnaz@example.com"},
                {"name": "Pending Pouya", "email": "pouya@example.com"},
                {"name": "Withdrawn Vida", "email": "vida@example.com"},
                {"name": "Silent Sina", "email": "sina@example.com"},
            ]
        )
        cls.Consent._grant(cls.granted.ids, "email", cls.newsletter, "staff", source="setup")
        cls.Consent._grant(cls.pending.ids, "email", cls.newsletter, "web_form", double_opt_in=True)
        cls.Consent._grant(cls.withdrawn.ids, "email", cls.newsletter, "import", source="setup.csv")
        cls.Consent._withdraw(cls.withdrawn.ids, "email", cls.newsletter, "unsubscribe_link")
        cls.marketer = mail_new_test_user(
            cls.env,
            login="ecrm_marketer_consent",
            name="Maryam Marketer",
            email="maryam@example.com",
            groups="base.group_user,ecrm_core.group_ecrm_user,mass_mailing.group_mass_mailing_user",
        )
        cls.company_b = cls.env["res.company"].create({"name": "Company B Consent"})
        cls.user_company_b = mail_new_test_user(
            cls.env,
            login="ecrm_manager_b_consent",
            name="Bahram Other Company",
            email="bahram@example.com",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
            groups="base.group_user,ecrm_core.group_ecrm_manager,mass_mailing.group_mass_mailing_user",
        )

    def consent_of(self, partner, purpose=None, channel="email"):
        return self.Consent.sudo().search(
            [
                ("partner_id", "=", partner.id),
                ("purpose_id", "=", (purpose or self.newsletter).id),
                ("channel", "=", channel),
            ]
        )
