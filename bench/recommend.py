"""Benchmark scenarios "recommend" and "recommend_eval" (C9), registered in scenarios.py.

Data (both): 10,000 products and 250,000 confirmed orders of 4 lines (1,000,000 order lines)
bought by the generator's customers, with real taste structure. Every customer has a main
taste group and a second one among 50 groups of 200 products; a line is a product of the main
group (60%), of the second group (15%), or a popular product of the whole catalogue (25%,
popularity noise, most of it on a few hundred products). Within a group some products sell
more than others. The orders are spread over two years, so what a customer buys in the last
90 days follows from what they bought before only through their tastes.

recommend
    Ours: ``ecrm.recommendation._rebuild()``: the aggregate of who bought what, the
    customer-by-product matrix, the top-50 similar products of every product, the top 10 for
    every customer, and both tables rewritten by COPY; its time and its peak memory
    (tracemalloc: Python objects and numpy/scipy arrays). Baseline: the bare SQL aggregate,
    fetched, and the sparse matrix built from it, the least any recommender has to do. Ratio
    ours / baseline; no target (reported).

recommend_eval
    Offline evaluation on a time split: trained on the orders before the last 90 days, tested
    on the products each customer bought in those 90 days and had not bought before.
    precision@10 and recall@10 of item-item CF against most-popular (the 10 best-selling
    products the customer has not bought). Ratio = CF precision / most-popular precision;
    target >= 1.5. ours_s and baseline_s are the times of the two methods.
"""

import time
import tracemalloc
from datetime import datetime, timedelta, timezone

import numpy as np

PARTNERS = 100_000
ORDERS = 250_000
LINES_PER_ORDER = 4
PRODUCTS = 10_000
TASTE_GROUPS = 50
MAIN_TASTE, SECOND_TASTE = 0.60, 0.15  # the rest of the lines is popularity noise
TEST_DAYS = 90
K = 10

BASELINE_PAIRS = """
    SELECT p.commercial_partner_id, l.product_id
      FROM sale_order_line l
      JOIN sale_order o ON o.id = l.order_id
      JOIN res_partner p ON p.id = o.partner_id
     WHERE o.state = 'sale' AND l.product_id IS NOT NULL
     GROUP BY 1, 2
"""

# Each line gets a product from its customer's main or second taste group, or a popular one. The
# popular ranks are spread over the catalogue (rank * 7 + 3 modulo the catalogue size) so that
# popularity is not one taste group.
TASTE_UPDATE = """
    WITH product AS MATERIALIZED (
        SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
          FROM product_product WHERE default_code LIKE 'TASTE-%%'
    ), line AS MATERIALIZED (
        SELECT l.id, p.commercial_partner_id::bigint AS customer, random() AS kind, random() AS pick
          FROM sale_order_line l
          JOIN sale_order o ON o.id = l.order_id
          JOIN res_partner p ON p.id = o.partner_id
    ), choice AS (
        SELECT id,
               CASE WHEN kind < %(main)s
                        THEN (customer * 7919 %% %(groups)s) * %(per_group)s + floor(%(per_group)s * pick * pick)
                    WHEN kind < %(main)s + %(second)s
                        THEN ((customer * 104729 + 17) %% %(groups)s) * %(per_group)s
                             + floor(%(per_group)s * pick * pick)
                    ELSE (floor(%(products)s * power(pick, 4))::bigint * 7 + 3) %% %(products)s
               END::int AS n
          FROM line
    )
    UPDATE sale_order_line l
       SET product_id = product.id
      FROM choice
      JOIN product ON product.n = choice.n
     WHERE l.id = choice.id
"""


