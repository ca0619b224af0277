from odoo import SUPERUSER_ID, _, api, fields, models


class CrmLead(models.Model):
    """Leads created and opportunities won become touchpoints (C1, C5); new leads are routed (C11)."""

    _inherit = "crm.lead"

    # Routing (C11)
    ecrm_routing_rule_id = fields.Many2one(
        "ecrm.routing.rule",
        string="Routing Rule",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        copy=False,
    )
    ecrm_routed_date = fields.Datetime(string="Routed", readonly=True, copy=False)
    ecrm_response_due = fields.Datetime(string="Answer Due", readonly=True, copy=False)
    ecrm_first_response_date = fields.Datetime(
        string="First Answer",
        readonly=True,
        copy=False,
        help="The first stage change, conversion or outbound contact after the lead was routed.",
    )
    ecrm_response_breached = fields.Boolean(string="Answered Late", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._ecrm_record("created")
        self.env["ecrm.routing.rule"]._route_leads(leads.filtered(lambda lead: lead._ecrm_needs_routing()))
        return leads

    def write(self, vals):
        # a stage change or a conversion after the routing is the first answer to a lead
        answering = "stage_id" in vals or vals.get("type") == "opportunity"
        waiting = self.filtered(
            lambda lead: (
                answering
                and lead.ecrm_routed_date
                and not lead.ecrm_first_response_date
                and (
                    lead.stage_id.id != vals.get("stage_id", lead.stage_id.id)
                    or lead.type != vals.get("type", lead.type)
                )
            )
        )
        if "stage_id" not in vals:
            result = super().write(vals)
        else:
            not_won = self.filtered(lambda lead: not lead.stage_id.is_won)
            result = super().write(vals)
            not_won.filtered(lambda lead: lead.active and lead.stage_id.is_won)._ecrm_record("won")
        if waiting:
            waiting.sudo().ecrm_first_response_date = fields.Datetime.now()
        return result

    def message_new(self, msg_dict, custom_values=None):
        # a lead created from an e-mail came in through the e-mail channel (routing rules on channels)
        return super(CrmLead, self.with_context(ecrm_routing_channel="email")).message_new(msg_dict, custom_values)

    def _ecrm_needs_routing(self):
        """A new lead is routed when nobody internal is responsible for it yet (website forms, e-mails...)."""
        self.ensure_one()
        user = self.user_id
        return not user or user.share or user.id == SUPERUSER_ID

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
