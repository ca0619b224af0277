from odoo import fields, models


class EcrmDuplicatePair(models.Model):
    """Two contacts of a duplicate group and why they look like one person (C6)."""

    _name = "ecrm.duplicate.pair"
    _description = "eCRM Duplicate Pair"
    _order = "score desc, id"

    group_id = fields.Many2one("ecrm.duplicate.group", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="group_id.company_id", store=True)
    partner_a_id = fields.Many2one("res.partner", string="Contact", required=True, ondelete="cascade")
    partner_b_id = fields.Many2one("res.partner", string="Looks Like", required=True, ondelete="cascade")
    score = fields.Integer(help="0-100: how sure the pair is one person.")
    name_similarity = fields.Float(digits=(3, 2), help="Trigram similarity of the two names, 0 to 1.")
    reasons = fields.Char()
