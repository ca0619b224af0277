"""Pure-Python tests of ecrm_core/tools: no Odoo, no database."""

from datetime import date, datetime

import pytest
from ecrm_core.tools import contact, events, profile, web


@pytest.mark.parametrize(
    "referrer, term, expected",
    [
        ("https://www.google.com/search?q=red+chair&hl=fa", None, "red chair"),
        ("https://search.yahoo.com/search?p=tehran+hotel", None, "tehran hotel"),
        ("https://yandex.ru/search/?text=%D9%81%D8%B1%D8%B4", None, "فرش"),
        ("https://www.baidu.com/s?wd=carpet", None, "carpet"),
        ("https://www.google.com/", None, None),
        ("https://www.google.com/search?q=x", "  paid   keyword ", "paid keyword"),
        (None, None, None),
        ("not a url at all", None, None),
    ],
)
def test_search_keywords(referrer, term, expected):
    assert web.search_keywords(referrer, term) == expected


def test_referrer_host():
    assert web.referrer_host("https://www.google.com/search?q=x") == "google.com"
    assert web.referrer_host(None) is None


def test_normalize_email_and_phone():
    assert contact.normalize_email("  Sara@Example.COM ") == "sara@example.com"
    assert contact.normalize_email("sara@") is None
    assert contact.normalize_phone("0912 345 6789", "IR") == "+989123456789"
    assert contact.normalize_phone("+98 912 345 6789") == "+989123456789"
    assert contact.normalize_phone("12", "IR") is None
    assert contact.normalize_phone("call me", "IR") is None


def test_age_band_and_life_stage():
    assert profile.age_on(date(1990, 6, 15), date(2026, 6, 14)) == 35
    assert profile.age_on(date(1990, 6, 15), date(2026, 6, 15)) == 36
    assert profile.age_band(36) == "35_44"
    assert profile.age_band(None) is None
    assert profile.life_stage(23, 1, 0) == "young_single"
    assert profile.life_stage(38, 4, 2) == "young_family"
    assert profile.life_stage(50, 4, 1) == "mature_family"
    assert profile.life_stage(55, 2, 0) == "empty_nester"
    assert profile.life_stage(70, 2, 0) == "retired"
    assert profile.life_stage(15) == "teenager"
    assert profile.life_stage(None) is None


NOW = datetime(2026, 3, 1, 12, 0)


def test_clean_event_good():
    values, errors = events.clean_event(
        {
            "type": "web_visit",
            "date": "2026-03-01T13:30:00+03:30",
            "email": " A@B.com ",
            "navigation_path": ["/a", " /b ", ""],
            "referrer_url": "https://www.bing.com/search?q=rug",
        },
        now=NOW,
    )
    assert errors == []
    assert values["date"] == datetime(2026, 3, 1, 10, 0)
    assert values["email"] == "a@b.com"
    assert values["navigation_path"] == "/a\n/b"
    assert values["search_keywords"] == "rug"
    assert values["direction"] == "inbound"


@pytest.mark.parametrize(
    "event, message",
    [
        ({"type": "fax", "date": "2026-03-01", "email": "a@b.com"}, "type"),
        ({"type": "call", "email": "a@b.com"}, "date: required"),
        ({"type": "call", "date": "tomorrow", "email": "a@b.com"}, "date"),
        ({"type": "call", "date": "2026-03-09T00:00:00", "email": "a@b.com"}, "future"),
        ({"type": "call", "date": "2026-03-01"}, "identify"),
        ({"type": "call", "date": "2026-03-01", "email": "nope"}, "email"),
        ({"type": "call", "date": "2026-03-01", "email": "a@b.com", "amount": "5", "currency": "EUR"}, "amount"),
        ({"type": "call", "date": "2026-03-01", "email": "a@b.com", "amount": 5}, "currency"),
        ({"type": "call", "date": "2026-03-01", "email": "a@b.com", "payload": [1]}, "payload"),
        ({"type": "call", "date": "2026-03-01", "email": "a@b.com", "colour": "red"}, "unknown"),
        ({"type": "call", "date": "2026-03-01", "email": "a@b.com", "summary": 12}, "summary"),
        ({"type": "call", "date": "2026-03-01", "email": "a@b.com", "direction": "sideways"}, "direction"),
        ("not an object", "JSON object"),
    ],
)
def test_clean_event_errors(event, message):
    values, errors = events.clean_event(event, now=NOW)
    assert values is None
    assert any(message in error for error in errors), errors


