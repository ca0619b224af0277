from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools.contact import normalize_phone
from ..tools.profile import AGE_BANDS, LIFE_STAGES, age_band, age_on, life_stage

LIFECYCLE_STAGES = [
    ("latent", "Latent"),
    ("new", "New"),
    ("repeat", "Repeat"),
    ("loyal", "Loyal"),
    ("at_risk", "At risk"),
    ("lost", "Lost"),
]
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
    # Contact history statistics, refreshed for the whole population by _ecrm_compute_contact_stats
    first_touchpoint_date = fields.Datetime(readonly=True, copy=False)
    last_touchpoint_date = fields.Datetime(readonly=True, copy=False)
    touchpoint_count_30d = fields.Integer(string="Touchpoints (30 days)", readonly=True, copy=False)
    touchpoint_count_90d = fields.Integer(string="Touchpoints (90 days)", readonly=True, copy=False)
    touchpoint_count_365d = fields.Integer(string="Touchpoints (12 months)", readonly=True, copy=False)
    last_purchase_date = fields.Datetime(readonly=True, copy=False)
    purchase_count = fields.Integer(readonly=True, copy=False)
    monetary_total = fields.Float(
        string="Total Purchases",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="Untaxed total of confirmed sale orders, in the company's currency.",
    )
    email_response_rate = fields.Float(
        string="E-mail Response Rate (%)",
        readonly=True,
        copy=False,
        help="E-mails received from the customer per e-mail sent to them over the last 12 months, at most 100%.",
    )
    contact_stats_date = fields.Datetime(string="Statistics Updated", readonly=True, copy=False)
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        readonly=True,
        copy=False,
        index=True,
        help="Derived from the contact statistics. Latent: showed interest, never bought (C5).",
    )
    # Customer 360
    touchpoint_ids = fields.One2many("ecrm.touchpoint", "partner_id", string="Touchpoints")
    touchpoint_count = fields.Integer(compute="_compute_touchpoint_count", string="Touchpoint Count")
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
            partner.age = age_on(partner.birth_date, today) or 0
            partner.age_band = age_band(age_on(partner.birth_date, today))

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
        default_country = self.env.company.country_id.code
        for partner in self:
            country = partner.country_id.code or default_country
            partner.phone_e164 = normalize_phone(partner.phone, country)
            partner.mobile_e164 = normalize_phone(partner.mobile, country)

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
            only_so = SQL("AND (p.id = ANY(%s) OR p.commercial_partner_id = ANY(%s))", ids, ids)
        return SQL(
            """
            WITH tp AS (
                -- one scan, two groupings: each partner's own touchpoints, and a company's through its contacts
                SELECT COALESCE(t.partner_id, t.company_key) AS partner_id,
                       min(t.date) AS first_date, max(t.date) AS last_date,
                       count(*) FILTER (WHERE t.date >= %(d30)s) AS c30,
                       count(*) FILTER (WHERE t.date >= %(d90)s) AS c90,
                       count(*) FILTER (WHERE t.date >= %(d365)s) AS c365,
                       count(*) FILTER (WHERE t.direction = 'inbound') AS inbound,
                       count(*) FILTER (WHERE t.touchpoint_type = 'email_in' AND t.date >= %(d365)s) AS mail_in,
                       count(*) FILTER (WHERE t.touchpoint_type = 'email_out' AND t.date >= %(d365)s) AS mail_out
                  FROM (SELECT partner_id, date, direction, touchpoint_type,
                               CASE WHEN commercial_partner_id <> partner_id THEN commercial_partner_id END
                          FROM ecrm_touchpoint t %(only_tp)s
                       ) t(partner_id, date, direction, touchpoint_type, company_key)
                 GROUP BY GROUPING SETS ((t.partner_id), (t.company_key))
                HAVING COALESCE(t.partner_id, t.company_key) IS NOT NULL
            ), so AS (
                SELECT COALESCE(s.partner_id, s.company_key) AS partner_id,
                       max(s.date_order) AS last_purchase, count(*) AS purchases,
                       sum(s.amount_untaxed / NULLIF(s.currency_rate, 0)) AS total
                  FROM (SELECT o.partner_id, o.date_order, o.amount_untaxed, o.currency_rate,
                               CASE WHEN p.commercial_partner_id <> o.partner_id THEN p.commercial_partner_id END
                          FROM sale_order o JOIN res_partner p ON p.id = o.partner_id
                         WHERE o.state = 'sale' %(only_so)s
                       ) s(partner_id, date_order, amount_untaxed, currency_rate, company_key)
                 GROUP BY GROUPING SETS ((s.partner_id), (s.company_key))
                HAVING COALESCE(s.partner_id, s.company_key) IS NOT NULL
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
        """Refresh contact statistics and lifecycle stage in one statement for the population.

        Only rows whose values changed are written. Returns the number of partners updated.
        """
        now = fields.Datetime.now()
        self.env.flush_all()
        stats = self._ecrm_contact_stats_query(now, partner_ids)
        self.env.cr.execute(
            SQL(
                """
            UPDATE res_partner p
               SET first_touchpoint_date = v.first_date, last_touchpoint_date = v.last_date,
                   touchpoint_count_30d = v.c30, touchpoint_count_90d = v.c90, touchpoint_count_365d = v.c365,
                   last_purchase_date = v.last_purchase, purchase_count = v.purchases, monetary_total = v.total,
                   email_response_rate = v.response_rate, lifecycle_stage = v.stage, contact_stats_date = %s
              FROM (%s) v
             WHERE v.id = p.id
               AND (p.first_touchpoint_date, p.last_touchpoint_date, p.touchpoint_count_30d, p.touchpoint_count_90d,
                    p.touchpoint_count_365d, p.last_purchase_date, p.purchase_count, p.monetary_total,
                    p.email_response_rate, p.lifecycle_stage)
                   IS DISTINCT FROM
                   (v.first_date, v.last_date, v.c30, v.c90, v.c365, v.last_purchase, v.purchases, v.total,
                    v.response_rate, v.stage)
            """,
                now,
                stats,
            )
        )
        updated = self.env.cr.rowcount
        self.invalidate_model()
        return updated

    @api.model
    def _ecrm_refresh_ages(self):
        """Recompute age, age band and life stage of the partners whose age changed since last time."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT id FROM res_partner
             WHERE birth_date IS NOT NULL
               AND COALESCE(age, -1) <> date_part('year', age(%s::date, birth_date))::int
            """,
                fields.Date.context_today(self),
            )
        )
        partners = self.browse(row[0] for row in self.env.cr.fetchall())
        if partners:
            partners.modified(["birth_date"])
            partners.flush_recordset()
        return len(partners)
