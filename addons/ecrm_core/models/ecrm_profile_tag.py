from odoo import fields, models

TAG_KINDS = [
    ("interest", "Interest / hobby"),
    ("value", "Value"),
    ("lifestyle", "Lifestyle"),
    ("personality", "Personality"),
]


class EcrmProfileTag(models.Model):
    """Psychographic and lifestyle tags of a customer profile (C4)."""

    _name = "ecrm.profile.tag"
    _description = "eCRM Profile Tag"
    _order = "kind, name"

    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(TAG_KINDS, required=True, default="interest")
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_kind_uniq", "unique(name, kind)", "This tag already exists."),
    ]
