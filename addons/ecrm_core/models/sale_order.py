from odoo import models


class SaleOrder(models.Model):
    """Confirmed sale orders become purchase touchpoints with their amount (C1)."""

    _inherit = "sale.order"

    def _action_confirm(self):
        result = super()._action_confirm()
        self.env["ecrm.touchpoint"]._record(
            [
                {
                    "partner_id": order.partner_id.id,
                    "company_id": order.company_id.id,
                    "touchpoint_type": "purchase",
                    "direction": "inbound",
                    "date": order.date_order,
                    "summary": order.name,
                    "res_model": "sale.order",
                    "res_id": order.id,
                    "amount": order.amount_untaxed,
                    "currency_id": order.currency_id.id,
                    "campaign_id": order.campaign_id.id,
                    "source_id": order.source_id.id,
                    "medium_id": order.medium_id.id,
                    "user_id": order.user_id.id,
                    "external_id": "sale.order:%s" % order.id,
                }
                for order in self
            ]
        )
        return result
