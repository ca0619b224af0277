"""Benchmark scenarios "rfm" and "segment_refresh" (C7, C8, C12), registered in scenarios.py.

rfm
    RFM scores of 200,000 customers from 500,000 confirmed orders of 4 lines each (2,000,000
    order lines); every customer bought at least once (our own buyer choice over the
    generator's steps, see ``_generate_customers``). Ours: ``res.partner._ecrm_compute_rfm()``,
    which scores everyone in one statement (NTILE quintiles, equal figures sharing the lowest),
    a CREATE TABLE ... AS that may use parallel workers, measured twice: from empty scores (the
    first run: the statement fills a new table that replaces the empty ``ecrm_rfm_score_data``,
    its primary key built after) and nightly (the cron's usual case, here with nothing changed:
    the statement compares every customer with the stored row, and only the changed rows, here
    none, go to a temporary table and are written). Also reported: the scoring SELECT alone,
    fetched like the baseline. Baseline: the bare aggregate, max date, count and sum per customer over the same
    window, fetched (PostgreSQL may run it with parallel workers; a statement that writes
    cannot use them). Target (the issue's): ours / baseline <= 2.0, from empty and nightly;
    the JSON line reports the from-empty run, the worse of the two.

segment_refresh
    A rule segment of about 100,000 members. Ours: ``ecrm.segment._refresh_members()`` (the domain
    as one ``_search`` query, the membership table updated by difference, who entered and left
    logged), first on an empty segment, then nightly after 1% of the members left and as many
    entered. Baseline: a bare INSERT ... SELECT of the same ids (the same query) into a plain
    table with no index. The issue sets no target; ours is that the nightly refresh costs at most
    2x the bare insert (ours / baseline <= 2.0). The first refresh, which writes every member
    twice (membership and the "entered" log) with their indexes and foreign keys, is reported.
"""

import random
import statistics
import time

# commercial partners are 94% of what the generator writes (a company per 50, three contacts each)
RFM_PARTNERS = 212_766
RFM_ORDERS = 500_000
RFM_LINES_PER_ORDER = 4
SEGMENT_PARTNERS = 177_000  # about 100,000 of them are people with a birth date
SEGMENT_RULE = "[('is_company', '=', False), ('birth_date', '!=', False)]"


def _generate_customers(bench, partners, orders, lines_per_order):
    """Partners and confirmed orders where every customer has bought, some often (our own shape).

    ``ecrm.generator._generate`` gives orders to a third of the partners; the RFM benchmark
    wants every customer to have bought. This runs the generator's own steps with another
    choice of buyers: each person and company once, then the remaining orders to a skewed
    few. A company's contacts are not buyers: the company is the customer.
    """
    from odoo import fields
    from odoo.tools import SQL

    from odoo.addons.ecrm_core.models.ecrm_generator import _Context

    started = time.perf_counter()
    with bench.cursor() as cr:
        env = bench.env(cr)
        generator = env["ecrm.generator"]
        rng = random.Random(bench.options.seed)
        ctx = _Context(env.company, fields.Datetime.now().replace(microsecond=0), rng)
        generator._plan_partners(ctx, partners)
        companies = list(ctx.partner_ids[: ctx.company_count])
        customers = [pid for pid in ctx.people if ctx.commercial[pid] == pid] + companies
        rng.shuffle(customers)
        weights = [1.0 / (1 + rank) ** 0.8 for rank in range(len(customers))]
        buyers = customers[:orders] + rng.choices(customers, weights=weights, k=max(0, orders - len(customers)))
        skipping = generator._skip_foreign_key_triggers()
        generator._write_partners(ctx, set(buyers))
        order_count, line_count = generator._write_orders(ctx, buyers, lines_per_order)
        if skipping:
            cr.execute("SET LOCAL session_replication_role = DEFAULT")
        for table in ("res_partner", "sale_order", "sale_order_line"):
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    bench.say(
        "generated %d partners, %d customers, %d orders, %d order lines in %.0f s"
        % (len(ctx.partner_ids), len(set(buyers)), order_count, line_count, time.perf_counter() - started)
    )
    return len(set(buyers))


BASELINE_RFM = """
    SELECT partner_id, max(date_order), count(*), sum(amount_untaxed / NULLIF(currency_rate, 0))
      FROM sale_order
     WHERE state = 'sale' AND date_order >= %s AND date_order < %s
     GROUP BY partner_id
"""


