import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index, drop_index

from ..tools.events import DIRECTIONS, TOUCHPOINT_TYPES, check_events, encode_event, encode_events, has_nul
from ..tools.routing import NEEDS_ANSWER_TYPES

_logger = logging.getLogger(__name__)


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
    # not indexed: a few values across millions of rows, no read is helped, every insert would pay
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
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
        # company_id used to be indexed: useless for reads, paid by every insert (bench/RESULTS.md)
        drop_index(self.env.cr, "ecrm_touchpoint__company_id_index", self._table)
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
    def _ingest_queue(self, events, source_system="api"):
        """Check a batch of events from another system and queue it to be stored; what the HTTP API calls.

        Every event is checked first; when any is invalid, nothing is queued and
        :class:`EcrmIngestError` lists each bad event with its problems. A valid batch is
        written as received into ``ecrm.touchpoint.inbox`` with a new ``ecrm.touchpoint.batch``,
        and the cron that stores batches is asked to run at once. The matching to partners,
        the latent contacts and the replay check happen there
        (``ecrm.touchpoint.batch._process``), and its counts are read back on the batch.

        :return: the ``ecrm.touchpoint.batch`` (state ``queued``)
        """
        self.check_access("create")
        if not isinstance(events, list):
            raise EcrmIngestError(_("The batch must be a list of events."), [])
        company = self.env.company
        # one query on this hot path: the codes of the company's and the shared active channels (as
        # ecrm.channel._channel_map("code") gives them), and every currency, active or not (ISO codes are not secret)
        self.env["ecrm.channel"].flush_model(["code", "active", "company_id"])
        channels, currencies = set(), set()
        for is_channel, name in self.env.execute_query(
            SQL(
                "SELECT true, code FROM ecrm_channel WHERE active AND (company_id IS NULL OR company_id = %s) "
                "UNION ALL SELECT false, name FROM res_currency",
                company.id,
            )
        ):
            (channels if is_channel else currencies).add(name)

        def check(values):
            problems = []
            if values["channel"] and values["channel"] not in channels:
                problems.append("channel: unknown channel code %r" % values["channel"])
            if values["currency"] and values["currency"] not in currencies:
                problems.append("currency: unknown currency %r" % values["currency"])
            return problems

        # the values are made again when the batch is stored: here only the verdict is kept
        errors = check_events(events, check=check)
        if errors:
            raise EcrmIngestError(
                _("%(bad)s of %(total)s events are invalid; nothing was stored.", bad=len(errors), total=len(events)),
                errors,
            )
        # the events as received, as one JSON array; PostgreSQL text cannot hold a NUL character
        text = encode_events(events)
        if has_nul(text):
            raise EcrmIngestError(
                _("Text cannot contain the NUL character (\\u0000); nothing was stored."),
                [
                    {"index": index, "external_id": event.get("external_id"), "errors": ["text: NUL character"]}
                    for index, event in enumerate(events)
                    if has_nul(encode_event(event))
                ],
            )
        Batch = self.env["ecrm.touchpoint.batch"].sudo()
        batch = Batch.create(
            {
                "company_id": company.id,
                "user_id": self.env.uid,
                "source_system": source_system,
                "received": len(events),
                "state": "queued" if events else "done",
            }
        )
        if events:
            # one row for the batch (compressed by PostgreSQL, see ecrm.touchpoint.inbox)
            self.env.cr.execute(
                SQL("INSERT INTO ecrm_touchpoint_inbox (batch_id, events) VALUES (%s, %s)", batch.id, text)
            )
            self.env.ref("ecrm_core.ir_cron_ingest_batches").sudo()._trigger()
        return batch.with_env(self.env)

    @api.model
    def _ingest_events(self, events, source_system="api"):
        """Check and store a batch of events from another system at once (for code; the API queues).

        Same checks as :meth:`_ingest_queue`, then the batch is stored in this transaction:
        events are matched to partners by ``partner_ref``, then e-mail, then phone; people not
        found become latent contacts; events whose ``external_id`` was already stored for the
        same source system are skipped and counted.

        :return: dict with ``received``, ``created``, ``skipped``, ``partners_matched``
            and ``partners_created``
        """
        batch = self._ingest_queue(events, source_system=source_system)
        batch.sudo()._process()
        result = batch.sudo()._result()
        return {key: result[key] for key in ("received", "created", "skipped", "partners_matched", "partners_created")}

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
