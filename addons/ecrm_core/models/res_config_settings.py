from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ecrm_loyal_purchase_count = fields.Integer(
        string="Loyal after (purchases)",
        config_parameter="ecrm_core.loyal_purchase_count",
        default=5,
        help="A customer with at least this many confirmed orders, bought recently, is loyal.",
    )
    ecrm_at_risk_days = fields.Integer(
        string="At risk after (days)",
        config_parameter="ecrm_core.at_risk_days",
        default=180,
        help="Days without a purchase after which a customer is at risk.",
    )
    ecrm_lost_days = fields.Integer(
        string="Lost after (days)",
        config_parameter="ecrm_core.lost_days",
        default=365,
        help="Days without a purchase after which a customer counts as lost.",
    )
