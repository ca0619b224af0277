"""Validation of touchpoint events that arrive from other systems (C3).

An event is a plain dict. :func:`clean_event` checks one event and returns the
cleaned values and a list of error messages; nothing here touches a database.
"""

import json
from datetime import datetime, timezone

from .contact import normalize_email
from .web import search_keywords

TOUCHPOINT_TYPES = [
    ("web_visit", "Web visit"),
    ("email_in", "E-mail received"),
    ("email_out", "E-mail sent"),
    ("call", "Phone call"),
    ("meeting", "Meeting"),
    ("chat", "Chat"),
    ("social", "Social media"),
    ("form", "Form"),
    ("survey", "Survey"),
    ("purchase", "Purchase"),
    ("shop_visit", "Shop visit"),
    ("support", "Support request"),
    ("other", "Other"),
]
TYPE_KEYS = {key for key, _label in TOUCHPOINT_TYPES}
DIRECTIONS = ("inbound", "outbound", "internal")
OUTBOUND_TYPES = {"email_out"}

# Text fields: name in the event -> maximum length (None: unlimited text).
TEXT_FIELDS = {
    "external_id": 255,
    "source": 64,
    "channel": 64,
    "summary": None,
    "partner_ref": 255,
    "name": 255,
    "phone": 64,
    "utm_campaign": 255,
    "utm_source": 255,
    "utm_medium": 255,
    "utm_term": 255,
    "referrer_url": 2048,
    "search_keywords": 512,
    "landing_url": 2048,
    "currency": 3,
}
KNOWN_FIELDS = set(TEXT_FIELDS) | {"type", "date", "direction", "email", "navigation_path", "amount", "payload"}
MAX_PAYLOAD_BYTES = 64 * 1024
# Identifiers that some systems send as numbers.
NUMBER_AS_TEXT = ("external_id", "partner_ref", "phone")


def parse_datetime(value):
    """An ISO 8601 string as a naive UTC datetime; naive input is taken as UTC."""
    if not isinstance(value, str):
        raise TypeError("expected an ISO 8601 date-time string")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def clean_event(event, now=None):
    """Check one event. Returns ``(values, errors)``; ``values`` is None when there are errors.

    ``values`` has the event's fields cleaned: stripped text (empty text becomes None),
    ``date`` as a naive UTC datetime, ``email`` normalised, ``navigation_path`` as
    newline-separated text, ``search_keywords`` read from the referrer when missing,
    ``payload`` as a JSON string.
    """
    if not isinstance(event, dict):
        return None, ["an event must be a JSON object"]
    values, errors = {}, []
    unknown = sorted(set(event) - KNOWN_FIELDS)
    if unknown:
        errors.append("unknown field(s): %s" % ", ".join(unknown))
    for cleaner in (_clean_text, _clean_kind, _clean_identity, _clean_path, _clean_amount, _clean_payload):
        cleaner(event, values, errors)
    _clean_date(event, values, errors, now or datetime.now(timezone.utc).replace(tzinfo=None))
    if not values.get("search_keywords"):
        values["search_keywords"] = search_keywords(values.get("referrer_url"), values.get("utm_term"))
    if errors:
        return None, errors
    return values, []


def _clean_text(event, values, errors):
    for name, size in TEXT_FIELDS.items():
        raw = event.get(name)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and name in NUMBER_AS_TEXT:
            raw = str(raw)
        if raw is not None and not isinstance(raw, str):
            errors.append("%s: expected text" % name)
            raw = None
        raw = raw.strip() or None if raw else None
        if raw and size and len(raw) > size:
            errors.append("%s: longer than %d characters" % (name, size))
        values[name] = raw


def _clean_kind(event, values, errors):
    kind = event.get("type")
    if kind not in TYPE_KEYS:
        errors.append("type: must be one of %s" % ", ".join(sorted(TYPE_KEYS)))
    direction = event.get("direction")
    if direction is None:
        direction = "outbound" if kind in OUTBOUND_TYPES else "inbound"
    elif direction not in DIRECTIONS:
        errors.append("direction: must be one of %s" % ", ".join(DIRECTIONS))
    values.update(type=kind, direction=direction)


def _clean_date(event, values, errors, now):
    if event.get("date") is None:
        errors.append("date: required")
        return
    try:
        values["date"] = parse_datetime(event["date"])
    except (TypeError, ValueError) as exc:
        errors.append("date: %s" % exc)
        return
    if (values["date"] - now).days >= 1:
        errors.append("date: more than a day in the future")


def _clean_identity(event, values, errors):
    raw_email = event.get("email")
    values["email"] = None
    if raw_email not in (None, ""):
        values["email"] = normalize_email(raw_email) if isinstance(raw_email, str) else None
        if not values["email"]:
            errors.append("email: not a valid e-mail address")
            return
    if not (values.get("partner_ref") or values["email"] or values.get("phone")):
        errors.append("identify the person with partner_ref, email or phone")


def _clean_path(event, values, errors):
    path = event.get("navigation_path")
    values["navigation_path"] = None
    if isinstance(path, list) and all(isinstance(step, str) for step in path):
        values["navigation_path"] = "\n".join(step.strip() for step in path if step.strip()) or None
    elif isinstance(path, str):
        values["navigation_path"] = path.strip() or None
    elif path is not None:
        errors.append("navigation_path: expected a list of URLs or text")


def _clean_amount(event, values, errors):
    amount = event.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (int, float))):
        errors.append("amount: expected a number")
    values["amount"] = amount
    currency = values.get("currency")
    if currency:
        if len(currency) != 3 or not currency.isalpha():
            errors.append("currency: expected an ISO 4217 code such as EUR or IRR")
        values["currency"] = currency.upper()
    elif amount is not None:
        errors.append("currency: required with an amount")


def _clean_payload(event, values, errors):
    payload = event.get("payload")
    values["payload"] = None
    if payload is None:
        return
    if not isinstance(payload, dict):
        errors.append("payload: expected a JSON object")
        return
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        errors.append("payload: larger than %d bytes" % MAX_PAYLOAD_BYTES)
    values["payload"] = text


def clean_events(events, now=None, check=None):
    """Check a batch. Returns ``(cleaned, errors)``; ``errors`` lists ``{"index", "external_id", "errors"}``.

    ``check(values)``, when given, returns more problems of a cleaned event
    (such as a channel code the database does not know).
    """
    cleaned, errors = [], []
    for index, event in enumerate(events):
        values, problems = clean_event(event, now=now)
        if not problems and check:
            problems = check(values)
        if problems:
            errors.append({"index": index, "external_id": _external_id(event), "errors": problems})
        else:
            cleaned.append(values)
    return cleaned, errors


def _external_id(event):
    return event.get("external_id") if isinstance(event, dict) else None
