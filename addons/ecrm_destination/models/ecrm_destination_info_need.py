from odoo import fields, models

from ..tools.phases import PHASES


class EcrmDestinationInfoNeed(models.Model):
    """What a visitor wants to know in one phase of their trip (D1): the catalogue staff send from."""

    _name = "ecrm.destination.info.need"
    _description = "Visitor Information Need"
    _order = "phase, sequence, id"

    name = fields.Char(required=True, translate=True)
    phase = fields.Selection(PHASES, required=True, default="before")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="What to send and why, shown to staff on the visitor profile.")
    interest_tag_ids = fields.Many2many(
        "ecrm.profile.tag",
        string="Only for Interests",
        domain=[("kind", "in", ("interest", "lifestyle"))],
        help="Leave empty for every visitor; otherwise only visitors with one of these interests need it.",
    )
    channel_ids = fields.Many2many(
        "ecrm.channel",
        string="Best Channels",
        domain=[("visitor_information", "=", True)],
        help="Where this information reaches visitors best in this phase.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to share the need between companies.")