def rfm(bench):
    from dateutil.relativedelta import relativedelta

    partners, orders = bench.size(RFM_PARTNERS), bench.size(RFM_ORDERS)
    customers = _generate_customers(bench, partners, orders, RFM_LINES_PER_ORDER)
    bench.vacuum_analyze("res_partner", "sale_order")
    with bench.cursor() as cr:
        cr.execute("SELECT count(*) FROM sale_order_line")
        lines = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sale_order")  # warm-up reads of both tables
        cr.execute("SELECT count(*) FROM res_partner")

    def baseline_run():
        with bench.cursor() as cr:
            env = bench.env(cr)
            today = env.cr.now().date()
            date_to = today + relativedelta(days=1)
            started = time.perf_counter()
            cr.execute(BASELINE_RFM, (date_to - relativedelta(months=24), date_to))
            rows = len(cr.fetchall())
            return time.perf_counter() - started, rows

    def scoring_run():
        """The scoring statement alone, fetched like the baseline, nothing written."""
        with bench.cursor() as cr:
            env = bench.env(cr)
            query = env["res.partner"]._ecrm_rfm_query(env.cr.now().date())
            started = time.perf_counter()
            cr.execute(query)
            rows = len(cr.fetchall())
            return time.perf_counter() - started, rows

    def ours_run(keep):
        with bench.cursor() as cr:
            env = bench.env(cr)
            started = time.perf_counter()
            updated = env["res.partner"]._ecrm_compute_rfm()
            seconds = time.perf_counter() - started
            if not keep:
                cr.rollback()
        return seconds, updated

    # Each measure is repeated (--repeat, default 3), ours and the baseline taking turns so that both
    # see the same load, and the medians are compared: on a shared machine single runs vary by 2x.
    repeat = bench.repeat
    base_1 = baseline_run()
    ours_1 = ours_run(keep=False)  # warm-up, rolled back
    empty_runs, nightly_runs, base_runs, base_runs_nightly, scoring_runs = [], [], [], [], []
    for _number in range(repeat):  # from empty: every run rolled back, the dead rows vacuumed away
        bench.vacuum_analyze("ecrm_rfm_score_data")
        base_runs.append(baseline_run())
        scoring_runs.append(scoring_run())
        empty_runs.append(ours_run(keep=False))
    with bench.profiling("rfm"):
        ours_2 = ours_run(keep=True)  # the scores filled for the nightly runs
    for _number in range(repeat):  # nightly, nothing changed since
        base_runs_nightly.append(baseline_run())
        nightly_runs.append(ours_run(keep=True))

    def median(runs):
        return statistics.median(seconds for seconds, _rows in runs)

    with bench.cursor() as cr:
        cr.execute("SELECT rfm_segment, count(*) FROM ecrm_rfm_score GROUP BY 1 ORDER BY 2 DESC")
        segments = ", ".join("%s %d" % (segment or "none", number) for segment, number in cr.fetchall())
        cr.execute("SELECT count(*) FROM sale_order WHERE state = 'sale'")
        confirmed = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM ecrm_rfm_score_data")
        scored = cr.fetchone()[0]

    ours, nightly = median(empty_runs), median(nightly_runs)
    baseline, baseline_nightly, scoring = median(base_runs), median(base_runs_nightly), median(scoring_runs)
    ratio, nightly_ratio = ours / baseline, nightly / baseline_nightly

    def runs(measured):
        return ", ".join("%.2f" % seconds for seconds, _rows in measured)

    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": "<= 2.0",
        "passed": ratio <= 2.0 and nightly_ratio <= 2.0,
        "rows": scored,
        "lines": [
            "data:     %d partners, %d customers with orders, %d confirmed orders, %d order lines"
            % (partners, customers, confirmed, lines),
            "ours:     _ecrm_compute_rfm() from empty scores: median %.2f s (%s), %d customers scored, %d rows "
            "written (warm-up %.2f s), %.2f x the baseline"
            % (ours, runs(empty_runs), scored, ours_2[1], ours_1[0], ratio),
            "          nightly, nothing changed since: median %.2f s (%s), %d rows written, %.2f x the baseline "
            "measured alongside (median %.2f s: %s)"
            % (
                nightly,
                runs(nightly_runs),
                nightly_runs[-1][1],
                nightly_ratio,
                baseline_nightly,
                runs(base_runs_nightly),
            ),
            "scoring:  the scoring SELECT alone (quintiles and segment of every customer), fetched: median %.2f s "
            "(%s), %.2f x the baseline" % (scoring, runs(scoring_runs), scoring / baseline),
            "baseline: bare max(date), count, sum per customer of the confirmed orders of the window, fetched "
            "(%d groups): median %.2f s (%s; warm-up %.2f s)" % (base_runs[0][1], baseline, runs(base_runs), base_1[0]),
            "ratio:    from empty %.2f, nightly %.2f (target <= 2.0 for both); medians of %d runs each"
            % (ratio, nightly_ratio, repeat),
            "segments: %s" % segments,
        ],
    }


