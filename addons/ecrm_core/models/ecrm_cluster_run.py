import logging
import time
from datetime import timedelta

import numpy as np
from threadpoolctl import threadpool_limits

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, LazyTranslate

from ..tools import clustering

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# Touchpoint types of each channel group counted as contact frequency; the rest is "other", but
# purchases, which the purchase count already measures.
NOT_CONTACTS = ("purchase",)
CHANNEL_GROUPS = {
    "contacts_web": ("web_visit", "form", "survey", "chat", "social"),
    "contacts_email": ("email_in", "email_out"),
    "contacts_phone": ("call", "meeting"),
    "contacts_shop": ("shop_visit",),
}
FEATURE_LABELS = {
    "recency_days": _lt("Days since last purchase"),
    "purchase_count": _lt("Purchases"),
    "monetary_total": _lt("Total purchases"),
    "contacts_web": _lt("Web contacts (12 months)"),
    "contacts_email": _lt("E-mails (12 months)"),
    "contacts_phone": _lt("Calls and meetings (12 months)"),
    "contacts_shop": _lt("Shop visits (12 months)"),
    "contacts_other": _lt("Other contacts (12 months)"),
    "age": _lt("Age"),
    "household_size": _lt("Household size"),
    "children_count": _lt("Children at home"),
}
# ir.config_parameter key -> default
CLUSTER_PARAMS = {
    "ecrm_core.cluster_k_mode": "silhouette",
    "ecrm_core.cluster_k": 5,
    "ecrm_core.cluster_k_min": 2,
    "ecrm_core.cluster_k_max": 8,
    "ecrm_core.cluster_silhouette_sample": 10_000,
}
MAX_AGE = 120
FETCH_ROWS = 50_000
# Odoo runs each request and cron in one worker among several: the numerical libraries get one
# thread each instead of fighting over the cores (on a busy server, OpenMP threads made k-means
# several times slower, see bench/RESULTS.md).
THREADS = 1


