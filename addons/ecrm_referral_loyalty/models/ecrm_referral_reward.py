from odoo import _, fields, models


class EcrmReferralReward(models.Model):
    _inherit = "ecrm.referral.reward"

    loyalty_card_id = fields.Many2one("loyalty.card", readonly=True, ondelete="set null")

    def _pay(self):
        """Credit approved rewards to the member's eWallet (one card per member and program, topped up)
        or issue one gift card / coupon per reward; then they are paid."""
        payable = self.filtered(
            lambda r: r.state == "approved" and r.kind in ("credit", "coupon") and r.program_id.loyalty_program_id
        )
        Card = self.env["loyalty.card"].sudo().with_context(active_test=False)
        History = self.env["loyalty.history"].sudo()
        for reward in payable:
            loyalty = reward.program_id.loyalty_program_id
            points = 1.0 if loyalty.program_type == "coupons" else reward.amount
            card = Card.browse()
            if loyalty.program_type == "ewallet":
                card = Card.search(
                    [("program_id", "=", loyalty.id), ("partner_id", "=", reward.partner_id.id)], limit=1
                )
            if card:
                card.points += points
            else:
                card = Card.create({"program_id": loyalty.id, "partner_id": reward.partner_id.id, "points": points})
            History.create(
                {
                    "card_id": card.id,
                    "issued": points,
                    "description": _(
                        "Referral reward, level %(level)s (%(who)s)",
                        level=reward.level,
                        who=reward.referred_partner_id.name,
                    ),
                }
            )
            reward.write(
                {
                    "state": "paid",
                    "paid_date": fields.Datetime.now(),
                    "loyalty_card_id": card.id,
                    "payment_reference": card.code,
                }
            )
        return super(EcrmReferralReward, self - payable)._pay()
