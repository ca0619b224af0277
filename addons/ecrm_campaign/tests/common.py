from odoo.addons.ecrm_core.tests.common import EcrmCommon
from odoo.addons.mass_mailing.tests.common import MassMailCase

MAILING_BODY = """
<div>
    <p>Hello, here is what is new.</p>
    <p><a href="https://shop.example.com/pricing">See our prices</a></p>
    <p><a href="https://shop.example.com/blog">Read the blog</a></p>
    <p><a href="/unsubscribe_from_list">Unsubscribe</a></p>
</div>
"""


class EcrmCampaignCommon(EcrmCommon, MassMailCase):
    """A welcome campaign on three customers with consent, a mailing with two links, and helpers.

    The other eCRM addons import it to test their own triggers, actions and audiences.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purpose = cls.env.ref("ecrm_campaign.consent_purpose_newsletter")
        cls.customer_3 = cls.env["res.partner"].create(
            {"name": "Shirin Customer", "email": "shirin@example.com", "street": "Valiasr 12"}
        )
        cls.audience = cls.customer | cls.customer_2 | cls.customer_3
        cls._grant_consent(cls.audience, "email")
        cls.Campaign = cls.env["ecrm.campaign"]
        cls.Step = cls.env["ecrm.campaign.step"]
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "name": "Welcome mailing",
                "subject": "Welcome to our shop",
                "mailing_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": "[]",
                "body_html": MAILING_BODY,
                "email_from": "shop@example.com",
            }
        )
        cls.campaign = cls.Campaign.create(
            {
                "name": "Welcome series",
                "goal": "First purchase",
                "audience_type": "domain",
                "audience_domain": "[('id', 'in', %s)]" % cls.audience.ids,
                "purpose_id": cls.purpose.id,
                "target_open_rate": 40,
                "target_conversions": 2,
            }
        )
        cls.step_welcome = cls.Step.create(
            {
                "name": "Welcome mail",
                "campaign_id": cls.campaign.id,
                "trigger": "audience",
                "action": "mailing",
                "mailing_id": cls.mailing.id,
            }
        )
        cls.tag_pricing = cls.env["ecrm.profile.tag"].create({"name": "Price-conscious", "kind": "interest"})

    @classmethod
    def _grant_consent(cls, partners, channel, purpose=None):
        if "ecrm.consent" in cls.env:
            cls.env["ecrm.consent"].sudo()._grant(partners.ids, channel, purpose or cls.purpose, "staff")

    def add_step(self, parent=None, **values):
        values.setdefault("name", "%s -> %s" % (values.get("trigger"), values.get("action")))
        values.setdefault("campaign_id", self.campaign.id)
        if parent:
            values["parent_id"] = parent.id
        return self.Step.create(values)

    def start_and_run(self, campaign=None, now=None):
        """Start the campaign (if needed) and run its steps once, mails captured."""
        campaign = campaign or self.campaign
        if campaign.state != "running":
            campaign.action_start()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            campaign.with_context(ecrm_campaign_now=now)._advance() if now else campaign._advance()
        return campaign

    def advance(self, campaign=None, now=None):
        campaign = campaign or self.campaign
        with self.mock_mail_gateway(mail_unlink_sent=False):
            (campaign.with_context(ecrm_campaign_now=now) if now else campaign)._advance()

    def participant_of(self, partner, campaign=None):
        return self.env["ecrm.campaign.participant"].search(
            [("campaign_id", "=", (campaign or self.campaign).id), ("partner_id", "=", partner.id)]
        )

    def lines_of(self, step):
        return self.env["ecrm.campaign.participant.step"].search([("step_id", "=", step.id)])

    def fired_partners(self, step):
        return self.lines_of(step).filtered(lambda line: line.state == "done").partner_id

    def link_of(self, url_part, mailing=None):
        return (
            self.env["link.tracker"]
            .search([("mass_mailing_id", "=", (mailing or self.mailing).id)])
            .filtered(lambda link: url_part in link.url)
        )

    def trace_of(self, partner, mailing=None):
        return self.env["mailing.trace"].search(
            [
                ("mass_mailing_id", "=", (mailing or self.mailing).id),
                ("model", "=", "res.partner"),
                ("res_id", "in", partner.ids),
            ]
        )

    def signed_click(self, partner, url_part, mailing=None):
        """A click as the tracked URL of the partner's own mail records it (signature checked by the route)."""
        link = self.link_of(url_part, mailing)
        return (
            self.env["link.tracker.click"]
            .sudo()
            .with_context(ecrm_verified_click=True)
            .add_click(link.code, mailing_trace_id=self.trace_of(partner, mailing).id)
        )
