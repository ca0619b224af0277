import logging
import re
import time

from odoo import api, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module
from odoo.tools import SQL

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import data_quality, duplicates, email_quality

_logger = logging.getLogger(__name__)

NON_DIGITS = re.compile(r"\D")
# Contacts read and written per statement by the cleaning jobs.
BATCH_SIZE = 20_000
# Profile fields counted for the completeness part of the score: people, companies.
PERSON_PROFILE = ("gender", "birth_date", "preferred_channel_id", "preferred_contact_time", "occupation")
COMPANY_PROFILE = ("website", "vat", "industry_id")


class EcrmDataQuality(models.AbstractModel):
    """The cleaning jobs run over the whole population (C6).

    One daily cron (``_cron_clean``) runs them in order: the comparison keys of the
    e-mails, names and addresses; phone numbers rewritten in international form; who does
    not want messages; the duplicate groups; the data-quality scores. Each job reads the
    contacts by batches of ids, decides in Python with the rules of ``tools/`` and writes
    only the rows that change, in one UPDATE per batch.
    """

    _name = "ecrm.data.quality"
    _description = "eCRM Data Quality Jobs"

    @api.model
    def _cron_clean(self):
        return self._run_cleaning(auto_commit=not odoo_module.current_test)

    @api.model
    def _run_cleaning(self, auto_commit=False):
        """Run every cleaning job; with ``auto_commit`` each job's work is committed when it ends."""
        Partner = self.env["res.partner"]
        jobs = [
            ("keys", self._refresh_contact_keys),
            ("phones", self._clean_phone_numbers),
            ("do_not_message", Partner._ecrm_refresh_do_not_message),
            ("duplicates", self.env["ecrm.duplicate.group"]._detect_duplicates),
            ("scores", self._compute_scores),
        ]
        report = {}
        for name, job in jobs:
            started = time.perf_counter()
            report[name] = job()
            _logger.info("Data quality: %s done in %.1f s: %s", name, time.perf_counter() - started, report[name])
            if auto_commit:
                # like the mail queue: what a job did is kept even if a later one fails
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return report

    @api.model
    def _batches(self, query, partner_ids=None):
        """Rows of ``query(where)`` (an SQL selecting ``p.id`` first from ``res_partner p``) by id ranges."""
        last_id = 0
        while True:
            where = SQL("p.id > %s", last_id)
            if partner_ids is not None:
                where = SQL("%s AND p.id = ANY(%s)", where, list(partner_ids))
            self.env.cr.execute(SQL("%s ORDER BY p.id LIMIT %s", query(where), BATCH_SIZE))
            rows = self.env.cr.fetchall()
            if not rows:
                return
            yield rows
            last_id = rows[-1][0]

    @api.model
    def _update_partners(self, columns, rows):
        """``UPDATE res_partner`` of ``columns`` (name -> PostgreSQL type) from ``rows`` of (id, *values)."""
        if not rows:
            return
        names = list(columns)
        arrays = [[row[0] for row in rows]] + [[row[i + 1] for row in rows] for i in range(len(names))]
        types = ["int"] + [columns[name] for name in names]
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner p SET %s FROM unnest(%s) AS v(%s) WHERE p.id = v.id",
                SQL(", ").join(SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name in names),
                SQL(", ").join(SQL("%s::%s[]", array, SQL(kind)) for array, kind in zip(arrays, types, strict=True)),
                SQL(", ").join(SQL.identifier(name) for name in ["id"] + names),
            )
        )

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    @api.model
    def _refresh_contact_keys(self, partner_ids=None):
        """E-mail check and mailbox key, name key and address key of every contact, where they changed.

        They are computed fields kept up to date by the ORM; this catches rows written
        around it (imports by SQL, the bulk generator) and changes of the rules.
        """
        Partner = self.env["res.partner"]
        Partner.flush_model()

        def query(where):
            return SQL(
                """
                SELECT p.id, p.email, p.name, p.street, p.street2, p.zip, p.city,
                       p.email_quality, p.email_suggestion, p.email_dedup_key, p.name_key, p.address_key
                  FROM res_partner p WHERE %s
                """,
                where,
            )

        checked = changed = 0
        for rows in self._batches(query, partner_ids):
            updates = []
            for pid, email, name, street, street2, zip_code, city, *current in rows:
                quality, suggestion, key = email_quality.analyse(email)
                values = (
                    quality,
                    suggestion,
                    key,
                    duplicates.name_key(name),
                    duplicates.address_key(street, zip_code, city, street2),
                )
                if values != tuple(current):
                    updates.append((pid, *values))
            self._update_partners(
                {
                    "email_quality": "varchar",
                    "email_suggestion": "varchar",
                    "email_dedup_key": "varchar",
                    "name_key": "varchar",
                    "address_key": "varchar",
                },
                updates,
            )
            checked += len(rows)
            changed += len(updates)
        Partner.invalidate_model(["email_quality", "email_suggestion", "email_dedup_key", "name_key", "address_key"])
        return {"checked": checked, "changed": changed}

    @api.model
    def _clean_phone_numbers(self, partner_ids=None):
        """Rewrite phone numbers in international form with Odoo's phone_validation.

        A number read in the contact's country (or the company's) is written as
        ``+98 912 123 4567`` and its E.164 form stored; one that cannot be read is left as
        typed and marked invalid, for someone to fix (the "Invalid phone" filter).
        Returns counts: checked, rewritten, invalid.
        """
        Partner = self.env["res.partner"]
        Partner.flush_model()
        self.env.cr.execute("SELECT id, code, phone_code FROM res_country")
        countries = {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}
        default_country = countries.get(self.env.company.country_id.id, (None, None))

        def query(where):
            return SQL(
                """
                SELECT p.id, p.phone, p.mobile, p.country_id, p.phone_e164, p.mobile_e164, p.phone_invalid
                  FROM res_partner p
                 WHERE (p.phone IS NOT NULL OR p.mobile IS NOT NULL OR p.phone_invalid) AND %s
                """,
                where,
            )

        checked, invalid, rewritten_ids, updates = 0, 0, [], []
        for rows in self._batches(query, partner_ids):
            batch_updates = []
            for pid, phone, mobile, country_id, *current in rows:
                code, phone_code = countries.get(country_id) or default_country
                new_phone, phone_e164 = self._format_phone(phone, code, phone_code, current[0])
                new_mobile, mobile_e164 = self._format_phone(mobile, code, phone_code, current[1])
                is_invalid = bool((phone and not phone_e164) or (mobile and not mobile_e164))
                invalid += is_invalid
                if (new_phone, new_mobile) != (phone, mobile):
                    rewritten_ids.append(pid)
                known_phone, known_mobile, was_invalid = current
                if (new_phone, new_mobile, phone_e164, mobile_e164, is_invalid) != (
                    phone,
                    mobile,
                    known_phone,
                    known_mobile,
                    bool(was_invalid),
                ):
                    batch_updates.append((pid, new_phone, new_mobile, phone_e164, mobile_e164, is_invalid))
            self._update_partners(
                {
                    "phone": "varchar",
                    "mobile": "varchar",
                    "phone_e164": "varchar",
                    "mobile_e164": "varchar",
                    "phone_invalid": "bool",
                },
                batch_updates,
            )
            checked += len(rows)
            updates += [row[0] for row in batch_updates]
        Partner.invalidate_model(["phone", "mobile", "phone_e164", "mobile_e164", "phone_invalid"])
        if rewritten_ids:
            # what other modules compute from the numbers (the sanitized number of sms) follows
            rewritten = Partner.browse(rewritten_ids)
            rewritten.modified(["phone", "mobile"])
            rewritten.flush_recordset()
        if invalid:
            _logger.info("Data quality: %d contacts have a phone number that cannot be read", invalid)
        return {"checked": checked, "rewritten": len(rewritten_ids), "invalid": invalid, "updated": len(updates)}

    @api.model
    def _format_phone(self, number, country_code, phone_code, known_e164=None):
        """(number as it should be written, E.164) of a typed number; (number, None) if it cannot be read.

        A number already written in international form whose digits are its stored E.164 is
        left as it is, without parsing it again: after the first run, that is nearly everyone.
        """
        if not number or not number.strip():
            return number, None
        if known_e164 and number.startswith("+") and NON_DIGITS.sub("", number) == known_e164[1:]:
            return number, known_e164
        try:
            e164 = phone_validation.phone_format(number, country_code, phone_code, force_format="E164")
            international = phone_validation.phone_format(
                number, country_code, phone_code, force_format="INTERNATIONAL"
            )
        except UserError:
            return number, None
        return international, e164

    @api.model
    def _compute_scores(self, partner_ids=None):
        """The data-quality score and band of every contact (see tools/data_quality.py)."""
        Partner = self.env["res.partner"]
        Partner.flush_model()
        self.env["ecrm.duplicate.group"].flush_model()

        def filled(names, table_alias="p"):
            return SQL(" + ").join(
                SQL("(%s.%s IS NOT NULL)::int", SQL(table_alias), SQL.identifier(name)) for name in names
            )

        def query(where):
            return SQL(
                """
            SELECT p.id, p.name, p.name_key, p.is_company, p.email_quality,
                   (p.phone IS NOT NULL AND p.phone <> '') OR (p.mobile IS NOT NULL AND p.mobile <> ''),
                   p.phone_e164 IS NOT NULL OR p.mobile_e164 IS NOT NULL,
                   ARRAY[CASE WHEN p.street <> '' THEN 'street' END, CASE WHEN p.zip <> '' THEN 'zip' END,
                         CASE WHEN p.city <> '' THEN 'city' END, CASE WHEN p.country_id IS NOT NULL THEN 'country' END],
                   EXISTS(SELECT 1 FROM ecrm_duplicate_group_res_partner_rel r
                            JOIN ecrm_duplicate_group g ON g.id = r.group_id AND g.state = 'open'
                           WHERE r.partner_id = p.id),
                   CASE WHEN p.is_company THEN %(company_profile)s ELSE %(person_profile)s END,
                   p.data_quality_score, p.data_quality_band
              FROM res_partner p WHERE %(where)s
            """,
                company_profile=filled(COMPANY_PROFILE),
                person_profile=filled(PERSON_PROFILE),
                where=where,
            )

        checked = changed = 0
        for rows in self._batches(query, partner_ids):
            updates = []
            for pid, name, key, is_company, mail, has_phone, phone_ok, address, dup, profile, *current in rows:
                score = data_quality.quality_score(
                    email_quality=mail,
                    phone_state="ok" if phone_ok else "invalid" if has_phone else None,
                    address=[part for part in address if part],
                    name_credit=data_quality.name_credit(name, key, is_company),
                    duplicate=dup,
                    profile_filled=profile,
                    profile_total=len(COMPANY_PROFILE if is_company else PERSON_PROFILE),
                )
                values = (score, data_quality.score_band(score))
                if values != tuple(current):
                    updates.append((pid, *values))
            self._update_partners({"data_quality_score": "int", "data_quality_band": "varchar"}, updates)
            checked += len(rows)
            changed += len(updates)
        Partner.invalidate_model(["data_quality_score", "data_quality_band"])
        return {"checked": checked, "changed": changed}
