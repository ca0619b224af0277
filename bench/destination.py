"""trip_phases: the hourly phase cron of ecrm_destination (D1) over a whole population of trips.

Data, built in a fresh database with ecrm_destination installed (no demo data): the generator's
partners, one to three trips each (about 2 per partner; 400,000 trips at scale 1) spread over two
years around today, with time zones drawn from eight zones (UTC-8 to UTC+9) and a stale phase
(every trip stored as 'before'), so most trips and visitors must move.

Ours: ``ecrm.trip._cron_update_phases()``: one UPDATE per time zone with the local date computed by
tools/phases.py, then one UPDATE of the visitors' phase. Baseline: one bare UPDATE of the trips
letting PostgreSQL compute each row's local date (``now() AT TIME ZONE time_zone``), without the
visitors. Each side runs on the same stale data and is rolled back; the median of --repeat runs.
"""

import statistics
import time

FULL_PARTNERS = 200_000
ZONES = [
    "America/Los_Angeles",
    "America/Argentina/Buenos_Aires",
    "UTC",
    "Europe/Berlin",
    "Asia/Baghdad",
    "Asia/Tehran",
    "Asia/Shanghai",
    "Asia/Tokyo",
]


def _build(bench):
    bench.generate(partners=bench.size(FULL_PARTNERS), touchpoints=0, orders=0)
    bench.install("ecrm_destination")
    with bench.cursor() as cr:
        cr.execute(
            """
            INSERT INTO ecrm_trip (name, partner_id, company_id, active, destination_area, date_start, date_end,
                                   duration_days, time_zone, phase, purpose, party_type, party_size,
                                   create_uid, write_uid, create_date, write_date)
            SELECT 'Bench trip', p.id, 1, true, 'Isfahan', d.start, d.start + d.days - 1, d.days,
                   (%(zones)s::varchar[])[1 + (p.id + k) %% 8], 'before', 'leisure', 'solo', 1,
                   1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM res_partner p
              CROSS JOIN generate_series(1, 3) k
              CROSS JOIN LATERAL (SELECT (current_date - 365 + ((p.id * 7919 + k * 104729) %% 730))::date AS start,
                                         1 + (p.id + k) %% 14 AS days) d
             WHERE p.email LIKE 'bench.%%' AND (k = 1 OR (p.id + k) %% 2 = 0)
            """,
            {"zones": ZONES},
        )
        cr.execute("UPDATE res_partner SET visitor_phase = 'before' WHERE id IN (SELECT partner_id FROM ecrm_trip)")
        cr.execute("SELECT count(*), count(DISTINCT partner_id) FROM ecrm_trip")
        trips, visitors = cr.fetchone()
    bench.vacuum_analyze("ecrm_trip", "res_partner")
    bench.say("built %d trips of %d visitors, all stored as 'before'" % (trips, visitors))
    return trips, visitors


def trip_phases(bench):
    trips, visitors = _build(bench)
    ours_runs, baseline_runs = [], []
    moved = changed_visitors = 0
    for _run in range(bench.repeat):
        with bench.cursor() as cr:
            started = time.perf_counter()
            cr.execute(
                """
                UPDATE ecrm_trip SET phase = CASE
                        WHEN (now() AT TIME ZONE COALESCE(time_zone, 'UTC'))::date < date_start THEN 'before'
                        WHEN (now() AT TIME ZONE COALESCE(time_zone, 'UTC'))::date <= date_end THEN 'during'
                        ELSE 'after' END
                 WHERE active
                """
            )
            baseline_runs.append(time.perf_counter() - started)
            cr.rollback()
        with bench.cursor() as cr:
            env = bench.env(cr)
            started = time.perf_counter()
            with bench.profiling("trip_phases"):
                changed = env["ecrm.trip"]._cron_update_phases()
            ours_runs.append(time.perf_counter() - started)
            moved = len(changed)
            cr.execute("SELECT count(*) FROM res_partner WHERE visitor_phase IN ('during', 'after')")
            changed_visitors = cr.fetchone()[0]
            cr.execute(
                """SELECT count(*) FROM ecrm_trip
                    WHERE phase IS DISTINCT FROM CASE
                        WHEN (now() AT TIME ZONE time_zone)::date < date_start THEN 'before'
                        WHEN (now() AT TIME ZONE time_zone)::date <= date_end THEN 'during' ELSE 'after' END"""
            )
            wrong = cr.fetchone()[0]
            cr.rollback()
        if wrong:
            raise RuntimeError("%d trips are in the wrong phase after the cron" % wrong)
    ours, baseline = statistics.median(ours_runs), statistics.median(baseline_runs)
    ratio = ours / baseline if baseline else float("inf")
    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": "ratio <= 2",
        "passed": ratio <= 2,
        "rows": trips,
        "lines": [
            "data:     %d trips of %d visitors in %d time zones, all stored as 'before'"
            % (trips, visitors, len(ZONES)),
            "ours:     ecrm.trip._cron_update_phases(): %d trips moved, %d visitors now during/after, %.2f s "
            "(%.0f trips/s), every trip checked against PostgreSQL's own time-zone arithmetic"
            % (moved, changed_visitors, ours, trips / ours),
            "baseline: one bare UPDATE of every trip with now() AT TIME ZONE per row (no visitors): %.2f s" % baseline,
            "ratio:    ours / baseline = %.2f (ours also updates the visitors' phase)" % ratio,
        ],
    }


SCENARIOS = {"trip_phases": trip_phases}
