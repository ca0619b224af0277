from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists

# Lifecycle stages (C5), derived from the statistics by res.partner._ecrm_contact_stats_query
LIFECYCLE_STAGES = [
    ("latent", "Latent"),
    ("new", "New"),
    ("repeat", "Repeat"),
    ("loyal", "Loyal"),
    ("at_risk", "At risk"),
    ("lost", "Lost"),
]

# The figures: res.partner field -> column type of ecrm_contact_stats_data (same names)
CONTACT_STATS_FIGURES = {
    "first_touchpoint_date": "timestamp",
    "last_touchpoint_date": "timestamp",
    "touchpoint_count_30d": "integer",
    "touchpoint_count_90d": "integer",
    "touchpoint_count_365d": "integer",
    "last_purchase_date": "timestamp",
    "purchase_count": "integer",
    "monetary_total": "double precision",
    "email_response_rate": "double precision",
    "contact_stats_date": "timestamp",
}
# Every column of ecrm_contact_stats_data but partner_id: the figures and the lifecycle stage
CONTACT_STATS_COLUMNS = {**CONTACT_STATS_FIGURES, "lifecycle_stage": "varchar"}
# Columns a partner without a row reads as 0 (the others read as empty)
NUMERIC_TYPES = ("integer", "double precision")


class EcrmContactStats(models.Model):
    """The contact-history statistics of a partner (C4) and its lifecycle stage (C5): one row per partner.

    Written for the whole population by ``res.partner._ecrm_compute_contact_stats``. Like the
    RFM scores, they live in a narrow table of their own, ``ecrm_contact_stats_data``, rather
    than in res_partner, whose rows carry dozens of indexes: rewriting 100,000 partners cost
    six times the aggregation itself (see bench/RESULTS.md). The table has no foreign key to
    res_partner (checked row by row, it doubled the cost of a fresh run); this model is a view
    of every partner joined to its row, so a partner without statistics reads as zero counts
    and empty dates, and the row of a deleted partner is never shown (the next full run
    deletes it). res.partner shows, searches, sorts and groups the figures and the stage through
    fields of the same names; writing ``lifecycle_stage`` on a partner writes its row here.
    """

    _name = "ecrm.contact.stats"
    _description = "Contact Statistics"
    _auto = False
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    first_touchpoint_date = fields.Datetime(readonly=True)
    last_touchpoint_date = fields.Datetime(readonly=True)
    touchpoint_count_30d = fields.Integer(string="Touchpoints (30 days)", readonly=True)
    touchpoint_count_90d = fields.Integer(string="Touchpoints (90 days)", readonly=True)
    touchpoint_count_365d = fields.Integer(string="Touchpoints (12 months)", readonly=True)
    last_purchase_date = fields.Datetime(readonly=True)
    purchase_count = fields.Integer(readonly=True)
    monetary_total = fields.Float(string="Total Purchases", readonly=True, digits="Product Price")
    email_response_rate = fields.Float(string="E-mail Response Rate (%)", readonly=True)
    contact_stats_date = fields.Datetime(string="Statistics Updated", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)

    def init(self):
        cr = self.env.cr
        columns = SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(kind)) for name, kind in CONTACT_STATS_COLUMNS.items()
        )
        cr.execute(
            SQL("CREATE TABLE IF NOT EXISTS ecrm_contact_stats_data (partner_id integer PRIMARY KEY, %s)", columns)
        )
        for name, kind in CONTACT_STATS_COLUMNS.items():  # a table made by an older version
            cr.execute(
                SQL(
                    "ALTER TABLE ecrm_contact_stats_data ADD COLUMN IF NOT EXISTS %s %s",
                    SQL.identifier(name),
                    SQL(kind),
                )
            )
        # upgrade: the statistics and the stage used to be columns of res_partner; move them here, then
        # drop them (their indexes go with them, the one on lifecycle_stage included)
        old = [name for name in CONTACT_STATS_COLUMNS if column_exists(cr, "res_partner", name)]
        if old:
            names = SQL(", ").join(SQL.identifier(name) for name in old)
            cr.execute(
                SQL(
                    """
                INSERT INTO ecrm_contact_stats_data (partner_id, %(names)s)
                SELECT id, %(names)s FROM res_partner WHERE %(any_value)s
                ON CONFLICT (partner_id) DO UPDATE SET %(update)s
                """,
                    names=names,
                    update=SQL(", ").join(SQL("%s = excluded.%s", SQL.identifier(n), SQL.identifier(n)) for n in old),
                    any_value=SQL(" OR ").join(SQL("%s IS NOT NULL", SQL.identifier(name)) for name in old),
                )
            )
            for name in old:
                cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(name)))
        values = SQL(", ").join(self._ecrm_value_sql(SQL.identifier("d", name), name) for name in CONTACT_STATS_COLUMNS)
        cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW ecrm_contact_stats AS
            SELECT p.id, p.id AS partner_id, %s
              FROM res_partner p
              LEFT JOIN ecrm_contact_stats_data d ON d.partner_id = p.id
            """,
                values,
            )
        )

    @api.model
    def _ecrm_value_sql(self, column, name):
        """The figure ``name`` read from ``column``: counts and amounts of a partner without a row read as 0."""
        if CONTACT_STATS_COLUMNS[name] in NUMERIC_TYPES:
            return SQL("COALESCE(%s, 0) AS %s", column, SQL.identifier(name))
        return SQL("%s AS %s", column, SQL.identifier(name))
