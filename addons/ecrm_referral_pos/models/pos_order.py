import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.ecrm_referral.tools import fraud, network

_logger = logging.getLogger(__name__)


class PosOrder(models.Model):
    _inherit = "pos.order"

    ecrm_referral_code = fields.Char(
        string="Referral Code",
        copy=False,
        help="Code of the member who referred this customer, given at the till. When the order is paid the "
        "customer is linked to that member (unless already referred) and the member's up-line is rewarded.",
    )
    ecrm_referral_generation = fields.Integer(
        related="partner_id.referral_generation",
        store=True,
        string="Referral Generation",
        help="Generation of the customer in the referral network (0: not referred), for shop revenue by generation.",
    )
    # No one2many to the rewards: the POS app loads and reads every field of pos.order as the cashier.
    ecrm_referral_reward_count = fields.Integer(
        string="Referral Rewards", compute="_compute_ecrm_referral_reward_count", groups="ecrm_core.group_ecrm_user"
    )

    def _compute_ecrm_referral_reward_count(self):
        groups = (
            self.env["ecrm.referral.reward"]
            .sudo()
            ._read_group([("pos_order_id", "in", self.ids)], ["pos_order_id"], ["__count"])
        )
        counts = {order.id: count for order, count in groups}
        for order in self:
            order.ecrm_referral_reward_count = counts.get(order.id, 0)

    # ------------------------------------------------------------------
    # The till: checking a code before it goes on the ticket
    # ------------------------------------------------------------------
    @api.model
    def ecrm_check_referral_code(self, code, partner_id):
        """Check a referral code typed at the till for the ticket's customer.

        Returns ``{"ok": True, "code", "referrer", "warning"}`` or ``{"ok": False, "error"}`` with a
        sentence the cashier can act on. Nothing is written: the link is made when the order is paid.
        """
        clean = network.clean_code(code or "")
        if not clean:
            return {"ok": False, "error": _("Type the member's referral code: 4 to 32 letters, digits or dashes.")}
        if not partner_id:
            return {
                "ok": False,
                "error": _("Choose the customer first: the code links this customer to the member who referred them."),
            }
        Partner = self.env["res.partner"].sudo()
        customer = Partner.browse(int(partner_id)).exists()
        if not customer:
            return {"ok": False, "error": _("The customer of this ticket no longer exists; choose them again.")}
        member = Partner.search([("referral_code", "=", clean)], limit=1)
        program = member.referral_program_id
        if not member or not program:
            return {"ok": False, "error": _("No member has the referral code %s: check it with the customer.", clean)}
        if not program.active or program.company_id not in self.env.companies:
            return {
                "ok": False,
                "error": _("The code %(code)s belongs to the program %(program)s, which is closed here.")
                % {"code": clean, "program": program.name},
            }
        if member.commercial_partner_id == customer.commercial_partner_id:
            return {"ok": False, "error": _("%s cannot use their own referral code.", customer.name)}
        existing = self.env["ecrm.referral"].sudo().search([("partner_id", "=", customer.id)], limit=1)
        if existing and existing.referrer_id != member:
            return {
                "ok": False,
                "error": _("%(customer)s was already referred by %(referrer)s; a customer has one referrer.")
                % {"customer": customer.name, "referrer": existing.referrer_id.name},
            }
        if not existing:
            try:
                self.env["ecrm.referral"]._check_no_cycle(customer.id, member.id)
            except ValidationError as error:
                return {"ok": False, "error": error.args[0]}
        Referral = self.env["ecrm.referral"]
        _score, rules = fraud.assess(Referral._fraud_facts(member), Referral._fraud_facts(customer))
        warning = ""
        if set(rules) & set(fraud.SELF_REFERRAL_RULES):
            warning = _("The rewards will wait for a review: %s", fraud.reasons_text(rules))
        return {"ok": True, "code": clean, "referrer": member.name, "warning": warning}

    # ------------------------------------------------------------------
    # Payment: link, reward, refund
    # ------------------------------------------------------------------
    def action_pos_order_paid(self):
        result = super().action_pos_order_paid()
        self._ecrm_referral_on_paid()
        return result

    def _ecrm_referral_on_paid(self):
        """Link the customer of a paid ticket to the code's member (the same path as a sale order given a
        code at confirmation: same fraud checks), log the shop visit, reward the up-line, and let a refund
        cancel the pending rewards of the refunded ticket."""
        Referral = self.env["ecrm.referral"].sudo()
        for order in self.filtered(lambda o: o.ecrm_referral_code and o.partner_id):
            try:
                with self.env.cr.savepoint():
                    referral = Referral._link_by_code(order.ecrm_referral_code, order.partner_id, channel="code")
            except ValidationError as error:
                # A loop in the network: the sale is fine, the link is not made; staff see why.
                referral = Referral
                order.message_post(body=_("Referral code not applied: %s", error.args[0]))
            order._ecrm_referral_record_visit(referral)
        self.env["ecrm.referral.reward"].sudo()._create_for_pos_orders(self.ids)
        refunded = self.filtered(lambda o: o.amount_total < 0).lines.refunded_orderline_id.order_id
        if refunded:
            self.env["ecrm.referral.reward"]._cancel_for_pos_orders(refunded.ids, _("Refunded in the shop"))

    def _ecrm_referral_record_visit(self, referral):
        self.ensure_one()
        source = self.env.ref("ecrm_referral.utm_source_referral", raise_if_not_found=False)
        member = referral.referrer_id or self.env["res.partner"]._find_referral_member(self.ecrm_referral_code)
        self.env["ecrm.touchpoint"].sudo()._record(
            [
                {
                    "partner_id": self.partner_id.id,
                    "touchpoint_type": "shop_visit",
                    "direction": "inbound",
                    "summary": _("Gave %(member)s's referral code at the shop (%(order)s)")
                    % {"member": member.name or self.ecrm_referral_code, "order": self.name},
                    "res_model": self._name,
                    "res_id": self.id,
                    "source_id": source.id if source else False,
                    "external_id": "ecrm_referral_pos:%s" % self.id,
                    "company_id": self.company_id.id,
                }
            ]
        )

    def action_open_ecrm_referral_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_reward_action")
        action["domain"] = [("pos_order_id", "=", self.id)]
        return action
