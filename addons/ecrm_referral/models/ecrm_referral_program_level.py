from odoo import fields, models


class EcrmReferralProgramLevel(models.Model):
    _name = "ecrm.referral.program.level"
    _description = "Referral Program Level"
    _order = "program_id, level"

    program_id = fields.Many2one("ecrm.referral.program", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    level = fields.Integer(
        required=True, default=1, help="1 is the direct referrer, 2 the referrer's referrer, and so on."
    )
    reward_percent = fields.Float(string="Reward (%)", help="Share of the referred order's untaxed amount.")
    reward_fixed = fields.Monetary(
        string="Fixed Reward", help="Added to the percentage; the sign-up reward of viral programs."
    )

    _sql_constraints = [
        ("level_uniq", "unique(program_id, level)", "Each level appears once per program."),
        ("level_range", "CHECK(level >= 1 AND level <= 10)", "Levels go from 1 to 10."),
        ("reward_positive", "CHECK(reward_percent >= 0 AND reward_fixed >= 0)", "Rewards cannot be negative."),
    ]
