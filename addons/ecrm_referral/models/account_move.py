from odoo import _, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        refunds = posted.filtered(lambda m: m.move_type == "out_refund")
        orders = refunds.invoice_line_ids.sale_line_ids.order_id
        if orders:
            self.env["ecrm.referral.reward"]._cancel_for_orders(orders.ids, _("Refunded"))
        return posted
