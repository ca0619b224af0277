from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

PAYING_TYPES = ("ewallet", "gift_card", "coupons")


class EcrmReferralProgram(models.Model):
    _inherit = "ecrm.referral.program"

    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Pay Through",
        domain="[('program_type', 'in', ('ewallet', 'gift_card', 'coupons')), "
        "('company_id', 'in', [company_id, False])]",
        help="Approved credit rewards go to the member's eWallet; coupon rewards become a gift card or coupon "
        "of this program. Empty: staff pay rewards by hand.",
    )

    @api.constrains("loyalty_program_id", "reward_kind")
    def _check_loyalty_program(self):
        for program in self.filtered("loyalty_program_id"):
            kind = program.loyalty_program_id.program_type
            if program.reward_kind == "credit" and kind != "ewallet":
                raise ValidationError(_("Program %s pays credit: choose an eWallet program.", program.name))
            if program.reward_kind == "coupon" and kind not in ("gift_card", "coupons"):
                raise ValidationError(
                    _("Program %s gives coupons: choose a gift card or coupon program.", program.name)
                )
            if program.reward_kind not in ("credit", "coupon"):
                raise ValidationError(_("Only credit and coupon rewards are paid through the loyalty app."))
