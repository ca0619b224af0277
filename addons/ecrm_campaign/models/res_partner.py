from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- consent (K2) ---
    ecrm_consent_ids = fields.One2many("ecrm.consent", "partner_id", string="Consents", readonly=True)
    ecrm_consent_count = fields.Integer(
        string="Granted Consents", compute="_compute_ecrm_consent_count", groups="ecrm_core.group_ecrm_user"
    )

    def _compute_ecrm_consent_count(self):
        counts = dict(
            self.env["ecrm.consent"]._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "granted")], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.ecrm_consent_count = counts.get(partner, 0)

    def action_ecrm_view_consents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_campaign.ecrm_consent_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_group_by_state": 0}
        return action

    def _ecrm_forget(self):
        """Erasure (C16): every consent is withdrawn, then the events lose their personal details.

        The withdrawal itself stays, so the person is never mailed again (the suppression).
        """
        self._ecrm_check_can_forget()
        people = self | self.with_context(active_test=False).child_ids.filtered(lambda p: not p.is_company)
        Consent = self.env["ecrm.consent"].sudo()
        consents = Consent.search([("partner_id", "in", people.ids)])
        for (channel, purpose), group in (
            consents.filtered(lambda c: c.state != "withdrawn").grouped(lambda c: (c.channel, c.purpose_id)).items()
        ):
            Consent._withdraw(group.partner_id.ids, channel, purpose, "erasure")
        result = super()._ecrm_forget()
        consents.event_ids._anonymise()
        return result

    def _ecrm_personal_data_export(self):
        sections = super()._ecrm_personal_data_export()
        consents = self.env["ecrm.consent"].sudo().search([("partner_id", "=", self.id)])
        sections["consents"] = [
            {
                "channel": consent.channel,
                "purpose": consent.purpose_id.name,
                "state": consent.state,
                "events": [
                    {
                        "date": event.date,
                        "state": event.state,
                        "method": event.method,
                        "ip_address": event.ip_address,
                        "consent_text_version": event.consent_text_version,
                    }
                    for event in consent.event_ids
                ],
            }
            for consent in consents
        ]
        return sections

    # --- end of consent ---
