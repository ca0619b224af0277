"""Validation of touchpoint events that arrive from other systems (C3).

An event is a plain dict. :func:`clean_event` checks one event and returns the
cleaned values and a list of error messages; nothing here touches a database.
"""

import json
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from json.encoder import c_encode_basestring, c_make_encoder

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
    if not isinstance(kind, str) or kind not in TYPE_KEYS:
        errors.append("type: must be one of %s" % ", ".join(sorted(TYPE_KEYS)))
    direction = event.get("direction")
    if direction is None:
        direction = "outbound" if isinstance(kind, str) and kind in OUTBOUND_TYPES else "inbound"
    elif not isinstance(direction, str) or direction not in DIRECTIONS:
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
    text = _JSON.encode(payload)
    if len(text) * 4 > MAX_PAYLOAD_BYTES and len(text.encode()) > MAX_PAYLOAD_BYTES:
        errors.append("payload: larger than %d bytes" % MAX_PAYLOAD_BYTES)
    values["payload"] = text


def clean_events(events, now=None, check=None):
    """Check a batch. Returns ``(cleaned, errors)``; ``errors`` lists ``{"index", "external_id", "errors"}``.

    ``check(values)``, when given, returns more problems of a cleaned event that names a
    channel or a currency (such as a channel code the database does not know).

    Each event goes through :func:`_clean_fast` first, which accepts the usual, well-formed
    event in a few microseconds; anything it does not accept is checked again by
    :func:`clean_event`, which says what is wrong (or accepts it after all). Both give the
    same values for an event they both accept.
    """
    return _clean_all(events, now, check, keep=True)


def check_events(events, now=None, check=None):
    """The errors :func:`clean_events` would give (``[]`` when the whole batch is valid), without its values.

    Same checks, but each event's cleaned values are dropped at once instead of being kept
    for the whole batch: checking a batch of 10,000 events then leaves nothing for Python's
    garbage collector to walk through.
    """
    return _clean_all(events, now, check, keep=False)[1]


def _clean_all(events, now, check, keep):
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    limit = now + timedelta(days=1)
    cleaned, errors = [], []
    for index, event in enumerate(events):
        try:
            values = _clean_fast(event, limit)
        except (TypeError, ValueError, AttributeError):
            values = None
        problems = None
        if values is None:
            values, problems = clean_event(event, now=now)
        if not problems and check and (values["channel"] or values["currency"]):
            problems = check(values)
        if problems:
            errors.append({"index": index, "external_id": _external_id(event), "errors": problems})
        elif keep:
            cleaned.append(values)
    return cleaned, errors


# The values clean_event returns, all empty; _clean_fast fills a copy.
_EMPTY = dict.fromkeys([*TEXT_FIELDS, "type", "direction", "date", "email", "navigation_path", "amount", "payload"])
_NOT_TEXT = object()
_NUMBERS = (int, float)
_fromisoformat = datetime.fromisoformat
_UTC = timezone.utc
# \u0000 in JSON text, not preceded by an escaped backslash
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The C encoder behind _JSON, made once: JSONEncoder.encode builds it again on every call, which
# costs more than encoding a small event. Same output (a pytest compares them).
_C_ENCODER = (
    c_make_encoder(None, None, c_encode_basestring, None, ":", ",", False, False, True)
    if c_make_encoder and c_encode_basestring
    else None
)


def _encode(value):
    return "".join(_C_ENCODER(value, 0)) if _C_ENCODER else _JSON.encode(value)


@lru_cache(maxsize=65536)
def _email(raw):
    return normalize_email(raw)


@lru_cache(maxsize=4096)
def _keywords(referrer_url, utm_term):
    return search_keywords(referrer_url, utm_term)


def _clean_fast(event, limit):  # noqa: C901 - one pass over the event on purpose: it is the hot loop
    """The cleaned values of a well-formed event, or None to let :func:`clean_event` decide.

    Same rules as :func:`clean_event`, in one pass over the fields the event has; an
    event dated at or after ``limit`` (now plus a day) is left to clean_event.
    """
    if type(event) is not dict or not KNOWN_FIELDS.issuperset(event):
        return None
    values = _EMPTY.copy()
    for name, raw in event.items():
        size = TEXT_FIELDS.get(name, _NOT_TEXT)
        if size is _NOT_TEXT or raw is None:
            continue
        if type(raw) is not str:
            if name not in NUMBER_AS_TEXT or type(raw) not in _NUMBERS:
                return None
            raw = str(raw)
        raw = raw.strip()
        if raw:
            if size and len(raw) > size:
                return None
            values[name] = raw
    kind = event.get("type")
    if type(kind) is not str or kind not in TYPE_KEYS:
        return None
    values["type"] = kind
    direction = event.get("direction")
    if direction is None:
        direction = "outbound" if kind in OUTBOUND_TYPES else "inbound"
    elif type(direction) is not str or direction not in DIRECTIONS:
        return None
    values["direction"] = direction
    raw_email = event.get("email")
    if raw_email is not None and raw_email != "":
        if type(raw_email) is not str:
            return None
        email = _email(raw_email)
        if not email:
            return None
        values["email"] = email
    elif not (values["partner_ref"] or values["phone"]):
        return None
    path = event.get("navigation_path")
    if path is not None:
        if type(path) is list:
            # C loops only; a step that is not text raises TypeError (clean_event then says what is wrong)
            path = "\n".join(filter(None, map(str.strip, path)))
        elif type(path) is str:
            path = path.strip()
        else:
            return None
        values["navigation_path"] = path or None
    amount = event.get("amount")
    if amount is not None and type(amount) not in _NUMBERS:
        return None
    values["amount"] = amount
    currency = values["currency"]
    if currency:
        if len(currency) != 3 or not currency.isalpha():
            return None
        values["currency"] = currency.upper()
    elif amount is not None:
        return None
    payload = event.get("payload")
    if payload is not None:
        if type(payload) is not dict:
            return None
        text = _encode(payload)
        if len(text) * 4 > MAX_PAYLOAD_BYTES and len(text.encode()) > MAX_PAYLOAD_BYTES:
            return None
        values["payload"] = text
    date = event.get("date")
    if type(date) is not str:
        return None
    if len(date) == 20 and date[19] == "Z":  # the usual "2026-03-01T10:00:00Z", read as naive UTC at once
        moment = _fromisoformat(date[:19])
        if moment.tzinfo is not None:
            return None
    else:
        moment = _fromisoformat(date)  # "Z" needs Python 3.11; before, such dates go through clean_event
        if moment.tzinfo is not None:
            moment = moment.astimezone(_UTC).replace(tzinfo=None)
    if moment >= limit:
        return None
    values["date"] = moment
    if not values["search_keywords"] and (values["referrer_url"] or values["utm_term"]):
        values["search_keywords"] = _keywords(values["referrer_url"], values["utm_term"])
    return values


def encode_event(event):
    """The event as compact JSON text (non-ASCII kept as is)."""
    return _encode(event)


def encode_events(events):
    """A batch of events as one compact JSON array (non-ASCII kept as is), as the inbox stores it.

    One call to the C encoder for the whole batch: cheaper than one text per event.
    """
    return _encode(events)


def decode_events(text):
    """The events of an inbox row: a JSON array (:func:`encode_events`), or, as rows queued
    before 18.0.1.1 hold them, one JSON text per line."""
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.split("\n")]


def has_nul(text):
    """Whether JSON text (from :func:`encode_event`) holds a NUL character, which PostgreSQL text cannot store."""
    return "\\u0000" in text and bool(_NUL.search(text))


def _external_id(event):
    return event.get("external_id") if isinstance(event, dict) else None
