"""Benchmark scenario "clustering": k-means of 200,000 customers (C7), registered in scenarios.py.

Ours: ``ecrm.cluster.run._run_clustering()``, the whole job as the weekly cron runs it: the
feature query, filling unknown values, standardising, choosing k by silhouette (k 2 to 8 on
a 10,000-row sample), the final k-means on every customer, the descriptions, the cluster
records and the UPDATE of every customer's cluster.

Baseline, in the same run: the bare feature query fetched into numpy, standardised, and one
scikit-learn KMeans with the k ours chose (same n_init, random_state and thread limit),
nothing written.

Time is measured without tracemalloc; the peak memory in a second pass of each side with
tracemalloc on (Python objects and numpy arrays; the C memory of the database driver is not
counted by tracemalloc, so the process's maximum resident size is reported as well).
"""

import contextlib
import resource
import time
import tracemalloc

import numpy as np

POPULATION = 200_000


def _features_sql(env, company):
    """The feature query as ours runs it, as (text, params) for a bare cursor."""
    query = env["ecrm.cluster.run"]._features_query(company)
    return query.code, query.params


def _baseline(bench, company_id, k):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    from odoo.addons.ecrm_core.models.ecrm_cluster_run import THREADS
    from odoo.addons.ecrm_core.tools import clustering

    with bench.cursor() as cr:
        env = bench.env(cr)
        code, params = _features_sql(env, env["res.company"].browse(company_id))
        started = time.perf_counter()
        cr.execute(code, params)
        table = np.array(cr.fetchall(), dtype=float)
        matrix = table[:, 1:]
        means = np.nanmean(matrix, axis=0)
        matrix = np.where(np.isnan(matrix), np.nan_to_num(means), matrix)
        log = np.array(list(clustering.FEATURES.values()))
        matrix[:, log] = np.log1p(np.clip(matrix[:, log], 0, None))
        std = matrix.std(axis=0)
        scaled = (matrix - matrix.mean(axis=0)) / np.where(std > 0, std, 1.0)
        with threadpool_limits(limits=THREADS):  # the same threads as ours
            labels = KMeans(n_clusters=k, n_init=clustering.N_INIT, random_state=clustering.RANDOM_STATE).fit_predict(
                scaled
            )
        seconds = time.perf_counter() - started
        cr.rollback()
    return seconds, len(table), np.bincount(labels).tolist()


