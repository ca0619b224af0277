import logging

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime, safe_eval, time

from ..tools.rfm import EXPLANATIONS

_logger = logging.getLogger(__name__)

REPORT_NAMES = 10  # names listed per segment and direction in the periodic report


class EcrmSegment(models.Model):
    """A named group of customers: a rule, one or more RFM segments, or an analytical cluster (C7, C12).

    Members are materialised in ``partner_ids`` and refreshed set-based, daily by cron and
    on demand; each refresh is recorded with who entered and left. Mass mailings and
    campaigns target ``[("segment_ids", "in", [segment id])]`` on res.partner.
    """

    _name = "ecrm.segment"
    _description = "Customer Segment"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    description = fields.Text(help="What the segment is for, shown to colleagues who pick it as an audience.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    kind = fields.Selection(
        [("rule", "Rule"), ("rfm", "RFM segments"), ("cluster", "Cluster")],
        required=True,
        default="rule",
        tracking=True,
        help="Rule: the customers matching a filter. RFM segments: the customers in the chosen RFM segments "
        "(and the people of those that are companies). Cluster: the customers of an analytical cluster.",
    )
    rule_domain = fields.Char(
        string="Rule",
        default="[]",
        help="The filter on contacts that selects the members; it is applied again at every refresh.",
    )
    rfm_segment_ids = fields.Many2many(
        "ir.model.fields.selection",
        "ecrm_segment_rfm_value_rel",
        "segment_id",
        "selection_id",
        string="RFM Segments",
        domain=[("field_id.model", "=", "res.partner"), ("field_id.name", "=", "rfm_segment")],
        help="Customers in any of these RFM segments are members.",
    )
    rfm_explanation = fields.Text(string="About these RFM segments", compute="_compute_rfm_explanation")
    cluster_id = fields.Many2one(
        "ecrm.cluster",
        string="Cluster",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="The customers the clustering put in this cluster are members.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "ecrm_segment_partner_rel",
        "segment_id",
        "partner_id",
        string="Members",
        readonly=True,
        copy=False,
    )
    member_count = fields.Integer(string="Size", readonly=True, copy=False, help="Members at the last refresh.")
    last_refresh_date = fields.Datetime(string="Last Refresh", readonly=True, copy=False)
    refresh_ids = fields.One2many("ecrm.segment.refresh", "segment_id", string="Refresh History", copy=False)

    @api.depends("rfm_segment_ids")
    def _compute_rfm_explanation(self):
        for segment in self:
            segment.rfm_explanation = "\n".join(
                "%s: %s" % (value.name, self.env._(EXPLANATIONS[value.value]))
                for value in segment.sudo().rfm_segment_ids
                if value.value in EXPLANATIONS
            )

    @api.constrains("kind", "rule_domain", "rfm_segment_ids", "cluster_id")
    def _check_definition(self):
        for segment in self:
            if segment.kind == "rfm" and not segment.rfm_segment_ids:
                raise ValidationError(_("Segment %s: choose at least one RFM segment.", segment.name))
            if segment.kind == "cluster" and not segment.cluster_id:
                raise ValidationError(_("Segment %s: choose the cluster.", segment.name))
            if segment.kind == "rule":
                segment._parse_rule_domain()  # raises when the rule is not a valid filter

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_refresh(self):
        self.ensure_one()
        self._refresh_members()
        return True

    def action_open_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.res_partner_action_customers")
        action.update(
            {
                "display_name": _("Members of %s", self.display_name),
                "domain": [("segment_ids", "in", self.ids)],
                "context": {"create": False},
            }
        )
        return action

    # ------------------------------------------------------------------
    # Membership
    # ------------------------------------------------------------------

    def _parse_rule_domain(self):
        """The rule as a domain; dates may use ``context_today()``, ``datetime`` and ``relativedelta``."""
        self.ensure_one()
        context = {
            "datetime": datetime,
            "time": time,
            "relativedelta": relativedelta,
            "context_today": lambda: fields.Date.context_today(self),
            "uid": self.env.uid,
            "company_id": self.company_id.id,
        }
        try:
            domain = safe_eval(self.rule_domain or "[]", context)
            self.env["res.partner"].sudo()._search(domain)
        except Exception as error:
            raise ValidationError(
                _(
                    "The rule of segment %(name)s is not a valid filter on contacts: %(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        return domain

    def _get_cluster_domain(self):
        """The members of a cluster segment: the contacts the clustering placed in its cluster."""
        self.ensure_one()
        if not self.cluster_id:  # the cluster was deleted: no members rather than everyone without a cluster
            return expression.FALSE_DOMAIN
        return [("cluster_id", "=", self.cluster_id.id)]

    def _get_partner_domain(self):
        """The contacts that belong to the segment now, in its company (shared contacts included)."""
        self.ensure_one()
        if self.kind == "rfm":
            domain = [("commercial_partner_id.rfm_segment", "in", self.sudo().rfm_segment_ids.mapped("value"))]
        elif self.kind == "cluster":
            domain = self._get_cluster_domain()
        else:
            domain = self._parse_rule_domain()
        return [("company_id", "in", [False, self.company_id.id])] + list(domain)

    def _refresh_members(self):
        """Recompute the members of each segment and record the refresh, one SQL statement per segment.

        The new members are one ``_search`` query of the segment's domain; the membership
        table gets the difference (INSERT of who entered, DELETE of who left) and the
        refresh lines name them. Returns the refreshes.
        """
        self.check_access("write")
        Partner = self.env["res.partner"].sudo().with_context(active_test=True)
        Refresh = self.env["ecrm.segment.refresh"].sudo()
        refreshes = Refresh
        for segment in self.sudo():
            members = Partner.with_company(segment.company_id)._search(segment._get_partner_domain())
            now = fields.Datetime.now()
            refresh = Refresh.create({"segment_id": segment.id, "date": now})
            self.env.flush_all()
            [(size, entered, left)] = self.env.execute_query(
                SQL(
                    """
                WITH member(partner_id) AS MATERIALIZED (%(members)s), old AS MATERIALIZED (
                    SELECT partner_id FROM ecrm_segment_partner_rel WHERE segment_id = %(segment)s
                ), diff AS MATERIALIZED (
                    -- a FULL JOIN is always a hash or merge join: who entered and who left, in one pass
                    SELECT COALESCE(m.partner_id, o.partner_id) AS partner_id, o.partner_id IS NULL AS entered
                      FROM member m
                      FULL JOIN old o ON o.partner_id = m.partner_id
                     WHERE m.partner_id IS NULL OR o.partner_id IS NULL
                ), gone AS (
                    DELETE FROM ecrm_segment_partner_rel rel
                     WHERE rel.segment_id = %(segment)s
                       AND rel.partner_id IN (SELECT partner_id FROM diff WHERE NOT entered)
                 RETURNING rel.partner_id
                ), came AS (
                    INSERT INTO ecrm_segment_partner_rel (segment_id, partner_id)
                    SELECT %(segment)s, partner_id FROM diff WHERE entered
                 RETURNING partner_id
                ), logged AS (
                    INSERT INTO ecrm_segment_refresh_line (refresh_id, partner_id, change)
                    SELECT %(refresh)s, partner_id, 'entered' FROM came
                     UNION ALL
                    SELECT %(refresh)s, partner_id, 'left' FROM gone
                )
                SELECT (SELECT count(*) FROM member), (SELECT count(*) FROM came), (SELECT count(*) FROM gone)
                """,
                    members=SQL("SELECT NULL::int WHERE FALSE") if members.is_empty() else members.select(),
                    segment=segment.id,
                    refresh=refresh.id,
                )
            )
            refresh.write({"size": size, "entered_count": entered, "left_count": left})
            segment.write({"member_count": size, "last_refresh_date": now})
            refreshes |= refresh
            _logger.info("segment %s refreshed: %d members, %d entered, %d left", segment.name, size, entered, left)
        self.env["res.partner"].invalidate_model(["segment_ids"])
        self.invalidate_model(["partner_ids"])
        self.env["ecrm.segment.refresh.line"].invalidate_model()
        return refreshes

    @api.model
    def _cron_refresh_members(self):
        """Refresh every active segment; one whose rule no longer works is logged and left as it was."""
        for segment in self.search([]):
            try:
                with self.env.cr.savepoint():
                    segment._refresh_members()
            except (ValidationError, psycopg2.Error) as error:
                _logger.warning("segment %s (id %d) could not be refreshed: %s", segment.name, segment.id, error)

    # ------------------------------------------------------------------
    # Periodic segment report (C12)
    # ------------------------------------------------------------------

    @api.model
    def _segment_report_period(self, now=None):
        """(start, end) of the period the report covers: the last week or month, per the settings."""
        end = now or fields.Datetime.now()
        period = self.env["ir.config_parameter"].sudo().get_param("ecrm_core.segment_report_period", "weekly")
        return end - (relativedelta(months=1) if period == "monthly" else relativedelta(weeks=1)), end

    @api.model
    def _segment_report_data(self, company, date_from, date_to):
        """Each active segment of ``company``: size now and at ``date_from``, and who entered and left since.

        A customer who entered and left again within the period is in neither list.
        """
        segments = self.sudo().search([("company_id", "=", company.id)])
        if not segments:
            return []
        rows = self.env.execute_query(
            SQL(
                """
            SELECT segment_id, first_change, count(*), (array_agg(partner_id ORDER BY partner_id))[1:%(names)s]
              FROM (SELECT r.segment_id, l.partner_id,
                           (array_agg(l.change ORDER BY r.date, r.id))[1] AS first_change,
                           (array_agg(l.change ORDER BY r.date DESC, r.id DESC))[1] AS last_change
                      FROM ecrm_segment_refresh_line l
                      JOIN ecrm_segment_refresh r ON r.id = l.refresh_id
                     WHERE r.segment_id = ANY(%(segments)s) AND r.date >= %(start)s AND r.date < %(end)s
                     GROUP BY r.segment_id, l.partner_id) moves
             WHERE first_change = last_change
             GROUP BY segment_id, first_change
            """,
                names=REPORT_NAMES,
                segments=segments.ids,
                start=date_from,
                end=date_to,
            )
        )
        moves = {(segment_id, change): (count, ids) for segment_id, change, count, ids in rows}
        before = dict(
            self.env.execute_query(
                SQL(
                    """
            SELECT DISTINCT ON (segment_id) segment_id, size
              FROM ecrm_segment_refresh
             WHERE segment_id = ANY(%s) AND date < %s
             ORDER BY segment_id, date DESC, id DESC
            """,
                    segments.ids,
                    date_from,
                )
            )
        )
        partner_ids = {pid for _count, ids in moves.values() for pid in ids}
        names = {partner.id: partner.display_name for partner in self.env["res.partner"].sudo().browse(partner_ids)}
        report = []
        for segment in segments:
            size_before = before.get(segment.id, 0)
            entry = {
                "name": segment.name,
                "size": segment.member_count,
                "size_before": size_before,
                "delta": segment.member_count - size_before,
            }
            for change in ("entered", "left"):
                count, ids = moves.get((segment.id, change), (0, []))
                entry[change] = sorted(names[pid] for pid in ids)
                entry["%s_count" % change] = count
                entry["%s_more" % change] = count - len(ids)
            report.append(entry)
        return report

    @api.model
    def _cron_send_segment_report(self):
        """Mail each company's segment report to the eCRM managers of that company."""
        template = self.env.ref("ecrm_core.mail_template_segment_report", raise_if_not_found=False)
        if not template:
            return
        date_from, date_to = self._segment_report_period()
        managers = self.env.ref("ecrm_core.group_ecrm_manager").users.filtered(
            lambda user: user.active and not user.share and user.email
        )
        directions = {lang.code: lang.direction for lang in self.env["res.lang"].search([])}
        for company in self.sudo().search([]).company_id:
            recipients = managers.filtered(lambda user, company=company: company in user.company_ids)
            if not recipients:
                continue
            report = {
                "company": company.name,
                "date_from": date_from,
                "date_to": date_to,
                "segments": self.with_company(company)._segment_report_data(company, date_from, date_to),
                "directions": directions,
            }
            template.with_context(ecrm_segment_report=report).send_mail_batch(recipients.ids)
