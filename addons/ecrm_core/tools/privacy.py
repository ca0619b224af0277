"""Privacy helpers (C16): suppression hashes and the personal data export file."""

import hashlib
import json
from datetime import date, datetime

EMAIL = "email"
PHONE = "phone"


def suppression_hash(kind, value, salt):
    """SHA-256 (hex) of ``salt:kind:value``: recognises an erased address without keeping it.

    ``value`` is the mailbox key of an e-mail (see ``email_quality.dedup_key``) or an
    E.164 phone number. The database computes the same hash in SQL as
    ``encode(sha256(convert_to(salt || ':' || kind || ':' || value, 'UTF8')), 'hex')``.
    """
    if not value:
        return None
    return hashlib.sha256(("%s:%s:%s" % (salt, kind, value)).encode("utf-8")).hexdigest()


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def export_json(sections):
    """The export of one person's data as indented UTF-8 JSON bytes (dates as ISO strings)."""
    return json.dumps(sections, default=_json_default, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
