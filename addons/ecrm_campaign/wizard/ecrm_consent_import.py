import base64
import csv
import io

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize

from ..models.ecrm_consent_purpose import CONSENT_CHANNELS

# Column names accepted in the file (lower case), per value
COLUMNS = {
    "email": ("email", "e-mail", "mail"),
    "name": ("name", "full name"),
    "purpose": ("purpose", "purpose code"),
    "channel": ("channel",),
    "source": ("source",),
    "consent_text": ("consent text", "consent_text", "text"),
}


class EcrmConsentImport(models.TransientModel):
    """Import consents collected elsewhere (paper forms, an old newsletter tool) with their proof (K2).

    Every row needs a source and the consent text the person agreed to, from the row or from the
    defaults below. A file with any bad row is refused as a whole, with the rows to fix.
    """

    _name = "ecrm.consent.import"
    _description = "Import Consents"

    file = fields.Binary(
        required=True,
        help="A CSV file (UTF-8) with a header row: email, name, purpose, channel, "
        "source, consent text. Only email is required in every row.",
    )
    filename = fields.Char()
    purpose_id = fields.Many2one(
        "ecrm.consent.purpose", string="Default Purpose", help="For rows without a purpose code."
    )
    channel = fields.Selection(CONSENT_CHANNELS, string="Default Channel", default="email", required=True)
    source = fields.Char(
        string="Default Source", help="Where the consents were collected, e.g. 'Tehran fair 2026, paper form'."
    )
    consent_text = fields.Text(
        string="Default Consent Text", help="The exact wording the people agreed to, for rows without their own."
    )
    consent_text_version = fields.Char(string="Text Version")

    def _read_rows(self):
        try:
            content = base64.b64decode(self.file or b"").decode("utf-8-sig")
        except (ValueError, UnicodeDecodeError):
            raise UserError(_("The file is not a UTF-8 CSV file: save it as 'CSV UTF-8' and try again.")) from None
        try:
            dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(content), dialect)
        header = [column.strip().lower() for column in next(reader, [])]
        index = {}
        for key, names in COLUMNS.items():
            for position, column in enumerate(header):
                if column in names:
                    index[key] = position
                    break
        if "email" not in index:
            raise UserError(_("The file needs a header row with an 'email' column."))
        rows = []
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            rows.append(
                (number, {key: (values[pos].strip() if pos < len(values) else "") for key, pos in index.items()})
            )
        if not rows:
            raise UserError(_("The file has no rows to import."))
        return rows

    def action_import(self):
        self.ensure_one()
        if not self.env.user.has_group("ecrm_core.group_ecrm_manager"):
            raise UserError(_("Only eCRM managers can import consents."))
        purposes = {purpose.code: purpose for purpose in self.env["ecrm.consent.purpose"].search([])}
        channels = dict(CONSENT_CHANNELS)
        errors, valid = [], []
        for number, row in self._read_rows():
            email = email_normalize(row.get("email") or "")
            purpose = purposes.get(row.get("purpose")) if row.get("purpose") else self.purpose_id
            channel = row.get("channel") or self.channel
            source = row.get("source") or self.source
            text = row.get("consent_text") or self.consent_text
            problems = []
            if not email:
                problems.append(_("no valid e-mail"))
            if not purpose:
                problems.append(_("unknown purpose %r", row.get("purpose") or ""))
            if channel not in channels:
                problems.append(_("unknown channel %r", channel))
            if not source and not text:
                problems.append(_("neither a source nor a consent text"))
            elif not source:
                problems.append(_("no source"))
            elif not text:
                problems.append(_("no consent text"))
            if problems:
                errors.append(_("Row %(row)s: %(problems)s", row=number, problems=", ".join(problems)))
            else:
                valid.append((row, email, purpose, channel, source, text))
        if errors:
            raise UserError(
                _(
                    "Nothing was imported. A consent is only valid with its proof: every row needs a valid e-mail, "
                    "a purpose, a source and the consent text (in the row or as defaults in this form). Fix:\n%s",
                    "\n".join(errors[:50]) + ("\n..." if len(errors) > 50 else ""),
                )
            )
        partners = self._find_or_create_partners(valid)
        groups = {}
        for _row, email, purpose, channel, source, text in valid:
            groups.setdefault((purpose, channel, source, text), []).append(partners[email])
        Consent = self.env["ecrm.consent"]
        changed = Consent.browse()
        for (purpose, channel, source, text), partner_ids in groups.items():
            changed |= Consent._grant(
                partner_ids,
                channel,
                purpose,
                "import",
                text=text,
                text_version=self.consent_text_version,
                source="%s (%s)" % (source, self.filename) if self.filename else source,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(rows)s rows read, %(changed)s consents granted.", rows=len(valid), changed=len(changed)
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _find_or_create_partners(self, valid):
        """{normalized e-mail: partner id}, creating the contacts not known yet (one search, one create)."""
        Partner = self.env["res.partner"].sudo()
        emails = list(dict.fromkeys(email for _row, email, *_rest in valid))
        found = {}
        for partner in Partner.search([("email_normalized", "in", emails)], order="id"):
            found.setdefault(partner.email_normalized, partner.id)
        names = {email: row.get("name") for row, email, *_rest in valid}
        missing = [email for email in emails if email not in found]
        for partner in Partner.create([{"name": names.get(email) or email, "email": email} for email in missing]):
            found[partner.email_normalized] = partner.id
        return found
