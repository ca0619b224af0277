from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.events import TOUCHPOINT_TYPES

# Types that share the channel of another type unless a channel claims them.
SHARED_CHANNEL_TYPES = {"email_in": "email_out", "survey": "form"}
RATINGS = [("0", "Not rated"), ("1", "Very low"), ("2", "Low"), ("3", "Medium"), ("4", "High"), ("5", "Very high")]


class EcrmChannel(models.Model):
    """A channel the company uses to meet its customers, rated on the four parameters of C13."""

    _name = "ecrm.channel"
    _description = "eCRM Channel"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, help="Short technical key used by integrations, e.g. 'website' or 'phone'.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Leave empty to share the channel between companies.")
    touchpoint_type = fields.Selection(
        TOUCHPOINT_TYPES,
        string="Default for Type",
        help="Touchpoints of this type that arrive without a channel are filed under this one.",
    )
    description = fields.Text(translate=True)
    color = fields.Integer()
    closeness = fields.Selection(
        RATINGS,
        default="3",
        required=True,
        tracking=True,
        help="How close the interface comes to the customer (face to face is the closest).",
    )
    cost = fields.Selection(
        RATINGS,
        default="3",
        required=True,
        tracking=True,
        help="What one contact through this channel costs the company.",
    )
    personalisation = fields.Selection(
        RATINGS,
        default="3",
        required=True,
        tracking=True,
        help="How much of the customer's behaviour the channel reveals and lets you tailor to.",
    )
    reach = fields.Selection(
        RATINGS,
        default="3",
        required=True,
        tracking=True,
        help="How many customers the channel can reach.",
    )
    value_score = fields.Integer(
        compute="_compute_value_score",
        store=True,
        aggregator="avg",
        help="Closeness, personalisation and reach, less cost: a quick rank of what a channel gives for its price.",
    )
    touchpoint_count = fields.Integer(compute="_compute_touchpoint_count")

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "A channel code must be unique per company."),
    ]

    @api.depends("closeness", "cost", "personalisation", "reach")
    def _compute_value_score(self):
        for channel in self:
            channel.value_score = (
                int(channel.closeness) + int(channel.personalisation) + int(channel.reach) - int(channel.cost)
            )

    def _compute_touchpoint_count(self):
        counts = dict(
            self.env["ecrm.touchpoint"]._read_group([("channel_id", "in", self.ids)], ["channel_id"], ["__count"])
        )
        for channel in self:
            channel.touchpoint_count = counts.get(channel, 0)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self.env["ecrm.touchpoint"].sudo().search_count([("channel_id", "in", self.ids)], limit=1)
        if used:
            raise UserError(_("This channel has touchpoints: archive it instead of deleting it."))

    def action_open_touchpoints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.ecrm_touchpoint_action")
        action["domain"] = [("channel_id", "=", self.id)]
        return action

    @api.model
    def _channel_map(self, key, company=None):
        """{value of ``key``: channel id} for ``company``; its own channels win over shared ones."""
        company = company or self.env.company
        channels = self.sudo().search(
            [(key, "!=", False), ("company_id", "in", [False, company.id])],
            order="company_id, sequence, id",  # NULL (shared) sorts last
        )
        result = {}
        for channel in channels:
            result.setdefault(channel[key], channel.id)
        if key == "touchpoint_type":
            for kind, shared_with in SHARED_CHANNEL_TYPES.items():
                if shared_with in result:
                    result.setdefault(kind, result[shared_with])
        return result
