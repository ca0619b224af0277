from odoo import api, fields, models


class EcrmProductSimilarity(models.Model):
    """Products bought by the same customers (C9), rebuilt with the recommendations by ecrm.recommendation.

    "Customers who bought this also bought": for each product its most similar products,
    by the cosine of their buyers, within one company's sales.
    """

    _name = "ecrm.product.similarity"
    _description = "Products Bought Together"
    _order = "company_id, product_id, rank"

    product_id = fields.Many2one("product.product", string="Product", required=True, ondelete="cascade", index=True)
    # rewritten every week: only the product (the product form's lookup) is indexed
    similar_product_id = fields.Many2one("product.product", string="Also Bought", required=True, ondelete="cascade")
    score = fields.Float(
        digits=(16, 4),
        aggregator="avg",
        help="Cosine similarity of the two products' buyers: 1 when exactly the same customers bought both, "
        "0 when no customer bought both.",
    )
    rank = fields.Integer(aggregator="min", help="1 is the product most often bought with this one.")
    common_customer_count = fields.Integer(
        string="Customers in Common", aggregator="sum", help="Customers who bought both products."
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    @api.model
    def action_rebuild_recommendations(self):
        """Button of the list, on no record: rebuild the similar products with the recommendations."""
        return self.env["ecrm.recommendation"].action_rebuild_recommendations()
