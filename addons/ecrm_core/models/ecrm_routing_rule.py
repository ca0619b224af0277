from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.routing import NEEDS_ANSWER_TYPES, assign, touchpoint_kind

# Members' load is counted over this window, as crm counts its lead assignment capacity.
CAPACITY_WINDOW = timedelta(days=30)
# Touchpoints that arrive through the batch API older than this are history, not waiting for an answer.
WAITING_WINDOW = timedelta(days=7)
# utm.medium of a lead -> code of the eCRM channel it arrived through.
LEAD_CHANNEL_BY_MEDIUM = {
    "utm.utm_medium_email": "email",
    "utm.utm_medium_phone": "phone",
    "utm.utm_medium_website": "website",
    "utm.utm_medium_direct": "website",
    "utm.utm_medium_facebook": "social",
    "utm.utm_medium_twitter": "social",
    "utm.utm_medium_linkedin": "social",
    "utm.utm_medium_instagram": "social",
}


class EcrmRoutingRule(models.Model):
    """Send new leads and messages that wait for an answer to the right salesperson or team (C11).

    Rules are tried in sequence, per company; the first whose conditions all hold assigns the
    item. A rule aimed at a team spreads the work round-robin over the team's members
    (crm.team.member), each up to the capacity set on their membership.
    """

    _name = "ecrm.routing.rule"
    _description = "eCRM Routing Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10, help="Rules are tried in this order; the first that matches wins.")
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    for_leads = fields.Boolean(string="New Leads", default=True)
    for_emails = fields.Boolean(string="Inbound E-mails", default=True)
    for_touchpoints = fields.Boolean(
        string="Other Messages",
        default=True,
        help="Chat, social media, support requests and forms that wait for an answer.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain=[("share", "=", False)],
        check_company=True,
        tracking=True,
        help="Everything the rule matches goes to this person.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        check_company=True,
        tracking=True,
        help="Without a salesperson, the team's members take turns, each up to the capacity set on their "
        "team membership (leads and messages of the last 30 days).",
    )
    # Conditions: an empty condition accepts everyone
    segment_ids = fields.Many2many("ecrm.segment", string="Segments", check_company=True)
    lifecycle_stage_ids = fields.Many2many("ecrm.lifecycle.stage", string="Lifecycle Stages")
    vip = fields.Selection(
        [("any", "VIP or not"), ("vip", "VIP only"), ("not_vip", "Not VIP")],
        string="VIP",
        default="any",
        required=True,
        help="VIP: a best customer, or a contact tagged VIP.",
    )
    lang_ids = fields.Many2many("res.lang", string="Languages", domain=[("active", "=", True)])
    country_ids = fields.Many2many("res.country", string="Countries")
    state_ids = fields.Many2many("res.country.state", string="Regions", help="States or provinces.")
    channel_ids = fields.Many2many("ecrm.channel", string="Channels")
    customer_type = fields.Selection(
        [("any", "Businesses and consumers"), ("b2b", "Businesses (B2B)"), ("b2c", "Consumers (B2C)")],
        default="any",
        required=True,
        help="B2B: a company or a person working for one.",
    )
    response_hours = fields.Float(
        string="Response Target (hours)",
        default=24.0,
        tracking=True,
        help="The first answer is due this many hours after the assignment; later answers are breaches.",
    )
    assigned_count = fields.Integer(compute="_compute_report_counts", string="Assigned")
    breach_count = fields.Integer(compute="_compute_report_counts", string="Breaches")

    def _compute_report_counts(self):
        Report = self.env["ecrm.routing.report"]
        assigned = dict(Report._read_group([("rule_id", "in", self.ids)], ["rule_id"], ["__count"]))
        breached = dict(
            Report._read_group([("rule_id", "in", self.ids), ("breached", "=", True)], ["rule_id"], ["__count"])
        )
        for rule in self:
            rule.assigned_count = assigned.get(rule, 0)
            rule.breach_count = breached.get(rule, 0)

    @api.constrains("user_id", "team_id", "response_hours", "for_leads", "for_emails", "for_touchpoints")
    def _check_target(self):
        for rule in self:
            if not rule.user_id and not rule.team_id:
                raise ValidationError(_("Rule %s: choose the salesperson or the sales team it sends to.", rule.name))
            if rule.response_hours < 0:
                raise ValidationError(_("Rule %s: the response target cannot be negative.", rule.name))
            if not (rule.for_leads or rule.for_emails or rule.for_touchpoints):
                raise ValidationError(
                    _("Rule %s: tick what it applies to: new leads, inbound e-mails or other messages.", rule.name)
                )

    def action_open_report(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.ecrm_routing_report_action")
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_open_breaches(self):
        action = self.action_open_report()
        action["domain"] += [("breached", "=", True)]
        return action

    # ------------------------------------------------------------------
    # What the rules know about a customer
    # ------------------------------------------------------------------

    def _conditions(self):
        self.ensure_one()
        return {
            "kinds": {
                kind
                for kind, wanted in (
                    ("lead", self.for_leads),
                    ("email", self.for_emails),
                    ("touchpoint", self.for_touchpoints),
                )
                if wanted
            },
            "segment_ids": set(self.segment_ids.ids),
            "lifecycle_stages": set(self.lifecycle_stage_ids.mapped("code")),
            "vip": self.vip,
            "langs": set(self.lang_ids.mapped("code")),
            "country_ids": set(self.country_ids.ids),
            "state_ids": set(self.state_ids.ids),
            "channel_ids": set(self.channel_ids.ids),
            "customer_type": self.customer_type,
        }

    @api.model
    def _vip_partner_ids(self, partners):
        """The partners counted as VIP: best customers where that exists, else contacts tagged VIP.

        A person counts as VIP when their company does. Override to use another signal.
        """
        partners = partners.sudo()
        if "is_best_customer" in partners._fields:
            return {partner.id for partner in partners if partner.commercial_partner_id.is_best_customer}
        tags = self.env["res.partner.category"].sudo().search([("name", "=ilike", "vip")])
        tags |= self.env.ref("ecrm_core.res_partner_category_vip", raise_if_not_found=False) or tags
        return {
            partner.id
            for partner in partners
            if (partner.category_id | partner.commercial_partner_id.category_id) & tags
        }

    @api.model
    def _partner_facts(self, partners):
        """{partner id: facts} of the partners, as :mod:`..tools.routing` reads them."""
        partners = partners.sudo()
        vips = self._vip_partner_ids(partners)
        has_segments = "segment_ids" in partners._fields
        return {
            partner.id: {
                "segment_ids": set(partner.segment_ids.ids) if has_segments else set(),
                "lifecycle_stage": partner.commercial_partner_id.lifecycle_stage or partner.lifecycle_stage or None,
                "is_vip": partner.id in vips,
                "lang": partner.lang or None,
                "country_id": partner.country_id.id or partner.commercial_partner_id.country_id.id or None,
                "state_id": partner.state_id.id or partner.commercial_partner_id.state_id.id or None,
                "is_b2b": partner.commercial_partner_id.is_company,
                "channel_id": partner.preferred_channel_id.id or None,
            }
            for partner in partners
        }

    @api.model
    def _lead_channel_code(self, lead, medium_xmlids):
        """The code of the eCRM channel a lead came in through: its e-mail gateway, else its UTM medium."""
        return self.env.context.get("ecrm_routing_channel") or LEAD_CHANNEL_BY_MEDIUM.get(
            medium_xmlids.get(lead.medium_id.id)
        )

    @api.model
    def _lead_facts(self, leads):
        leads = leads.sudo()
        by_partner = self._partner_facts(leads.partner_id)
        medium_xmlids = leads.medium_id.get_external_id()
        channel_maps = {}
        facts = []
        for lead in leads:
            company = lead.company_id or self.env.company
            if company not in channel_maps:
                channel_maps[company] = self.env["ecrm.channel"]._channel_map("code", company)
            values = dict(
                by_partner.get(lead.partner_id.id)
                or {
                    "segment_ids": set(),
                    "lifecycle_stage": None,
                    "is_vip": False,
                    "lang": lead.lang_id.code or None,
                    "is_b2b": bool(lead.partner_name),
                }
            )
            values.update(
                kind="lead",
                country_id=lead.country_id.id or values.get("country_id"),
                state_id=lead.state_id.id or values.get("state_id"),
                channel_id=channel_maps[company].get(self._lead_channel_code(lead, medium_xmlids)),
            )
            facts.append(values)
        return facts

    @api.model
    def _touchpoint_facts(self, touchpoints):
        touchpoints = touchpoints.sudo()
        by_partner = self._partner_facts(touchpoints.partner_id)
        return [
            dict(
                by_partner[touchpoint.partner_id.id],
                kind=touchpoint_kind(touchpoint.touchpoint_type),
                channel_id=touchpoint.channel_id.id or None,
            )
            for touchpoint in touchpoints
        ]

    # ------------------------------------------------------------------
    # Team members, their capacity and their turn (crm.team.member)
    # ------------------------------------------------------------------

    @api.model
    def _team_members(self, teams, company):
        """{team id: [member dicts]} for the round-robin: capacity from the membership, load and turn
        from the leads (as crm counts them) and the messages assigned over the last 30 days."""
        members = teams.sudo().crm_team_member_ids.filtered(
            lambda m: m.active and not m.assignment_optout and m.user_id.active and company in m.user_id.company_ids
        )
        if not members:
            return {}
        since = fields.Datetime.now() - CAPACITY_WINDOW
        lead_counts = members._get_lead_from_date(since)
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        last_lead = {
            (user.id, team.id): last
            for user, team, last in Lead._read_group(
                [("team_id", "in", teams.ids), ("user_id", "in", members.user_id.ids), ("date_open", ">=", since)],
                ["user_id", "team_id"],
                ["date_open:max"],
            )
        }
        touchpoint_stats = {
            (user.id, team.id): (count, last)
            for user, team, count, last in self.env["ecrm.touchpoint"]
            .sudo()
            ._read_group(
                [
                    ("assigned_team_id", "in", teams.ids),
                    ("assigned_user_id", "in", members.user_id.ids),
                    ("assigned_date", ">=", since),
                    ("answered_date", "=", False),
                ],
                ["assigned_user_id", "assigned_team_id"],
                ["__count", "assigned_date:max"],
            )
        }
        result = {}
        for member in members:
            key = (member.user_id.id, member.crm_team_id.id)
            count, last_touchpoint = touchpoint_stats.get(key, (0, None))
            lasts = [value for value in (last_lead.get(key), last_touchpoint) if value]
            result.setdefault(member.crm_team_id.id, []).append(
                {
                    "user_id": member.user_id.id,
                    "capacity": member.assignment_max,
                    "load": lead_counts.get(key, 0) + count,
                    "last_assigned": max(lasts) if lasts else None,
                }
            )
        return result

    # ------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------

    @api.model
    def _route(self, facts_list, company_ids):
        """Rule, salesperson and team for each item: ``[(rule, user, team)]``, in the items' order.

        :param facts_list: facts of each item
        :param company_ids: the company id of each item, in the same order
        """
        now = fields.Datetime.now()
        result = [(self.browse(), self.env["res.users"], self.env["crm.team"])] * len(facts_list)
        for company in self.env["res.company"].browse(sorted(set(company_ids))):
            indexes = [i for i, company_id in enumerate(company_ids) if company_id == company.id]
            rules = self.sudo().search([("company_id", "=", company.id)])
            if not rules:
                continue
            members = self._team_members(rules.filtered(lambda rule: not rule.user_id).team_id, company)
            picks = assign(
                [facts_list[i] for i in indexes],
                [(rule.id, rule._conditions()) for rule in rules],
                {rule.id: (rule.user_id.id, rule.team_id.id) for rule in rules},
                members,
                clock=now,
            )
            for i, (rule_id, user_id, team_id) in zip(indexes, picks, strict=True):
                result[i] = (
                    self.browse(rule_id),
                    self.env["res.users"].browse(user_id),
                    self.env["crm.team"].browse(team_id),
                )
        return result

    @api.model
    def _write_grouped(self, updates):
        """Write ``[(record, values)]`` with one write per distinct set of values."""
        groups = {}
        for record, values in updates:
            key = tuple(sorted(values.items()))
            groups[key] = groups.get(key, record.browse()) | record
        for key, records in groups.items():
            records.write(dict(key))

    @api.model
    def _route_leads(self, leads):
        """Assign new leads without a salesperson to the salesperson or team of the first matching rule."""
        leads = leads.sudo()
        company_ids = [(lead.company_id or self.env.company).id for lead in leads]
        if not leads or not self.sudo().search_count([("company_id", "in", company_ids)], limit=1):
            return leads.browse()
        now = fields.Datetime.now()
        updates = []
        for lead, (rule, user, team) in zip(leads, self._route(self._lead_facts(leads), company_ids), strict=True):
            if not rule:
                continue
            values = {
                "ecrm_routing_rule_id": rule.id,
                "ecrm_routed_date": now,
                "ecrm_response_due": now + timedelta(hours=rule.response_hours),
            }
            if user:
                values["user_id"] = user.id
            if team:
                values["team_id"] = team.id
            updates.append((lead, values))
        self._write_grouped(updates)
        return leads.browse([lead.id for lead, _values in updates])

    @api.model
    def _route_touchpoints(self, touchpoints):
        """Assign touchpoints that wait for an answer: to the owner of their document when it has one
        (the lead's salesperson for an e-mail about a lead), else by the rules, else to the customer's
        salesperson."""
        touchpoints = touchpoints.sudo().filtered(lambda t: t.needs_answer and not t.assigned_user_id)
        if not touchpoints:
            return touchpoints
        now = fields.Datetime.now()
        by_rules = touchpoints.browse()
        updates = []
        for touchpoint in touchpoints:
            owner = touchpoint._document_owner()
            if owner:
                updates.append((touchpoint, {"assigned_user_id": owner.id, "assigned_date": now}))
            else:
                by_rules |= touchpoint
        company_ids = [touchpoint.company_id.id for touchpoint in by_rules]
        if by_rules and self.sudo().search_count([("company_id", "in", company_ids)], limit=1):
            picks = self._route(self._touchpoint_facts(by_rules), company_ids)
        else:
            picks = [(self.browse(), self.env["res.users"], self.env["crm.team"])] * len(by_rules)
        for touchpoint, (rule, user, team) in zip(by_rules, picks, strict=True):
            salesperson = touchpoint.partner_id.commercial_partner_id.user_id
            if rule:
                values = {
                    "routing_rule_id": rule.id,
                    "assigned_user_id": user.id,
                    "assigned_team_id": team.id,
                    "assigned_date": now,
                    "response_due": now + timedelta(hours=rule.response_hours),
                }
            elif salesperson and not salesperson.share:
                values = {"assigned_user_id": salesperson.id, "assigned_date": now}
            else:
                continue
            updates.append((touchpoint, values))
        self._write_grouped(updates)
        return touchpoints

    # ------------------------------------------------------------------
    # Answers and breaches
    # ------------------------------------------------------------------

    @api.model
    def _record_answers(self, outbound):
        """New outbound touchpoints answer what their customers asked before, and the leads they concern."""
        outbound = outbound.sudo().filtered(lambda t: t.direction == "outbound")
        if outbound:
            self.env.flush_all()
            self._mark_answered(outbound.commercial_partner_id.ids)
            self._mark_leads_answered(
                partner_ids=outbound.partner_id.ids,
                lead_ids=[t.res_id for t in outbound if t.res_model == "crm.lead"],
            )
            self.env["ecrm.touchpoint"].invalidate_model(["answered_date"])
            self.env["crm.lead"].invalidate_model(["ecrm_first_response_date"])

    @api.model
    def _mark_answered(self, commercial_partner_ids=None):
        """Messages waiting for an answer are answered by the first outbound touchpoint to the same customer
        (or company) at or after them. Returns the number of messages answered."""
        only = SQL("")
        if commercial_partner_ids is not None:
            only = SQL("AND q.commercial_partner_id = ANY(%s)", list(commercial_partner_ids))
        self.env.cr.execute(
            SQL(
                """
            UPDATE ecrm_touchpoint q
               SET answered_date = a.first_answer
              FROM (SELECT q.id, min(o.date) AS first_answer
                      FROM ecrm_touchpoint q
                      JOIN ecrm_touchpoint o
                        ON o.commercial_partner_id = q.commercial_partner_id
                       AND o.direction = 'outbound' AND o.date >= q.date
                     WHERE q.needs_answer AND q.answered_date IS NULL %s
                     GROUP BY q.id) a
             WHERE a.id = q.id
            """,
                only,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _mark_leads_answered(self, partner_ids=None, lead_ids=None):
        """A routed lead is answered by the first outbound touchpoint about it or to its customer after the
        routing (stage changes and conversions are noted as they happen, see crm.lead). Returns the number of
        leads answered."""
        only = SQL("")
        if partner_ids is not None or lead_ids is not None:
            only = SQL("AND (l.partner_id = ANY(%s) OR l.id = ANY(%s))", list(partner_ids or []), list(lead_ids or []))
        self.env.cr.execute(
            SQL(
                """
            UPDATE crm_lead l
               SET ecrm_first_response_date = r.first_answer
              FROM (SELECT l.id, min(t.date) AS first_answer
                      FROM crm_lead l
                      JOIN ecrm_touchpoint t
                        ON t.direction = 'outbound' AND t.date >= l.ecrm_routed_date
                       AND (t.partner_id = l.partner_id OR (t.res_model = 'crm.lead' AND t.res_id = l.id))
                     WHERE l.ecrm_routed_date IS NOT NULL AND l.ecrm_first_response_date IS NULL %s
                     GROUP BY l.id) r
             WHERE r.id = l.id
            """,
                only,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _cron_ecrm_routing(self):
        """Route what arrived through the batch API, note the answers given since, flag late answers."""
        now = fields.Datetime.now()
        self.env.flush_all()
        cr = self.env.cr
        # touchpoints stored by COPY skipped the ORM: decide whether they wait for an answer
        cr.execute(
            SQL(
                """
            UPDATE ecrm_touchpoint
               SET needs_answer = (date >= %(since)s)
             WHERE needs_answer IS NULL AND direction = 'inbound' AND touchpoint_type IN %(types)s
         RETURNING id, needs_answer
            """,
                since=now - WAITING_WINDOW,
                types=NEEDS_ANSWER_TYPES,
            )
        )
        waiting = [touchpoint_id for touchpoint_id, needs_answer in cr.fetchall() if needs_answer]
        self.env["ecrm.touchpoint"].invalidate_model(["needs_answer"])
        self._route_touchpoints(self.env["ecrm.touchpoint"].browse(waiting))
        self.env.flush_all()
        answered = self._mark_answered() + self._mark_leads_answered()
        breaches = self._flag_breaches(now)
        self.env.invalidate_all()
        return {"routed": len(waiting), "answered": answered, "breaches": breaches}

    @api.model
    def _flag_breaches(self, now):
        """Flag, in one statement per table, what was answered late or is still unanswered past its due time."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            UPDATE ecrm_touchpoint SET response_breached = TRUE
             WHERE response_due IS NOT NULL AND response_breached IS NOT TRUE
               AND COALESCE(answered_date, %(now)s) > response_due
            """,
                now=now,
            )
        )
        flagged = cr.rowcount
        cr.execute(
            SQL(
                """
            UPDATE crm_lead SET ecrm_response_breached = TRUE
             WHERE ecrm_response_due IS NOT NULL AND ecrm_response_breached IS NOT TRUE
               AND COALESCE(ecrm_first_response_date, %(now)s) > ecrm_response_due
            """,
                now=now,
            )
        )
        return flagged + cr.rowcount
