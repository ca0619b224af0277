from odoo import fields, models
from odoo.tools import SQL


class EcrmCampaignPerformance(models.Model):
    """Live campaign performance (C12): one row per mail, path line and attributed order, read as they happen.

    A view over mailing traces, participants' path lines and confirmed orders, so the pivot and graph
    show every open, click, reply and sale the moment it is recorded.
    """

    _name = "ecrm.campaign.performance"
    _description = "eCRM Campaign Performance"
    _auto = False
    _order = "date desc"

    campaign_id = fields.Many2one("ecrm.campaign", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    step_id = fields.Many2one("ecrm.campaign.step", string="Step", readonly=True)
    mailing_id = fields.Many2one("mailing.mailing", string="Mailing or Variant", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    date = fields.Datetime(readonly=True)
    kind = fields.Selection([("mail", "Mail"), ("path", "Step"), ("order", "Order")], string="Event", readonly=True)
    mails = fields.Integer(string="Mails", readonly=True, help="Mails created, sent or still queued.")
    sent = fields.Integer(readonly=True)
    opened = fields.Integer(readonly=True)
    clicked = fields.Integer(readonly=True)
    replied = fields.Integer(readonly=True)
    done = fields.Integer(string="Steps Done", readonly=True)
    skipped = fields.Integer(string="Steps Skipped", readonly=True)
    refused = fields.Integer(string="Refused (consent)", readonly=True)
    refusal_reason = fields.Char(readonly=True)
    conversions = fields.Integer(readonly=True)
    revenue = fields.Float(readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
        SELECT row_number() OVER () AS id, u.* FROM (
            SELECT c.id AS campaign_id, c.company_id, l.step_id, t.mass_mailing_id AS mailing_id,
                   t.res_id AS partner_id,
                   COALESCE(t.sent_datetime, t.create_date) AS date, 'mail' AS kind,
                   1 AS mails, (t.sent_datetime IS NOT NULL)::int AS sent,
                   (t.open_datetime IS NOT NULL OR t.trace_status IN ('open', 'reply'))::int AS opened,
                   (t.links_click_datetime IS NOT NULL)::int AS clicked,
                   (t.trace_status = 'reply')::int AS replied,
                   0 AS done, 0 AS skipped,
                   -- the consent ledger cancels a queued mail whose consent went away (failure type ecrm_<reason>)
                   (t.trace_status = 'cancel' AND t.failure_type LIKE %(refusal)s)::int AS refused,
                   CASE WHEN t.failure_type LIKE %(refusal)s THEN substr(t.failure_type, 6) END::varchar
                       AS refusal_reason,
                   0 AS conversions, 0.0::float AS revenue
              FROM mailing_trace t
              JOIN ecrm_campaign c ON c.utm_campaign_id = t.campaign_id
              LEFT JOIN ecrm_campaign_participant_step l ON l.mailing_trace_id = t.id
             WHERE t.model = 'res.partner'
            UNION ALL
            SELECT l.campaign_id, l.company_id, l.step_id, NULL, l.partner_id, l.date, 'path',
                   0, 0, 0, 0, 0, (l.state = 'done')::int, (l.state = 'skipped')::int,
                   (l.state = 'skipped' AND l.note IS NOT NULL)::int, l.note, 0, 0.0
              FROM ecrm_campaign_participant_step l
              JOIN ecrm_campaign_participant p ON p.id = l.participant_id
             WHERE NOT p.is_test
            UNION ALL
            SELECT c.id, c.company_id, NULL, NULL, o.partner_id, o.date_order, 'order',
                   0, 0, 0, 0, 0, 0, 0, 0, NULL, 1, o.amount_untaxed::float
              FROM sale_order o
              JOIN ecrm_campaign c ON c.utm_campaign_id = o.campaign_id
             WHERE o.state = 'sale'
        ) u
            """,
            refusal="ecrm\\_%",
        )
