import secrets

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import email_quality
from ..tools.contact import normalize_phone
from ..tools.privacy import EMAIL, PHONE, suppression_hash

SALT_PARAM = "ecrm_core.suppression_salt"


class EcrmSuppression(models.Model):
    """An address that must never be marketed to again, kept as a salted hash only (C16, K2).

    Written when a person is forgotten: the e-mail mailbox and phone numbers are hashed
    with a secret of this database, so the list shows no address yet recognises one when
    it comes back (a contact created by hand, an import, the ingestion API): such a
    contact is flagged "does not want messages".
    """

    _name = "ecrm.suppression"
    _description = "eCRM Suppression Entry"
    _order = "date desc, id desc"
    _rec_name = "reason"

    hash = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="SHA-256 of the database's secret and the normalised address; the address itself is not kept.",
    )
    kind = fields.Selection([(EMAIL, "E-mail"), (PHONE, "Phone")], required=True, readonly=True)
    reason = fields.Selection(
        [("erased", "Person forgotten at their request"), ("objection", "Objected to marketing")],
        required=True,
        default="erased",
        readonly=True,
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)

    _sql_constraints = [
        ("hash_uniq", "unique(hash)", "This address is already on the suppression list."),
    ]

    @api.model
    def _salt(self):
        """The secret mixed into every hash, created on first use."""
        params = self.env["ir.config_parameter"].sudo()
        salt = params.get_param(SALT_PARAM)
        if not salt:
            salt = secrets.token_hex(32)
            params.set_param(SALT_PARAM, salt)
        return salt

    @api.model
    def _hashes(self, emails=(), phones=(), country_code=None):
        """``{hash: kind}`` of e-mail field values and phone numbers (national ones read in ``country_code``)."""
        salt = self._salt()
        result = {}
        for email in emails:
            digest = suppression_hash(EMAIL, email_quality.dedup_key(email), salt)
            if digest:
                result[digest] = EMAIL
        for phone in phones:
            digest = suppression_hash(PHONE, normalize_phone(phone, country_code), salt)
            if digest:
                result[digest] = PHONE
        return result

    @api.model
    def _suppress(self, emails=(), phones=(), country_code=None, reason="erased"):
        """Add the addresses to the list (once each); returns the number of new entries."""
        hashes = self._hashes(emails, phones, country_code)
        if not hashes:
            return 0
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ecrm_suppression (hash, kind, reason, date, create_uid, write_uid, create_date, write_date)
            SELECT h.hash, h.kind, %(reason)s, now() AT TIME ZONE 'UTC', %(uid)s, %(uid)s,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%(hashes)s::varchar[], %(kinds)s::varchar[]) AS h(hash, kind)
            ON CONFLICT (hash) DO NOTHING
            """,
                reason=reason,
                uid=self.env.uid,
                hashes=list(hashes),
                kinds=list(hashes.values()),
            )
        )
        self.invalidate_model()
        return self.env.cr.rowcount

    @api.model
    def _is_suppressed(self, email=None, phone=None, country_code=None):
        hashes = self._hashes([email] if email else (), [phone] if phone else (), country_code)
        return bool(hashes) and bool(self.sudo().search_count([("hash", "in", list(hashes))], limit=1))

    @api.model
    def _partner_hash_sql(self, column, kind):
        """SQL of the hash of a res_partner column (alias ``p``), as computed by :func:`suppression_hash`."""
        return SQL(
            "encode(sha256(convert_to(%s || %s || p.%s, 'UTF8')), 'hex')",
            self._salt(),
            ":%s:" % kind,
            SQL.identifier(column),
        )
