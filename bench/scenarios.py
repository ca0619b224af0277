"""The benchmark scenarios run by bench/run.

Each scenario gets a :class:`Bench` (see bench/run) on a fresh database with
ecrm_core installed, builds its data with ``ecrm.generator``, times our code and
its baseline in the same run, and returns a dict with ``ours_s``, ``baseline_s``,
``ratio``, ``target``, ``rows``, ``passed`` and ``lines`` (the human summary).
"""

import contextlib
import io
import json
import random
import time
from datetime import datetime, timedelta, timezone

BATCH = 10_000

# Types of incoming events: weight, channel code sent by some integrations.
EVENT_TYPES = {
    "web_visit": (55, "website"),
    "email_in": (10, "email"),
    "form": (8, "form"),
    "chat": (8, "chat"),
    "social": (6, "social"),
    "call": (5, "phone"),
    "purchase": (3, "sales"),
    "support": (3, None),
    "shop_visit": (2, "shop"),
}
PAGES = [
    "/",
    "/shop",
    "/shop/category/shoes",
    "/shop/product/runner-2",
    "/blog/winter-guide",
    "/pricing",
    "/contactus",
    "/shop/cart",
    "/shop/checkout",
    "/about-us",
]
SEARCH_ENGINES = [
    "https://www.google.com/search?q=%s&hl=fa",
    "https://www.bing.com/search?q=%s",
    "https://duckduckgo.com/?q=%s&ia=web",
]
QUERIES = ["running+shoes", "winter+jacket+sale", "best+price+sneakers", "gift+for+mother", "free+shipping+shop"]
CAMPAIGNS = ["spring_sale", "newsletter_42", "black_friday", "loyalty_club", "retargeting_q3", "new_collection"]
SOURCES = ["google", "instagram", "newsletter", "telegram", "partner_site"]
MEDIUMS = ["cpc", "email", "social", "banner"]
CURRENCIES = ["EUR", "USD", "IRR"]


def _rate(rows, seconds):
    return rows / seconds if seconds else float("inf")


# ----------------------------------------------------------------------
# ingest: the HTTP API's batch ingestion against a raw COPY of the same rows
# ----------------------------------------------------------------------