def test_clean_events_reports_every_bad_event_with_its_index():
    batch = [
        {"type": "call", "date": "2026-03-01", "email": "a@b.com", "external_id": "ok"},
        {"type": "call", "date": "2026-03-01", "external_id": "bad"},
        {"type": "call", "date": "2026-03-01", "email": "a@b.com", "channel": "pigeon"},
    ]
    cleaned, errors = events.clean_events(batch, now=NOW, check=lambda v: ["channel: unknown"] if v["channel"] else [])
    assert len(cleaned) == 1
    assert [(e["index"], e["external_id"]) for e in errors] == [(1, "bad"), (2, None)]


def test_clean_events_fast_path_gives_what_clean_event_gives():
    """clean_events takes a fast path for well-formed events; it must agree with clean_event on every event."""
    import random

    rng = random.Random(3)
    choices = {
        "type": ["web_visit", "call", "email_out", "purchase", "fax", None, ["call"]],
        "date": [
            "2026-03-01T10:00:00Z",
            "2026-03-01 13:30:00+03:30",
            " 2026-02-01T08:00:00 ",
            "2026-03-05",
            "x",
            5,
            "2026-03-01 10:00:00Z",
            "2026-03-01T10:00+01Z",
            "20260301T100000.12Z",
            "2026-03-01T25:00:00Z",
            "2026-03-01T10:00:00.5Z",
            "2026-03-05Z",
            "2026-03-01T10:00:00+00:00",
        ],
        "email": [" A.B@Example.com ", "a@b.com", "", "nope", None, 12],
        "phone": ["+98 912 000 1111", 989120001111, "  ", None],
        "partner_ref": ["CRM-1", 42, True, None],
        "external_id": ["e1", 7, 1.5, "", None],
        "direction": [None, "outbound", "sideways", {"a": 1}],
        "navigation_path": [
            None,
            ["/a", " /b ", ""],
            ["/a", "/b"],
            ["/a \n /b", "/c"],
            ["/a\u00a0", "/b"],
            [],
            ["  "],
            "/x\n/y",
            [1],
            ["/a", None],
            3,
        ],
        "amount": [None, 12, 3.5, "12", True],
        "currency": [None, "eur", "EURO", "E1R", 5],
        "payload": [None, {"k": "v"}, [1], {"big": "x" * 70000}],
        "referrer_url": [None, "https://www.bing.com/search?q=rug", "https://example.com/"],
        "utm_term": [None, " winter  sale "],
        "search_keywords": [None, "given"],
        "summary": [None, "  text ", "", 12],
        "colour": ["red"],
    }
    events = []
    for _ in range(3000):
        event = {name: rng.choice(values) for name, values in choices.items() if rng.random() < 0.6}
        if rng.random() < 0.02:
            event = "not an object"
        events.append(event)
    cleaned, errors = events_module_clean(events)
    expected = [events_module_one(event) for event in events]
    assert [values for values, problems in expected if not problems] == cleaned
    assert [index for index, (_values, problems) in enumerate(expected) if problems] == [e["index"] for e in errors]
    assert cleaned and errors, "the sample has both good and bad events"
    assert events_module_check(events) == errors, "check_events gives the same errors, without the values"


def events_module_clean(batch):
    return events.clean_events(batch, now=NOW)


def events_module_check(batch):
    return events.check_events(batch, now=NOW)


def events_module_one(event):
    return events.clean_event(event, now=NOW)


def test_has_nul_in_encoded_events():
    assert events.has_nul(events.encode_event({"summary": "a\x00b"}))
    assert not events.has_nul(events.encode_event({"summary": "C:\\u0000 is only text"}))
    assert events.has_nul(events.encode_event({"summary": "\\\x00"}))
    assert events.encode_event({"name": "سارا"}) == '{"name":"سارا"}'


def test_encode_event_is_compact_json():
    import json

    sample = {"a": [1, 2.5, None, True], "b": {"c": "é\n\t\\"}, "d": "x" * 3}
    assert events.encode_event(sample) == json.dumps(sample, ensure_ascii=False, separators=(",", ":"))


def test_batch_is_one_json_array_and_both_inbox_formats_are_read():
    import json

    batch = [{"type": "call", "summary": "سلام\nline two"}, {"type": "chat", "payload": {"k": [1, 2.5, None]}}]
    text = events.encode_events(batch)
    assert text == json.dumps(batch, ensure_ascii=False, separators=(",", ":"))
    assert events.decode_events(text) == batch
    # rows queued before 18.0.1.1: one JSON text per line
    assert events.decode_events("\n".join(events.encode_event(event) for event in batch)) == batch
    assert events.has_nul(events.encode_events([{"summary": "ok"}, {"summary": "a\x00b"}]))
