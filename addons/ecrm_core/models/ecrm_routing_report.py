from odoo import fields, models, tools
from odoo.tools import SQL


class EcrmRoutingReport(models.Model):
    """What each routing rule assigned, how fast it was answered and whether the target was kept (C11)."""

    _name = "ecrm.routing.report"
    _description = "eCRM Routing and Response Times"
    _auto = False
    _order = "assigned_date desc"
    _rec_name = "name"

    name = fields.Char(string="Item", readonly=True)
    item_type = fields.Selection(
        [("lead", "Lead"), ("email", "E-mail"), ("touchpoint", "Message")], string="Type", readonly=True
    )
    lead_id = fields.Many2one("crm.lead", readonly=True)
    touchpoint_id = fields.Many2one("ecrm.touchpoint", readonly=True)
    rule_id = fields.Many2one("ecrm.routing.rule", string="Routing Rule", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    channel_id = fields.Many2one("ecrm.channel", readonly=True)
    assigned_date = fields.Datetime(readonly=True)
    response_due = fields.Datetime(string="Answer Due", readonly=True)
    responded_date = fields.Datetime(string="Answered", readonly=True)
    response_hours = fields.Float(
        string="Response Time (h)", readonly=True, aggregator="avg", help="Hours from assignment to the first answer."
    )
    target_hours = fields.Float(string="Target (h)", readonly=True, aggregator="avg")
    is_open = fields.Boolean(string="Waiting", readonly=True, help="Not answered yet.")
    breached = fields.Boolean(
        readonly=True, help="Answered after the target, or still waiting although the target has passed."
    )
    status = fields.Selection(
        [("on_time", "Answered in time"), ("late", "Answered late"), ("waiting", "Waiting"), ("overdue", "Overdue")],
        readonly=True,
    )

    def _query(self):
        now = SQL("(now() AT TIME ZONE 'UTC')")
        return SQL(
            """
            SELECT u.*,
                   CASE WHEN u.responded_date IS NOT NULL AND NOT u.breached THEN 'on_time'
                        WHEN u.responded_date IS NOT NULL THEN 'late'
                        WHEN u.breached THEN 'overdue'
                        ELSE 'waiting' END AS status
              FROM (
            SELECT l.id * 2 AS id, l.name, 'lead' AS item_type, l.id AS lead_id, NULL::integer AS touchpoint_id,
                   l.ecrm_routing_rule_id AS rule_id, COALESCE(l.company_id, r.company_id) AS company_id,
                   l.partner_id, l.user_id, l.team_id, NULL::integer AS channel_id,
                   l.ecrm_routed_date AS assigned_date, l.ecrm_response_due AS response_due,
                   l.ecrm_first_response_date AS responded_date,
                   EXTRACT(EPOCH FROM (l.ecrm_first_response_date - l.ecrm_routed_date)) / 3600.0 AS response_hours,
                   r.response_hours AS target_hours,
                   l.ecrm_first_response_date IS NULL AS is_open,
                   COALESCE(l.ecrm_response_breached, FALSE)
                       OR COALESCE(l.ecrm_first_response_date, %(now)s) > l.ecrm_response_due AS breached
              FROM crm_lead l
              JOIN ecrm_routing_rule r ON r.id = l.ecrm_routing_rule_id
             WHERE l.active
            UNION ALL
            SELECT t.id * 2 + 1, LEFT(COALESCE(t.summary, ''), 120),
                   CASE WHEN t.touchpoint_type = 'email_in' THEN 'email' ELSE 'touchpoint' END,
                   NULL, t.id, t.routing_rule_id, t.company_id, t.partner_id, t.assigned_user_id, t.assigned_team_id,
                   t.channel_id, t.assigned_date, t.response_due, t.answered_date,
                   EXTRACT(EPOCH FROM (t.answered_date - t.assigned_date)) / 3600.0,
                   r.response_hours,
                   t.answered_date IS NULL,
                   COALESCE(t.response_breached, FALSE) OR COALESCE(t.answered_date, %(now)s) > t.response_due
              FROM ecrm_touchpoint t
              JOIN ecrm_routing_rule r ON r.id = t.routing_rule_id
              ) u
            """,
            now=now,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