def build_events(known, count, seed=0):
    """``count`` events as the HTTP API receives them (dicts of JSON types).

    ``known`` lists ``(email, phone)`` of existing partners. About 90% of the events
    are about them (by e-mail about 2 in 3, by phone otherwise), 10% about unknown
    people, each of whom shows up about twice, so later batches meet the latent
    contacts that earlier ones created.
    """
    rng = random.Random(seed)
    kinds = list(EVENT_TYPES)
    weights = [EVENT_TYPES[kind][0] for kind in kinds]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    unknown_people = max(1, count // 20)
    events = []
    for number, kind in enumerate(rng.choices(kinds, weights=weights, k=count)):
        event = {
            "external_id": "evt-%d-%07d" % (seed, number),
            "type": kind,
            "date": (now - timedelta(seconds=rng.randrange(730 * 86400))).isoformat().replace("+00:00", "Z"),
        }
        if rng.random() < 0.9 and known:
            email, phone = rng.choice(known)
            if rng.random() < 0.66 or not phone:
                event["email"] = email.upper() if rng.random() < 0.1 else email
            else:
                event["phone"] = phone if rng.random() < 0.5 else phone.replace(" ", "")
        else:
            person = rng.randrange(unknown_people)
            if person % 10 < 7:
                event["email"] = "new.%d@example.org" % person
            else:
                event["phone"] = "+98 901 %03d %04d" % divmod(person % 10_000_000, 10_000)
            event["name"] = "Visitor %d" % person
        channel = EVENT_TYPES[kind][1]
        if channel and rng.random() < 0.5:
            event["channel"] = channel
        if kind == "web_visit":
            pages = rng.sample(PAGES, rng.randint(2, 6))
            event["landing_url"] = "https://shop.example.com" + pages[0]
            event["navigation_path"] = ["https://shop.example.com" + page for page in pages]
            if rng.random() < 0.5:
                event["referrer_url"] = rng.choice(SEARCH_ENGINES) % rng.choice(QUERIES)
        if rng.random() < 0.3:
            event["utm_campaign"] = rng.choice(CAMPAIGNS)
            event["utm_source"] = rng.choice(SOURCES)
            event["utm_medium"] = rng.choice(MEDIUMS)
        if kind == "purchase":
            event["amount"] = round(rng.uniform(5, 900), 2)
            event["currency"] = rng.choice(CURRENCIES)
            event["summary"] = "Online order %d" % number
        if rng.random() < 0.5:
            event["payload"] = {"session": "s%08x" % rng.getrandbits(32), "device": rng.choice(("mobile", "desktop"))}
        events.append(event)
    return events


def ingest(bench):
    partners = bench.size(100_000)
    existing = bench.size(bench.options.existing_touchpoints)
    count = bench.size(200_000)
    bench.generate(partners=partners, touchpoints=existing, orders=0)
    bench.vacuum_analyze("res_partner", "ecrm_touchpoint")
    uid = bench.integration_user()
    with bench.cursor() as cr:
        cr.execute("SELECT email_normalized, phone FROM res_partner WHERE email LIKE 'bench.%%' AND NOT is_company")
        known = cr.fetchall()
    # the events travel as JSON, so they are JSON types when the model gets them
    batches = [json.loads(json.dumps(batch)) for batch in _chunks(build_events(known, count), BATCH)]
    bench.say(
        "ingest: %d events in %d batches of %d as an eCRM / Integration user; %d partners, %d touchpoints "
        "already stored" % (count, len(batches), BATCH, partners, existing)
    )

    # Ours: what the HTTP API does per request, _ingest_queue (check the events, write them into the
    # inbox), one transaction per batch, committed. Then, timed apart: the cron that stores the queue.
    def accept():
        """Accept every batch; (batch ids, seconds, CPU seconds, seconds per batch)."""
        ids, per_batch = [], []
        started, cpu_started = time.perf_counter(), time.process_time()
        for batch in batches:
            batch_started = time.perf_counter()
            with bench.cursor() as cr:  # one transaction per batch, committed, as one HTTP request
                ids.append(bench.env(cr, uid)["ecrm.touchpoint"]._ingest_queue(batch).id)
            per_batch.append(time.perf_counter() - batch_started)
        return ids, time.perf_counter() - started, time.process_time() - cpu_started, per_batch

    with bench.profiling("ingest"):
        batch_ids, first_s, first_cpu, per_batch = accept()
    ours_runs, ours_cpus = [first_s], [first_cpu]
    with bench.profiling("ingest_store"):
        store_started = time.perf_counter()
        with bench.cursor() as cr:
            env = bench.env(cr)
            Batch = env["ecrm.touchpoint.batch"]
            while Batch.search_count([("state", "=", "queued")]):
                Batch._cron_process()
                cr.commit()
        stored_s = time.perf_counter() - store_started
    totals = {"received": 0, "created": 0, "skipped": 0, "partners_matched": 0, "partners_created": 0}
    with bench.cursor() as cr:
        for result in bench.env(cr)["ecrm.touchpoint.batch"].browse(batch_ids):
            if result.state != "done":
                raise RuntimeError("batch %d was not stored" % result.id)
            for key in totals:
                totals[key] += result[key]

    # Baseline: the very rows we stored, COPY'd into a bare table of the same columns
    # (no index, no constraint but NOT NULL, no trigger), one COPY and commit per batch.
    with bench.cursor() as cr:
        buffer = io.StringIO()
        cr.copy_expert("COPY (SELECT * FROM ecrm_touchpoint WHERE source_system = 'api' ORDER BY id) TO STDOUT", buffer)
    lines = buffer.getvalue().splitlines(keepends=True)
    chunks = ["".join(lines[start : start + BATCH]) for start in range(0, len(lines), BATCH)]

    def accept_again(attempt):
        """Before each baseline run but the first: ours again, then its queue dropped (untimed).

        Accepting does not read the ledger, so a later round does the same work as the first;
        ours and the baseline alternate, and both sides take the median of ``--repeat`` runs.
        """
        if not attempt:
            return
        ids, seconds, cpu, _per_batch = accept()
        ours_runs.append(seconds)
        ours_cpus.append(cpu)
        with bench.cursor() as cr:
            cr.execute("DELETE FROM ecrm_touchpoint_inbox WHERE batch_id = ANY(%s)", [ids])
            cr.execute("DELETE FROM ecrm_touchpoint_batch WHERE id = ANY(%s)", [ids])

    copied, baseline, baseline_runs = _timed_copy(bench, "bench_copy_baseline", chunks, before_each=accept_again)
    ours, ours_cpu = _median(ours_runs), _median(ours_cpus)
    # Reference, not the target's baseline: the same COPY into a table with ecrm_touchpoint's
    # indexes, unique constraint and foreign keys, i.e. what the schema alone costs.
    copied_schema, schema_s, _runs = _timed_copy(bench, "bench_copy_schema", chunks, like_all=True)
    rows = totals["received"]
    ours_rate, baseline_rate = _rate(rows, ours), _rate(copied, baseline)
    end_to_end = _rate(rows, first_s + stored_s)
    ratio = ours_rate / baseline_rate
    per_batch.sort()
    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": ">= 0.25",
        "passed": ratio >= 0.25,
        "rows": rows,
        "lines": [
            "ours:     %7d events in %6.2f s = %8.0f rows/s  accepted through _ingest_queue, the API's path "
            "(median of %s s, alternating with the baseline's runs; first run: batch of %d median %.2f s, "
            "slowest %.2f s)"
            % (
                rows,
                ours,
                ours_rate,
                ", ".join("%.2f" % run for run in ours_runs),
                BATCH,
                per_batch[len(per_batch) // 2],
                per_batch[-1],
            ),
            "          of which CPU time in this Odoo process: %.2f s, median (the rest: waiting for PostgreSQL "
            "or for a CPU)" % ours_cpu,
            "stored:   the cron then stored the queue in %.2f s = %.0f rows/s: created %%(created)d touchpoints, "
            "skipped %%(skipped)d, matched %%(partners_matched)d events to partners, created %%(partners_created)d "
            "latent contacts" % (stored_s, _rate(rows, stored_s)) % totals,
            "          end to end (first run accepted + stored): %.2f s = %.0f rows/s, %.3f of the COPY rate"
            % (first_s + stored_s, end_to_end, end_to_end / baseline_rate),
            "baseline: %7d rows   in %6.2f s = %8.0f rows/s  (COPY into a bare table, same rows, one per batch; "
            "median of %s s)" % (copied, baseline, baseline_rate, ", ".join("%.2f" % run for run in baseline_runs)),
            "schema:   %7d rows   in %6.2f s = %8.0f rows/s  (reference: the same COPYs into a table with "
            "ecrm_touchpoint's indexes and foreign keys; its ratio to the baseline is %.3f)"
            % (copied_schema, schema_s, _rate(copied_schema, schema_s), baseline / schema_s),
            "ratio:    our rate / COPY rate = %.3f (target >= 0.25)" % ratio,
        ],
    }


def _timed_copy(bench, table, chunks, like_all=False, before_each=None):
    """COPY each chunk into a new ``table`` shaped like ecrm_touchpoint, one transaction each.

    Done ``bench.repeat`` times, emptied in between; returns (rows, median seconds, all seconds).
    ``before_each(attempt)``, when given, runs before each attempt (untimed).
    """
    with bench.cursor() as cr:
        cr.execute("CREATE TABLE %s (LIKE ecrm_touchpoint%s)" % (table, " INCLUDING ALL" if like_all else ""))
        if like_all:  # LIKE copies no foreign key
            cr.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'ecrm_touchpoint'::regclass AND contype = 'f'"
            )
            for (definition,) in cr.fetchall():
                cr.execute("ALTER TABLE %s ADD %s" % (table, definition))
    runs = []
    for attempt in range(bench.repeat):
        if attempt:
            with bench.cursor() as cr:
                cr.execute("TRUNCATE %s" % table)
        if before_each:
            before_each(attempt)
        started = time.perf_counter()
        for chunk in chunks:
            with bench.cursor() as cr:
                cr.copy_expert("COPY %s FROM STDIN" % table, io.StringIO(chunk))
        runs.append(time.perf_counter() - started)
    with bench.cursor() as cr:
        cr.execute("SELECT count(*) FROM %s" % table)
        return cr.fetchone()[0], _median(runs), runs


