from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import EcrmCampaignCommon


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignSecurity(EcrmCampaignCommon):
    def test_other_company_sees_nothing(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = mail_new_test_user(
            self.env,
            login="ecrm_user_b",
            name="Bahram B",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.start_and_run()
        env_b = self.env(user=user_b)
        self.assertFalse(env_b["ecrm.campaign"].search([]))
        self.assertFalse(env_b["ecrm.campaign.step"].search([]))
        self.assertFalse(env_b["ecrm.campaign.participant"].search([]))
        self.assertFalse(env_b["ecrm.campaign.participant.step"].search([]))
        self.assertFalse(env_b["ecrm.campaign.performance"].search([]))
        with self.assertRaises(AccessError):
            env_b["ecrm.campaign"].browse(self.campaign.id).read(["name"])
        with self.assertRaises(AccessError):
            env_b["ecrm.campaign.participant"].browse(self.campaign.participant_ids[:1].id).read(["partner_id"])

    def test_user_cannot_forge_the_path(self):
        self.start_and_run()
        line = self.lines_of(self.step_welcome)[:1]
        Line = self.env["ecrm.campaign.participant.step"].with_user(self.user_ecrm)
        self.assertTrue(Line.search([("id", "=", line.id)]))
        with self.assertRaises(AccessError):
            Line.create({"participant_id": line.participant_id.id, "step_id": self.step_welcome.id})
        with self.assertRaises(AccessError):
            line.with_user(self.user_ecrm).write({"state": "skipped"})
