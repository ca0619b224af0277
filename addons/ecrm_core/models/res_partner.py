import logging
from datetime import timedelta

import psycopg2
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.modules.db import has_trigram
from odoo.tools import SQL, html2plaintext
from odoo.tools.sql import create_index

from ..tools import data_quality, duplicates, privacy, rfm
from ..tools import email_quality as email_rules
from ..tools.contact import normalize_phone
from ..tools.profile import AGE_BANDS, LIFE_STAGES, age_band, age_on, life_stage
from .ecrm_contact_stats import CONTACT_STATS_COLUMNS, CONTACT_STATS_FIGURES, LIFECYCLE_STAGES, NUMERIC_TYPES

_logger = logging.getLogger(__name__)

TIMELINE_SIZE = 40

# Lifecycle thresholds: ir.config_parameter key -> default.
LIFECYCLE_PARAMS = {
    "ecrm_core.loyal_purchase_count": 5,
    "ecrm_core.at_risk_days": 180,
    "ecrm_core.lost_days": 365,
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Demographic profile (C4)
    gender = fields.Selection([("female", "Female"), ("male", "Male"), ("other", "Other")])
    birth_date = fields.Date()
    age = fields.Integer(compute="_compute_age", store=True)
    age_band = fields.Selection(
        [(key, label) for key, label, _low, _high in AGE_BANDS], compute="_compute_age", store=True
    )
    income_band = fields.Selection(
        [
            ("low", "Low"),
            ("lower_middle", "Lower middle"),
            ("middle", "Middle"),
            ("upper_middle", "Upper middle"),
            ("high", "High"),
        ],
    )
    education = fields.Selection(
        [
            ("none", "No formal education"),
            ("primary", "Primary school"),
            ("secondary", "Secondary school"),
            ("diploma", "Diploma"),
            ("bachelor", "Bachelor"),
            ("master", "Master"),
            ("doctorate", "Doctorate"),
        ],
    )
    household_size = fields.Integer(help="Number of people living in the household, the customer included.")
    children_count = fields.Integer(string="Children at Home")
    occupation = fields.Char()
    # Psychographic and lifestyle profile
    interest_tag_ids = fields.Many2many(
        "ecrm.profile.tag",
        "ecrm_partner_interest_tag_rel",
        "partner_id",
        "tag_id",
        string="Interests & Lifestyle",
        domain=[("kind", "in", ("interest", "lifestyle"))],
    )
    value_tag_ids = fields.Many2many(
        "ecrm.profile.tag",
        "ecrm_partner_value_tag_rel",
        "partner_id",
        "tag_id",
        string="Values & Personality",
        domain=[("kind", "in", ("value", "personality"))],
    )
    life_stage_auto = fields.Selection(
        LIFE_STAGES, string="Computed Life Stage", compute="_compute_life_stage_auto", store=True
    )
    life_stage_override = fields.Selection(
        LIFE_STAGES,
        string="Life Stage (set by hand)",
        help="Set when the computed life stage is wrong; clear it to use the computed one again.",
    )
    life_stage = fields.Selection(LIFE_STAGES, compute="_compute_life_stage", store=True)
    # Contact preferences
    preferred_channel_id = fields.Many2one("ecrm.channel", string="Preferred Channel")
    preferred_contact_time = fields.Selection(
        [("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening"), ("any", "Any time")],
    )
    phone_e164 = fields.Char(string="Phone (E.164)", compute="_compute_phone_e164", store=True, index="btree_not_null")
    mobile_e164 = fields.Char(
        string="Mobile (E.164)", compute="_compute_phone_e164", store=True, index="btree_not_null"
    )
    # Contact history statistics, refreshed for the whole population by _ecrm_compute_contact_stats.
    # Stored in ecrm_contact_stats_data (see ecrm.contact.stats), read, searched, sorted and grouped from here.
    first_touchpoint_date = fields.Datetime(compute="_compute_contact_stats", search="_search_first_touchpoint_date")
    last_touchpoint_date = fields.Datetime(compute="_compute_contact_stats", search="_search_last_touchpoint_date")
    touchpoint_count_30d = fields.Integer(
        string="Touchpoints (30 days)", compute="_compute_contact_stats", search="_search_touchpoint_count_30d"
    )
    touchpoint_count_90d = fields.Integer(
        string="Touchpoints (90 days)", compute="_compute_contact_stats", search="_search_touchpoint_count_90d"
    )
    touchpoint_count_365d = fields.Integer(
        string="Touchpoints (12 months)", compute="_compute_contact_stats", search="_search_touchpoint_count_365d"
    )
    last_purchase_date = fields.Datetime(compute="_compute_contact_stats", search="_search_last_purchase_date")
    purchase_count = fields.Integer(compute="_compute_contact_stats", search="_search_purchase_count")
    monetary_total = fields.Float(
        string="Total Purchases",
        compute="_compute_contact_stats",
        search="_search_monetary_total",
        digits="Product Price",
        help="Untaxed total of confirmed sale orders, in the company's currency.",
    )
    email_response_rate = fields.Float(
        string="E-mail Response Rate (%)",
        compute="_compute_contact_stats",
        search="_search_email_response_rate",
        help="E-mails received from the customer per e-mail sent to them over the last 12 months, at most 100%.",
    )
    contact_stats_date = fields.Datetime(
        string="Statistics Updated", compute="_compute_contact_stats", search="_search_contact_stats_date"
    )
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        readonly=True,
        compute="_compute_lifecycle_stage",
        inverse="_inverse_lifecycle_stage",
        search="_search_lifecycle_stage",
        help="Derived from the contact statistics. Latent: showed interest, never bought (C5).",
    )
    # Customer 360
    touchpoint_ids = fields.One2many("ecrm.touchpoint", "partner_id")
    touchpoint_count = fields.Integer(compute="_compute_touchpoint_count")
    timeline_touchpoint_ids = fields.Many2many(
        "ecrm.touchpoint",
        compute="_compute_timeline_touchpoint_ids",
        string="Timeline",
        help="The latest touchpoints; a company shows those of its contacts too.",
    )

    @api.depends("birth_date")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for partner in self:
            age = age_on(partner.birth_date, today)
            partner.age = max(age or 0, 0)  # a birth date in the future is a data error, not a negative age
            partner.age_band = age_band(age)

    @api.depends("age", "birth_date", "household_size", "children_count")
    def _compute_life_stage_auto(self):
        for partner in self:
            age = partner.age if partner.birth_date else None
            partner.life_stage_auto = life_stage(age, partner.household_size, partner.children_count)

    @api.depends("life_stage_auto", "life_stage_override")
    def _compute_life_stage(self):
        for partner in self:
            partner.life_stage = partner.life_stage_override or partner.life_stage_auto

    @api.depends("phone", "mobile", "country_id")
    def _compute_phone_e164(self):
        # Odoo's phone_validation; tools/contact.py normalize_phone gives the same answer without the ORM
        default_country = self.env.company.country_id
        for partner in self:
            country = partner.country_id or default_country
            partner.phone_e164 = partner._phone_format_number(partner.phone, country, force_format="E164") or False
            partner.mobile_e164 = partner._phone_format_number(partner.mobile, country, force_format="E164") or False

    def _touchpoint_domain(self):
        """Touchpoints shown on the partner: a company's include those of its contacts (B2B, C14)."""
        self.ensure_one()
        if self.is_company:
            return [("commercial_partner_id", "=", self.id)]
        return [("partner_id", "=", self.id)]

    @api.depends("touchpoint_ids", "child_ids.touchpoint_ids")
    def _compute_touchpoint_count(self):
        Touchpoint = self.env["ecrm.touchpoint"]
        if not Touchpoint.has_access("read"):
            self.touchpoint_count = 0
            return
        companies = self.filtered("is_company")
        people = self - companies
        counts = dict(Touchpoint._read_group([("partner_id", "in", people.ids)], ["partner_id"], ["__count"]))
        counts.update(
            Touchpoint._read_group(
                [("commercial_partner_id", "in", companies.ids)], ["commercial_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.touchpoint_count = counts.get(partner._origin, 0)

    @api.depends("touchpoint_ids", "child_ids.touchpoint_ids")
    def _compute_timeline_touchpoint_ids(self):
        Touchpoint = self.env["ecrm.touchpoint"]
        can_read = Touchpoint.has_access("read")
        for partner in self:
            if not can_read or not partner._origin.id:
                partner.timeline_touchpoint_ids = False
                continue
            partner.timeline_touchpoint_ids = Touchpoint.search(
                partner._origin._touchpoint_domain(), limit=TIMELINE_SIZE
            )

    def action_open_touchpoints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.ecrm_touchpoint_action_timeline")
        action["domain"] = self._touchpoint_domain()
        action["context"] = {"default_partner_id": self.id}
        action["display_name"] = _("Timeline of %s", self.display_name)
        return action

    def _ecrm_read_contact_stats(self, names):
        """{partner id: {column: value}} of ``names`` from ecrm_contact_stats_data, for the partners with a row."""
        ids = [partner_id for partner_id in self._origin.ids if partner_id]
        if not ids:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, %s FROM ecrm_contact_stats_data WHERE partner_id = ANY(%s)",
                SQL(", ").join(SQL.identifier(name) for name in names),
                ids,
            )
        )
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in self.env.cr.fetchall()}

    def _compute_contact_stats(self):
        values = self._ecrm_read_contact_stats(list(CONTACT_STATS_FIGURES))
        for partner in self:
            row = values.get(partner._origin.id, {})
            for name, kind in CONTACT_STATS_FIGURES.items():
                value = row.get(name)
                if value is None:
                    value = 0 if kind in NUMERIC_TYPES else False
                partner[name] = value

    def _compute_lifecycle_stage(self):
        values = self._ecrm_read_contact_stats(["lifecycle_stage"])
        for partner in self:
            partner.lifecycle_stage = values.get(partner._origin.id, {}).get("lifecycle_stage") or False

    def _inverse_lifecycle_stage(self):
        """Set by hand or by code (e.g. "latent" for a contact created from an event): upsert the rows.

        The next statistics run derives the stage again from the figures.
        """
        by_stage = {}
        for partner in self:
            if partner.id:
                by_stage.setdefault(partner.lifecycle_stage or None, []).append(partner.id)
        for stage, ids in by_stage.items():
            self.env.cr.execute(
                SQL(
                    """
                INSERT INTO ecrm_contact_stats_data (partner_id, lifecycle_stage)
                SELECT id, %s FROM unnest(%s::int[]) AS id
                ON CONFLICT (partner_id) DO UPDATE SET lifecycle_stage = excluded.lifecycle_stage
                """,
                    stage,
                    ids,
                )
            )

    def _search_lifecycle_stage(self, operator, value):
        return self._search_contact_stats_field("lifecycle_stage", operator, value)

    def _search_contact_stats_field(self, name, operator, value):
        """Partners whose statistic ``name`` matches; a partner without statistics has 0 and empty dates."""
        matching = self.env["ecrm.contact.stats"].sudo()._search([(name, operator, value)])
        return [("id", "in", matching.subselect("partner_id"))]

    def _search_first_touchpoint_date(self, operator, value):
        return self._search_contact_stats_field("first_touchpoint_date", operator, value)

    def _search_last_touchpoint_date(self, operator, value):
        return self._search_contact_stats_field("last_touchpoint_date", operator, value)

    def _search_touchpoint_count_30d(self, operator, value):
        return self._search_contact_stats_field("touchpoint_count_30d", operator, value)

    def _search_touchpoint_count_90d(self, operator, value):
        return self._search_contact_stats_field("touchpoint_count_90d", operator, value)

    def _search_touchpoint_count_365d(self, operator, value):
        return self._search_contact_stats_field("touchpoint_count_365d", operator, value)

    def _search_last_purchase_date(self, operator, value):
        return self._search_contact_stats_field("last_purchase_date", operator, value)

    def _search_purchase_count(self, operator, value):
        return self._search_contact_stats_field("purchase_count", operator, value)

    def _search_monetary_total(self, operator, value):
        return self._search_contact_stats_field("monetary_total", operator, value)

    def _search_email_response_rate(self, operator, value):
        return self._search_contact_stats_field("email_response_rate", operator, value)

    def _search_contact_stats_date(self, operator, value):
        return self._search_contact_stats_field("contact_stats_date", operator, value)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The contact statistics and stage, read from their own table: sortable, groupable, summable."""
        if fname not in CONTACT_STATS_COLUMNS:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])
        if query is None:
            column = SQL(
                "(SELECT %s FROM ecrm_contact_stats_data WHERE partner_id = %s)",
                SQL.identifier(fname),
                SQL.identifier(alias, "id"),
            )
        else:
            stats_alias = query.make_alias(alias, "ecrm_stats")
            query.add_join(
                "LEFT JOIN",
                stats_alias,
                "ecrm_contact_stats_data",
                SQL("%s = %s", SQL.identifier(stats_alias, "partner_id"), SQL.identifier(alias, "id")),
            )
            column = SQL.identifier(stats_alias, fname)
        if CONTACT_STATS_COLUMNS[fname] in NUMERIC_TYPES:
            return SQL("COALESCE(%s, 0)", column)
        return column

    def action_ecrm_refresh_stats(self):
        self._ecrm_compute_contact_stats(self.ids)
        return True

    # ------------------------------------------------------------------
    # Contact statistics and lifecycle (C4, C5), set-based
    # ------------------------------------------------------------------

    @api.model
    def _cron_ecrm_contact_stats(self):
        self._ecrm_refresh_ages()
        self._ecrm_compute_contact_stats()

    @api.model
    def _ecrm_schedule_contact_stats(self):
        """Ask the statistics cron to run soon, after new touchpoints arrived in bulk."""
        cron = self.env.ref("ecrm_core.ir_cron_contact_stats", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _ecrm_lifecycle_params(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        return {key.split(".", 1)[1]: int(get(key, default) or default) for key, default in LIFECYCLE_PARAMS.items()}

    @api.model
    def _ecrm_contact_stats_query(self, now, partner_ids=None):
        """The statistics of every partner (or of ``partner_ids``) as one SELECT, without writing them."""
        params = self._ecrm_lifecycle_params()
        only = SQL("")
        only_tp = SQL("")
        only_so = SQL("")
        if partner_ids is not None:
            ids = list(partner_ids)
            only = SQL("WHERE p.id = ANY(%s)", ids)
            only_tp = SQL("WHERE t.partner_id = ANY(%s) OR t.commercial_partner_id = ANY(%s)", ids, ids)
            only_so = SQL(
                "AND o.partner_id IN (SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) OR %s)",
                ids,
                SQL("p.commercial_partner_id = ANY(%s)", ids),
            )
        return SQL(
            """
            WITH tp0 AS (
                -- one plain GROUP BY (it can run in parallel), then the companies are rolled up from its result
                SELECT t.partner_id, t.commercial_partner_id,
                       min(t.date) AS first_date, max(t.date) AS last_date,
                       count(*) FILTER (WHERE t.date >= %(d30)s) AS c30,
                       count(*) FILTER (WHERE t.date >= %(d90)s) AS c90,
                       count(*) FILTER (WHERE t.date >= %(d365)s) AS c365,
                       count(*) FILTER (WHERE t.direction = 'inbound') AS inbound,
                       count(*) FILTER (WHERE t.touchpoint_type = 'email_in' AND t.date >= %(d365)s) AS mail_in,
                       count(*) FILTER (WHERE t.touchpoint_type = 'email_out' AND t.date >= %(d365)s) AS mail_out
                  FROM ecrm_touchpoint t %(only_tp)s
                 GROUP BY t.partner_id, t.commercial_partner_id
            ), tp AS (
                -- each partner's own touchpoints, and a company's through its contacts
                SELECT partner_id, first_date, last_date, c30, c90, c365, inbound, mail_in, mail_out FROM tp0
                 UNION ALL
                SELECT commercial_partner_id, first_date, last_date, c30, c90, c365, inbound, mail_in, mail_out
                  FROM tp0 WHERE commercial_partner_id <> partner_id
            ), so00 AS (
                -- grouped by customer first, then joined to res_partner for the commercial partner: a join of
                -- 30,000 customers instead of 125,000 orders in the bench
                SELECT o.partner_id,
                       max(o.date_order) AS last_purchase, count(*) AS purchases,
                       sum(o.amount_untaxed / NULLIF(o.currency_rate, 0)) AS total
                  FROM sale_order o
                 WHERE o.state = 'sale' %(only_so)s
                 GROUP BY o.partner_id
            ), so0 AS (
                SELECT so00.*, p.commercial_partner_id FROM so00 JOIN res_partner p ON p.id = so00.partner_id
            ), so AS (
                SELECT partner_id, last_purchase, purchases, total FROM so0
                 UNION ALL
                SELECT commercial_partner_id, last_purchase, purchases, total
                  FROM so0 WHERE commercial_partner_id <> partner_id
            ), tp1 AS (
                SELECT partner_id, min(first_date) AS first_date, max(last_date) AS last_date, sum(c30) AS c30,
                       sum(c90) AS c90, sum(c365) AS c365, sum(inbound) AS inbound,
                       sum(mail_in) AS mail_in, sum(mail_out) AS mail_out
                  FROM tp GROUP BY partner_id
            ), so1 AS (
                SELECT partner_id, max(last_purchase) AS last_purchase, sum(purchases) AS purchases,
                       sum(total) AS total
                  FROM so GROUP BY partner_id
            )
            SELECT p.id,
                   tp1.first_date, tp1.last_date,
                   COALESCE(tp1.c30, 0)::int AS c30, COALESCE(tp1.c90, 0)::int AS c90,
                   COALESCE(tp1.c365, 0)::int AS c365,
                   so1.last_purchase, COALESCE(so1.purchases, 0)::int AS purchases,
                   ROUND(COALESCE(so1.total, 0)::numeric, 2)::float AS total,
                   CASE WHEN COALESCE(tp1.mail_out, 0) = 0 THEN 0
                        ELSE LEAST(100.0, 100.0 * tp1.mail_in / tp1.mail_out) END AS response_rate,
                   CASE WHEN COALESCE(so1.purchases, 0) = 0 THEN
                             CASE WHEN COALESCE(tp1.inbound, 0) > 0 THEN 'latent' END
                        WHEN so1.last_purchase < %(lost)s THEN 'lost'
                        WHEN so1.last_purchase < %(at_risk)s THEN 'at_risk'
                        WHEN so1.purchases >= %(loyal)s THEN 'loyal'
                        WHEN so1.purchases >= 2 THEN 'repeat'
                        ELSE 'new' END AS stage
              FROM res_partner p
              LEFT JOIN tp1 ON tp1.partner_id = p.id
              LEFT JOIN so1 ON so1.partner_id = p.id
              %(only)s
            """,
            d30=now - timedelta(days=30),
            d90=now - timedelta(days=90),
            d365=now - timedelta(days=365),
            lost=now - timedelta(days=params["lost_days"]),
            at_risk=now - timedelta(days=params["at_risk_days"]),
            loyal=params["loyal_purchase_count"],
            only=only,
            only_tp=only_tp,
            only_so=only_so,
        )

    @api.model
    def _ecrm_compute_contact_stats(self, partner_ids=None):
        """Refresh contact statistics and lifecycle stage of the population (or of ``partner_ids``), set-based.

        Everything goes into ecrm_contact_stats_data, not res_partner (a res_partner row is costly
        to rewrite: see bench/RESULTS.md), and only the rows whose values changed are written, in
        one statement. With ``partner_ids`` None, the rows of partners deleted since the last run go
        too. Returns the number of partners whose figures or stage changed.
        """
        now = fields.Datetime.now()
        self.env.flush_all()
        cr = self.env.cr
        stats = self._ecrm_contact_stats_query(now, partner_ids)
        # JIT compilation costs more than it saves on this one-off aggregate, and with the default 4 MB the
        # aggregates and sorts of 100,000 partners spill to disk (both measured in bench/RESULTS.md)
        cr.execute("SET LOCAL jit = off")
        cr.execute("SELECT current_setting('work_mem')")
        work_mem = cr.fetchone()[0]
        cr.execute("SET LOCAL work_mem = '32MB'")
        # The aggregate goes into a temporary table first: PostgreSQL runs a SELECT feeding an INSERT
        # (or any writing statement) without parallel workers, a CREATE TABLE AS with them, which halves
        # the aggregation of 2,000,000 touchpoints on 2 cores (see bench/RESULTS.md).
        cr.execute("DROP TABLE IF EXISTS pg_temp.ecrm_contact_stats_new")
        cr.execute(SQL("CREATE TEMPORARY TABLE ecrm_contact_stats_new ON COMMIT DROP AS %s", stats))
        columns = SQL(", ").join(SQL.identifier(name) for name in ("partner_id", *CONTACT_STATS_COLUMNS))
        values = SQL(
            "v.id, v.first_date, v.last_date, v.c30, v.c90, v.c365, v.last_purchase, v.purchases, v.total, "
            "v.response_rate, %s::timestamp, v.stage",
            now,
        )
        if self._ecrm_lock_empty_contact_stats():
            # First run (install, upgrade): a plain INSERT in id order, which appends to the primary key's
            # index instead of probing it for each row as an upsert does (measured in bench/RESULTS.md)
            cr.execute(
                SQL(
                    "INSERT INTO ecrm_contact_stats_data (%s) SELECT %s FROM ecrm_contact_stats_new v ORDER BY v.id"
                    " RETURNING partner_id",
                    columns,
                    values,
                )
            )
        else:
            gone = SQL("")
            if partner_ids is None:
                # rows of partners deleted since the last run
                gone = SQL(
                    """WITH gone AS (
                    DELETE FROM ecrm_contact_stats_data d
                     WHERE NOT EXISTS (SELECT 1 FROM res_partner p WHERE p.id = d.partner_id)
                )"""
                )
            # the comparison is one hash join, not an upsert probing the index for every partner: the
            # nightly run, where little changes, writes only what did
            old = SQL(
                "d.first_touchpoint_date, d.last_touchpoint_date, d.touchpoint_count_30d, d.touchpoint_count_90d, "
                "d.touchpoint_count_365d, d.last_purchase_date, d.purchase_count, d.monetary_total, "
                "d.email_response_rate, d.lifecycle_stage"
            )
            new = SQL(
                "v.first_date, v.last_date, v.c30, v.c90, v.c365, v.last_purchase, v.purchases, v.total, "
                "v.response_rate::float, v.stage"
            )
            cr.execute(
                SQL(
                    """
                %(gone)s
                INSERT INTO ecrm_contact_stats_data AS d (%(columns)s)
                SELECT %(values)s
                  FROM ecrm_contact_stats_new v
                  LEFT JOIN ecrm_contact_stats_data d ON d.partner_id = v.id
                 WHERE d.partner_id IS NULL OR (%(old)s) IS DISTINCT FROM (%(new)s)
                 ORDER BY v.id
                ON CONFLICT (partner_id) DO UPDATE SET %(update)s
                RETURNING d.partner_id
                """,
                    gone=gone,
                    columns=columns,
                    values=values,
                    old=old,
                    new=new,
                    update=SQL(", ").join(
                        SQL("%s = excluded.%s", SQL.identifier(name), SQL.identifier(name))
                        for name in CONTACT_STATS_COLUMNS
                    ),
                )
            )
        changed_ids = [row[0] for row in cr.fetchall()]
        cr.execute("DROP TABLE ecrm_contact_stats_new")
        cr.execute(SQL("SELECT set_config('work_mem', %s, true)", work_mem))
        self.invalidate_model(list(CONTACT_STATS_COLUMNS))
        self._ecrm_after_contact_stats(changed_ids)
        return len(changed_ids)

    @api.model
    def _ecrm_lock_empty_contact_stats(self):
        """Whether ecrm_contact_stats_data is empty; if so, it is locked against other writers till commit.

        Readers are not blocked. The lock makes the plain INSERT of a first run safe from a second run
        (or a stage written on a new contact) filling the table meanwhile.
        """
        cr = self.env.cr
        cr.execute("SELECT EXISTS (SELECT 1 FROM ecrm_contact_stats_data)")
        if cr.fetchone()[0]:
            return False
        cr.execute("LOCK TABLE ecrm_contact_stats_data IN SHARE ROW EXCLUSIVE MODE")
        cr.execute("SELECT EXISTS (SELECT 1 FROM ecrm_contact_stats_data)")
        return not cr.fetchone()[0]

    @api.model
    def _ecrm_after_contact_stats(self, partner_ids):
        """Hook called with the ids of the partners whose statistics just changed; extend it to follow them.

        Places them (and the customers in no cluster yet) in the nearest existing cluster (C7).
        """
        self.env["ecrm.cluster.run"]._classify_partners(partner_ids)

    @api.model
    def _ecrm_refresh_ages(self):
        """Recompute age, age band and life stage of the partners whose age changed since last time."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT id FROM res_partner
             WHERE birth_date IS NOT NULL
               AND COALESCE(age, -1) <> GREATEST(date_part('year', age(%s::date, birth_date))::int, 0)
            """,
                fields.Date.context_today(self),
            )
        )
        partners = self.browse(row[0] for row in self.env.cr.fetchall())
        if partners:
            partners.modified(["birth_date"])
            partners.flush_recordset()
        return len(partners)

    # ------------------------------------------------------------------
    # --- RFM and segments (C7, C8) ---
    # Recency, frequency and monetary scores of commercial partners over a window of
    # purchases, for the whole population in one statement (_ecrm_compute_rfm). They are
    # stored in ecrm.rfm.score (one narrow row per customer) and shown and searched here;
    # the segments' members are materialised by ecrm.segment. Hidden from non-eCRM users.
    # ------------------------------------------------------------------
    rfm_recency_score = fields.Integer(
        string="Recency Score",
        compute="_compute_rfm",
        search="_search_rfm_recency_score",
        groups="ecrm_core.group_ecrm_user",
        help="1 to 5: how recently the customer last bought; 5 is the most recent.",
    )
    rfm_frequency_score = fields.Integer(
        string="Frequency Score",
        compute="_compute_rfm",
        search="_search_rfm_frequency_score",
        groups="ecrm_core.group_ecrm_user",
        help="1 to 5: how many orders the customer placed in the RFM window; 5 is the most.",
    )
    rfm_monetary_score = fields.Integer(
        string="Monetary Score",
        compute="_compute_rfm",
        search="_search_rfm_monetary_score",
        groups="ecrm_core.group_ecrm_user",
        help="1 to 5: how much the customer spent in the RFM window; 5 is the most.",
    )
    rfm_score = fields.Char(
        string="RFM Score",
        compute="_compute_rfm",
        search="_search_rfm_score",
        groups="ecrm_core.group_ecrm_user",
        help="Recency, frequency and monetary scores side by side: 545 bought very recently, often, and much.",
    )
    rfm_segment = fields.Selection(
        rfm.SEGMENT_SELECTION,
        string="RFM Segment",
        compute="_compute_rfm",
        search="_search_rfm_segment",
        groups="ecrm_core.group_ecrm_user",
        help="Named from the recency and frequency scores. Only customers (companies and individuals) "
        "who bought within the RFM window are scored; the people of a company share its scores.",
    )
    rfm_segment_explanation = fields.Char(
        string="What It Means", compute="_compute_rfm", groups="ecrm_core.group_ecrm_user"
    )
    segment_ids = fields.Many2many(
        "ecrm.segment",
        "ecrm_segment_partner_rel",
        "partner_id",
        "segment_id",
        string="Segments",
        readonly=True,
        copy=False,
        groups="ecrm_core.group_ecrm_user",
        help="The segments the contact was in at their last refresh.",
    )

    @api.model
    def _ecrm_rfm_fields(self):
        """res.partner field -> ecrm.rfm.score field."""
        return {
            "rfm_recency_score": "recency_score",
            "rfm_frequency_score": "frequency_score",
            "rfm_monetary_score": "monetary_score",
            "rfm_score": "rfm_score",
            "rfm_segment": "rfm_segment",
        }

    def _compute_rfm(self):
        names = self._ecrm_rfm_fields()
        Score = self.env["ecrm.rfm.score"].sudo()
        rows = Score.search_read([("partner_id", "in", self._origin.ids)], [*names.values(), "partner_id"])
        by_partner = {row["partner_id"][0]: row for row in rows}
        for partner in self:
            row = by_partner.get(partner._origin.id, {})
            for name, score_name in names.items():
                partner[name] = row.get(score_name, False)
            segment = row.get("rfm_segment")
            partner.rfm_segment_explanation = self.env._(rfm.EXPLANATIONS[segment]) if segment else False

    def _search_rfm(self, name, operator, value):
        """Partners whose score field ``name`` matches; partners without a score count as empty."""
        matching = self.env["ecrm.rfm.score"].sudo()._search([(self._ecrm_rfm_fields()[name], operator, value)])
        domain = [("id", "in", matching.subselect("partner_id"))]
        empty_matches = (
            (operator == "=" and not value)
            or (operator == "!=" and value)
            or (operator == "in" and False in value)
            or (operator == "not in" and False not in value)
        )
        if empty_matches:
            scored = self.env["ecrm.rfm.score"].sudo()._search([])
            domain = ["|", *domain, ("id", "not in", scored.subselect("partner_id"))]
        return domain

    def _search_rfm_recency_score(self, operator, value):
        return self._search_rfm("rfm_recency_score", operator, value)

    def _search_rfm_frequency_score(self, operator, value):
        return self._search_rfm("rfm_frequency_score", operator, value)

    def _search_rfm_monetary_score(self, operator, value):
        return self._search_rfm("rfm_monetary_score", operator, value)

    def _search_rfm_score(self, operator, value):
        return self._search_rfm("rfm_score", operator, value)

    def _search_rfm_segment(self, operator, value):
        return self._search_rfm("rfm_segment", operator, value)

    @api.model
    def _ecrm_rfm_params(self):
        """RFM settings: window in months, method, and the limits of the threshold method."""
        get = self.env["ir.config_parameter"].sudo().get_param
        try:
            return {
                "window_months": int(get("ecrm_core.rfm_window_months") or rfm.DEFAULT_WINDOW_MONTHS),
                "method": get("ecrm_core.rfm_method") or "quintile",
                "recency_days": rfm.parse_thresholds(
                    get("ecrm_core.rfm_recency_days") or ",".join(map(str, rfm.DEFAULT_RECENCY_DAYS))
                ),
                "frequency_orders": rfm.parse_thresholds(
                    get("ecrm_core.rfm_frequency_orders") or ",".join(map(str, rfm.DEFAULT_FREQUENCY_ORDERS))
                ),
                "monetary_amounts": rfm.parse_thresholds(
                    get("ecrm_core.rfm_monetary_amounts") or ",".join(map(str, rfm.DEFAULT_MONETARY_AMOUNTS))
                ),
            }
        except ValueError as error:
            raise UserError(_("The RFM settings are not valid: %s Fix them in eCRM settings.", error)) from error

    @api.model
    def _ecrm_rfm_sources(self, date_from, date_to):
        """The purchases RFM counts, as SELECTs of (partner, date, untaxed amount in company currency).

        Only purchases from ``date_from`` included to ``date_to`` excluded. Override to add
        sources: ecrm_pos adds paid POS orders.
        """
        return [
            SQL(
                """
            SELECT o.partner_id, o.date_order, o.amount_untaxed / NULLIF(o.currency_rate, 0)
              FROM sale_order o
             WHERE o.state = 'sale' AND o.date_order >= %s AND o.date_order < %s
            """,
                date_from,
                date_to,
            )
        ]

    @api.model
    def _ecrm_rfm_query(self, today):
        """Scores and segment, as of the end of ``today``, of every customer with a purchase in the window.

        One SELECT with columns partner_id, r, f, m, segment, last_day, orders, amount.
        Purchases count for the commercial partner (a company scores with its people's orders).
        """
        params = self._ecrm_rfm_params()
        if params["window_months"] < 1:
            raise UserError(_("The RFM window must be at least one month. Fix it in eCRM settings."))
        date_to = today + relativedelta(days=1)
        purchases = SQL(" UNION ALL ").join(
            self._ecrm_rfm_sources(date_to - relativedelta(months=params["window_months"]), date_to)
        )
        if params["method"] == "threshold":
            # width_bucket(x, limits) counts the limits that x reaches, like rfm.threshold_score
            scores = SQL(
                """
                SELECT *,
                       5 - width_bucket((%(today)s::date - last_day)::numeric, %(recency)s::numeric[]) AS r,
                       1 + width_bucket(orders::numeric, %(frequency)s::numeric[]) AS f,
                       1 + width_bucket(amount, %(monetary)s::numeric[]) AS m
                  FROM customer
                """,
                today=today,
                recency=list(params["recency_days"]),
                frequency=list(params["frequency_orders"]),
                monetary=list(params["monetary_amounts"]),
            )
        else:
            # NTILE(5) quintiles where equal figures share the lowest quintile among them, without
            # sorting the customers three times: a figure scores 1 + the number of quintile edges it
            # is above, an edge being the figure just before a quintile starts (see rfm.quintile_edges).
            # Recency compares the time of the last order, not its day: the customers of one busy day
            # would otherwise all fall back to the quintile where that day starts. Amounts are sorted and
            # compared as float8, which sorts 200,000 of them in half the time of numeric; amounts have
            # two decimals, so distinct amounts stay distinct and in the same order: the same scores.
            # Each amount is converted once, in customer.amount_float: PostgreSQL converts a numeric to
            # float8 through its text form, and five conversions per customer cost more than the sorts.
            scores = SQL(
                """
                WITH edge AS MATERIALIZED (  -- one row of twelve figures: the arrays are read once, not per customer
                    SELECT %(edges)s
                      FROM (SELECT count(*) AS n, array_agg(last_ordered ORDER BY last_ordered) AS r,
                                   array_agg(orders::integer ORDER BY orders::integer) AS f,
                                   array_agg(amount_float ORDER BY amount_float) AS m
                              FROM customer) a
                )
                SELECT c.*, %(r)s AS r, %(f)s AS f, %(m)s AS m
                  FROM customer c
                 CROSS JOIN edge e
                """,
                # the k-th edge is the figure at the 1-based position where NTILE's bucket k starts
                edges=SQL(", ").join(
                    SQL(
                        "%s[%s * (a.n / 5) + least(%s, mod(a.n, 5))] AS %s",
                        SQL.identifier("a", figure),
                        k - 1,
                        k - 1,
                        SQL.identifier(f"{figure}{k}"),
                    )
                    for figure in ("r", "f", "m")
                    for k in range(2, 6)
                ),
                r=self._ecrm_quintile_sql("c.last_ordered", "r"),
                f=self._ecrm_quintile_sql("c.orders", "f"),
                m=self._ecrm_quintile_sql("c.amount_float", "m"),
            )
        # the segment of each R/F cell, looked up as grid[(r - 1) * 5 + f]: a join with a VALUES list
        # would do too, but would make the planner expect a hundred rows instead of the population
        cells = [rfm.GRID[r, f] for r in rfm.SCORES for f in rfm.SCORES]
        grid = SQL("ARRAY[%s]::varchar[]", SQL(", ").join(cells))
        return SQL(
            """
            WITH purchase(partner_id, ordered, amount) AS (%(purchases)s),
            customer AS (
                SELECT p.commercial_partner_id AS partner_id, max(pu.ordered) AS last_ordered,
                       max(pu.ordered)::date AS last_day, count(*) AS orders,
                       round(COALESCE(sum(pu.amount), 0)::numeric, 2) AS amount,
                       round(COALESCE(sum(pu.amount), 0)::numeric, 2)::float8 AS amount_float
                  FROM purchase pu
                  JOIN res_partner p ON p.id = pu.partner_id
                 GROUP BY p.commercial_partner_id
            ),
            score AS (%(scores)s)
            SELECT s.partner_id, s.r, s.f, s.m, (%(grid)s)[(s.r - 1) * 5 + s.f] AS segment,
                   s.last_day, s.orders, s.amount
              FROM score s
            """,
            purchases=purchases,
            scores=scores,
            grid=grid,
        )

    @api.model
    def _ecrm_quintile_sql(self, figure, edges):
        """SQL of rfm.edge_score: 1 + the number of quintile edges e.<edges>2..5 that ``figure`` is above."""
        above = (SQL("(%s > %s)::int", SQL(figure), SQL.identifier("e", f"{edges}{k}")) for k in range(2, 6))
        return SQL(" + ").join([SQL("1"), *above])

    @api.model
    def _ecrm_compute_rfm(self):
        """Score every customer and name their RFM segment (see ecrm.rfm.score); returns the rows changed."""
        return self.env["ecrm.rfm.score"]._compute_all()

    @api.model
    def _cron_ecrm_rfm(self):
        self._ecrm_compute_rfm()

    # --- end of RFM and segments ---

    # ------------------------------------------------------------------
    # --- Clusters and anomalies (C7) ---
    # The customer's cluster (ecrm.cluster.run places new and changed customers in the
    # nearest one after each statistics refresh, see _ecrm_after_contact_stats) and the
    # anomaly flags raised on them (ecrm.anomaly). Hidden from non-eCRM users.
    # ------------------------------------------------------------------
    cluster_id = fields.Many2one(
        "ecrm.cluster",
        string="Cluster",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="ecrm_core.group_ecrm_user",
        help="The group of similar customers this customer belongs to, from the latest clustering; "
        "new and changed customers are placed in the nearest cluster as their statistics change.",
    )
    anomaly_ids = fields.One2many(
        "ecrm.anomaly", "partner_id", string="Anomaly Flags", groups="ecrm_core.group_ecrm_user"
    )
    open_anomaly_ids = fields.One2many(
        "ecrm.anomaly",
        "partner_id",
        string="Open Anomaly Flags",
        domain=[("state", "=", "new")],
        groups="ecrm_core.group_ecrm_user",
    )
    open_anomaly_count = fields.Integer(
        string="Open Anomalies", compute="_compute_open_anomaly_count", groups="ecrm_core.group_ecrm_user"
    )

    @api.depends("open_anomaly_ids")
    def _compute_open_anomaly_count(self):
        for partner in self:
            partner.open_anomaly_count = len(partner.open_anomaly_ids)

    # --- end of clusters and anomalies ---

    # ------------------------------------------------------------------
    # --- Best customers (C8) and recommendations (C9) ---
    # The flag is set for the whole population by ecrm.best.customer.event._refresh (daily
    # cron); the recommendations are read from ecrm.recommendation (rebuilt weekly) for the
    # customer's commercial partner.
    # ------------------------------------------------------------------
    is_best_customer = fields.Boolean(
        string="Best Customer",
        readonly=True,
        copy=False,
        groups="ecrm_core.group_ecrm_user",
        help="Among the top share of customers by value over the period set in eCRM settings, in at least one "
        "company. Recomputed every day.",
    )
    best_customer_since = fields.Date(
        readonly=True,
        copy=False,
        groups="ecrm_core.group_ecrm_user",
        help="When the customer last entered the best customers.",
    )
    recommendation_ids = fields.Many2many(
        "ecrm.recommendation",
        compute="_compute_recommendation_ids",
        string="Recommendations",
        groups="ecrm_core.group_ecrm_user",
        help="Products the customer has not bought yet, best first, from what customers with the same "
        "purchases bought. A company's contacts share its recommendations.",
    )
    recommended_product_ids = fields.Many2many(
        "product.product",
        compute="_compute_recommended_product_ids",
        string="Recommended Products",
        help="The products recommended to the customer in the current company, best first. "
        "In a mail template: object.recommended_product_ids[:3].",
    )

    @api.model
    def action_ecrm_refresh_best_customers(self):
        """Button of the best customers list, on no record: rank the customers now."""
        return self.env["ecrm.best.customer.event"].action_refresh_best_customers()

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_recommendation_ids(self):
        Recommendation = self.env["ecrm.recommendation"]
        commercial_ids = {partner: partner._origin.commercial_partner_id.id for partner in self}
        rows = Recommendation.browse()
        if Recommendation.has_access("read"):
            rows = Recommendation.search(
                [
                    ("partner_id", "in", [pid for pid in commercial_ids.values() if pid]),
                    ("company_id", "in", self.env.companies.ids),
                ]
            )
        by_partner = rows.grouped(lambda row: row.partner_id.id)
        for partner in self:
            partner.recommendation_ids = by_partner.get(commercial_ids[partner], Recommendation)

    @api.depends_context("company")
    def _compute_recommended_product_ids(self):
        """Read for mail templates too, by anyone who may read the partner: the rows are read as
        superuser, so the current company is filtered here by hand.
        """
        commercial_ids = {partner: partner._origin.commercial_partner_id.id for partner in self}
        rows = (
            self.env["ecrm.recommendation"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", [pid for pid in commercial_ids.values() if pid]),
                    ("company_id", "=", self.env.company.id),
                    ("product_id.active", "=", True),
                ],
                ["partner_id", "product_id"],
                order="partner_id, rank",
            )
        )
        products = {}
        for row in rows:
            products.setdefault(row.partner_id.id, []).append(row.product_id.id)
        Product = self.env["product.product"]
        for partner in self:
            partner.recommended_product_ids = Product.browse(products.get(commercial_ids[partner], []))

    # --- end of best customers and recommendations ---

    # ------------------------------------------------------------------
    # --- Data quality (C6) and privacy (C16) ---
    # E-mail check and the keys duplicates are found by (live computes, refreshed for the
    # whole population by the cleaning cron in ecrm.data.quality), "does not want
    # messages" (set-based, with the _ecrm_do_not_message_sql hook), the data-quality
    # score, the possible-duplicates warning, "forget this person" and the export of
    # everything held on one person.
    # ------------------------------------------------------------------
    # Fields whose change may change "does not want messages"
    _ecrm_do_not_message_triggers = frozenset({"email", "phone", "mobile", "message_bounce"})

    email_quality = fields.Selection(
        email_rules.QUALITIES,
        string="E-mail Check",
        compute="_compute_email_quality",
        store=True,
        index="btree_not_null",
        help="Valid, probable typo (a near miss of a popular domain), disposable (a throw-away provider), "
        "role (info@, sales@...: a team, not a person) or invalid.",
    )
    email_suggestion = fields.Char(
        string="Suggested E-mail",
        compute="_compute_email_quality",
        store=True,
        help="The address probably meant, when the domain looks mistyped.",
    )
    email_dedup_key = fields.Char(
        string="Mailbox Key",
        compute="_compute_email_quality",
        store=True,
        index="btree_not_null",
        help="The mailbox the address reaches, for finding duplicates: lower case, +tags dropped, "
        "Gmail dots ignored, domain typo corrected.",
    )
    name_key = fields.Char(
        compute="_compute_name_key",
        store=True,
        index="trigram",
        help="The name as compared between contacts: lower case, no accents or titles; empty when the name "
        "is only an e-mail or a phone.",
    )
    address_key = fields.Char(
        compute="_compute_address_key",
        store=True,
        index="btree_not_null",
        help="Street, postcode and city as compared between contacts.",
    )
    phone_invalid = fields.Boolean(
        string="Invalid Phone",
        compute="_compute_phone_invalid",
        store=True,
        help="A phone or mobile number is filled in but cannot be read as a number of the contact's country.",
    )
    do_not_message = fields.Boolean(
        string="Does Not Want Messages",
        default=False,
        readonly=True,
        copy=False,
        help="Blacklisted, bouncing, opted out or forgotten: no campaign may pick this contact (K2).",
    )
    do_not_message_reason = fields.Selection(
        [
            ("erased", "Forgotten at their request"),
            ("suppressed", "On the suppression list"),
            ("blacklisted", "Blacklisted"),
            ("bounced", "E-mails bounce"),
        ],
        string="Why No Messages",
        readonly=True,
        copy=False,
    )
    forgotten_date = fields.Datetime(
        string="Forgotten On",
        readonly=True,
        copy=False,
        help="When the person's personal data were erased at their request.",
    )
    data_quality_score = fields.Integer(
        readonly=True,
        copy=False,
        aggregator="avg",
        groups="ecrm_core.group_ecrm_user",
        help="0-100, refreshed daily: valid e-mail and phone, complete address, proper name, no duplicate, "
        "filled profile.",
    )
    data_quality_band = fields.Selection(
        [(key, label) for key, label, _low in data_quality.BANDS],
        string="Data Quality",
        readonly=True,
        copy=False,
        index="btree_not_null",
        group_expand=True,  # the bands in their order, from poor to excellent, in graphs and lists
        groups="ecrm_core.group_ecrm_user",
    )
    duplicate_group_ids = fields.Many2many(
        "ecrm.duplicate.group",
        "ecrm_duplicate_group_res_partner_rel",
        "partner_id",
        "group_id",
        string="Duplicate Groups",
        readonly=True,
        copy=False,
        groups="ecrm_core.group_ecrm_user",
    )
    open_duplicate_group_id = fields.Many2one(
        "ecrm.duplicate.group",
        string="Possible Duplicate",
        compute="_compute_open_duplicate_group_id",
        groups="ecrm_core.group_ecrm_user",
    )

    @api.depends("email")
    def _compute_email_quality(self):
        for partner in self:
            quality, suggestion, key = email_rules.analyse(partner.email)
            partner.email_quality = quality
            partner.email_suggestion = suggestion
            partner.email_dedup_key = key

    @api.depends("name")
    def _compute_name_key(self):
        for partner in self:
            partner.name_key = duplicates.name_key(partner.name)

    @api.depends("street", "street2", "zip", "city")
    def _compute_address_key(self):
        for partner in self:
            partner.address_key = duplicates.address_key(partner.street, partner.zip, partner.city, partner.street2)

    @api.depends("phone", "mobile", "phone_e164", "mobile_e164")
    def _compute_phone_invalid(self):
        for partner in self:
            partner.phone_invalid = bool(
                (partner.phone and partner.phone.strip() and not partner.phone_e164)
                or (partner.mobile and partner.mobile.strip() and not partner.mobile_e164)
            )

    @api.depends("duplicate_group_ids.state")
    def _compute_open_duplicate_group_id(self):
        for partner in self:
            partner.open_duplicate_group_id = partner.duplicate_group_ids.filtered(lambda g: g.state == "open")[:1]

    def init(self):
        super().init()
        # The trigram index of name_key (index="trigram") needs pg_trgm; Odoo creates it with the
        # database, a database made another way may lack it. Same index name and expression as
        # the ORM's, so whichever comes first is kept; no unaccent: name_key has no accents.
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg2.Error:
            _logger.warning("pg_trgm is missing and cannot be created: names are compared without trigrams")
            return
        create_index(self.env.cr, "res_partner__name_key_index", self._table, ["name_key gin_trgm_ops"], "gin")

    @api.onchange("email")
    def _onchange_email_quality(self):
        quality, suggestion = email_rules.check_email(self.email)
        message = {
            email_rules.TYPO: _("Did you mean %s? The domain looks mistyped.", suggestion),
            email_rules.DISPOSABLE: _("This is a throw-away address: it will stop working soon."),
            email_rules.ROLE: _("This address reaches a team (info@, sales@...), not one person."),
            email_rules.INVALID: _("This is not a valid e-mail address."),
        }.get(quality)
        if message:
            return {"warning": {"title": _("Check the e-mail address"), "message": message, "type": "notification"}}

    @api.onchange("name", "email", "phone", "mobile")
    def _onchange_ecrm_possible_duplicates(self):
        """While a contact is being created: the existing contacts it probably duplicates, at most 5."""
        if self._origin.id or not (self.name or self.email or self.phone or self.mobile):
            return
        found = self._ecrm_possible_duplicates()
        if found:
            lines = [
                "%s (%s): %s" % (partner.display_name, partner.email or partner.phone or partner.mobile or "-", reasons)
                for partner, _score, reasons in found
            ]
            return {
                "warning": {
                    "title": _("This contact may already exist"),
                    "message": "\n".join(lines),
                    "type": "notification",
                }
            }

    def _ecrm_possible_duplicates(self, limit=5):
        """``[(partner, score, reasons)]`` of the contacts this (unsaved) record probably duplicates.

        Same keys and rules as the duplicate job, in one query that respects the user's access.
        """
        self.ensure_one()
        email_key = email_rules.dedup_key(self.email)
        name = duplicates.name_key(self.name)
        country = (self.country_id or self.env.company.country_id).code
        phones = [
            number for number in (normalize_phone(self.phone, country), normalize_phone(self.mobile, country)) if number
        ]
        address = duplicates.address_key(self.street, self.zip, self.city, self.street2)
        strong = []  # a shared mailbox, phone or address: these come first, however many namesakes there are
        if email_key:
            strong.append(SQL("res_partner.email_dedup_key = %s", email_key))
        if phones:
            strong.append(
                SQL("(res_partner.phone_e164 = ANY(%s) OR res_partner.mobile_e164 = ANY(%s))", phones, phones)
            )
        if address:
            strong.append(SQL("res_partner.address_key = %s", address))
        trigram = bool(name) and has_trigram(self.env.cr)
        conditions = list(strong)
        if name:
            # a name alone only counts when it is the same (a similar one scores too low to warn), so
            # namesakes are found by equality, through the trigram index; similarity() scores the rest
            conditions.append(SQL("res_partner.name_key = %s", name))
        if not conditions:
            return []
        similarity = SQL("similarity(res_partner.name_key, %s)", name) if trigram else SQL("NULL::float")
        query = self.env["res.partner"]._search([("id", "!=", self._origin.id or 0), ("forgotten_date", "=", False)])
        query.add_where(SQL("(%s)", SQL(" OR ").join(conditions)))
        order = [SQL("res_partner.id DESC")]
        if trigram:
            order.insert(0, SQL("%s DESC NULLS LAST", similarity))
        if strong:
            order.insert(0, SQL("(%s) DESC", SQL(" OR ").join(strong)))
        query.order = SQL(", ").join(order)
        query.limit = 50
        self.env.cr.execute(
            query.select(
                SQL(
                    "res_partner.id, res_partner.email_dedup_key, res_partner.phone_e164, res_partner.mobile_e164, "
                    "res_partner.address_key, res_partner.name_key, %s",
                    similarity,
                )
            )
        )
        found = []
        for pid, other_email, phone, mobile, other_address, other_name, similarity in self.env.cr.fetchall():
            same_email = bool(email_key) and other_email == email_key
            same_phone = bool(set(phones) & {phone, mobile})
            same_address = bool(address) and other_address == address
            match = duplicates.name_match(name, other_name, similarity)
            score = duplicates.pair_score(same_email, same_phone, same_address, match)
            if score >= duplicates.WEIGHTS["name_same"]:
                reasons = duplicates.pair_reasons(
                    "same e-mail" if same_email else None, same_phone, same_address, match, similarity
                )
                found.append((pid, score, ", ".join(reasons)))
        found.sort(key=lambda item: -item[1])
        partners = self.env["res.partner"].browse(pid for pid, _score, _reasons in found[:limit])
        return [
            (partner, score, reasons) for partner, (_pid, score, reasons) in zip(partners, found[:limit], strict=True)
        ]

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        # an address on the suppression list or the blacklist is flagged from the start
        self._ecrm_refresh_do_not_message(partners.ids)
        return partners

    def write(self, vals):
        result = super().write(vals)
        if self._ecrm_do_not_message_triggers.intersection(vals):
            self._ecrm_refresh_do_not_message(self.ids)
        return result

    def _ecrm_rank_by_history(self):
        """These contacts, the one with the most history first: orders, touchpoints, then filled fields."""
        orders = dict(
            self.env["sale.order"].sudo()._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        touchpoints = dict(
            self.env["ecrm.touchpoint"]
            .sudo()
            ._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        details = ("email", "phone", "mobile", "street", "city", "zip", "country_id", "vat", "birth_date")
        return self.sorted(
            lambda p: (orders.get(p, 0), touchpoints.get(p, 0), sum(bool(p[name]) for name in details), -p.id),
            reverse=True,
        )

    def action_ecrm_use_email_suggestion(self):
        for partner in self.filtered("email_suggestion"):
            partner.email = partner.email_suggestion
        return True

    def action_ecrm_open_duplicate_group(self):
        self.ensure_one()
        group = self.open_duplicate_group_id or self.duplicate_group_ids[:1]
        return {
            "type": "ir.actions.act_window",
            "res_model": "ecrm.duplicate.group",
            "res_id": group.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_ecrm_forget(self):
        """Open the confirmation of "forget this person"."""
        self.ensure_one()
        self._ecrm_check_can_forget()
        return {
            "type": "ir.actions.act_window",
            "name": _("Forget %s", self.display_name),
            "res_model": "ecrm.forget.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_ecrm_export_personal_data(self):
        """Download everything held on this person as a JSON file (C16, right of access)."""
        self.ensure_one()
        if not self.env.user.has_group("ecrm_core.group_ecrm_manager"):
            raise AccessError(_("Only eCRM managers can export a person's data."))
        content = privacy.export_json(self.sudo()._ecrm_personal_data_export())
        # not attached to the contact: only its author (and administrators) can read it
        attachment = self.env["ir.attachment"].create(
            {
                "name": "personal-data-%s-%s.json" % (self.id, fields.Date.context_today(self)),
                "raw": content,
                "mimetype": "application/json",
            }
        )
        return {"type": "ir.actions.act_url", "url": "/web/content/%s?download=true" % attachment.id, "target": "self"}

    @api.model
    def _ecrm_contactable_domain(self):
        """Domain of the contacts a campaign may message: never those who do not want messages.

        The stored flag (refreshed on every change of address and by the daily cron) plus
        the live blacklist and bounce counts, so a same-day unsubscription counts too.
        """
        return [
            ("do_not_message", "=", False),
            ("is_blacklisted", "=", False),
            ("message_bounce", "<", self._ecrm_bounce_threshold()),
        ]

    @api.model
    def _ecrm_bounce_threshold(self):
        value = self.env["ir.config_parameter"].sudo().get_param("ecrm_core.bounce_threshold")
        return int(value) if value and value.isdigit() else 3

    @api.model
    def _ecrm_do_not_message_sql(self, partner_ids=None):
        """SELECTs of ``(partner_id, reason, priority)``: the contacts who do not want messages and why.

        The reason with the lowest priority wins. Extend it to add reasons (ecrm_mass_mailing adds
        the contacts opted out of every mailing list). ``partner_ids`` limits the contacts (None: all).
        """
        only = SQL("")
        if partner_ids is not None:
            only = SQL("AND p.id = ANY(%s)", list(partner_ids))
        queries = [
            SQL("SELECT p.id, 'erased', 0 FROM res_partner p WHERE p.forgotten_date IS NOT NULL %s", only),
            SQL(
                "SELECT p.id, 'blacklisted', 20 FROM res_partner p "
                "JOIN mail_blacklist bl ON bl.email = p.email_normalized AND bl.active WHERE true %s",
                only,
            ),
            SQL(
                "SELECT p.id, 'bounced', 40 FROM res_partner p WHERE p.message_bounce >= %s %s",
                self._ecrm_bounce_threshold(),
                only,
            ),
        ]
        Suppression = self.env["ecrm.suppression"].sudo()
        if Suppression.search_count([], limit=1):
            queries.append(
                SQL(
                    """
                SELECT p.id, 'suppressed', 10 FROM res_partner p
                  JOIN ecrm_suppression s ON s.hash IN (%s, %s, %s)
                 WHERE (p.email_dedup_key IS NOT NULL OR p.phone_e164 IS NOT NULL OR p.mobile_e164 IS NOT NULL) %s
                """,
                    Suppression._partner_hash_sql("email_dedup_key", privacy.EMAIL),
                    Suppression._partner_hash_sql("phone_e164", privacy.PHONE),
                    Suppression._partner_hash_sql("mobile_e164", privacy.PHONE),
                    only,
                )
            )
        return queries

    @api.model
    def _ecrm_refresh_do_not_message(self, partner_ids=None):
        """Set "does not want messages" and its reason for ``partner_ids`` (None: everyone), in one UPDATE.

        Returns the number of contacts whose flag or reason changed.
        """
        if partner_ids is not None and not partner_ids:
            return 0
        self.env.flush_all()
        only = SQL("") if partner_ids is None else SQL("WHERE p.id = ANY(%s)", list(partner_ids))
        self.env.cr.execute(
            SQL(
                """
            WITH reason(partner_id, reason, priority) AS (%s),
            best AS (
                SELECT DISTINCT ON (partner_id) partner_id, reason FROM reason ORDER BY partner_id, priority
            )
            UPDATE res_partner p SET do_not_message = v.reason IS NOT NULL, do_not_message_reason = v.reason
              FROM (SELECT p.id, best.reason FROM res_partner p LEFT JOIN best ON best.partner_id = p.id %s) v
             WHERE v.id = p.id
               AND (p.do_not_message, p.do_not_message_reason) IS DISTINCT FROM (v.reason IS NOT NULL, v.reason)
            """,
                SQL(" UNION ALL ").join(self._ecrm_do_not_message_sql(partner_ids)),
                only,
            )
        )
        changed = self.env.cr.rowcount
        self.invalidate_model(["do_not_message", "do_not_message_reason"])
        return changed

    # Forget this person (C16)

    def _ecrm_check_can_forget(self):
        if not self.env.user.has_group("ecrm_core.group_ecrm_manager"):
            raise AccessError(_("Only eCRM managers can forget a person."))
        for partner in self:
            if partner.with_context(active_test=False).user_ids:
                raise UserError(
                    _(
                        "%s is a user of this database. Archive or delete the user first; a user's contact "
                        "cannot be forgotten.",
                        partner.display_name,
                    )
                )
            if partner.is_company:
                raise UserError(
                    _(
                        "%s is a company, not a person. Forget the people of the company one by one.",
                        partner.display_name,
                    )
                )
            if "account.move" in self.env:
                open_invoices = (
                    self.env["account.move"]
                    .sudo()
                    .search_count(
                        [
                            ("partner_id", "child_of", partner.id),
                            ("state", "=", "posted"),
                            ("move_type", "in", ("out_invoice", "out_refund", "in_invoice", "in_refund")),
                            ("payment_state", "in", ("not_paid", "partial")),
                        ],
                        limit=1,
                    )
                )
                if open_invoices:
                    raise UserError(
                        _(
                            "%s still has unpaid invoices, which the law requires to keep. Settle them before "
                            "forgetting the person.",
                            partner.display_name,
                        )
                    )

    def _ecrm_forget(self):
        """Erase the personal data of these people and keep only a suppression entry (C16).

        Their touchpoints, tracking data and the messages on their record are deleted; their
        messages elsewhere lose author, address and content; the contact (and its addresses)
        is anonymised and archived. The mailbox and numbers go to the suppression list as
        hashes and the e-mail to Odoo's blacklist, so marketing cannot resume. Orders and
        invoices stay, attached to the anonymised contact.
        """
        self._ecrm_check_can_forget()
        partners = (self | self.with_context(active_test=False).child_ids.filtered(lambda p: not p.is_company)).sudo()
        emails = [email for email in partners.mapped("email") if email]
        normalized = [email for email in partners.mapped("email_normalized") if email]
        numbers = [number for number in partners.mapped("phone") + partners.mapped("mobile") if number]
        country = (self[:1].country_id or self.env.company.country_id).code
        self.env["ecrm.suppression"].sudo()._suppress(emails, numbers, country)
        Blacklist = self.env["mail.blacklist"].sudo().with_context(mail_create_nolog=True, tracking_disable=True)
        for email in set(normalized):
            Blacklist._add(email)
        partners._ecrm_erase_tracking_data()
        self.env["ecrm.touchpoint"].sudo().search(
            ["|", ("partner_id", "in", partners.ids), ("commercial_partner_id", "in", partners.ids)]
        ).unlink()
        partners._ecrm_erase_messages(normalized)
        partners._ecrm_erase_leads(normalized)
        groups = partners.duplicate_group_ids.filtered(lambda g: g.state == "open")
        partners.write({"duplicate_group_ids": [Command.clear()]})
        groups.filtered(lambda g: len(g.partner_ids) < 2).unlink()
        partners.bank_ids.unlink()
        Attachment = self.env["ir.attachment"].sudo()
        Attachment.search([("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]).unlink()
        for partner in self:  # earlier exports of the person's data (see action_ecrm_export_personal_data)
            Attachment.search(
                [("res_model", "=", False), ("name", "=like", "personal-data-%s-%%" % partner.id)]
            ).unlink()
        now = fields.Datetime.now()
        for partner in partners:
            values = partner._ecrm_forget_values()
            values["forgotten_date"] = now
            partner.with_context(tracking_disable=True, mail_notrack=True).write(values)
        # a last pass: what the writes above may have logged
        partners._ecrm_erase_messages([])
        _logger.info("eCRM: forgot partners %s at the request of user %s", partners.ids, self.env.uid)
        return True

    def _ecrm_forget_values(self):
        """Values that anonymise the contact; extend it to blank the personal fields of other modules."""
        self.ensure_one()
        values = {
            "name": _("Anonymised contact #%s", self.id),
            "email": False,
            "phone": False,
            "mobile": False,
            "street": False,
            "street2": False,
            "city": False,
            "zip": False,
            "state_id": False,
            "vat": False,
            "ref": False,
            "website": False,
            "function": False,
            "title": False,
            "comment": False,
            "image_1920": False,
            "company_name": False,
            "category_id": [Command.clear()],
            "message_bounce": 0,
            "gender": False,
            "birth_date": False,
            "income_band": False,
            "education": False,
            "household_size": 0,
            "children_count": 0,
            "occupation": False,
            "interest_tag_ids": [Command.clear()],
            "value_tag_ids": [Command.clear()],
            "preferred_channel_id": False,
            "preferred_contact_time": False,
            "life_stage_override": False,
            "active": False,
        }
        return {name: value for name, value in values.items() if name in self._fields}

    def _ecrm_erase_tracking_data(self):
        """Delete what tracks these people's behaviour; extended by the website glue (visitors, page views)."""
        return True

    def _ecrm_erase_messages(self, emails):
        """Delete the messages on these contacts' record; strip author, address and content from their others."""
        if not self:
            return
        Message = self.env["mail.message"].sudo()
        Message.search([("model", "=", "res.partner"), ("res_id", "in", self.ids)]).unlink()
        domain = [("author_id", "in", self.ids)]
        for email in emails:
            domain = ["|", ("email_from", "ilike", email)] + domain
        authored = Message.search(domain)
        if authored:
            authored.write(
                {
                    "author_id": False,
                    "email_from": False,
                    "reply_to": False,
                    "subject": False,
                    "body": Markup("<p>%s</p>") % _("Content removed: the author asked to be forgotten."),
                }
            )
            authored.attachment_ids.unlink()
            self.env["mail.tracking.value"].sudo().search([("mail_message_id", "in", authored.ids)]).unlink()
        # tracked changes of a contact field elsewhere ("Customer: Ali Rezaei -> ...") keep a display name
        for side in ("old", "new"):
            self.env.cr.execute(
                SQL(
                    """
                UPDATE mail_tracking_value t SET %(char)s = %(label)s
                  FROM ir_model_fields f
                 WHERE f.id = t.field_id AND f.relation = 'res.partner' AND t.%(integer)s = ANY(%(ids)s)
                """,
                    char=SQL.identifier("%s_value_char" % side),
                    integer=SQL.identifier("%s_value_integer" % side),
                    label=_("Anonymised contact"),
                    ids=self.ids,
                )
            )
        self.env["mail.notification"].sudo().search([("res_partner_id", "in", self.ids)]).unlink()
        self.env["mail.followers"].sudo().search([("partner_id", "in", self.ids)]).unlink()
        self.env.cr.execute(SQL("DELETE FROM mail_message_res_partner_rel WHERE res_partner_id = ANY(%s)", self.ids))
        mails = self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.ids)])
        for email in emails:
            mails |= self.env["mail.mail"].sudo().search([("email_to", "ilike", email)])
        mails.unlink()

    def _ecrm_erase_leads(self, emails):
        """Blank the contact details these people left on leads and opportunities (the leads stay)."""
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False, tracking_disable=True, mail_notrack=True)
        domain = [("partner_id", "in", self.ids)]
        if emails:
            domain = ["|", ("email_normalized", "in", emails)] + domain
        leads = Lead.search(domain)
        if not leads:
            return
        names = [name for name in self.mapped("name") if name]
        for lead in leads:
            title = lead.name or ""
            for name in names:
                title = title.replace(name, _("anonymised contact"))
            lead.write(
                {
                    "name": title or _("Anonymised lead"),
                    "contact_name": False,
                    "email_from": False,
                    "phone": False,
                    "mobile": False,
                    "street": False,
                    "street2": False,
                    "city": False,
                    "zip": False,
                    "function": False,
                    "website": False,
                    "description": False,
                }
            )
        # the messages on the leads carry the lead's old title
        leads.flush_recordset(["name"])
        self.env.cr.execute(
            SQL(
                "UPDATE mail_message m SET record_name = l.name FROM crm_lead l "
                "WHERE m.model = 'crm.lead' AND m.res_id = l.id AND l.id = ANY(%s)",
                leads.ids,
            )
        )
        self.env["mail.message"].invalidate_model(["record_name"])

    def _ecrm_personal_data_export(self):
        """Everything held on this person, as sections of plain data; extend it to add sections."""
        self.ensure_one()
        profile_fields = [
            name
            for name in (
                "name",
                "email",
                "phone",
                "mobile",
                "street",
                "street2",
                "zip",
                "city",
                "state_id",
                "country_id",
                "lang",
                "function",
                "title",
                "website",
                "vat",
                "ref",
                "comment",
                "category_id",
                "gender",
                "birth_date",
                "age_band",
                "income_band",
                "education",
                "household_size",
                "children_count",
                "occupation",
                "interest_tag_ids",
                "value_tag_ids",
                "life_stage",
                "preferred_channel_id",
                "preferred_contact_time",
                "lifecycle_stage",
                "first_touchpoint_date",
                "last_touchpoint_date",
                "purchase_count",
                "monetary_total",
                "do_not_message",
                "do_not_message_reason",
                "message_bounce",
                "create_date",
            )
            if name in self._fields
        ]
        sections = {
            "exported_on": fields.Datetime.now(),
            "profile": self._ecrm_export_rows(self, profile_fields)[0],
            "touchpoints": self._ecrm_export_rows(
                self.env["ecrm.touchpoint"].search([("partner_id", "=", self.id)]),
                [
                    "date",
                    "touchpoint_type",
                    "channel_id",
                    "direction",
                    "summary",
                    "landing_url",
                    "referrer_url",
                    "search_keywords",
                    "navigation_path",
                    "amount",
                    "currency_id",
                    "campaign_id",
                    "source_system",
                ],
            ),
            "orders": self._ecrm_export_rows(
                self.env["sale.order"].search([("partner_id", "child_of", self.id)]),
                ["name", "date_order", "state", "amount_untaxed", "amount_total", "currency_id"],
            ),
            "leads": self._ecrm_export_rows(
                self.env["crm.lead"]
                .with_context(active_test=False)
                .search(["|", ("partner_id", "=", self.id), ("email_normalized", "=", self.email_normalized or "-")]),
                ["name", "type", "stage_id", "email_from", "phone", "create_date", "date_closed", "expected_revenue"],
            ),
            "messages": self._ecrm_export_rows(
                self.env["mail.message"].search(
                    ["|", "&", ("model", "=", "res.partner"), ("res_id", "=", self.id), ("author_id", "=", self.id)]
                ),
                ["date", "model", "res_id", "message_type", "subject", "email_from", "body"],
            ),
            "blacklisted": bool(self.email_normalized)
            and bool(self.env["mail.blacklist"].search_count([("email", "=", self.email_normalized)])),
        }
        if "ecrm.consent" in self.env:
            sections["consents"] = self._ecrm_export_rows(
                self.env["ecrm.consent"].search([("partner_id", "=", self.id)])
            )
        return sections

    @api.model
    def _ecrm_export_rows(self, records, field_names=None):
        """Plain values of ``records`` (one read): relations as their display names, html as text."""
        if field_names is None:
            field_names = [
                name
                for name, field in records._fields.items()
                if field.store and field.type not in ("binary", "one2many", "many2many") and not name.startswith("__")
            ]
        rows = records.read(field_names)
        for row in rows:
            for name in field_names:
                field = records._fields[name]
                value = row[name]
                if field.type == "many2one":
                    row[name] = value[1] if value else None
                elif field.type in ("one2many", "many2many"):
                    row[name] = records.env[field.comodel_name].browse(value).mapped("display_name")
                elif field.type == "html":
                    row[name] = html2plaintext(value or "")
                elif field.type == "selection" and value:
                    row[name] = dict(field._description_selection(records.env)).get(value, value)
                elif value is False and field.type != "boolean":
                    row[name] = None
            if "id" not in field_names:
                row.pop("id", None)
        return rows

    # --- end of data quality and privacy ---