def segment_refresh(bench):
    from odoo.tools import SQL

    partners = bench.size(SEGMENT_PARTNERS)
    bench.generate(partners=partners, touchpoints=0, orders=0)
    bench.vacuum_analyze("res_partner")
    with bench.cursor() as cr:
        segment_id = bench.env(cr)["ecrm.segment"].create({"name": "Bench people", "rule_domain": SEGMENT_RULE}).id

    def members_query(env):
        segment = env["ecrm.segment"].browse(segment_id)
        return env["res.partner"].with_context(active_test=True)._search(segment._get_partner_domain())

    def ours_run(keep=True):
        with bench.cursor() as cr:
            env = bench.env(cr)
            started = time.perf_counter()
            refresh = env["ecrm.segment"].browse(segment_id)._refresh_members()
            seconds = time.perf_counter() - started
            figures = (refresh.size, refresh.entered_count, refresh.left_count)
            if not keep:
                cr.rollback()
        return seconds, figures

    def baseline_run():
        with bench.cursor() as cr:
            env = bench.env(cr)
            cr.execute("DROP TABLE IF EXISTS bench_segment_members")
            cr.execute(
                SQL(
                    "CREATE TABLE bench_segment_members (segment_id integer DEFAULT %s, partner_id integer)", segment_id
                )
            )
            cr.commit()
            query = members_query(env)
            started = time.perf_counter()
            cr.execute(SQL("INSERT INTO bench_segment_members (partner_id) %s", query.select()))
            rows = cr.rowcount
            cr.commit()
            return time.perf_counter() - started, rows

    base_1 = baseline_run()
    ours_1 = ours_run(keep=False)  # warm-up, rolled back
    base_2 = baseline_run()
    with bench.profiling("segment_refresh"):
        ours_2 = ours_run()
    # 1% churn: a thousand members lose their birth date, a thousand others get one
    churn = max(1, ours_2[1][0] // 100)
    with bench.cursor() as cr:
        cr.execute(
            """
            UPDATE res_partner SET birth_date = NULL
             WHERE id IN (SELECT id FROM res_partner WHERE NOT is_company AND birth_date IS NOT NULL
                           AND email LIKE 'bench.%%' ORDER BY id LIMIT %s)
            """,
            (churn,),
        )
        cr.execute(
            """
            UPDATE res_partner SET birth_date = '1990-01-01'
             WHERE id IN (SELECT id FROM res_partner WHERE NOT is_company AND birth_date IS NULL
                           AND email LIKE 'bench.%%' ORDER BY id DESC LIMIT %s)
            """,
            (churn,),
        )
    bench.vacuum_analyze("res_partner", "ecrm_segment_partner_rel", "ecrm_segment_refresh_line")
    ours_3 = ours_run()

    first, nightly, baseline = ours_2[0], ours_3[0], base_2[0]
    ratio = nightly / baseline
    return {
        "ours_s": nightly,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": "<= 2.0",
        "passed": ratio <= 2.0,
        "rows": ours_3[1][0],
        "lines": [
            "data:     %d partners; rule %s" % (partners, SEGMENT_RULE),
            "ours:     nightly refresh after 1%% churn: %.2f s, %d members, %d entered, %d left"
            % (nightly, *ours_3[1]),
            "          first refresh of the empty segment: %.2f s, %d members, %d entered, %d left "
            "(warm-up %.2f s, rolled back), %.1f x the baseline" % (first, *ours_2[1], ours_1[0], first / baseline),
            "baseline: bare INSERT ... SELECT of the same ids into a plain table: %.2f s, %d rows (first run %.2f s)"
            % (baseline, base_2[1], base_1[0]),
            "ratio:    nightly refresh / baseline = %.2f (target <= 2.0, ours: the issue sets none)" % ratio,
        ],
    }


SCENARIOS = {"rfm": rfm, "segment_refresh": segment_refresh}
