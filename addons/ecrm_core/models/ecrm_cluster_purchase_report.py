from odoo import fields, models
from odoo.tools import SQL

from .res_partner import LIFECYCLE_STAGES


class EcrmClusterPurchaseReport(models.Model):
    """Buying habits of each market segment (C7): confirmed order lines by the customer's cluster."""

    _name = "ecrm.cluster.purchase.report"
    _description = "eCRM Buying Habits by Cluster"
    _auto = False
    _rec_name = "product_id"
    _order = "date desc"

    cluster_id = fields.Many2one("ecrm.cluster", string="Cluster", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    order_id = fields.Many2one("sale.order", string="Order", readonly=True)
    date = fields.Datetime(string="Order Date", readonly=True)
    product_category_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product", readonly=True)
    product_id = fields.Many2one("product.product", string="Product Variant", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    amount = fields.Float(
        readonly=True, digits="Product Price", help="Untaxed amount of the lines, in the company's currency."
    )
    order_count = fields.Integer(
        string="Orders",
        readonly=True,
        aggregator="count_distinct",
        help="Number of different orders with such lines.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT l.id AS id,
                   cp.cluster_id AS cluster_id,
                   st.lifecycle_stage AS lifecycle_stage,
                   cp.id AS partner_id,
                   o.company_id AS company_id,
                   o.id AS order_id,
                   o.id AS order_count,
                   o.date_order AS date,
                   pt.categ_id AS product_category_id,
                   pt.id AS product_tmpl_id,
                   l.product_id AS product_id,
                   l.product_uom_qty AS quantity,
                   l.price_subtotal / COALESCE(NULLIF(o.currency_rate, 0), 1) AS amount
              FROM sale_order_line l
              JOIN sale_order o ON o.id = l.order_id
              JOIN res_partner op ON op.id = o.partner_id
              JOIN res_partner cp ON cp.id = op.commercial_partner_id
              LEFT JOIN ecrm_contact_stats_data st ON st.partner_id = cp.id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE o.state = 'sale' AND l.display_type IS NULL AND NOT COALESCE(l.is_downpayment, FALSE)
            """
        )
