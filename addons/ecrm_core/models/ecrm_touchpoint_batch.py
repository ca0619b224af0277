import csv
import io
import json
import logging
from operator import itemgetter

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.contact import normalize_phone
from ..tools.events import clean_events, decode_events
from .ecrm_touchpoint_inbox import EVENT_COLUMNS

_logger = logging.getLogger(__name__)

# Batches one run of the cron stores at most (of up to 10,000 events each); it calls itself again for the rest.
BATCHES_PER_RUN = 50


class EcrmTouchpointBatch(models.Model):
    """One batch of events received from another system through the ingestion API (C3).

    The API checks the events and queues them in ``ecrm.touchpoint.inbox`` (see
    ``ecrm.touchpoint._ingest_queue``); :meth:`_process`, run by a cron a few seconds
    later, stores them in the ledger and fills in the counts the sender can read back.
    """

    _name = "ecrm.touchpoint.batch"
    _description = "eCRM Touchpoint Batch"
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Sent By", readonly=True, help="The user of the API key that sent the batch."
    )
    source_system = fields.Char(
        required=True, readonly=True, default="api", help="The source system of the events that do not name one."
    )
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Stored")],
        string="Status",
        required=True,
        readonly=True,
        default="queued",
        index=True,
        help="Queued: checked and accepted, waiting to be stored. Stored: in the ledger, counts filled in.",
    )
    received = fields.Integer(readonly=True, help="Events in the batch, all valid.")
    created = fields.Integer(string="Stored", readonly=True, help="Touchpoints added to the ledger.")
    skipped = fields.Integer(
        readonly=True, help="Events not stored because their external ID was already recorded (replays)."
    )
    partners_matched = fields.Integer(
        string="Matched", readonly=True, help="Events matched to an existing contact by reference, e-mail or phone."
    )
    partners_created = fields.Integer(
        string="New Contacts", readonly=True, help="Unknown people added as latent contacts."
    )
    processed_date = fields.Datetime(string="Stored On", readonly=True)

    def _compute_display_name(self):
        for batch in self:
            batch.display_name = "%s #%s" % (batch.source_system, batch.id)

    def _result(self):
        """The batch's figures as the API returns them."""
        self.ensure_one()
        return {
            "batch_id": self.id,
            "status": self.state,
            "received": self.received,
            "created": self.created,
            "skipped": self.skipped,
            "partners_matched": self.partners_matched,
            "partners_created": self.partners_created,
        }

    # ------------------------------------------------------------------
    # Storing queued batches in the ledger, set-based
    # ------------------------------------------------------------------

    @api.model
    def _cron_process(self):
        """Store the queued batches, oldest first; call again soon when more are waiting."""
        batches = self.sudo().search([("state", "=", "queued")], order="id", limit=BATCHES_PER_RUN + 1)
        batches[:BATCHES_PER_RUN]._process()
        if len(batches) > BATCHES_PER_RUN:
            self.env.ref("ecrm_core.ir_cron_ingest_batches")._trigger()

    def _process(self):
        """Match the queued events of these batches to partners and move them into the ledger.

        Per company: phones normalised once per distinct number, partners matched with a
        few joins (reference, then e-mail, then E.164 phone or mobile, among the company's
        and the shared active contacts), one ``create`` for all the unknown people (latent
        contacts), then one ``INSERT ... SELECT`` per batch, oldest first, that skips
        replayed external ids. Returns the number of touchpoints stored.
        """
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM ecrm_touchpoint_batch WHERE id = ANY(%s) AND state = 'queued' "
                "ORDER BY id FOR UPDATE SKIP LOCKED",
                self.ids,
            )
        )
        batches = self.sudo().browse([row[0] for row in cr.fetchall()])
        stored = 0
        for company in batches.company_id:
            stored += batches.filtered(lambda b, c=company: b.company_id == c)._process_company(company)
        if batches:
            self.env["res.partner"]._ecrm_schedule_contact_stats()
        return stored

    def _process_company(self, company):
        cr = self.env.cr
        ids = self.ids
        self._stage_events()
        self._match_phones(company)
        matched = self._match_partners(company)
        created_partners = self._create_latent_contacts()
        stored = 0
        for batch in self.sorted("id"):
            created = batch._store(company)
            stored += created
            batch.write(
                {
                    "state": "done",
                    "created": created,
                    "skipped": batch.received - created,
                    "partners_matched": matched.get(batch.id, 0),
                    "partners_created": created_partners.get(batch.id, 0),
                    "processed_date": fields.Datetime.now(),
                }
            )
        cr.execute(SQL("DELETE FROM ecrm_touchpoint_inbox WHERE batch_id = ANY(%s)", ids))
        cr.execute("DROP TABLE ecrm_ingest_event")
        return stored

    def _stage_events(self):
        """Clean the batches' events again and COPY them into the temporary table ``ecrm_ingest_event``.

        They passed the same checks when they were received, so none fails now (one that does,
        after a change of the rules, is left out and logged).
        """
        cr = self.env.cr
        cr.execute(
            SQL("SELECT batch_id, events FROM ecrm_touchpoint_inbox WHERE batch_id = ANY(%s) ORDER BY id", self.ids)
        )
        # (position, batch id, event), in the order received: the first event about a new person names them
        received = [(batch_id, event) for batch_id, text in cr.fetchall() for event in decode_events(text)]
        rows = [(number, batch_id) for number, (batch_id, _event) in enumerate(received)]
        cleaned, errors = clean_events([event for _batch_id, event in received])
        if errors:
            _logger.warning("eCRM ingestion: %d queued events no longer pass the checks: %s", len(errors), errors[:5])
            rows = [row for index, row in enumerate(rows) if index not in {error["index"] for error in errors}]
        cr.execute("DROP TABLE IF EXISTS ecrm_ingest_event")
        cr.execute(
            SQL(
                "CREATE TEMP TABLE ecrm_ingest_event (id int, batch_id int, %s, e164 varchar, partner_id int)",
                SQL(", ").join(
                    SQL("%s %s", SQL.identifier(column), SQL(kind)) for column, (_key, kind) in EVENT_COLUMNS.items()
                ),
            )
        )
        get = itemgetter(*[key for key, _kind in EVENT_COLUMNS.values()])
        buffer = io.StringIO()
        csv.writer(buffer).writerows(
            [(row[0], row[1], *get(values)) for row, values in zip(rows, cleaned, strict=True)]
        )
        buffer.seek(0)
        cr.copy_expert(
            "COPY ecrm_ingest_event (id, batch_id, %s) FROM STDIN WITH (FORMAT csv)" % ", ".join(EVENT_COLUMNS),
            buffer,
        )
        cr.execute("ANALYZE ecrm_ingest_event")

    def _match_phones(self, company):
        """E.164 of every distinct phone number of the events, read with the company's country."""
        cr = self.env.cr
        cr.execute("SELECT DISTINCT phone FROM ecrm_ingest_event WHERE phone IS NOT NULL")
        phones = [row[0] for row in cr.fetchall()]
        if not phones:
            return
        country = company.country_id.code
        e164s = [normalize_phone(phone, country) for phone in phones]
        cr.execute(
            SQL(
                """
            UPDATE ecrm_ingest_event m SET e164 = v.e164
              FROM unnest(%s::varchar[], %s::varchar[]) AS v(phone, e164)
             WHERE m.phone = v.phone AND v.e164 IS NOT NULL
            """,
                phones,
                e164s,
            )
        )

    def _match_partners(self, company):
        """Set the partner of each event found by reference, e-mail, then phone; {batch id: events matched}."""
        cr = self.env.cr
        self.env["res.partner"].flush_model(["ref", "email_normalized", "phone_e164", "mobile_e164", "company_id"])
        among = SQL("(p.company_id IS NULL OR p.company_id = %s) AND p.active", company.id)
        # the oldest contact wins when several share a reference, an address or a number
        for key, candidates in (
            ("partner_ref", SQL("SELECT p.ref AS key, p.id FROM res_partner p WHERE p.ref IS NOT NULL AND %s", among)),
            (
                "email",
                SQL(
                    "SELECT p.email_normalized AS key, p.id FROM res_partner p "
                    "WHERE p.email_normalized IS NOT NULL AND %s",
                    among,
                ),
            ),
            (
                "e164",
                SQL(
                    "SELECT p.phone_e164 AS key, p.id FROM res_partner p WHERE p.phone_e164 IS NOT NULL AND %s "
                    "UNION ALL SELECT p.mobile_e164, p.id FROM res_partner p WHERE p.mobile_e164 IS NOT NULL AND %s",
                    among,
                    among,
                ),
            ),
        ):
            cr.execute(
                SQL(
                    """
                UPDATE ecrm_ingest_event m SET partner_id = found.id
                  FROM (SELECT c.key, min(c.id) AS id
                          FROM (%(candidates)s) c
                         WHERE c.key IN (SELECT %(key)s FROM ecrm_ingest_event WHERE partner_id IS NULL)
                         GROUP BY c.key) found
                 WHERE m.partner_id IS NULL AND m.%(key)s = found.key
                """,
                    candidates=candidates,
                    key=SQL.identifier(key),
                )
            )
        cr.execute("SELECT batch_id, count(*) FROM ecrm_ingest_event WHERE partner_id IS NOT NULL GROUP BY batch_id")
        return dict(cr.fetchall())

    def _create_latent_contacts(self):
        """One latent contact per unknown person, in one ``create``; {batch id: contacts created}.

        A person is known by their reference, else e-mail, else phone. The contact takes the
        name and identifiers of the first event about them, and counts for that event's batch.
        """
        cr = self.env.cr
        cr.execute(
            """
            SELECT DISTINCT ON (key) key, batch_id, name, email, phone, partner_ref
              FROM (SELECT COALESCE(partner_ref, email, e164, phone) AS key, *
                      FROM ecrm_ingest_event WHERE partner_id IS NULL) unknown
             ORDER BY key, id
            """
        )
        people = cr.dictfetchall()
        if not people:
            return {}
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
        )
        # the defaults do not depend on the record: compute them once, not once per contact
        defaults = Partner.default_get(list(Partner._fields))
        partners = Partner.create(
            [
                dict(
                    defaults,
                    name=person["name"] or person["email"] or person["phone"] or person["partner_ref"],
                    email=person["email"],
                    phone=person["phone"],
                    ref=person["partner_ref"],
                    lifecycle_stage="latent",
                )
                for person in people
            ]
        )
        partners.flush_recordset()
        cr.execute(
            SQL(
                """
            UPDATE ecrm_ingest_event m SET partner_id = v.id
              FROM unnest(%s::varchar[], %s::int[]) AS v(key, id)
             WHERE m.partner_id IS NULL AND COALESCE(m.partner_ref, m.email, m.e164, m.phone) = v.key
            """,
                [person["key"] for person in people],
                partners.ids,
            )
        )
        counts = {}
        for person in people:
            counts[person["batch_id"]] = counts.get(person["batch_id"], 0) + 1
        return counts

    def _store(self, company):
        """INSERT the batch's events into the ledger; replayed external ids are skipped. Returns the number stored."""
        self.ensure_one()
        cr = self.env.cr
        Touchpoint = self.env["ecrm.touchpoint"]
        channels = self.env["ecrm.channel"]
        names = {}
        for column in ("utm_campaign", "utm_source", "utm_medium", "currency_code"):
            cr.execute(
                SQL(
                    "SELECT DISTINCT %s FROM ecrm_ingest_event WHERE batch_id = %s AND %s IS NOT NULL",
                    SQL.identifier(column),
                    self.id,
                    SQL.identifier(column),
                )
            )
            names[column] = {row[0] for row in cr.fetchall()}
        maps = {
            "campaigns": self._utm_ids("utm.campaign", names["utm_campaign"]),
            "sources": self._utm_ids("utm.source", names["utm_source"]),
            "mediums": self._utm_ids("utm.medium", names["utm_medium"]),
            "currencies": {
                currency.name: currency.id
                for currency in self.env["res.currency"]
                .with_context(active_test=False)
                .sudo()
                .search([("name", "in", list(names["currency_code"]))])
            },
            "channels": channels._channel_map("code", company),
            "by_type": channels._channel_map("touchpoint_type", company),
        }
        Touchpoint.flush_model()
        now = fields.Datetime.now()
        cr.execute(
            SQL(
                """
            INSERT INTO ecrm_touchpoint (
                partner_id, commercial_partner_id, company_id, channel_id, touchpoint_type, direction, date,
                summary, source_system, external_id, campaign_id, source_id, medium_id, referrer_url,
                search_keywords, landing_url, navigation_path, amount, currency_id, payload,
                create_uid, write_uid, create_date, write_date)
            SELECT i.partner_id, p.commercial_partner_id, %(company)s,
                   COALESCE((%(channels)s::jsonb ->> i.channel_code)::int,
                            (%(by_type)s::jsonb ->> i.touchpoint_type)::int),
                   i.touchpoint_type, i.direction, i.date, i.summary, COALESCE(i.source_system, %(source)s),
                   i.external_id, (%(campaigns)s::jsonb ->> i.utm_campaign)::int,
                   (%(sources)s::jsonb ->> i.utm_source)::int, (%(mediums)s::jsonb ->> i.utm_medium)::int,
                   i.referrer_url, i.search_keywords, i.landing_url, i.navigation_path, i.amount,
                   (%(currencies)s::jsonb ->> i.currency_code)::int, i.payload::jsonb,
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM ecrm_ingest_event i
              JOIN res_partner p ON p.id = i.partner_id
             WHERE i.batch_id = %(batch)s
             ORDER BY i.id
            ON CONFLICT (source_system, external_id) DO NOTHING
            """,
                company=company.id,
                source=self.source_system,
                uid=self.user_id.id or self.env.uid,
                now=now,
                batch=self.id,
                **{key: json.dumps(value) for key, value in maps.items()},
            )
        )
        created = cr.rowcount
        Touchpoint.invalidate_model()
        return created

    def _utm_ids(self, model, names):
        """{name: id} of UTM records, creating the missing ones in one call."""
        if not names:
            return {}
        Model = self.env[model].sudo()
        result = {
            record.name: record.id
            for record in Model.with_context(active_test=False).search([("name", "in", list(names))])
        }
        missing = sorted(names - set(result))
        if missing:
            for record in Model.create([{"name": name} for name in missing]):
                result[record.name] = record.id
        return result
