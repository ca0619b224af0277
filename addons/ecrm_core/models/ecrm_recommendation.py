import io
import logging
import time

import numpy as np

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import recommend

_logger = logging.getLogger(__name__)

# ir.config_parameter key -> default
RECOMMENDATION_PARAMS = {
    "ecrm_core.recommendation_count": 10,
    "ecrm_core.recommendation_neighbours": 50,
}
COPY_CHUNK = 200_000
SIMILAR_PRODUCTS_STORED = 20  # per product: the product form shows 10


class EcrmRecommendation(models.Model):
    """A product recommended to a customer (C9): item-item collaborative filtering over confirmed sales.

    The whole table is rebuilt by :meth:`_rebuild` (weekly cron, or the button); see
    ``tools/recommend.py`` for the method.
    """

    _name = "ecrm.recommendation"
    _description = "Product Recommendation"
    _order = "company_id, partner_id, rank"

    # about ten rows per customer, all rewritten every week: only the partner (the form's lookup) is indexed
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade", index=True)
    product_id = fields.Many2one("product.product", string="Product", required=True, ondelete="cascade")
    score = fields.Float(
        digits=(16, 4),
        aggregator="avg",
        help="Sum of the product's similarities to what the customer bought; 0 for a popular product "
        "added because the customer's purchases had too few neighbours.",
    )
    rank = fields.Integer(aggregator="min", help="1 is the best recommendation for the customer.")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_rebuild_recommendations(self):
        """Button of the lists (no record): rebuild the recommendations of the current companies now."""
        if not self.env.user.has_group("ecrm_core.group_ecrm_manager"):
            raise AccessError(_("Only eCRM managers can rebuild the recommendations."))
        result = self.sudo()._rebuild(self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Recommendations rebuilt"),
                "message": _(
                    "%(recommendations)s recommendations for %(customers)s customers, from %(pairs)s purchases "
                    "of %(products)s products.",
                    **result,
                ),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Rebuild, set-based
    # ------------------------------------------------------------------

    @api.model
    def _cron_rebuild(self):
        self._rebuild()

    @api.model
    def _recommendation_params(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            key.split(".", 1)[1].removeprefix("recommendation_"): max(1, int(get(key) or default))
            for key, default in RECOMMENDATION_PARAMS.items()
        }

    @api.model
    def _purchase_pairs_query(self, company, date_from=None, date_to=None):
        """One aggregate of the (commercial partner, product) pairs of ``company``'s confirmed sales.

        Optionally only orders from ``date_from`` (included) to ``date_to`` (excluded), for the
        offline evaluation. Override to add other sales (e.g. POS orders).
        """
        period = SQL("")
        if date_from:
            period = SQL("%s AND o.date_order >= %s", period, date_from)
        if date_to:
            period = SQL("%s AND o.date_order < %s", period, date_to)
        return SQL(
            """
            SELECT p.commercial_partner_id, l.product_id
              FROM sale_order_line l
              JOIN sale_order o ON o.id = l.order_id
              JOIN res_partner p ON p.id = o.partner_id
             WHERE o.state = 'sale' AND o.company_id = %s AND l.product_id IS NOT NULL
               AND l.product_uom_qty > 0 AND l.is_downpayment IS NOT TRUE %s
             GROUP BY p.commercial_partner_id, l.product_id
            """,
            company.id,
            period,
        )

    @api.model
    def _purchase_pairs(self, company, date_from=None, date_to=None):
        """The pairs of :meth:`_purchase_pairs_query` as two int64 arrays (customers, products).

        Read with COPY: a million pairs come in well under a second, as text.
        """
        self.env.flush_all()
        query = self._purchase_pairs_query(company, date_from, date_to)
        copy = SQL("COPY (%s) TO STDOUT", query)
        buffer = io.StringIO()
        self.env.cr.copy_expert(self.env.cr.mogrify(copy.code, copy.params).decode(), buffer)
        values = np.array(buffer.getvalue().split(), dtype=np.int64)
        return values[0::2], values[1::2]

    @api.model
    def _recommendable(self, company, product_ids):
        """The ids among ``product_ids`` that may be recommended: active, sold, shared or of the company."""
        self.env.cr.execute(
            SQL(
                """
            SELECT pp.id
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pp.id = ANY(%s) AND pp.active AND pt.active AND pt.sale_ok
               AND (pt.company_id IS NULL OR pt.company_id = %s)
            """,
                [int(product_id) for product_id in product_ids],
                company.id,
            )
        )
        return np.array([row[0] for row in self.env.cr.fetchall()], dtype=np.int64)

    @api.model
    def _rebuild(self, companies=None):
        """Rebuild the recommendations and the similar products of ``companies`` (default: all).

        Per company: one aggregate of who bought what, the maths in numpy/scipy, then the old
        rows deleted and the new ones written with COPY.

        :return: dict of totals: ``pairs``, ``customers``, ``products``, ``recommendations``,
            ``similarities``, ``seconds``, and ``stages`` (seconds spent reading, on the similarity,
            on the recommendations and writing)
        """
        started = time.monotonic()
        companies = companies if companies is not None else self.env["res.company"].search([])
        params = self._recommendation_params()
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext('ecrm.recommendation'))"))
        totals = dict.fromkeys(("pairs", "customers", "products", "recommendations", "similarities"), 0)
        stages = dict.fromkeys(("read", "similarity", "recommend", "write"), 0.0)
        clock = time.perf_counter()

        def lap(stage):
            nonlocal clock
            now = time.perf_counter()
            stages[stage] += now - clock
            clock = now

        for company in companies:
            users, items = self._purchase_pairs(company)
            allowed_ids = self._recommendable(company, np.unique(items))
            lap("read")
            X, user_ids, item_ids = recommend.matrix_from_triples(users, items)
            S = recommend.item_similarity(X, params["neighbours"])
            allowed = np.isin(item_ids, allowed_ids)
            sim_items, sim_neighbours, sim_scores, sim_ranks = self._similar_entries(S, allowed)
            buyers = recommend.popularity(X)
            common = np.rint(sim_scores * np.sqrt(buyers[sim_items] * buyers[sim_neighbours])).astype(np.int64)
            lap("similarity")
            rec_users, rec_items, scores, ranks = recommend.recommend(X, S, params["count"], allowed)
            lap("recommend")
            cr.execute(SQL("DELETE FROM ecrm_recommendation WHERE company_id = %s", company.id))
            cr.execute(SQL("DELETE FROM ecrm_product_similarity WHERE company_id = %s", company.id))
            self._copy_rows(
                "ecrm_recommendation",
                ("partner_id", "product_id", "score", "rank"),
                (user_ids[rec_users], item_ids[rec_items], scores, ranks),
                company,
            )
            self._copy_rows(
                "ecrm_product_similarity",
                ("product_id", "similar_product_id", "score", "rank", "common_customer_count"),
                (item_ids[sim_items], item_ids[sim_neighbours], sim_scores, sim_ranks, common),
                company,
            )
            lap("write")
            totals["pairs"] += len(users)
            totals["customers"] += len(user_ids)
            totals["products"] += len(item_ids)
            totals["recommendations"] += len(rec_users)
            totals["similarities"] += len(sim_items)
        self.env["ecrm.product.similarity"].invalidate_model()
        self.invalidate_model()
        totals["seconds"] = round(time.monotonic() - started, 1)
        totals["stages"] = {stage: round(seconds, 2) for stage, seconds in stages.items()}
        _logger.info("recommendations rebuilt: %s", totals)
        return totals

    @api.model
    def _similar_entries(self, S, allowed):
        """The best neighbours of each product among those that may be recommended, ranked again."""
        S = S.tocsr(copy=True)
        S.data[~allowed[S.indices]] = 0
        S.eliminate_zeros()
        items, neighbours, scores, ranks = recommend.ranked_entries(S)
        kept = ranks <= SIMILAR_PRODUCTS_STORED
        return items[kept], neighbours[kept], scores[kept], ranks[kept]

    @api.model
    def _copy_rows(self, table, columns, arrays, company):
        """COPY parallel arrays into ``table`` with the company and the dates, in chunks.

        ``create_uid`` and ``write_uid`` stay empty: the rows are the system's, and each foreign key
        costs a check per row (a million rows a week here), so only the ones that matter are set.
        """
        now = fields.Datetime.now()
        suffix = "\t%d\t%s\t%s\n" % (company.id, now, now)
        line = "\t".join("%.6g" if np.issubdtype(array.dtype, np.floating) else "%d" for array in arrays) + suffix
        copy = SQL(
            "COPY %s (%s, company_id, create_date, write_date) FROM STDIN",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
        )
        count = len(arrays[0])
        for start in range(0, count, COPY_CHUNK):
            rows = zip(*(array[start : start + COPY_CHUNK].tolist() for array in arrays), strict=True)
            buffer = io.StringIO("".join(line % row for row in rows))
            self.env.cr.copy_expert(copy.code, buffer)
        return count