@contextlib.contextmanager
def _phases(model, names):
    """Time the calls of the ``names`` methods of ``model``'s class: yields a dict name -> seconds."""
    cls = type(model)
    spent = dict.fromkeys(names, 0.0)
    originals = {name: getattr(cls, name) for name in names}

    def timed(name, function):
        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return function(self, *args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    for name, function in originals.items():
        setattr(cls, name, timed(name, function))
    try:
        yield spent
    finally:
        for name, function in originals.items():
            setattr(cls, name, function)


def _ours(bench, company_id, keep=False):
    with bench.cursor() as cr:
        env = bench.env(cr)
        company = env["res.company"].browse(company_id)
        Run = env["ecrm.cluster.run"]
        with _phases(Run, ["_load_features", "_fit_clusters", "_assign_clusters"]) as spent:
            started = time.perf_counter()
            run = Run._run_clustering(company)
            seconds = time.perf_counter() - started
        result = {
            "seconds": seconds,
            "phases": dict(spent),
            "k": run.k,
            "customers": run.partner_count,
            "silhouette": run.silhouette,
            "scores": run.silhouette_summary,
            "clusters": [(cluster.size, cluster.name) for cluster in run.cluster_ids.sorted("sequence")],
        }
        if not keep:
            cr.rollback()
    return result


def _peak(function, *args):
    """(result, tracemalloc peak in MB) of ``function(*args)``."""
    tracemalloc.start()
    try:
        result = function(*args)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 2**20


def _max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clustering(bench):
    partners = bench.size(POPULATION * 1.3)
    touchpoints, orders = bench.size(1_500_000), bench.size(150_000)
    bench.generate(partners=partners, touchpoints=touchpoints, orders=orders, lines_per_order=2)
    with bench.cursor() as cr:
        env = bench.env(cr)
        started = time.perf_counter()
        env["res.partner"]._ecrm_compute_contact_stats()
        bench.say("contact statistics of the generated population: %.1f s" % (time.perf_counter() - started))
        company_id = env.ref("base.main_company").id
    bench.vacuum_analyze("res_partner", "ecrm_touchpoint", "sale_order")
    rss_before = _max_rss_mb()

    warm = _baseline(bench, company_id, 5)  # warm-up read of the tables both sides read
    with bench.profiling("clustering"):
        ours = _ours(bench, company_id)
    baseline = _baseline(bench, company_id, ours["k"])
    rss_after_time = _max_rss_mb()
    ours_memory, ours_peak = _peak(_ours, bench, company_id, True)
    _baseline_memory, baseline_peak = _peak(_baseline, bench, company_id, ours["k"])

    # the weekly run when little changed: the clusters are matched, only changed customers are written
    steady = _ours(bench, company_id)

    # classification between runs: the statistics of 10,000 customers changed
    with bench.cursor() as cr:
        env = bench.env(cr)
        cr.execute("SELECT id FROM res_partner WHERE cluster_id IS NOT NULL ORDER BY id LIMIT 10000")
        changed = [row[0] for row in cr.fetchall()]
        cr.execute("UPDATE res_partner SET cluster_id = NULL WHERE id = ANY(%s)", [changed])
        started = time.perf_counter()
        placed = env["ecrm.cluster.run"]._classify_partners(changed)
        classify_s = time.perf_counter() - started
        cr.rollback()

    ratio = ours["seconds"] / baseline[0]
    lines = [
        "data:     %d customers clustered (%d partners, %d touchpoints, %d confirmed orders generated)"
        % (ours["customers"], partners, touchpoints, orders),
        "ours:     _run_clustering(): %.2f s, k=%d by silhouette (%s), silhouette %.3f"
        % (ours["seconds"], ours["k"], ours["scores"], ours["silhouette"]),
        "          of which feature query %.2f s, choosing k and k-means %.2f s, writing every customer's "
        "cluster (one UPDATE of %d res_partner rows) %.2f s, the rest %.2f s"
        % (
            ours["phases"]["_load_features"],
            ours["phases"]["_fit_clusters"],
            ours["customers"],
            ours["phases"]["_assign_clusters"],
            ours["seconds"] - sum(ours["phases"].values()),
        ),
        "baseline: feature query into numpy + one KMeans(k=%d) on %d rows: %.2f s (warm-up run %.2f s)"
        % (ours["k"], baseline[1], baseline[0], warm[0]),
        "ratio:    ours / baseline = %.2f (target <= 3.0: ours also chooses k, describes and writes back)" % ratio,
        "memory:   tracemalloc peak ours %.0f MB, baseline %.0f MB (ratio %.2f); process max RSS %.0f MB "
        "(%.0f MB before the timed runs, %.0f MB after them)"
        % (ours_peak, baseline_peak, ours_peak / baseline_peak, _max_rss_mb(), rss_before, rss_after_time),
        "again:    _run_clustering() once more on the same data (the weekly run when little changed: clusters "
        "matched, nobody's cluster written): %.2f s" % steady["seconds"],
        "classify: 10,000 changed customers placed in the nearest cluster: %.2f s (%d placed)" % (classify_s, placed),
        "clusters: " + "; ".join("%d %s" % (size, name) for size, name in ours_memory["clusters"]),
    ]
    return {
        "ours_s": ours["seconds"],
        "baseline_s": baseline[0],
        "ratio": ratio,
        "target": "<= 3.0",
        "passed": ratio <= 3.0,
        "rows": ours["customers"],
        "lines": lines,
    }
