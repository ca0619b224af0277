import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import anomaly as rules

_logger = logging.getLogger(__name__)

VISIT_TYPES = ("web_visit", "shop_visit")
# What only managers may change by hand; users close flags with action_mark_reviewed.
PROTECTED_FIELDS = {"partner_id", "company_id", "kind", "reason", "value", "detected_on", "state"}
PROTECTED_FIELDS |= {"reviewed_by_id", "reviewed_at"}


class EcrmAnomaly(models.Model):
    """An unusual customer or an impossible value, flagged for a person to look at (C7)."""

    _name = "ecrm.anomaly"
    _description = "eCRM Anomaly Flag"
    _inherit = ["mail.thread"]
    _order = "detected_on desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(rules.KINDS, required=True, readonly=True)
    reason = fields.Text(required=True, readonly=True, help="Why the flag was raised, with the numbers behind it.")
    value = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="The number behind the flag: the drop in percent, the touchpoints of the day, the age, "
        "or the difference between the total and the orders.",
    )
    detected_on = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("new", "New"), ("reviewed", "Reviewed")], required=True, default="new", tracking=True, index=True
    )
    reviewed_by_id = fields.Many2one("res.users", string="Reviewed By", readonly=True)
    reviewed_at = fields.Datetime(string="Reviewed On", readonly=True)

    def init(self):
        # at most one open flag of a kind per customer and company; detection relies on it (ON CONFLICT)
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS ecrm_anomaly_open_uniq ON %s (partner_id, kind, company_id) "
                "WHERE state = 'new'",
                SQL.identifier(self._table),
            )
        )

    @api.depends("kind", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for flag in self:
            flag.display_name = "%s - %s" % (labels.get(flag.kind, ""), flag.partner_id.display_name or "")

    def write(self, vals):
        if (
            PROTECTED_FIELDS & set(vals)
            and not self.env.su
            and not self.env.user.has_group("ecrm_core.group_ecrm_manager")
        ):
            raise AccessError(_("Only eCRM managers can change an anomaly flag; mark it reviewed instead."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions and cron
    # ------------------------------------------------------------------

    def action_mark_reviewed(self):
        """Someone looked at the flags: close them (they are not raised again for the snooze period)."""
        self.check_access("write")
        self.filtered(lambda flag: flag.state == "new").sudo().write(
            {"state": "reviewed", "reviewed_by_id": self.env.uid, "reviewed_at": fields.Datetime.now()}
        )
        return True

    @api.model
    def action_detect_anomalies(self):
        """Look for anomalies in the current company now (a list header button for managers)."""
        self.check_access("create")
        flags = self.sudo()._detect_anomalies(self.env.company)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if flags else "info",
                "message": _("%s new anomaly flags.", len(flags)) if flags else _("No new anomaly."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_detect_anomalies(self):
        for company in self.env["res.company"].search([]):
            flags = self.with_company(company)._detect_anomalies(company)
            _logger.info("ecrm: %d new anomaly flags for %s", len(flags), company.name)

    # ------------------------------------------------------------------
    # Detection, set-based
    # ------------------------------------------------------------------

    @api.model
    def _anomaly_params(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        params = {}
        for key, default in rules.DEFAULTS.items():
            value = type(default)(get(key, default) or default)
            params[key.split(".", 1)[1].removeprefix("anomaly_")] = value if value > 0 else default
        return params

    @api.model
    def _detect_anomalies(self, company=None):
        """Flag the unusual customers of ``company``; returns the new flags.

        A customer gets at most one open flag of each kind, and a kind that was reviewed is
        not raised again for ``snooze_days``.
        """
        company = company or self.env.company
        params = self._anomaly_params()
        now = fields.Datetime.now().replace(microsecond=0)
        self.env.flush_all()
        found = {}
        for detector in (
            self._find_spend_drops,
            self._find_visit_drops,
            self._find_bursts,
            self._find_impossible_birth_dates,
            self._find_monetary_mismatches,
        ):
            for partner_id, kind, value, reason in detector(company, params, now):
                found.setdefault((partner_id, kind), (value, reason))
        return self._raise_flags(company, found, params, now)

    @api.model
    def _raise_flags(self, company, found, params, now):
        if not found:
            return self.browse()
        keys = list(found)
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ecrm_anomaly (partner_id, company_id, kind, reason, value, detected_on, state,
                                      create_uid, create_date, write_uid, write_date)
            SELECT v.partner_id, %(company)s, v.kind, v.reason, v.value, %(now)s, 'new',
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(partners)s::int[], %(kinds)s::varchar[], %(reasons)s::text[], %(values)s::float8[])
                   AS v(partner_id, kind, reason, value)
             WHERE NOT EXISTS (
                   SELECT 1 FROM ecrm_anomaly a
                    WHERE a.partner_id = v.partner_id AND a.kind = v.kind AND a.company_id = %(company)s
                      AND a.state = 'reviewed' AND a.reviewed_at >= %(snoozed_since)s)
            ON CONFLICT (partner_id, kind, company_id) WHERE state = 'new' DO NOTHING
            RETURNING id
            """,
                company=company.id,
                now=now,
                uid=self.env.uid,
                partners=[partner_id for partner_id, _kind in keys],
                kinds=[kind for _partner_id, kind in keys],
                reasons=[found[key][1] for key in keys],
                values=[float(found[key][0]) for key in keys],
                snoozed_since=now - timedelta(days=params["snooze_days"]),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(["anomaly_ids", "open_anomaly_ids", "open_anomaly_count"])
        return self.browse(ids)

    @api.model
    def _drop_query(self, source, params, now, min_baseline, min_rows=1):
        """Customers whose sum over the last period fell sharply against the average of the periods before.

        ``source`` selects ``(partner_id, date, amount)`` rows. The baseline averages at most
        ``previous_periods`` periods, and only those since the customer's first row; it must
        hold at least ``min_rows`` rows (a single old order is not a habit that dropped).
        """
        days, periods = params["period_days"], params["previous_periods"]
        recent_start = now - timedelta(days=days)
        return SQL(
            """
            WITH source AS (%(source)s),
            per_partner AS (
                SELECT partner_id, min(date) AS first_date,
                       COALESCE(sum(amount) FILTER (WHERE date >= %(recent_start)s), 0) AS recent,
                       COALESCE(sum(amount) FILTER (WHERE date >= %(history_start)s AND date < %(recent_start)s), 0)
                           AS history,
                       count(*) FILTER (WHERE date >= %(history_start)s AND date < %(recent_start)s) AS history_rows
                  FROM source
                 WHERE partner_id IS NOT NULL
                 GROUP BY partner_id
            ), baseline AS (
                SELECT partner_id, recent, history,
                       LEAST(%(periods)s, CEIL(EXTRACT(EPOCH FROM %(recent_start)s - first_date)
                                                / (86400.0 * %(days)s)))::int AS periods
                  FROM per_partner
                 WHERE first_date < %(recent_start)s AND history_rows >= %(min_rows)s
            )
            SELECT partner_id, recent::float, (history / periods)::float AS baseline, periods
              FROM baseline
             WHERE history / periods >= %(min_baseline)s
               AND recent <= history / periods * (1 - %(drop)s / 100.0)
             ORDER BY partner_id
            """,
            source=source,
            recent_start=recent_start,
            history_start=recent_start - timedelta(days=days * periods),
            periods=periods,
            days=days,
            min_baseline=min_baseline,
            min_rows=min_rows,
            drop=params["drop_percent"],
        )

    @api.model
    def _find_spend_drops(self, company, params, now):
        source = SQL(
            """
            SELECT op.commercial_partner_id AS partner_id, o.date_order AS date,
                   o.amount_untaxed / COALESCE(NULLIF(o.currency_rate, 0), 1) AS amount
              FROM sale_order o JOIN res_partner op ON op.id = o.partner_id
             WHERE o.state = 'sale' AND o.company_id = %s
            """,
            company.id,
        )
        self.env.cr.execute(self._drop_query(source, params, now, params["min_spend"], params["min_history_orders"]))
        return [
            (
                partner_id,
                "spend_drop",
                rules.drop_percent(recent, baseline),
                rules.describe_spend_drop(recent, baseline, params["period_days"], periods, self.env._),
            )
            for partner_id, recent, baseline, periods in self.env.cr.fetchall()
        ]

    @api.model
    def _find_visit_drops(self, company, params, now):
        source = SQL(
            """
            SELECT t.commercial_partner_id AS partner_id, t.date AS date, 1 AS amount
              FROM ecrm_touchpoint t
             WHERE t.company_id = %s AND t.touchpoint_type IN %s
            """,
            company.id,
            VISIT_TYPES,
        )
        self.env.cr.execute(self._drop_query(source, params, now, params["min_visits"]))
        return [
            (
                partner_id,
                "visit_drop",
                rules.drop_percent(recent, baseline),
                rules.describe_visit_drop(recent, baseline, params["period_days"], periods, self.env._),
            )
            for partner_id, recent, baseline, periods in self.env.cr.fetchall()
        ]

    @api.model
    def _find_bursts(self, company, params, now):
        """Days of the last week with far more touchpoints than the customer's usual day."""
        history_days = params["burst_history_days"]
        self.env.cr.execute(
            SQL(
                """
            WITH daily AS (
                SELECT t.commercial_partner_id AS partner_id, t.date::date AS day, count(*) AS n
                  FROM ecrm_touchpoint t
                 WHERE t.company_id = %(company)s AND t.date >= %(history_start)s
                   AND t.commercial_partner_id IS NOT NULL
                 GROUP BY 1, 2
            ), spread AS (
                SELECT partner_id, sum(n) AS total, sum(n * n) AS squares FROM daily GROUP BY partner_id
            )
            SELECT d.partner_id, d.day, d.n, s.total, s.squares
              FROM daily d JOIN spread s ON s.partner_id = d.partner_id
             WHERE d.day >= %(recent_start)s AND d.n >= %(minimum)s
             ORDER BY d.partner_id, d.n DESC, d.day DESC
            """,
                company=company.id,
                history_start=now - timedelta(days=history_days),
                recent_start=(now - timedelta(days=params["burst_recent_days"])).date(),
                minimum=params["burst_min"],
            )
        )
        found = []
        seen = set()
        for partner_id, day, count, total, squares in self.env.cr.fetchall():
            mean, std = rules.daily_mean_std(float(total), float(squares), history_days)
            if partner_id in seen or not rules.is_burst(count, mean, std, params["burst_sigmas"], params["burst_min"]):
                continue
            seen.add(partner_id)
            found.append((partner_id, "touchpoint_burst", count, rules.describe_burst(day, count, mean, self.env._)))
        return found

    @api.model
    def _find_impossible_birth_dates(self, company, params, now):
        today = now.date()
        self.env.cr.execute(
            SQL(
                """
            SELECT id, birth_date, date_part('year', age(%(today)s, birth_date))::int AS age
              FROM res_partner
             WHERE active AND birth_date IS NOT NULL AND (company_id = %(company)s OR company_id IS NULL)
               AND (birth_date > %(today)s OR date_part('year', age(%(today)s, birth_date)) > %(max_age)s)
             ORDER BY id
            """,
                today=today,
                company=company.id,
                max_age=params["max_age"],
            )
        )
        found = []
        for partner_id, birth_date, age in self.env.cr.fetchall():
            if birth_date > today:
                found.append(
                    (partner_id, "future_birth_date", 0, rules.describe_future_birth_date(birth_date, self.env._))
                )
            else:
                reason = rules.describe_age_over(birth_date, age, params["max_age"], self.env._)
                found.append((partner_id, "age_over_120", age, reason))
        return found

    @api.model
    def _find_monetary_mismatches(self, company, params, now):
        """Customers whose stored total purchases differ from their confirmed orders.

        Only statistics computed after the last change of the customer's orders are
        compared: a total that is merely waiting for the nightly refresh is not an anomaly.
        The orders are counted as the statistics count them: a partner's own, and a
        company's through its contacts.
        """
        self.env.cr.execute(
            SQL(
                """
            WITH orders AS (
                SELECT k.partner_id,
                       sum(o.amount_untaxed / NULLIF(o.currency_rate, 0)) FILTER (WHERE o.state = 'sale') AS total,
                       max(o.write_date) AS last_change
                  FROM sale_order o
                  JOIN res_partner op ON op.id = o.partner_id
                 CROSS JOIN LATERAL (VALUES (op.id), (NULLIF(op.commercial_partner_id, op.id))) k(partner_id)
                 WHERE k.partner_id IS NOT NULL
                 GROUP BY k.partner_id
            )
            SELECT p.id, st.monetary_total::float, ROUND(COALESCE(orders.total, 0)::numeric, 2)::float
              FROM res_partner p
              JOIN ecrm_contact_stats_data st ON st.partner_id = p.id
              LEFT JOIN orders ON orders.partner_id = p.id
             WHERE st.contact_stats_date IS NOT NULL
               AND (p.company_id = %(company)s OR p.company_id IS NULL)
               AND (orders.last_change IS NULL OR orders.last_change <= st.contact_stats_date)
               AND abs(COALESCE(st.monetary_total, 0) - ROUND(COALESCE(orders.total, 0)::numeric, 2)) > %(tolerance)s
             ORDER BY p.id
            """,
                company=company.id,
                tolerance=params["mismatch_tolerance"],
            )
        )
        return [
            (
                partner_id,
                "monetary_mismatch",
                abs((stored or 0.0) - actual),
                rules.describe_monetary_mismatch(stored, actual, self.env._),
            )
            for partner_id, stored, actual in self.env.cr.fetchall()
        ]
