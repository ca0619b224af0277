import csv
import io
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools.contact import normalize_phone
from ..tools.events import DIRECTIONS, TOUCHPOINT_TYPES, clean_events
from ..tools.routing import NEEDS_ANSWER_TYPES

_logger = logging.getLogger(__name__)

# Columns written by the batch ingestion, in COPY order.
INGEST_COLUMNS = [
    "partner_id",
    "commercial_partner_id",
    "company_id",
    "channel_id",
    "touchpoint_type",
    "direction",
    "date",
    "summary",
    "source_system",
    "external_id",
    "campaign_id",
    "source_id",
    "medium_id",
    "referrer_url",
    "search_keywords",
    "landing_url",
    "navigation_path",
    "amount",
    "currency_id",
    "payload",
    "user_id",
    "create_uid",
    "write_uid",
]


class EcrmIngestError(ValidationError):
    """A batch refused whole; ``errors`` lists the bad events and what is wrong with each."""

    def __init__(self, message, errors):
        super().__init__(message)
        self.errors = errors


class EcrmTouchpoint(models.Model):
    """One interaction with a customer, from any channel and any system (C1)."""

    _name = "ecrm.touchpoint"
    _description = "eCRM Touchpoint"
    _order = "date desc, id desc"
    _rec_names_search = ["summary", "partner_id"]

    # indexed with the date by ecrm_touchpoint_partner_date_index (see init): a second index would slow every insert
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade")
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Commercial Entity",
        compute="_compute_commercial_partner_id",
        store=True,
        precompute=True,
        ondelete="cascade",
        help="The company of a business contact, or the person: B2B timelines read on it.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    channel_id = fields.Many2one(
        "ecrm.channel",
        string="Channel",
        compute="_compute_channel_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        ondelete="set null",
    )
    touchpoint_type = fields.Selection(TOUCHPOINT_TYPES, string="Type", required=True, default="other")
    direction = fields.Selection(
        [(d, label) for d, label in zip(DIRECTIONS, ("Inbound", "Outbound", "Internal"), strict=True)],
        required=True,
        default="inbound",
        help="Inbound: the customer reached out. Outbound: the company did.",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    summary = fields.Text()
    res_model = fields.Char(string="Source Model", help="Model of the document this touchpoint comes from.")
    res_id = fields.Many2oneReference(string="Source Record", model_field="res_model")
    source_system = fields.Char(
        required=True,
        default="odoo",
        help="The system the touchpoint came from: 'odoo' or an integration's name.",
    )
    external_id = fields.Char(
        string="External ID",
        copy=False,
        help="The event's id in its source system; the same event is never stored twice.",
    )
    campaign_id = fields.Many2one("utm.campaign", index="btree_not_null", ondelete="set null")
    source_id = fields.Many2one("utm.source", ondelete="set null")
    medium_id = fields.Many2one("utm.medium", string="UTM Medium", ondelete="set null")
    referrer_url = fields.Char(string="Referring URL")
    search_keywords = fields.Char(help="What the visitor searched for before arriving.")
    landing_url = fields.Char(string="Landing Page")
    navigation_path = fields.Text(help="Pages viewed during the visit, one per line, in order.")
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one("res.currency")
    payload = fields.Json(help="The raw event as received from the source system.")
    user_id = fields.Many2one("res.users", string="Responsible", index="btree_not_null")

    _sql_constraints = [
        (
            "external_id_uniq",
            "unique(source_system, external_id)",
            "This event was already recorded: its external ID is unique per source system.",
        ),
    ]

    def init(self):
        # The two hot reads of a table that grows to millions of rows:
        # one partner's (or one company's) timeline newest first, and one period across everyone.
        create_index(self.env.cr, "ecrm_touchpoint_partner_date_index", self._table, ["partner_id", "date DESC"])
        create_index(
            self.env.cr, "ecrm_touchpoint_commercial_date_index", self._table, ["commercial_partner_id", "date DESC"]
        )
        create_index(self.env.cr, "ecrm_touchpoint_date_index", self._table, ["date"])
        # Routing (C11): the few messages still waiting for an answer, and those the batch API left unsorted.
        create_index(
            self.env.cr,
            "ecrm_touchpoint_waiting_index",
            self._table,
            ["commercial_partner_id"],
            where="needs_answer AND answered_date IS NULL",
        )
        create_index(
            self.env.cr,
            "ecrm_touchpoint_unsorted_index",
            self._table,
            ["id"],
            where="needs_answer IS NULL AND direction = 'inbound'",
        )

    @api.depends("partner_id")
    def _compute_commercial_partner_id(self):
        for touchpoint in self:
            touchpoint.commercial_partner_id = touchpoint.partner_id.commercial_partner_id

    @api.depends("touchpoint_type", "company_id")
    def _compute_channel_id(self):
        maps = {}
        for touchpoint in self.filtered(lambda t: not t.channel_id):
            company = touchpoint.company_id or self.env.company
            if company not in maps:
                maps[company] = self.env["ecrm.channel"]._channel_map("touchpoint_type", company)
            touchpoint.channel_id = maps[company].get(touchpoint.touchpoint_type, False)

    @api.depends("touchpoint_type", "partner_id", "date")
    def _compute_display_name(self):
        labels = dict(self._fields["touchpoint_type"]._description_selection(self.env))
        for touchpoint in self:
            touchpoint.display_name = "%s - %s" % (labels.get(touchpoint.touchpoint_type), touchpoint.partner_id.name)

    def action_open_source(self):
        """Open the document the touchpoint came from (order, lead, meeting, message...)."""
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            raise UserError(_("This touchpoint did not come from a document in Odoo."))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(_("The document this touchpoint came from has been deleted."))
        if not record.has_access("read"):
            raise UserError(
                _(
                    "You are not allowed to open %(document)s. Ask a colleague with access to it.",
                    document=self.res_model,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": record.id,
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Recording from inside Odoo
    # ------------------------------------------------------------------

    @api.model
    def _record(self, vals_list):
        """Record touchpoints captured automatically, whoever the current user is.

        Values with an ``external_id`` already recorded (same ``source_system``) are
        skipped, so capturing the same document twice never doubles it.
        """
        vals_list = [vals for vals in vals_list if vals.get("partner_id")]
        keyed = [
            (vals.get("source_system", "odoo"), vals["external_id"]) for vals in vals_list if vals.get("external_id")
        ]
        if keyed:
            existing = self.sudo().search_fetch(
                [("external_id", "in", [key for _s, key in keyed])], ["source_system", "external_id"]
            )
            seen = {(t.source_system, t.external_id) for t in existing}
            fresh = []
            for vals in vals_list:
                key = (vals.get("source_system", "odoo"), vals.get("external_id"))
                if key[1] and key in seen:
                    continue
                seen.add(key)
                fresh.append(vals)
            vals_list = fresh
        if not vals_list:
            return self.browse()
        return self.sudo().create(vals_list)

    @api.model
    def _backfill_sale_orders(self):
        """Record a purchase touchpoint for every confirmed order that has none, in one statement."""
        self.env.flush_all()
        channel_ids = self.env["ecrm.channel"]._channel_map("touchpoint_type", self.env.company)
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ecrm_touchpoint (
                partner_id, commercial_partner_id, company_id, channel_id, touchpoint_type, direction, date,
                summary, res_model, res_id, source_system, external_id, amount, currency_id, campaign_id,
                source_id, medium_id, user_id, create_uid, write_uid, create_date, write_date)
            SELECT o.partner_id, p.commercial_partner_id, o.company_id, %(channel)s, 'purchase', 'inbound',
                   o.date_order, o.name, 'sale.order', o.id, 'odoo', 'sale.order:' || o.id, o.amount_untaxed,
                   o.currency_id, o.campaign_id, o.source_id, o.medium_id, o.user_id, %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM sale_order o JOIN res_partner p ON p.id = o.partner_id
             WHERE o.state = 'sale'
            ON CONFLICT (source_system, external_id) DO NOTHING
            """,
                channel=channel_ids.get("purchase"),
                uid=self.env.uid,
            )
        )
        self.invalidate_model()
        return self.env.cr.rowcount

    # ------------------------------------------------------------------
    # Batch ingestion from other systems (C3)
    # ------------------------------------------------------------------

    @api.model
    def _ingest_events(self, events, source_system="api"):
        """Store a batch of events from another system, set-based.

        Every event is checked first; when any is invalid, nothing is stored and
        :class:`EcrmIngestError` lists each bad event with its problems. Events are
        matched to partners by ``partner_ref``, then e-mail, then phone; people not
        found become latent contacts. Events whose ``external_id`` was already
        stored for the same source system are skipped and counted.

        :return: dict with ``received``, ``created``, ``skipped``, ``partners_matched``
            and ``partners_created``
        """
        self.check_access("create")
        if not isinstance(events, list):
            raise EcrmIngestError(_("The batch must be a list of events."), [])
        company = self.env.company
        channels = self.env["ecrm.channel"]._channel_map("code", company)
        currencies = {
            currency.name: currency.id
            for currency in self.env["res.currency"].with_context(active_test=False).sudo().search([])
        }

        def check(values):
            problems = []
            if values["channel"] and values["channel"] not in channels:
                problems.append("channel: unknown channel code %r" % values["channel"])
            if values["currency"] and values["currency"] not in currencies:
                problems.append("currency: unknown currency %r" % values["currency"])
            return problems

        cleaned, errors = clean_events(events, check=check)
        if errors:
            raise EcrmIngestError(
                _("%(bad)s of %(total)s events are invalid; nothing was stored.", bad=len(errors), total=len(events)),
                errors,
            )
        if not cleaned:
            return {"received": 0, "created": 0, "skipped": 0, "partners_matched": 0, "partners_created": 0}

        partner_ids, matched, created_partners = self._ingest_match_partners(cleaned, company)
        commercial = self._ingest_commercial_partners(set(partner_ids))
        by_type = self.env["ecrm.channel"]._channel_map("touchpoint_type", company)
        utm = {
            field: self._ingest_utm(model, {e[key] for e in cleaned if e[key]})
            for field, model, key in (
                ("campaign_id", "utm.campaign", "utm_campaign"),
                ("source_id", "utm.source", "utm_source"),
                ("medium_id", "utm.medium", "utm_medium"),
            )
        }
        uid = self.env.uid
        rows = []
        for values, partner_id in zip(cleaned, partner_ids, strict=True):
            rows.append(
                (
                    partner_id,
                    commercial[partner_id],
                    company.id,
                    channels.get(values["channel"]) if values["channel"] else by_type.get(values["type"]),
                    values["type"],
                    values["direction"],
                    values["date"],
                    values["summary"],
                    values["source"] or source_system,
                    values["external_id"],
                    utm["campaign_id"].get(values["utm_campaign"]),
                    utm["source_id"].get(values["utm_source"]),
                    utm["medium_id"].get(values["utm_medium"]),
                    values["referrer_url"],
                    values["search_keywords"],
                    values["landing_url"],
                    values["navigation_path"],
                    values["amount"],
                    currencies.get(values["currency"]),
                    values["payload"],
                    None,
                    uid,
                    uid,
                )
            )
        created = self._ingest_copy(rows)
        self.env["res.partner"]._ecrm_schedule_contact_stats()
        return {
            "received": len(cleaned),
            "created": created,
            "skipped": len(cleaned) - created,
            "partners_matched": matched,
            "partners_created": created_partners,
        }

    def _ingest_utm(self, model, names):
        """{name: id} of UTM records, creating the missing ones in one call."""
        if not names:
            return {}
        Model = self.env[model].sudo()
        records = Model.with_context(active_test=False).search([("name", "in", list(names))])
        result = {record.name: record.id for record in records}
        missing = sorted(names - set(result))
        if missing:
            for record in Model.create([{"name": name} for name in missing]):
                result[record.name] = record.id
        return result

    def _ingest_match_partners(self, cleaned, company):
        """Partner id per event (same order), the number of events matched, the partners created."""
        country = company.country_id.code
        phones = {e["phone"]: normalize_phone(e["phone"], country) for e in cleaned if e["phone"]}
        refs = {e["partner_ref"] for e in cleaned if e["partner_ref"]}
        emails = {e["email"] for e in cleaned if e["email"]}
        e164s = {p for p in phones.values() if p}
        company_clause = SQL("(company_id IS NULL OR company_id = %s) AND active", company.id)
        cr = self.env.cr
        self.env["res.partner"].flush_model(["ref", "email_normalized", "phone_e164", "mobile_e164", "company_id"])
        by_ref, by_email, by_phone = {}, {}, {}
        if refs:
            cr.execute(
                SQL(
                    "SELECT ref, id FROM res_partner WHERE ref = ANY(%s) AND %s ORDER BY id DESC",
                    list(refs),
                    company_clause,
                )
            )
            by_ref = dict(cr.fetchall())
        if emails:
            cr.execute(
                SQL(
                    "SELECT email_normalized, id FROM res_partner WHERE email_normalized = ANY(%s) AND %s "
                    "ORDER BY id DESC",
                    list(emails),
                    company_clause,
                )
            )
            by_email = dict(cr.fetchall())
        if e164s:
            cr.execute(
                SQL(
                    "SELECT phone_e164, id FROM res_partner WHERE phone_e164 = ANY(%s) AND %s "
                    "UNION ALL SELECT mobile_e164, id FROM res_partner WHERE mobile_e164 = ANY(%s) AND %s",
                    list(e164s),
                    company_clause,
                    list(e164s),
                    company_clause,
                )
            )
            by_phone = dict(cr.fetchall())

        def identity(event):
            phone = phones.get(event["phone"])
            return (
                ("ref", event["partner_ref"])
                if event["partner_ref"] and event["partner_ref"] in by_ref
                else ("email", event["email"])
                if event["email"] and event["email"] in by_email
                else ("phone", phone)
                if phone and phone in by_phone
                else None
            )

        found = {"ref": by_ref, "email": by_email, "phone": by_phone}
        partner_ids, to_create, matched = [], {}, 0
        for event in cleaned:
            key = identity(event)
            if key:
                partner_ids.append(found[key[0]][key[1]])
                matched += 1
                continue
            new_key = ("new", event["partner_ref"] or event["email"] or phones.get(event["phone"]) or event["phone"])
            to_create.setdefault(
                new_key,
                {
                    "name": event["name"] or event["email"] or event["phone"] or event["partner_ref"],
                    "email": event["email"],
                    "phone": event["phone"],
                    "ref": event["partner_ref"],
                    "lifecycle_stage": "latent",
                },
            )
            partner_ids.append(new_key)
        if to_create:
            partners = (
                self.env["res.partner"]
                .sudo()
                .with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
                .create(list(to_create.values()))
            )
            new_ids = dict(zip(to_create, partners.ids, strict=True))
            partner_ids = [new_ids[p] if isinstance(p, tuple) else p for p in partner_ids]
        return partner_ids, matched, len(to_create)

    def _ingest_commercial_partners(self, partner_ids):
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL("SELECT id, commercial_partner_id FROM res_partner WHERE id = ANY(%s)", list(partner_ids))
        )
        return dict(self.env.cr.fetchall())

    def _ingest_copy(self, rows):
        """COPY the rows into a temporary table, then insert what is new. Returns the number inserted."""
        cr = self.env.cr
        columns = SQL(", ").join(SQL.identifier(column) for column in INGEST_COLUMNS)
        cr.execute(
            SQL(
                "CREATE TEMP TABLE IF NOT EXISTS ecrm_touchpoint_ingest AS SELECT %s FROM ecrm_touchpoint WITH NO DATA",
                columns,
            )
        )
        cr.execute("TRUNCATE ecrm_touchpoint_ingest")
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        buffer.seek(0)
        cr.copy_expert(
            "COPY ecrm_touchpoint_ingest (%s) FROM STDIN WITH (FORMAT csv)" % ", ".join(INGEST_COLUMNS), buffer
        )
        self.flush_model()
        cr.execute(
            SQL(
                """
            INSERT INTO ecrm_touchpoint (%(columns)s, create_date, write_date)
            SELECT %(columns)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM ecrm_touchpoint_ingest
            ON CONFLICT (source_system, external_id) DO NOTHING
            """,
                columns=columns,
            )
        )
        created = cr.rowcount
        cr.execute("TRUNCATE ecrm_touchpoint_ingest")
        self.invalidate_model()
        return created

    # ------------------------------------------------------------------
    # --- Routing and answers (C11) ---
    # ------------------------------------------------------------------

    needs_answer = fields.Boolean(
        compute="_compute_needs_answer",
        store=True,
        readonly=False,
        precompute=True,
        help="An inbound e-mail, chat, social media message, support request or form that waits for an answer.",
    )
    assigned_user_id = fields.Many2one("res.users", string="Assigned To", index="btree_not_null", readonly=True)
    assigned_team_id = fields.Many2one("crm.team", string="Assigned Team", ondelete="set null", readonly=True)
    routing_rule_id = fields.Many2one(
        "ecrm.routing.rule", string="Routing Rule", index="btree_not_null", ondelete="set null", readonly=True
    )
    assigned_date = fields.Datetime(readonly=True)
    response_due = fields.Datetime(string="Answer Due", readonly=True)
    answered_date = fields.Datetime(
        string="Answered", readonly=True, help="The first outbound touchpoint to the customer after this one."
    )
    response_breached = fields.Boolean(string="Answered Late", readonly=True)

    @api.depends("touchpoint_type", "direction")
    def _compute_needs_answer(self):
        for touchpoint in self:
            touchpoint.needs_answer = (
                touchpoint.direction == "inbound" and touchpoint.touchpoint_type in NEEDS_ANSWER_TYPES
            )

    @api.model_create_multi
    def create(self, vals_list):
        touchpoints = super().create(vals_list)
        Routing = self.env["ecrm.routing.rule"]
        Routing._record_answers(touchpoints)
        Routing._route_touchpoints(touchpoints)
        return touchpoints

    def action_mark_answered(self):
        """Close the wait: the answer was given outside the eCRM (in person, by phone...)."""
        self.ensure_one()
        self.check_access("read")
        if not self.needs_answer or self.answered_date:
            raise UserError(_("This touchpoint is not waiting for an answer."))
        self.sudo().answered_date = fields.Datetime.now()
        return True

    def _document_owner(self):
        """The internal user responsible for the document the touchpoint came from (lead, order...), if any."""
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model in ("res.partner", "calendar.event"):
            return self.env["res.users"]
        Model = self.env.get(self.res_model)
        field = Model._fields.get("user_id") if Model is not None else None
        if not field or field.type != "many2one" or field.comodel_name != "res.users":
            return self.env["res.users"]
        owner = Model.sudo().browse(self.res_id).exists().user_id
        return owner if owner and owner.active and not owner.share else self.env["res.users"]
