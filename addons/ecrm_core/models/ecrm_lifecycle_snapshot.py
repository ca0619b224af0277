from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_unique_index

from .res_partner import LIFECYCLE_STAGES

# The dashboard's cards: key, the lifecycle stages counted, icon.
DASHBOARD_CARDS = [
    ("new", ("new",), "fa-user-plus"),
    ("latent", ("latent",), "fa-eye"),
    ("active", ("new", "repeat", "loyal"), "fa-heart"),
    ("at_risk", ("at_risk",), "fa-exclamation-triangle"),
]
FUNNEL_STAGES = ("latent", "new", "repeat", "loyal")
COMPARE_DAYS = 30


class EcrmLifecycleSnapshot(models.Model):
    """How many customers were in each lifecycle stage, day by day: the dashboard's memory (C12)."""

    _name = "ecrm.lifecycle.snapshot"
    _description = "eCRM Lifecycle Snapshot"
    _order = "date desc, lifecycle_stage"

    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, help="Empty: customers shared by all companies.")
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, required=True, readonly=True)
    partner_count = fields.Integer(string="Customers", readonly=True)

    def init(self):
        create_unique_index(
            self.env.cr,
            "ecrm_lifecycle_snapshot_day_uniq",
            self._table,
            ["date", "COALESCE(company_id, 0)", "lifecycle_stage"],
        )

    @api.model
    def _customer_domain(self):
        """The customers counted: people and companies, not the contacts of a company (they count in it)."""
        return [("lifecycle_stage", "!=", False), ("parent_id", "=", False)]

    @api.model
    def _cron_take_snapshot(self):
        """Count today's customers per company and lifecycle stage, in one statement."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM ecrm_lifecycle_snapshot WHERE date = %s", today))
        cr.execute(
            SQL(
                """
            INSERT INTO ecrm_lifecycle_snapshot
                   (date, company_id, lifecycle_stage, partner_count, create_uid, write_uid, create_date, write_date)
            SELECT %(today)s, p.company_id, st.lifecycle_stage, count(*), %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM res_partner p
              JOIN ecrm_contact_stats_data st ON st.partner_id = p.id
             WHERE p.active AND st.lifecycle_stage IS NOT NULL AND p.parent_id IS NULL
             GROUP BY p.company_id, st.lifecycle_stage
            """,
                today=today,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
        return cr.rowcount

    @api.model
    def _counts_on(self, day):
        """{stage: count} of the latest snapshot taken on or before ``day`` (else the oldest), and its date."""
        companies = [False] + self.env.companies.ids
        snapshot_day = (
            self.search_fetch(
                [("date", "<=", day), ("company_id", "in", companies)], ["date"], limit=1, order="date desc"
            ).date
            or self.search_fetch([("company_id", "in", companies)], ["date"], limit=1, order="date asc").date
        )
        if not snapshot_day:
            return {}, False
        counts = self._read_group(
            [("date", "=", snapshot_day), ("company_id", "in", companies)], ["lifecycle_stage"], ["partner_count:sum"]
        )
        return dict(counts), snapshot_day

    @api.model
    def get_dashboard_data(self):
        """Everything the customer dashboard shows, counted live for the user's companies."""
        Partner = self.env["res.partner"]
        today = fields.Date.context_today(self)
        current = dict(Partner._read_group(self._customer_domain(), ["lifecycle_stage"], ["__count"]))
        previous, since = self._counts_on(today - timedelta(days=COMPARE_DAYS))
        if since == today:
            previous, since = {}, False
        titles = {
            "new": _("New customers"),
            "latent": _("Latent customers"),
            "active": _("Active customers"),
            "at_risk": _("At risk"),
        }
        cards = []
        for key, stages, icon in DASHBOARD_CARDS:
            count = sum(current.get(stage, 0) for stage in stages)
            before = sum(previous.get(stage, 0) for stage in stages) if since else None
            cards.append(
                {
                    "key": key,
                    "title": titles[key],
                    "icon": icon,
                    "count": count,
                    "previous": before,
                    "change": count - before if since else None,
                    "domain": self._customer_domain() + [("lifecycle_stage", "in", list(stages))],
                }
            )
        stage_names = {stage.code: stage.name for stage in self.env["ecrm.lifecycle.stage"].search([])}
        labels = dict(Partner._fields["lifecycle_stage"]._description_selection(self.env))
        widest = max([current.get(stage, 0) for stage in FUNNEL_STAGES] + [1])
        funnel = [
            {
                "stage": stage,
                "name": stage_names.get(stage) or labels.get(stage),
                "count": current.get(stage, 0),
                "percent": round(100.0 * current.get(stage, 0) / widest, 1),
                "domain": self._customer_domain() + [("lifecycle_stage", "=", stage)],
            }
            for stage in FUNNEL_STAGES
        ]
        leaving = [
            {
                "stage": stage,
                "name": stage_names.get(stage) or labels.get(stage),
                "count": current.get(stage, 0),
                "domain": self._customer_domain() + [("lifecycle_stage", "=", stage)],
            }
            for stage in ("at_risk", "lost")
        ]
        since_date = fields.Datetime.to_datetime(today - timedelta(weeks=12))
        return {
            "cards": cards,
            "work": self._work_cards(),
            "since": fields.Date.to_string(since) if since else False,
            "funnel": funnel,
            "leaving": leaving,
            "touchpoint_domain": [("date", ">=", fields.Datetime.to_string(since_date))],
            "partner_list_view_id": self.env.ref("ecrm_core.res_partner_view_list_ecrm").id,
        }

    @api.model
    def _work_cards(self):
        """What waits for the team: unanswered messages, late answers, overdue follow-ups, new recurring questions."""
        now = fields.Datetime.now()
        work = [
            (
                "waiting",
                _("Waiting for an answer"),
                "fa-inbox",
                "ecrm.touchpoint",
                [("needs_answer", "=", True), ("answered_date", "=", False), ("date", ">=", now - timedelta(days=30))],
            ),
            (
                "late",
                _("Answered late (30 days)"),
                "fa-clock-o",
                "ecrm.routing.report",
                [("breached", "=", True), ("assigned_date", ">=", now - timedelta(days=30))],
            ),
            (
                "followups",
                _("Overdue follow-ups"),
                "fa-calendar-times-o",
                "calendar.event",
                [("ecrm_followup", "=", True), ("ecrm_held_date", "=", False), ("stop", "<", now)],
            ),
            (
                "questions",
                _("Recurring questions to handle"),
                "fa-question-circle",
                "ecrm.faq.topic",
                [("state", "=", "new"), ("question_count", ">", 0)],
            ),
        ]
        return [
            {
                "key": key,
                "title": title,
                "icon": icon,
                "model": model,
                "domain": domain,
                "count": self.env[model].search_count(domain),
            }
            for key, title, icon, model, domain in work
            if self.env[model].has_access("read")
        ]
