from odoo import _, api, models


class CrmLead(models.Model):
    """Leads created and opportunities won become touchpoints (C1, C5)."""

    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._ecrm_record("created")
        return leads

    def write(self, vals):
        if "stage_id" not in vals:
            return super().write(vals)
        not_won = self.filtered(lambda lead: not lead.stage_id.is_won)
        result = super().write(vals)
        not_won.filtered(lambda lead: lead.active and lead.stage_id.is_won)._ecrm_record("won")
        return result

    def _ecrm_record(self, event):
        vals_list = []
        for lead in self.filtered("partner_id"):
            won = event == "won"
            vals_list.append(
                {
                    "partner_id": lead.partner_id.id,
                    "company_id": (lead.company_id or self.env.company).id,
                    "touchpoint_type": "form" if lead.type == "lead" and not won else "other",
                    "direction": "inbound",
                    "summary": (_("Opportunity won: %s", lead.name) if won else _("Lead created: %s", lead.name)),
                    "res_model": "crm.lead",
                    "res_id": lead.id,
                    "amount": lead.expected_revenue if won else False,
                    "currency_id": lead.company_currency.id if won else False,
                    "campaign_id": lead.campaign_id.id,
                    "source_id": lead.source_id.id,
                    "medium_id": lead.medium_id.id,
                    "user_id": lead.user_id.id,
                    "external_id": "crm.lead:%s:%s" % (lead.id, event),
                }
            )
        self.env["ecrm.touchpoint"]._record(vals_list)
