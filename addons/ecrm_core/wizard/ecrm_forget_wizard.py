from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EcrmForgetWizard(models.TransientModel):
    """Confirmation of "forget this person" (C16): says what will be erased and what is kept."""

    _name = "ecrm.forget.wizard"
    _description = "Forget a Person"

    partner_id = fields.Many2one("res.partner", string="Person", required=True, readonly=True, ondelete="cascade")
    touchpoint_count = fields.Integer(compute="_compute_counts", string="Touchpoints to Delete")
    message_count = fields.Integer(compute="_compute_counts", string="Messages to Delete or Strip")
    order_count = fields.Integer(compute="_compute_counts", string="Orders Kept (Anonymised)")
    confirm = fields.Boolean(string="I understand that this cannot be undone")

    @api.depends("partner_id")
    def _compute_counts(self):
        Touchpoint = self.env["ecrm.touchpoint"].sudo()
        Message = self.env["mail.message"].sudo()
        Order = self.env["sale.order"].sudo()
        for wizard in self:
            partner = wizard.partner_id
            wizard.touchpoint_count = Touchpoint.search_count([("partner_id", "=", partner.id)])
            wizard.message_count = Message.search_count(
                ["|", "&", ("model", "=", "res.partner"), ("res_id", "=", partner.id), ("author_id", "=", partner.id)]
            )
            wizard.order_count = Order.search_count([("partner_id", "child_of", partner.id)])

    def action_forget(self):
        self.ensure_one()
        if not self.confirm:
            raise UserError(_("Tick the box to confirm: forgetting a person cannot be undone."))
        label = self.partner_id.display_name
        self.partner_id._ecrm_forget()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%s was forgotten. Only a suppression entry remains.", label),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
