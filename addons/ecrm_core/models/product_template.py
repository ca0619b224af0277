from odoo import api, fields, models

ALSO_BOUGHT_SHOWN = 10


class ProductTemplate(models.Model):
    _inherit = "product.template"

    also_bought_ids = fields.Many2many(
        "ecrm.product.similarity",
        compute="_compute_also_bought_ids",
        string="Customers Who Bought This Also Bought",
        help="The products most often bought by the same customers, from the weekly recommendations rebuild.",
    )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_also_bought_ids(self):
        """The best similarity of each other product to any variant of the template, best first."""
        Similarity = self.env["ecrm.product.similarity"]
        templates = self.filtered(lambda template: template._origin.id)
        rows = Similarity.browse()
        if templates and Similarity.has_access("read"):
            rows = Similarity.search(
                [
                    ("product_id.product_tmpl_id", "in", templates._origin.ids),
                    ("company_id", "in", self.env.companies.ids),
                    ("similar_product_id.active", "=", True),
                ],
                order="score desc, id",
            )
        by_template = rows.grouped(lambda row: row.product_id.product_tmpl_id.id)
        for template in self:
            shown, seen = Similarity.browse(), set()
            for row in by_template.get(template._origin.id, Similarity):
                similar = row.similar_product_id
                if similar.product_tmpl_id == template._origin or similar.id in seen:
                    continue
                seen.add(similar.id)
                shown |= row
                if len(shown) == ALSO_BOUGHT_SHOWN:
                    break
            template.also_bought_ids = shown
