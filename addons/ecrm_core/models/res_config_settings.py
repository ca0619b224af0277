from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import rfm


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ecrm_loyal_purchase_count = fields.Integer(
        string="Loyal after (purchases)",
        config_parameter="ecrm_core.loyal_purchase_count",
        default=5,
        help="A customer with at least this many confirmed orders, bought recently, is loyal.",
    )
    ecrm_at_risk_days = fields.Integer(
        string="At risk after (days)",
        config_parameter="ecrm_core.at_risk_days",
        default=180,
        help="Days without a purchase after which a customer is at risk.",
    )
    ecrm_lost_days = fields.Integer(
        string="Lost after (days)",
        config_parameter="ecrm_core.lost_days",
        default=365,
        help="Days without a purchase after which a customer counts as lost.",
    )

    # --- RFM and segment report (C7, C8, C12) ---
    ecrm_rfm_window_months = fields.Integer(
        string="RFM window (months)",
        config_parameter="ecrm_core.rfm_window_months",
        default=rfm.DEFAULT_WINDOW_MONTHS,
        help="Only purchases of the last months count for the RFM scores.",
    )
    ecrm_rfm_method = fields.Selection(
        [("quintile", "Quintiles (relative)"), ("threshold", "Fixed limits")],
        string="Scoring method",
        config_parameter="ecrm_core.rfm_method",
        default="quintile",
        help="Quintiles: customers are ranked and cut into five equal groups. "
        "Fixed limits: the scores follow the limits below.",
    )
    ecrm_rfm_recency_days = fields.Char(
        string="Recency limits (days)",
        config_parameter="ecrm_core.rfm_recency_days",
        default=",".join(map(str, rfm.DEFAULT_RECENCY_DAYS)),
        help="Four numbers: last bought less than the first number of days ago scores 5, ..., "
        "the last number or more scores 1.",
    )
    ecrm_rfm_frequency_orders = fields.Char(
        string="Frequency limits (orders)",
        config_parameter="ecrm_core.rfm_frequency_orders",
        default=",".join(map(str, rfm.DEFAULT_FREQUENCY_ORDERS)),
        help="Four numbers: fewer orders than the first scores 1, ..., at least the last scores 5.",
    )
    ecrm_rfm_monetary_amounts = fields.Char(
        string="Monetary limits (amount)",
        config_parameter="ecrm_core.rfm_monetary_amounts",
        default=",".join(map(str, rfm.DEFAULT_MONETARY_AMOUNTS)),
        help="Four amounts in the company currency: spent less than the first scores 1, ..., at least the last 5.",
    )
    ecrm_segment_report_period = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly")],
        string="Segment report",
        config_parameter="ecrm_core.segment_report_period",
        default="weekly",
        help="How often the eCRM managers get the segment report by e-mail.",
    )

    @api.constrains(
        "ecrm_rfm_window_months", "ecrm_rfm_recency_days", "ecrm_rfm_frequency_orders", "ecrm_rfm_monetary_amounts"
    )
    def _check_ecrm_rfm(self):
        for settings in self:
            if settings.ecrm_rfm_window_months < 1:
                raise ValidationError(_("The RFM window must be at least one month."))
            for name in ("ecrm_rfm_recency_days", "ecrm_rfm_frequency_orders", "ecrm_rfm_monetary_amounts"):
                try:
                    rfm.parse_thresholds(settings[name])
                except ValueError as error:
                    label = settings._fields[name].get_description(self.env)["string"]
                    raise ValidationError(_("%(field)s: %(error)s", field=label, error=error)) from error

    def set_values(self):
        super().set_values()
        cron = self.env.ref("ecrm_core.ir_cron_segment_report", raise_if_not_found=False)
        if cron:
            interval = "months" if self.ecrm_segment_report_period == "monthly" else "weeks"
            if cron.interval_type != interval or cron.interval_number != 1:
                cron.sudo().write({"interval_type": interval, "interval_number": 1})

    def action_ecrm_compute_rfm(self):
        self.env["res.partner"]._ecrm_compute_rfm()
        return True

    # --- Clusters and anomalies (C7) ---
    ecrm_cluster_k_mode = fields.Selection(
        [("silhouette", "Best silhouette score in a range"), ("user", "Fixed number")],
        string="Number of clusters",
        config_parameter="ecrm_core.cluster_k_mode",
        default="silhouette",
        help="Best silhouette score: the clustering tries every number in the range and keeps the one whose "
        "clusters are most clearly apart. Fixed number: always the number given.",
    )
    ecrm_cluster_k = fields.Integer(
        string="Fixed number of clusters", config_parameter="ecrm_core.cluster_k", default=5
    )
    ecrm_cluster_k_min = fields.Integer(string="From", config_parameter="ecrm_core.cluster_k_min", default=2)
    ecrm_cluster_k_max = fields.Integer(string="To", config_parameter="ecrm_core.cluster_k_max", default=8)
    ecrm_cluster_silhouette_sample = fields.Integer(
        string="Silhouette sample",
        config_parameter="ecrm_core.cluster_silhouette_sample",
        default=10_000,
        help="Customers drawn at random to compare the numbers of clusters; more is slower, not much better.",
    )
    ecrm_anomaly_drop_percent = fields.Integer(
        string="Sharp drop (%)",
        config_parameter="ecrm_core.anomaly_drop_percent",
        default=70,
        help="A customer whose spend or visits of the last 90 days fell by at least this much against "
        "their own average of the periods before is flagged.",
    )
    ecrm_anomaly_min_spend = fields.Float(
        string="Watch spend from",
        config_parameter="ecrm_core.anomaly_min_spend",
        default=100.0,
        help="Drops in spend are flagged only for customers who usually spend at least this much per 90 days.",
    )
    ecrm_anomaly_min_visits = fields.Integer(
        string="Watch visits from",
        config_parameter="ecrm_core.anomaly_min_visits",
        default=5,
        help="Drops in visits are flagged only for customers who usually visit at least this often per 90 days.",
    )
    ecrm_anomaly_burst_sigmas = fields.Float(
        string="Burst: standard deviations",
        config_parameter="ecrm_core.anomaly_burst_sigmas",
        default=4.0,
        help="A day is a burst when the customer's touchpoints exceed their daily mean by this many "
        "standard deviations...",
    )
    ecrm_anomaly_burst_min = fields.Integer(
        string="Burst: at least",
        config_parameter="ecrm_core.anomaly_burst_min",
        default=20,
        help="...and number at least this many.",
    )
    ecrm_anomaly_snooze_days = fields.Integer(
        string="Quiet after review (days)",
        config_parameter="ecrm_core.anomaly_snooze_days",
        default=90,
        help="A flag marked reviewed is not raised again for the same customer for this many days.",
    )

    @api.constrains("ecrm_cluster_k_mode", "ecrm_cluster_k", "ecrm_cluster_k_min", "ecrm_cluster_k_max")
    def _check_ecrm_cluster_k(self):
        for settings in self:
            if settings.ecrm_cluster_k_mode == "user" and settings.ecrm_cluster_k < 1:
                raise ValidationError(_("The fixed number of clusters must be at least 1."))
            if settings.ecrm_cluster_k_min < 2 or settings.ecrm_cluster_k_max < settings.ecrm_cluster_k_min:
                raise ValidationError(_("The range of clusters must start at 2 or more and end at or above its start."))

    def action_ecrm_run_clustering(self):
        return self.env["ecrm.cluster.run"].action_run_clustering()

    # --- end of clusters and anomalies ---

    # --- Best customers (C8) and recommendations (C9) ---
    ecrm_best_customer_percent = fields.Float(
        string="Best customers (%)",
        config_parameter="ecrm_core.best_customer_percent",
        default=5.0,
        digits=(5, 2),
        help="The share of customers, by value over the period, flagged as best customers (rounded up).",
    )
    ecrm_best_customer_months = fields.Integer(
        string="Over the last (months)",
        config_parameter="ecrm_core.best_customer_months",
        default=12,
        help="Only confirmed sales of the last months count for the value of a customer.",
    )
    ecrm_recommendation_count = fields.Integer(
        string="Recommendations per customer",
        config_parameter="ecrm_core.recommendation_count",
        default=10,
        help="How many products are recommended to each customer at the weekly rebuild.",
    )
    ecrm_recommendation_neighbours = fields.Integer(
        string="Similar products kept",
        config_parameter="ecrm_core.recommendation_neighbours",
        default=50,
        help="How many similar products are kept for each product; more gives more varied recommendations "
        "and a slower rebuild.",
    )

    @api.constrains(
        "ecrm_best_customer_percent",
        "ecrm_best_customer_months",
        "ecrm_recommendation_count",
        "ecrm_recommendation_neighbours",
    )
    def _check_ecrm_best_customers(self):
        for settings in self:
            if not 0 < settings.ecrm_best_customer_percent <= 100:
                raise ValidationError(_("The share of best customers must be more than 0% and at most 100%."))
            if settings.ecrm_best_customer_months < 1:
                raise ValidationError(_("The best customers period must be at least one month."))
            if settings.ecrm_recommendation_count < 1 or settings.ecrm_recommendation_neighbours < 1:
                raise ValidationError(_("Recommendations per customer and similar products kept must be at least 1."))

    def action_ecrm_refresh_best_customers(self):
        self.ensure_one()
        return self.env["ecrm.best.customer.event"].action_refresh_best_customers()

    def action_ecrm_rebuild_recommendations(self):
        self.ensure_one()
        return self.env["ecrm.recommendation"].action_rebuild_recommendations()

    # --- end of best customers and recommendations ---
