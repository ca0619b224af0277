import logging

import psycopg2

from odoo import fields, models

_logger = logging.getLogger(__name__)

# The cleaned values of an event (tools/events.py clean_events) that the ledger needs, by
# column of the staging table the batch is matched in (see ecrm.touchpoint.batch._process).
EVENT_COLUMNS = {
    "source_system": ("source", "varchar"),
    "external_id": ("external_id", "varchar"),
    "touchpoint_type": ("type", "varchar"),
    "direction": ("direction", "varchar"),
    "date": ("date", "timestamp"),
    "summary": ("summary", "text"),
    "partner_ref": ("partner_ref", "varchar"),
    "name": ("name", "varchar"),
    "email": ("email", "varchar"),
    "phone": ("phone", "varchar"),
    "channel_code": ("channel", "varchar"),
    "utm_campaign": ("utm_campaign", "varchar"),
    "utm_source": ("utm_source", "varchar"),
    "utm_medium": ("utm_medium", "varchar"),
    "referrer_url": ("referrer_url", "varchar"),
    "search_keywords": ("search_keywords", "varchar"),
    "landing_url": ("landing_url", "varchar"),
    "navigation_path": ("navigation_path", "text"),
    "amount": ("amount", "numeric"),
    "currency_code": ("currency", "varchar"),
    "payload": ("payload", "text"),
}


class EcrmTouchpointInbox(models.Model):
    """Batches accepted by the ingestion API, checked but not yet stored in the ledger (C3).

    One row per batch: the events as received, as one JSON array (rows queued before 18.0.1.1
    hold one JSON text per line; both are read, see ``tools/events.py decode_events``).
    Writing them is one INSERT of a few megabytes, which PostgreSQL compresses with lz4 (about
    5 times smaller: far fewer TOAST chunks and WAL), so that accepting 10,000 events costs
    less than a bare COPY of them into a table. ``ecrm.touchpoint.batch._process``
    (a cron, triggered at once) then cleans them again, matches them to partners, creates
    the latent contacts, moves them into ``ecrm.touchpoint`` and deletes the row. Only the
    ingestion code reads or writes this table, as superuser.
    """

    _name = "ecrm.touchpoint.inbox"
    _description = "eCRM Touchpoint Inbox"
    _log_access = False
    _order = "id"

    # a plain integer, not a many2one: this table is written on the API's hot path
    batch_id = fields.Integer(required=True, help="The ecrm.touchpoint.batch these events came in.")
    events = fields.Text(required=True, help="The events as received, as a JSON array; they passed every check.")

    def init(self):
        # lz4 compresses a batch of JSON about 5 times in a few milliseconds, less than writing the
        # uncompressed TOAST chunks and their WAL costs; pglz is slower than not compressing at all.
        # Only new values are compressed; rows already queued stay readable as they are.
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    "ALTER TABLE ecrm_touchpoint_inbox ALTER COLUMN events SET COMPRESSION lz4, "
                    "ALTER COLUMN events SET STORAGE EXTENDED",
                    log_exceptions=False,
                )
        except psycopg2.errors.FeatureNotSupported:  # PostgreSQL built without lz4
            _logger.info("PostgreSQL has no lz4: the touchpoint inbox is stored without compression")
            cr.execute("ALTER TABLE ecrm_touchpoint_inbox ALTER COLUMN events SET STORAGE EXTERNAL")