class EcrmClusterRun(models.Model):
    """One k-means clustering of a company's customers (C7); the latest run's clusters are the active ones."""

    _name = "ecrm.cluster.run"
    _description = "eCRM Clustering Run"
    _order = "date desc, id desc"
    _rec_name = "date"

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        [("active", "Active"), ("superseded", "Superseded")],
        required=True,
        default="active",
        readonly=True,
        help="Only the latest run of a company is active: its clusters are the ones customers are placed in.",
    )
    k = fields.Integer(string="Number of Clusters", readonly=True)
    k_method = fields.Selection(
        [("silhouette", "Best silhouette score"), ("user", "Set in the settings")],
        string="Number of Clusters Chosen By",
        readonly=True,
    )
    k_min = fields.Integer(readonly=True)
    k_max = fields.Integer(readonly=True)
    silhouette = fields.Float(
        string="Silhouette Score",
        digits=(16, 3),
        readonly=True,
        help="From -1 to 1: how much closer customers are to their own cluster than to the next one. "
        "Above 0.5 the clusters are clearly apart; near 0 they overlap.",
    )
    silhouette_scores = fields.Json(readonly=True, help="Silhouette score of each number of clusters tried.")
    silhouette_summary = fields.Char(string="Scores Tried", compute="_compute_silhouette_summary")
    features = fields.Json(string="Feature Keys", readonly=True, help="The features, in the order of the centroids.")
    feature_summary = fields.Text(string="Features", compute="_compute_feature_summary")
    scaler = fields.Json(
        readonly=True,
        help="How features were scaled (log, mean, standard deviation) and the means used for unknown values; "
        "new customers are placed with the same numbers.",
    )
    partner_count = fields.Integer(string="Customers", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 1), readonly=True)
    notes = fields.Text(readonly=True, help="Unknown values and how they were filled.")
    cluster_ids = fields.One2many("ecrm.cluster", "run_id", string="Clusters", context={"active_test": False})

    @api.depends("silhouette_scores")
    def _compute_silhouette_summary(self):
        for run in self:
            scores = run.silhouette_scores or {}
            run.silhouette_summary = ", ".join(
                "k=%s: %.2f" % (k, score) for k, score in sorted(scores.items(), key=lambda item: int(item[0]))
            )

    @api.depends("features")
    def _compute_feature_summary(self):
        for run in self:
            run.feature_summary = "\n".join(
                self.env._(FEATURE_LABELS[key]) if key in FEATURE_LABELS else key for key in run.features or []
            )

    # ------------------------------------------------------------------
    # Actions and cron
    # ------------------------------------------------------------------

    @api.model
    def action_run_clustering(self):
        """Cluster the current company's customers now and open the clusters (a list header button)."""
        self.check_access("create")
        run = self.sudo()._run_clustering(self.env.company)
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.ecrm_cluster_action")
        action["context"] = {"search_default_run_id": run.id}
        return action

    @api.model
    def _cron_cluster_customers(self):
        """Weekly: cluster again the customers of every company that has enough of them."""
        for company in self.env["res.company"].search([], order="id"):
            try:
                with self.env.cr.savepoint():
                    run = self.with_company(company)._run_clustering(company)
                _logger.info(
                    "ecrm: clustered %d customers of %s into %d clusters", run.partner_count, company.name, run.k
                )
            except UserError as error:
                _logger.info("ecrm: no clustering for %s: %s", company.name, error)

    # ------------------------------------------------------------------
    # Features
    # ------------------------------------------------------------------

    @api.model
    def _cluster_params(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        params = {}
        for key, default in CLUSTER_PARAMS.items():
            value = get(key, default) or default
            params[key.split(".", 1)[1].removeprefix("cluster_")] = value if isinstance(default, str) else int(value)
        return params

    @api.model
    def _features_query(self, company, partner_ids=None, with_unassigned=False, now=None):
        """One SELECT of every feature of the company's customers, in the order of ``clustering.FEATURE_KEYS``.

        Customers are the commercial entities (people and companies, not a company's contacts)
        with a lifecycle stage, of ``company`` or shared; a shared customer already in another
        company's cluster stays there, and is left out. With ``partner_ids``, only those
        (and, ``with_unassigned``, the customers in no cluster yet). Unknown profile numbers are NULL.
        """
        now = now or fields.Datetime.now()
        today = now.date()
        only = SQL("")
        if partner_ids is not None and with_unassigned:
            only = SQL("AND (p.id = ANY(%s) OR p.cluster_id IS NULL)", list(partner_ids))
        elif partner_ids is not None:
            only = SQL("AND p.id = ANY(%s)", list(partner_ids))
        named = tuple(kind for kinds in CHANNEL_GROUPS.values() for kind in kinds) + NOT_CONTACTS
        return SQL(
            """
            WITH population AS (
                SELECT p.id FROM res_partner p
                  JOIN ecrm_contact_stats_data st ON st.partner_id = p.id
                 WHERE p.active AND st.lifecycle_stage IS NOT NULL AND p.id = p.commercial_partner_id
                   AND (p.company_id = %(company)s OR p.company_id IS NULL)
                   AND (p.cluster_id IS NULL
                        OR p.cluster_id IN (SELECT c.id FROM ecrm_cluster c WHERE c.company_id = %(company)s))
                   %(only)s
            ), tp AS (
                SELECT t.commercial_partner_id AS partner_id,
                       count(*) FILTER (WHERE t.touchpoint_type IN %(web)s) AS web,
                       count(*) FILTER (WHERE t.touchpoint_type IN %(email)s) AS email,
                       count(*) FILTER (WHERE t.touchpoint_type IN %(phone)s) AS phone,
                       count(*) FILTER (WHERE t.touchpoint_type IN %(shop)s) AS shop,
                       count(*) FILTER (WHERE t.touchpoint_type NOT IN %(named)s) AS other
                  FROM ecrm_touchpoint t
                 WHERE t.company_id = %(company)s AND t.date >= %(since)s
                   AND t.commercial_partner_id IN (SELECT id FROM population)
                 GROUP BY t.commercial_partner_id
            )
            SELECT p.id,
                   LEAST(GREATEST(COALESCE(EXTRACT(EPOCH FROM %(now)s - st.last_purchase_date) / 86400.0, %(cap)s), 0),
                         %(cap)s)::float,
                   COALESCE(st.purchase_count, 0)::float, COALESCE(st.monetary_total, 0)::float,
                   COALESCE(tp.web, 0)::float, COALESCE(tp.email, 0)::float, COALESCE(tp.phone, 0)::float,
                   COALESCE(tp.shop, 0)::float, COALESCE(tp.other, 0)::float,
                   CASE WHEN p.birth_date <= %(today)s AND p.birth_date > %(oldest)s
                        THEN date_part('year', age(%(today)s, p.birth_date)) END::float,
                   NULLIF(p.household_size, 0)::float,
                   CASE WHEN p.household_size > 0 THEN p.children_count END::float
              FROM population
              JOIN res_partner p ON p.id = population.id
              LEFT JOIN ecrm_contact_stats_data st ON st.partner_id = p.id
              LEFT JOIN tp ON tp.partner_id = p.id
             ORDER BY p.id
            """,
            company=company.id,
            only=only,
            web=CHANNEL_GROUPS["contacts_web"],
            email=CHANNEL_GROUPS["contacts_email"],
            phone=CHANNEL_GROUPS["contacts_phone"],
            shop=CHANNEL_GROUPS["contacts_shop"],
            named=named,
            since=now - timedelta(days=365),
            now=now,
            cap=float(clustering.RECENCY_CAP_DAYS),
            today=today,
            oldest=today.replace(year=today.year - MAX_AGE),
        )

    @api.model
    def _load_features(self, company, partner_ids=None, with_unassigned=False):
        """``(ids, matrix)``: partner ids and their raw features (NaN where unknown), from one query."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(self._features_query(company, partner_ids, with_unassigned))
        parts = []
        while rows := cr.fetchmany(FETCH_ROWS):
            parts.append(np.array(rows, dtype=float))
        width = len(clustering.FEATURE_KEYS) + 1
        table = np.vstack(parts) if parts else np.empty((0, width))
        return table[:, 0].astype(np.int64), table[:, 1:]

    # ------------------------------------------------------------------
    # Clustering and classification
    # ------------------------------------------------------------------

    @api.model
    def _run_clustering(self, company=None):
        """Cluster ``company``'s customers (k-means on standardised features) and place them in the clusters.

        The clusters of the previous run that keep most of their members are updated in
        place, so their names given by staff and the segments built on them stay; the
        others are archived. Returns the new run.
        """
        started = time.monotonic()
        company = company or self.env.company
        params = self._cluster_params()
        ids, raw = self._load_features(company)
        k_min = max(2, params["k_min"])
        if len(ids) < max(k_min + 1, 3):
            raise UserError(
                _(
                    "Only %(count)s customers of %(company)s have a lifecycle stage: clustering needs at least "
                    "%(needed)s. Refresh the contact statistics or record more touchpoints and orders first.",
                    count=len(ids),
                    company=company.name,
                    needed=max(k_min + 1, 3),
                )
            )
        filled, impute_means, missing = clustering.impute_mean(raw)
        scaled, scaler = clustering.standardise(filled, list(clustering.FEATURES.values()))
        scaler["impute"] = impute_means.tolist()
        with threadpool_limits(limits=THREADS):
            k, method, scores, labels, centers, score = self._fit_clusters(scaled, params, k_min)

        means = clustering.cluster_means(filled, labels, k)
        average = filled.mean(axis=0)
        scaler["average"] = average.tolist()
        sizes = np.bincount(labels, minlength=k)

        previous_runs = self.search([("company_id", "=", company.id), ("state", "=", "active")])
        previous_clusters = previous_runs.cluster_ids.filtered("active")
        self.env.cr.execute(
            SQL(
                "SELECT id, cluster_id FROM res_partner WHERE id = ANY(%s) AND cluster_id = ANY(%s) ORDER BY id",
                ids.tolist(),
                previous_clusters.ids,
            )
        )
        before = dict(self.env.cr.fetchall())
        matches = clustering.match_clusters([before.get(int(pid)) for pid in ids], labels)

        run = self.create(
            {
                "company_id": company.id,
                "k": k,
                "k_method": method,
                "k_min": k_min,
                "k_max": params["k_max"],
                "silhouette": score or 0.0,
                "silhouette_scores": {str(key): value for key, value in scores.items()},
                "features": clustering.FEATURE_KEYS,
                "scaler": scaler,
                "partner_count": len(ids),
                "notes": self._imputation_notes(missing, impute_means, len(ids)),
            }
        )
        previous_runs.state = "superseded"
        cluster_by_label = self._save_clusters(run, labels, centers, means, average, sizes, matches, previous_clusters)
        self._assign_clusters(ids, [cluster_by_label[label] for label in labels.tolist()], previous_clusters)
        run.duration = time.monotonic() - started
        return run

    @api.model
    def _fit_clusters(self, scaled, params, k_min):
        """k-means of the scaled features: k, how k was chosen, the silhouette scores tried, labels, centres
        and the silhouette score of the result."""
        scores = {}
        try:
            if params["k_mode"] == "user":
                k, method = min(params["k"], len(np.unique(scaled, axis=0))), "user"
            else:
                k, scores = clustering.choose_k(
                    scaled, k_min, max(k_min, params["k_max"]), sample_size=params["silhouette_sample"]
                )
                method = "silhouette"
        except ValueError as error:
            raise UserError(_("These customers cannot be clustered: %s", error)) from error
        if k < 1:
            raise UserError(_("The number of clusters must be at least 1; change it in the settings."))
        labels, centers = clustering.fit(scaled, k)
        # the chosen k was scored on the sample already; a k set by the user is scored here
        score = scores.get(k)
        if score is None:
            score = clustering.silhouette(scaled, labels, sample_size=params["silhouette_sample"])
        return k, method, scores, labels, centers, score

    @api.model
    def _imputation_notes(self, missing, means, population):
        notes = []
        for key, count, mean in zip(clustering.FEATURE_KEYS, missing.tolist(), means.tolist(), strict=True):
            if count:
                notes.append(
                    _(
                        "%(feature)s unknown for %(count)s of %(population)s customers (%(percent)s%%): "
                        "the average, %(mean)s, was used for them.",
                        feature=self.env._(FEATURE_LABELS[key]),
                        count=count,
                        population=population,
                        percent=round(100.0 * count / population),
                        mean=round(mean, 1),
                    )
                )
        return "\n".join(notes) or _("Every feature was known for every customer.")

    @api.model
    def _save_clusters(self, run, labels, centers, means, average, sizes, matches, previous_clusters):
        """Create or update one cluster per label; returns label -> cluster id."""
        average_by_key = dict(zip(clustering.FEATURE_KEYS, average.tolist(), strict=True))
        order = sorted(range(len(sizes)), key=lambda label: -sizes[label])
        total = max(1, int(sizes.sum()))
        kept = self.env["ecrm.cluster"]
        cluster_by_label = {}
        to_create = []
        for sequence, label in enumerate(order, start=1):
            centroid = {
                key: round(value, 4) for key, value in zip(clustering.FEATURE_KEYS, means[label].tolist(), strict=True)
            }
            description = clustering.describe_centroid(centroid, average_by_key, self.env._)
            values = {
                "run_id": run.id,
                "company_id": run.company_id.id,
                "description_auto": description,
                "centroid": centroid,
                "centroid_scaled": [round(value, 6) for value in centers[label].tolist()],
                "size": int(sizes[label]),
                "share": 100.0 * int(sizes[label]) / total,
                "sequence": sequence,
            }
            cluster = previous_clusters.browse(matches.get(label))
            if cluster:
                if cluster.name == cluster.description_auto:
                    values["name"] = description
                cluster.write(values)
                kept |= cluster
                cluster_by_label[label] = cluster.id
            else:
                to_create.append((label, dict(values, name=description, color=sequence % 12)))
        created = self.env["ecrm.cluster"].create([values for _label, values in to_create])
        for (label, _values), cluster in zip(to_create, created, strict=True):
            cluster_by_label[label] = cluster.id
        (previous_clusters - kept).active = False
        return cluster_by_label

    @api.model
    def _assign_clusters(self, partner_ids, cluster_ids, previous_clusters=None):
        """Write each partner's cluster in one UPDATE; with ``previous_clusters``, empty them of everyone else."""
        self.env.flush_all()
        cr = self.env.cr
        ids = [int(pid) for pid in partner_ids]
        if previous_clusters:
            cr.execute(
                SQL(
                    "UPDATE res_partner SET cluster_id = NULL WHERE cluster_id = ANY(%s) AND NOT (id = ANY(%s))",
                    previous_clusters.ids,
                    ids,
                )
            )
        if ids:
            cr.execute(
                SQL(
                    """
                UPDATE res_partner p SET cluster_id = v.cluster_id
                  FROM unnest(%s::int[], %s::int[]) AS v(id, cluster_id)
                 WHERE p.id = v.id AND p.cluster_id IS DISTINCT FROM v.cluster_id
                """,
                    ids,
                    [int(cid) for cid in cluster_ids],
                )
            )
        self.env["res.partner"].invalidate_model(["cluster_id"])
        self.env["ecrm.cluster"].invalidate_model(["partner_ids", "partner_count"])

    @api.model
    def _classify_partners(self, partner_ids):
        """Place ``partner_ids`` (and the customers in no cluster yet) into the nearest active cluster.

        No new clustering: each partner's features are scaled with the stored numbers of
        the active run of the partner's company (for a shared partner, the company whose
        cluster it is in, else the current company) and given the cluster with the
        nearest centroid. One query per company that has an active run.
        """
        runs = self.sudo().search([("state", "=", "active")])
        if not runs:
            return 0
        partner_ids = list(partner_ids or [])
        run_by_company = {run.company_id.id: run for run in runs}
        self.env.flush_all()
        cr = self.env.cr
        ids_by_company = {}
        if partner_ids:
            cr.execute(
                SQL(
                    """
                SELECT COALESCE(c.company_id, p.company_id, %s), array_agg(p.id)
                  FROM res_partner p LEFT JOIN ecrm_cluster c ON c.id = p.cluster_id
                 WHERE p.id = ANY(%s)
                 GROUP BY 1
                """,
                    self.env.company.id,
                    partner_ids,
                )
            )
            ids_by_company = dict(cr.fetchall())
        ids_by_company.setdefault(self.env.company.id, [])  # its customers in no cluster yet
        placed = 0
        for company_id, ids in sorted(ids_by_company.items()):
            if company_id in run_by_company:
                placed += run_by_company[company_id]._classify(ids, company_id == self.env.company.id)
        # partners that stopped being customers leave their cluster
        if partner_ids:
            cr.execute(
                SQL(
                    """
                UPDATE res_partner p SET cluster_id = NULL
                 WHERE p.id = ANY(%s) AND p.cluster_id IS NOT NULL
                   AND (NOT p.active OR p.id <> p.commercial_partner_id
                        OR NOT EXISTS (SELECT 1 FROM ecrm_contact_stats_data st
                                        WHERE st.partner_id = p.id AND st.lifecycle_stage IS NOT NULL))
                """,
                    partner_ids,
                )
            )
            self.env["res.partner"].invalidate_model(["cluster_id"])
        return placed

    def _classify(self, partner_ids, with_unassigned=False):
        """Place ``partner_ids`` (and, ``with_unassigned``, every customer in no cluster) in this run's clusters."""
        self.ensure_one()
        clusters = self.cluster_ids.filtered(lambda cluster: cluster.active and cluster.centroid_scaled)
        if not clusters or self.features != clustering.FEATURE_KEYS:
            return 0
        ids, raw = self._load_features(self.company_id, partner_ids, with_unassigned)
        if not len(ids):
            return 0
        scaler = self.scaler
        filled = np.where(np.isnan(raw), np.asarray(scaler["impute"]), raw)
        with threadpool_limits(limits=THREADS):
            labels = clustering.assign_nearest(
                clustering.apply_scaler(filled, scaler), [cluster.centroid_scaled for cluster in clusters]
            )
        self._assign_clusters(ids, [clusters.ids[label] for label in labels.tolist()])
        return len(ids)
