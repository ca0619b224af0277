from odoo.tests import HttpCase, tagged

from .common import MAILING_BODY


@tagged("post_install", "-at_install", "ecrm_campaign")
class TestCampaignTour(HttpCase):
    def test_create_campaign_with_per_link_rule(self):
        self.env["mailing.mailing"].create(
            {
                "name": "Tour mailing",
                "subject": "Tour mailing",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "body_html": MAILING_BODY,
            }
        )
        self.env.ref("base.user_admin").groups_id += self.env.ref("ecrm_core.group_ecrm_manager")
        self.start_tour("/odoo", "ecrm_campaign_per_link_rule", login="admin")
        campaign = self.env["ecrm.campaign"].search([("name", "=", "Tour pricing campaign")])
        rule = campaign.step_ids.filtered(lambda step: step.trigger == "clicked")
        self.assertEqual(rule.parent_id.name, "Welcome")
        self.assertIn("/pricing", rule.link_id.url)
        self.assertEqual(rule.action, "activity")
