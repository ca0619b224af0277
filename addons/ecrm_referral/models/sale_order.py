from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.http import request

from ..controllers.main import read_referral


class SaleOrder(models.Model):
    _inherit = "sale.order"

    referral_code = fields.Char(
        copy=False,
        tracking=True,
        help="Code of the member who referred this customer, e.g. said at the till. On confirmation the "
        "customer is linked to that member (unless already referred) and the member's up-line is rewarded.",
    )
    referral_reward_ids = fields.One2many("ecrm.referral.reward", "order_id", string="Referral Rewards")
    referral_reward_count = fields.Integer(compute="_compute_referral_reward_count")
    referral_generation = fields.Integer(
        related="partner_id.referral_generation",
        store=True,
        string="Referral Generation",
        help="Generation of the customer in the referral network (0: not referred), for revenue by generation.",
    )

    def _compute_referral_reward_count(self):
        for order in self:
            order.referral_reward_count = len(order.referral_reward_ids)

    @api.constrains("referral_code")
    def _check_referral_code(self):
        for order in self.filtered("referral_code"):
            if not self.env["res.partner"]._find_referral_member(order.referral_code):
                raise ValidationError(_("No program member has the referral code %s: check it.", order.referral_code))

    @api.model_create_multi
    def create(self, vals_list):
        # Orders created on the website by a visitor (public or portal user) who arrived through a
        # referral link; staff who once opened a link in their own browser are not concerned.
        if request and self.env.user.share and not self.env.context.get("ecrm_referral_no_session"):
            code, _token = read_referral(request)
            if code and self.env["res.partner"]._find_referral_member(code):
                for vals in vals_list:
                    vals.setdefault("referral_code", code)
        return super().create(vals_list)

    def action_confirm(self):
        result = super().action_confirm()
        self._referral_on_confirm()
        return result

    def _referral_on_confirm(self):
        Referral = self.env["ecrm.referral"].sudo()
        for order in self.filtered("referral_code"):
            Referral._link_by_code(order.referral_code, order.partner_id, channel="code")
        self.env["ecrm.referral.reward"].sudo()._create_for_orders(self.ids)

    def _action_cancel(self):
        result = super()._action_cancel()
        self.env["ecrm.referral.reward"]._cancel_for_orders(self.ids, _("Order cancelled"))
        return result

    def action_open_referral_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_reward_action")
        action["domain"] = [("order_id", "=", self.id)]
        return action