def _chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


# ----------------------------------------------------------------------
# stats: contact statistics for the population against a bare GROUP BY
# ----------------------------------------------------------------------

BASELINE_TOUCHPOINTS = """
    SELECT partner_id, min(date), max(date),
           count(*) FILTER (WHERE date >= %(d30)s), count(*) FILTER (WHERE date >= %(d90)s),
           count(*) FILTER (WHERE date >= %(d365)s), count(*) FILTER (WHERE direction = 'inbound'),
           count(*) FILTER (WHERE touchpoint_type = 'email_in' AND date >= %(d365)s),
           count(*) FILTER (WHERE touchpoint_type = 'email_out' AND date >= %(d365)s)
      FROM ecrm_touchpoint
     GROUP BY partner_id
"""
BASELINE_ORDERS = """
    SELECT partner_id, max(date_order), count(*), sum(amount_untaxed / NULLIF(currency_rate, 0))
      FROM sale_order
     WHERE state = 'sale'
     GROUP BY partner_id
"""


def stats(bench):
    partners, touchpoints = bench.size(100_000), bench.size(2_000_000)
    orders = bench.size(125_000)
    bench.generate(partners=partners, touchpoints=touchpoints, orders=orders, lines_per_order=4)
    bench.vacuum_analyze("res_partner", "ecrm_touchpoint", "sale_order", "sale_order_line")
    with bench.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM ecrm_contact_stats_data d JOIN res_partner p ON p.id = d.partner_id"
            " WHERE p.email LIKE 'bench.%%'"
        )
        if cr.fetchone()[0]:
            raise RuntimeError("the generated partners have statistics before the run")
        # warm-up read of every table both sides read
        for table in ("ecrm_touchpoint", "sale_order", "res_partner"):
            cr.execute("SELECT count(*) FROM %s" % table)

    def baseline_run():
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        params = {"d30": now - timedelta(days=30), "d90": now - timedelta(days=90), "d365": now - timedelta(days=365)}
        with bench.cursor() as cr:
            started = time.perf_counter()
            cr.execute(BASELINE_TOUCHPOINTS, params)
            tp_rows = len(cr.fetchall())
            cr.execute(BASELINE_ORDERS)
            so_rows = len(cr.fetchall())
            return time.perf_counter() - started, tp_rows, so_rows

    def ours_run(keep):
        with bench.cursor() as cr:
            env = bench.env(cr)
            started = time.perf_counter()
            updated = env["res.partner"]._ecrm_compute_contact_stats()
            seconds = time.perf_counter() - started
            if not keep:
                cr.rollback()
        return seconds, updated

    # warm-up: one run of each side, ours rolled back so that the statistics stay empty
    base_warm = baseline_run()
    ours_warm = ours_run(keep=False)
    bench.vacuum_analyze("res_partner", "ecrm_contact_stats_data")
    base_runs, ours_runs = [], []
    for attempt in range(bench.repeat):
        last = attempt == bench.repeat - 1
        base_runs.append(baseline_run())
        with bench.profiling("stats") if last else contextlib.nullcontext():
            ours_runs.append(ours_run(keep=last))
        if not last:
            bench.vacuum_analyze("res_partner", "ecrm_contact_stats_data")  # the rolled-back run leaves dead rows
    ours_steady = ours_run(keep=True)  # nothing changed since: the steady-state cost of the cron
    with bench.cursor() as cr:
        cr.execute(
            "SELECT st.lifecycle_stage, count(*) FROM res_partner p"
            " LEFT JOIN ecrm_contact_stats_data st ON st.partner_id = p.id GROUP BY 1 ORDER BY 2 DESC"
        )
        stages = ", ".join("%s %d" % (stage or "none", number) for stage, number in cr.fetchall())
        cr.execute("SELECT count(*) FROM res_partner")
        population = cr.fetchone()[0]

    ours, baseline = _median(run[0] for run in ours_runs), _median(run[0] for run in base_runs)
    ratio = ours / baseline
    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": "<= 2.0",
        "passed": ratio <= 2.0,
        "rows": ours_runs[-1][1],
        "lines": [
            "data:     %d partners, %d touchpoints, %d confirmed orders (%d lines)"
            % (population, touchpoints, orders, orders * 4),
            "ours:     _ecrm_compute_contact_stats() from empty statistics, %d partners updated: median %.2f s "
            "of %s (warm-up %.2f s; all but the last rolled back)"
            % (ours_runs[-1][1], ours, _seconds(ours_runs), ours_warm[0]),
            "          again with nothing changed: %.2f s, %d partners updated" % ours_steady,
            "baseline: bare GROUP BY partner_id of touchpoints (%d groups) and confirmed orders (%d groups), "
            "fetched: median %.2f s of %s (warm-up %.2f s)"
            % (base_runs[-1][1], base_runs[-1][2], baseline, _seconds(base_runs), base_warm[0]),
            "ratio:    ours / baseline = %.2f (target <= 2.0); medians of %d runs per side, interleaved, after a "
            "warm-up run of each" % (ratio, bench.repeat),
            "stages:   %s" % stages,
        ],
    }


def _median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _seconds(runs):
    return ", ".join("%.2f" % run[0] for run in runs)


SCENARIOS = {"ingest": ingest, "stats": stats}

from clustering import clustering

SCENARIOS["clustering"] = clustering

from rfm import SCENARIOS as RFM_SCENARIOS

SCENARIOS.update(RFM_SCENARIOS)

from duplicates import duplicates

SCENARIOS["duplicates"] = duplicates

from recommend import SCENARIOS as RECOMMEND_SCENARIOS

SCENARIOS.update(RECOMMEND_SCENARIOS)

from campaign_cron import SCENARIOS as CAMPAIGN_CRON_SCENARIOS

SCENARIOS.update(CAMPAIGN_CRON_SCENARIOS)

from consent_mailing import SCENARIOS as CONSENT_SCENARIOS

SCENARIOS.update(CONSENT_SCENARIOS)

from referral import SCENARIOS as REFERRAL_SCENARIOS

SCENARIOS.update(REFERRAL_SCENARIOS)

from destination import SCENARIOS as DESTINATION_SCENARIOS

SCENARIOS.update(DESTINATION_SCENARIOS)