def build_taste_data(bench):
    """Generate the customers and orders, create the products, and give the lines their tastes."""
    partners, orders, products = bench.size(PARTNERS), bench.size(ORDERS), max(TASTE_GROUPS, bench.size(PRODUCTS))
    products -= products % TASTE_GROUPS
    bench.generate(partners=partners, touchpoints=0, orders=orders, lines_per_order=LINES_PER_ORDER)
    started = time.perf_counter()
    with bench.cursor() as cr:
        env = bench.env(cr)
        Product = env["product.product"].with_context(tracking_disable=True, mail_create_nolog=True)
        for start in range(0, products, 2000):
            Product.create(
                [
                    {
                        "name": "Taste %d item %d" % (number // (products // TASTE_GROUPS), number),
                        "default_code": "TASTE-%05d" % number,
                        "list_price": 5 + number % 95,
                        "type": "consu",
                        "sale_ok": True,
                    }
                    for number in range(start, min(products, start + 2000))
                ]
            )
        cr.execute(
            TASTE_UPDATE,
            {
                "main": MAIN_TASTE,
                "second": SECOND_TASTE,
                "groups": TASTE_GROUPS,
                "per_group": products // TASTE_GROUPS,
                "products": products,
            },
        )
        lines = cr.rowcount
    bench.vacuum_analyze("res_partner", "sale_order", "sale_order_line", "product_product")
    with bench.cursor() as cr:
        cr.execute("SELECT count(DISTINCT product_id), count(*) FROM sale_order_line")
        distinct_products, line_count = cr.fetchone()
        cr.execute(
            "SELECT count(DISTINCT p.commercial_partner_id) FROM sale_order o JOIN res_partner p ON p.id = o.partner_id"
        )
        customers = cr.fetchone()[0]
    bench.say(
        "taste data: %d products created, %d lines given a taste (%d products sold), %d customers, in %.0f s"
        % (products, lines, distinct_products, customers, time.perf_counter() - started)
    )
    return {"products": products, "lines": line_count, "customers": customers}


def _matrix_from_rows(rows):
    from odoo.addons.ecrm_core.tools import recommend

    pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return recommend.matrix_from_triples(pairs[:, 0], pairs[:, 1])


def recommend(bench):
    from odoo.addons.ecrm_core.tools import recommend as tools

    data = build_taste_data(bench)
    with bench.cursor() as cr:
        for table in ("sale_order_line", "sale_order", "res_partner"):
            cr.execute("SELECT count(*) FROM %s" % table)  # constant names: a warm-up read

    def baseline_run():
        with bench.cursor() as cr:
            started = time.perf_counter()
            cr.execute(BASELINE_PAIRS)
            X, _users, _items = _matrix_from_rows(cr.fetchall())
            aggregate = time.perf_counter() - started
        started = time.perf_counter()
        tools.most_popular(X, K)
        return aggregate, time.perf_counter() - started, X

    def ours_run(keep=True):
        with bench.cursor() as cr:
            env = bench.env(cr)
            started = time.perf_counter()
            result = env["ecrm.recommendation"]._rebuild()
            seconds = time.perf_counter() - started
            if not keep:
                cr.rollback()
        return seconds, result

    baseline_run()
    base_s, popular_s, X = baseline_run()
    first_s, first = ours_run()  # from empty tables
    with bench.profiling("recommend"):
        ours_s, result = ours_run()  # the weekly run: replaces last week's rows
    tracemalloc.start()
    ours_run(keep=False)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    baseline_run()
    _current, base_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ratio = ours_s / base_s
    stages = ", ".join("%s %.2f s" % item for item in result["stages"].items())
    return {
        "ours_s": ours_s,
        "baseline_s": base_s,
        "ratio": ratio,
        "target": "report",
        "passed": True,
        "rows": data["lines"],
        "lines": [
            "data:     %d order lines, %d customers, %d products; %d (customer, product) pairs, matrix %d x %d "
            "with %d entries"
            % (data["lines"], data["customers"], data["products"], result["pairs"], X.shape[0], X.shape[1], X.nnz),
            "ours:     _rebuild(): %.2f s (first run, on empty tables: %.2f s); %s" % (ours_s, first_s, stages),
            "          %d recommendations for %d customers, %d similar-product rows; peak memory %.0f MB"
            % (result["recommendations"], result["customers"], result["similarities"], peak / 2**20),
            "baseline: bare aggregate fetched + sparse matrix: %.2f s, peak memory %.0f MB; most-popular top %d "
            "for every customer on that matrix: %.2f s more" % (base_s, base_peak / 2**20, K, popular_s),
            "ratio:    ours / baseline = %.2f (reported, no target); first run %s" % (ratio, first["seconds"]),
        ],
    }


def recommend_eval(bench):
    from odoo.addons.ecrm_core.tools import recommend as tools

    data = build_taste_data(bench)
    cutoff = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=TEST_DAYS)
    with bench.cursor() as cr:
        env = bench.env(cr)
        Recommendation = env["ecrm.recommendation"]
        company = env.ref("base.main_company")
        train = Recommendation._purchase_pairs(company, date_to=cutoff)
        test = Recommendation._purchase_pairs(company, date_from=cutoff)
    X, user_ids, item_ids = tools.matrix_from_triples(*train)
    relevant = tools.relevant_matrix(X, *test, user_ids, item_ids)

    started = time.perf_counter()
    S = tools.item_similarity(X, 50)
    cf = tools.recommend(X, S, K)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    popular = tools.most_popular(X, K)
    baseline_s = time.perf_counter() - started

    cf_precision, cf_recall, evaluated = tools.precision_recall_at_k(cf[0], cf[1], cf[3], relevant, K)
    pop_precision, pop_recall, _evaluated = tools.precision_recall_at_k(popular[0], popular[1], popular[3], relevant, K)
    ratio = cf_precision / pop_precision if pop_precision else float("inf")
    return {
        "ours_s": ours_s,
        "baseline_s": baseline_s,
        "ratio": ratio,
        "target": ">= 1.5",
        "passed": ratio >= 1.5,
        "rows": evaluated,
        "lines": [
            "data:     %d order lines, %d customers, %d products; train before %s: %d pairs; test after: %d pairs"
            % (data["lines"], data["customers"], data["products"], cutoff.date(), len(train[0]), len(test[0])),
            "          %d customers evaluated (bought something new in the last %d days), %d relevant pairs"
            % (evaluated, TEST_DAYS, relevant.nnz),
            "ours:     item-item CF (cosine, top-50 neighbours): precision@%d %.4f, recall@%d %.4f, in %.2f s"
            % (K, cf_precision, K, cf_recall, ours_s),
            "baseline: most popular not yet bought:             precision@%d %.4f, recall@%d %.4f, in %.2f s"
            % (K, pop_precision, K, pop_recall, baseline_s),
            "ratio:    CF precision / most-popular precision = %.2f (target >= 1.5); recall ratio %.2f"
            % (ratio, cf_recall / pop_recall if pop_recall else float("inf")),
        ],
    }


SCENARIOS = {"recommend": recommend, "recommend_eval": recommend_eval}
