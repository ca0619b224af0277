import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.best_customers import period_start

_logger = logging.getLogger(__name__)

# ir.config_parameter key -> default
BEST_CUSTOMER_PARAMS = {
    "ecrm_core.best_customer_percent": 5.0,
    "ecrm_core.best_customer_months": 12,
}


class EcrmBestCustomerEvent(models.Model):
    """A customer entering or leaving a company's best customers (C8): the log the rewards start from.

    The current best customers of a company are those whose latest event there is "entered".
    """

    _name = "ecrm.best.customer.event"
    _description = "Best Customer Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True)
    kind = fields.Selection([("entered", "Entered"), ("left", "Left")], string="Change", required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    value = fields.Monetary(
        currency_field="currency_id",
        aggregator="sum",
        help="Untaxed confirmed sales of the customer over the period, in the company's currency, "
        "when the change was recorded.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    rank = fields.Integer(
        aggregator="min",
        help="Place by value among the company's customers when the change was recorded: 1 spent the most. "
        "0 when the customer bought nothing in the period.",
    )
    customer_count = fields.Integer(
        string="Customers Ranked",
        aggregator="max",
        help="How many customers bought in the period, i.e. how many were ranked.",
    )

    def init(self):
        # the latest event of each customer in each company is their membership: read on every refresh
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS ecrm_best_customer_event_membership_idx "
            "ON ecrm_best_customer_event (partner_id, company_id, date DESC, id DESC)"
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    def action_refresh_best_customers(self):
        """Button of the lists (no record): rank the customers of the current companies now."""
        if not self.env.user.has_group("ecrm_core.group_ecrm_manager"):
            raise AccessError(_("Only eCRM managers can recompute the best customers."))
        result = self.sudo()._refresh(self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Best customers recomputed"),
                "message": _(
                    "%(members)s best customers: %(entered)s entered, %(left)s left.",
                    members=result["members"],
                    entered=result["entered"],
                    left=result["left"],
                ),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Ranking, set-based
    # ------------------------------------------------------------------

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def _best_customer_params(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        percent = float(
            get("ecrm_core.best_customer_percent") or BEST_CUSTOMER_PARAMS["ecrm_core.best_customer_percent"]
        )
        months = int(get("ecrm_core.best_customer_months") or BEST_CUSTOMER_PARAMS["ecrm_core.best_customer_months"])
        if not 0 < percent <= 100 or months < 1:
            raise UserError(
                _(
                    "The best customers settings are not valid (%(percent)s%% over %(months)s months): the share "
                    "must be more than 0 and at most 100, the period at least one month. Fix them in eCRM settings.",
                    percent=percent,
                    months=months,
                )
            )
        return percent, months

    @api.model
    def _value_query(self, companies, date_from):
        """Value of each commercial partner per company from ``date_from``: one SELECT of
        (company_id, partner_id, value), untaxed confirmed sales in company currency, as the
        contact statistics count them. Override to add other sales (e.g. POS orders).
        """
        return SQL(
            """
            SELECT o.company_id, p.commercial_partner_id AS partner_id,
                   sum(o.amount_untaxed / NULLIF(o.currency_rate, 0)) AS value
              FROM sale_order o
              JOIN res_partner p ON p.id = o.partner_id
             WHERE o.state = 'sale' AND o.date_order >= %s AND o.company_id = ANY(%s)
             GROUP BY o.company_id, p.commercial_partner_id
            """,
            date_from,
            companies.ids,
        )

    @api.model
    def _refresh(self, companies=None):
        """Rank the customers of ``companies`` (default: all) and record who entered and who left.

        One statement ranks every customer by value over the period (``rank()`` per company),
        keeps the top share (ties with the last one in are in), compares with the current
        members (each one's latest event) and inserts the changes. Then the partners' flag is
        updated and the reward rules of each company are applied to the entrants and leavers.

        :return: dict with the numbers of ``entered``, ``left`` and ``members``
        """
        companies = companies if companies is not None else self.env["res.company"].search([])
        percent, months = self._best_customer_params()
        now = fields.Datetime.now()
        date_from = period_start(now.date(), months)
        self.env.flush_all()
        cr = self.env.cr
        # one refresh at a time: the second would record the same changes again
        cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext('ecrm.best.customer.event'))"))
        cr.execute(
            SQL(
                """
            WITH value AS (%(value)s
            ), ranked AS (
                SELECT company_id, partner_id, value,
                       rank() OVER (PARTITION BY company_id ORDER BY value DESC) AS position,
                       count(*) OVER (PARTITION BY company_id) AS population
                  FROM value
                 WHERE value > 0
            ), best AS (
                -- the top share, rounded up; ties with the last one in are in too
                SELECT * FROM ranked WHERE position <= CEIL(population * %(percent)s::numeric / 100)
            ), populations AS (
                SELECT company_id, max(population) AS population FROM ranked GROUP BY company_id
            ), previous AS (
                SELECT partner_id, company_id
                  FROM (SELECT DISTINCT ON (partner_id, company_id) partner_id, company_id, kind
                          FROM ecrm_best_customer_event
                         WHERE company_id = ANY(%(companies)s)
                         ORDER BY partner_id, company_id, date DESC, id DESC) latest
                 WHERE kind = 'entered'
            ), changes AS (
                SELECT 'entered' AS kind, b.partner_id, b.company_id, b.value, b.position, b.population
                  FROM best b
                  LEFT JOIN previous p ON p.partner_id = b.partner_id AND p.company_id = b.company_id
                 WHERE p.partner_id IS NULL
                 UNION ALL
                SELECT 'left', p.partner_id, p.company_id, COALESCE(r.value, 0), COALESCE(r.position, 0),
                       COALESCE(n.population, 0)
                  FROM previous p
                  LEFT JOIN best b ON b.partner_id = p.partner_id AND b.company_id = p.company_id
                  LEFT JOIN ranked r ON r.partner_id = p.partner_id AND r.company_id = p.company_id
                  LEFT JOIN populations n ON n.company_id = p.company_id
                 WHERE b.partner_id IS NULL
            )
            INSERT INTO ecrm_best_customer_event
                   (partner_id, company_id, kind, date, value, rank, customer_count,
                    create_uid, write_uid, create_date, write_date)
            SELECT partner_id, company_id, kind, %(now)s, ROUND(value::numeric, 2), position, population,
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM changes
            RETURNING company_id, kind, partner_id
            """,
                value=self._value_query(companies, date_from),
                percent=percent,
                companies=companies.ids,
                now=now,
                uid=self.env.uid,
            )
        )
        changes = {}
        for company_id, kind, partner_id in cr.fetchall():
            changes.setdefault((company_id, kind), []).append(partner_id)
        self._update_partner_flags([partner_id for ids in changes.values() for partner_id in ids])
        members = self._member_count(companies)
        self.invalidate_model()
        self.env["res.partner"].invalidate_model(["is_best_customer", "best_customer_since"])

        Partner = self.env["res.partner"]
        rules = self.env["ecrm.reward.rule"].search([("company_id", "in", companies.ids)])
        for company in companies:
            company_rules = rules.filtered(lambda rule, company=company: rule.company_id == company)
            company_rules._reward_entered(Partner.browse(changes.get((company.id, "entered"), [])))
            company_rules._reward_left(Partner.browse(changes.get((company.id, "left"), [])))
        result = {
            "entered": sum(len(ids) for (_company, kind), ids in changes.items() if kind == "entered"),
            "left": sum(len(ids) for (_company, kind), ids in changes.items() if kind == "left"),
            "members": members,
        }
        _logger.info("best customers (top %s%% over %s months): %s", percent, months, result)
        return result

    @api.model
    def _member_count(self, companies):
        """How many customers are best customers of ``companies`` now (a customer counts once per company)."""
        self.env.cr.execute(
            SQL(
                """
            SELECT count(*)
              FROM (SELECT DISTINCT ON (partner_id, company_id) kind
                      FROM ecrm_best_customer_event
                     WHERE company_id = ANY(%s)
                     ORDER BY partner_id, company_id, date DESC, id DESC) latest
             WHERE kind = 'entered'
            """,
                companies.ids,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _update_partner_flags(self, changed_ids):
        """Set ``is_best_customer`` and ``best_customer_since`` from the latest events of the partners
        that changed or are flagged.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            WITH candidates AS (
                SELECT id FROM res_partner WHERE is_best_customer
                 UNION
                SELECT unnest(%s::int[])
            ), latest AS (
                SELECT DISTINCT ON (e.partner_id, e.company_id) e.partner_id, e.kind, e.date
                  FROM ecrm_best_customer_event e
                  JOIN candidates c ON c.id = e.partner_id
                 ORDER BY e.partner_id, e.company_id, e.date DESC, e.id DESC
            ), state AS (
                SELECT c.id, bool_or(l.kind = 'entered') IS TRUE AS member,
                       min(l.date) FILTER (WHERE l.kind = 'entered')::date AS since
                  FROM candidates c
                  LEFT JOIN latest l ON l.partner_id = c.id
                 GROUP BY c.id
            )
            UPDATE res_partner p
               SET is_best_customer = s.member, best_customer_since = s.since
              FROM state s
             WHERE s.id = p.id
               AND (p.is_best_customer IS DISTINCT FROM s.member OR p.best_customer_since IS DISTINCT FROM s.since)
            """,
                list(changed_ids),
            )
        )
