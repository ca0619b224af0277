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
