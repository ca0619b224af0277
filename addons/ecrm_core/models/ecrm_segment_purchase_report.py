from odoo import fields, models
from odoo.tools import SQL

from ..tools.rfm import SEGMENT_SELECTION

GROUP_TYPES = [("rfm", "RFM segment"), ("segment", "Segment")]


class EcrmSegmentPurchaseReport(models.Model):
    """Buying habits of each market segment (C7): confirmed order lines by segment and product category.

    Each line appears once under the customer's current RFM segment (``group_type`` "rfm") and
    once under every segment (``ecrm.segment``) of the line's company that the buyer or their
    company is a member of (``group_type`` "segment"). The two actions filter on one group type,
    so that a line is never counted twice in one table. Per cluster, see
    ``ecrm.cluster.purchase.report``.
    """

    _name = "ecrm.segment.purchase.report"
    _description = "eCRM Buying Habits by Segment"
    _auto = False
    _rec_name = "product_id"
    _order = "date desc"

    group_type = fields.Selection(GROUP_TYPES, string="Grouped By", readonly=True)
    rfm_segment = fields.Selection(SEGMENT_SELECTION, string="RFM Segment", readonly=True)
    segment_id = fields.Many2one("ecrm.segment", string="Segment", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    customer_count = fields.Integer(
        string="Customers",
        readonly=True,
        aggregator="count_distinct",
        help="Number of different customers (companies and individuals) with such lines.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    order_id = fields.Many2one("sale.order", string="Order", readonly=True)
    order_count = fields.Integer(
        string="Orders", readonly=True, aggregator="count_distinct", help="Number of different orders with such lines."
    )
    date = fields.Datetime(string="Order Date", readonly=True)
    product_category_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product", readonly=True)
    product_id = fields.Many2one("product.product", string="Product Variant", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    amount = fields.Float(
        readonly=True, digits="Product Price", help="Untaxed amount of the lines, in the company's currency."
    )
    share = fields.Float(
        string="Share (%)",
        readonly=True,
        digits=(16, 1),
        help="Percentage of the segment's whole spend in the company (all dates) that these lines make: "
        "the product categories of one segment add up to 100.",
    )

    @property
    def _table_query(self):
        # ids: the order line's id shifted left, with the segment's id in the low bits (0 for the RFM row)
        return SQL(
            """
            WITH line AS (
                SELECT l.id AS line_id, o.id AS order_id, o.company_id, o.date_order AS date,
                       o.partner_id AS buyer_id, op.commercial_partner_id AS customer_id,
                       pt.categ_id AS product_category_id, pt.id AS product_tmpl_id, l.product_id,
                       l.product_uom_qty AS quantity,
                       l.price_subtotal / COALESCE(NULLIF(o.currency_rate, 0), 1) AS amount
                  FROM sale_order_line l
                  JOIN sale_order o ON o.id = l.order_id
                  JOIN res_partner op ON op.id = o.partner_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE o.state = 'sale' AND l.display_type IS NULL AND NOT COALESCE(l.is_downpayment, FALSE)
            ),
            grouped AS (
                SELECT line.*, 'rfm'::varchar AS group_type, score.rfm_segment, NULL::integer AS segment_id
                  FROM line
                  JOIN ecrm_rfm_score score ON score.partner_id = line.customer_id
                 UNION ALL
                SELECT line.*, 'segment'::varchar, NULL::varchar, seg.id
                  FROM line
                  JOIN ecrm_segment seg ON seg.company_id = line.company_id AND seg.active
                 WHERE EXISTS (SELECT FROM ecrm_segment_partner_rel m
                                WHERE m.segment_id = seg.id AND m.partner_id IN (line.buyer_id, line.customer_id))
            )
            SELECT (g.line_id::bigint << 24) + COALESCE(g.segment_id, 0) AS id,
                   g.group_type, g.rfm_segment, g.segment_id,
                   g.customer_id AS partner_id, g.customer_id AS customer_count,
                   g.company_id, g.order_id, g.order_id AS order_count, g.date,
                   g.product_category_id, g.product_tmpl_id, g.product_id, g.quantity, g.amount,
                   100 * g.amount / NULLIF(sum(g.amount) OVER (
                       PARTITION BY g.group_type, g.rfm_segment, g.segment_id, g.company_id), 0) AS share
              FROM grouped g
            """
        )
