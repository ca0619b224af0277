from odoo.addons.mail.tests.common import MailCommon, mail_new_test_user


class EcrmCommon(MailCommon):
    """Users and customers shared by the eCRM tests; the other eCRM addons import it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.company.country_id = cls.env.ref("base.ir")
        cls.user_ecrm = mail_new_test_user(
            cls.env,
            login="ecrm_user",
            name="Elham User",
            email="elham.user@example.com",
            groups="base.group_user,ecrm_core.group_ecrm_user,sales_team.group_sale_salesman",
        )
        cls.user_ecrm_manager = mail_new_test_user(
            cls.env,
            login="ecrm_manager",
            name="Mehdi Manager",
            email="mehdi.manager@example.com",
            groups="base.group_user,ecrm_core.group_ecrm_manager,sales_team.group_sale_manager",
        )
        cls.user_integration = mail_new_test_user(
            cls.env,
            login="ecrm_api",
            name="Analytics Bridge",
            email="api@example.com",
            groups="base.group_user,ecrm_core.group_ecrm_integration",
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {
                "name": "Parisa Customer",
                "email": "Parisa.Customer@Example.com",
                "phone": "0912 000 1111",
                "country_id": cls.env.ref("base.ir").id,
            }
        )
        cls.customer_2 = Partner.create({"name": "Kaveh Customer", "email": "kaveh@example.com"})
        cls.company_partner = Partner.create({"name": "Zagros Trading", "is_company": True})
        cls.company_contact = Partner.create(
            {
                "name": "Nasrin Buyer",
                "email": "nasrin@zagros.example.com",
                "parent_id": cls.company_partner.id,
            }
        )
        cls.Touchpoint = cls.env["ecrm.touchpoint"]

    def touchpoints_of(self, partner, **domain):
        return self.Touchpoint.sudo().search(
            [("partner_id", "=", partner.id)] + [(k, "=", v) for k, v in domain.items()]
        )
