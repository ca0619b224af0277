from odoo import fields, models

from .res_partner import LIFECYCLE_STAGES


class EcrmLifecycleStage(models.Model):
    """The customer lifecycle stages as records, in funnel order: picked in routing rules, read by the dashboard."""

    _name = "ecrm.lifecycle.stage"
    _description = "eCRM Lifecycle Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(LIFECYCLE_STAGES, required=True, readonly=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each lifecycle stage exists once."),
    ]
