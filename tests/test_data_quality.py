"""Pure-Python tests of ecrm_core/tools/data_quality.py and privacy.py (C6, C16): no Odoo, no database."""

import hashlib
import json
from datetime import date, datetime

import pytest
from ecrm_core.tools import data_quality as dq
from ecrm_core.tools import privacy

FULL_ADDRESS = ("street", "zip", "city", "country")


def test_weights_sum_to_100():
    assert sum(dq.WEIGHTS.values()) == 100


def test_complete_record_scores_100():
    score = dq.quality_score("ok", "ok", FULL_ADDRESS, 1.0, False, 5, 5)
    assert score == 100


def test_empty_record_keeps_only_the_no_duplicate_points():
    assert dq.quality_score() == dq.WEIGHTS["duplicates"]


@pytest.mark.parametrize(
    "change, lost",
    [
        ({"email_quality": "typo"}, 20),
        ({"email_quality": "role"}, 10),
        ({"email_quality": None}, 25),
        ({"phone_state": "invalid"}, 20),
        ({"address": ("street", "city")}, 10),
        ({"duplicate": True}, 10),
        ({"profile_filled": 0}, 10),
        ({"name_credit": 0.5}, 8),
    ],
)
def test_each_part_costs_its_weight(change, lost):
    full = {
        "email_quality": "ok",
        "phone_state": "ok",
        "address": FULL_ADDRESS,
        "name_credit": 1.0,
        "duplicate": False,
        "profile_filled": 4,
        "profile_total": 4,
    }
    assert dq.quality_score(**full) - dq.quality_score(**{**full, **change}) == lost


@pytest.mark.parametrize(
    "name, key, is_company, credit",
    [
        ("Ali Rezaei", "ali rezaei", False, 1.0),
        ("Ali", "ali", False, 0.5),
        ("Pars Trading", "pars trading", True, 1.0),
        ("Zagros", "zagros", True, 1.0),
        ("ALI REZAEI", "ali rezaei", False, 0.8),
        ("ali rezaei", "ali rezaei", False, 0.8),
        ("علی رضایی", "علی رضایی", False, 1.0),  # no letter case in Persian
        ("ali@gmail.com", None, False, 0.0),
    ],
)
def test_name_credit(name, key, is_company, credit):
    assert dq.name_credit(name, key, is_company) == pytest.approx(credit)


@pytest.mark.parametrize(
    "score, band",
    [
        (0, "1_poor"),
        (49, "1_poor"),
        (50, "2_fair"),
        (74, "2_fair"),
        (75, "3_good"),
        (90, "4_excellent"),
        (100, "4_excellent"),
    ],
)
def test_score_band(score, band):
    assert dq.score_band(score) == band
    assert dq.score_band(None) is None


def test_suppression_hash_is_salted_sha256():
    expected = hashlib.sha256(b"s3cret:email:ali@gmail.com").hexdigest()
    assert privacy.suppression_hash("email", "ali@gmail.com", "s3cret") == expected
    assert privacy.suppression_hash("email", "ali@gmail.com", "other") != expected
    assert privacy.suppression_hash("phone", "ali@gmail.com", "s3cret") != expected
    assert privacy.suppression_hash("email", None, "s3cret") is None


def test_export_json_reads_back():
    data = {"profile": {"name": "علی", "birth_date": date(1990, 5, 1)}, "at": datetime(2024, 1, 2, 3, 4, 5)}
    parsed = json.loads(privacy.export_json(data).decode("utf-8"))
    assert parsed == {"profile": {"name": "علی", "birth_date": "1990-05-01"}, "at": "2024-01-02 03:04:05"}
