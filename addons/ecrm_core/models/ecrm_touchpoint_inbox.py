from odoo import fields, models

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

    One row per batch: the events as received, one JSON text per line. Writing them is one
    INSERT of a few megabytes, stored without compression, so that accepting 10,000 events
    costs less than a bare COPY of them into a table. ``ecrm.touchpoint.batch._process``
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
    events = fields.Text(required=True, help="The events as received, one JSON text per line; they passed every check.")

    def init(self):
        # already compact JSON: compressing it costs more time than the disk it saves
        self.env.cr.execute("ALTER TABLE ecrm_touchpoint_inbox ALTER COLUMN events SET STORAGE EXTERNAL")
