"""Pure-Python tests of ecrm_core/tools/anomaly.py (C7): no Odoo, no database."""

from datetime import date

import pytest
from ecrm_core.tools import anomaly


@pytest.mark.parametrize(
    "recent, baseline, expected",
    [(120, 600, 80.0), (600, 600, 0.0), (900, 600, 0.0), (0, 50, 100.0), (10, 0, 0.0), (None, 100, 100.0)],
)
def test_drop_percent(recent, baseline, expected):
    assert anomaly.drop_percent(recent, baseline) == pytest.approx(expected)


def test_sharp_drop_needs_a_baseline_worth_watching():
    assert anomaly.is_sharp_drop(120, 600, min_baseline=100, min_drop_percent=70)
    assert not anomaly.is_sharp_drop(200, 600, min_baseline=100, min_drop_percent=70), "a 67% drop is not enough"
    assert not anomaly.is_sharp_drop(0, 80, min_baseline=100, min_drop_percent=70), "too small to matter"


def test_daily_mean_std_counts_quiet_days():
    # 365 days, one day with 40 touchpoints and nothing else
    mean, std = anomaly.daily_mean_std(40, 40 * 40, 365)
    assert mean == pytest.approx(40 / 365)
    assert std == pytest.approx((1600 / 365 - (40 / 365) ** 2) ** 0.5)
    assert anomaly.daily_mean_std(10, 100, 0) == (0.0, 0.0)
    # a steady 3 a day has no spread
    assert anomaly.daily_mean_std(3 * 30, 9 * 30, 30) == pytest.approx((3.0, 0.0))


def test_burst_rule():
    mean, std = anomaly.daily_mean_std(40 + 30, 40 * 40 + 30, 365)
    assert anomaly.is_burst(40, mean, std, sigmas=4, minimum=20)
    assert not anomaly.is_burst(15, 0.01, 0.1, sigmas=4, minimum=20), "below the minimum count"
    assert not anomaly.is_burst(30, 30, 0, sigmas=4, minimum=20), "a steady busy customer is not a burst"
    assert anomaly.burst_threshold(1.0, 2.0, 4, 20) == pytest.approx(20)
    assert anomaly.burst_threshold(10.0, 5.0, 4, 20) == pytest.approx(30)


def test_reasons_in_words():
    assert anomaly.describe_spend_drop(120, 600, 90, 3) == (
        "Spent 80% less in the last 90 days than on average in the 3 periods of 90 days before (120.00 vs 600.00)"
    )
    assert anomaly.describe_visit_drop(1, 12.0, 90, 2) == (
        "Visited 92% less in the last 90 days than on average in the 2 periods of 90 days before (1 vs 12.0 visits)"
    )
    assert anomaly.describe_burst(date(2025, 3, 4), 57, 0.42) == (
        "57 touchpoints on 2025-03-04, against 0.4 a day on average over the past year"
    )
    assert anomaly.describe_future_birth_date(date(2031, 5, 1)) == "The birth date 2031-05-01 is in the future"
    assert anomaly.describe_age_over(date(1890, 1, 2), 135) == "Born on 1890-01-02: 135 years old, more than 120"
    assert anomaly.describe_monetary_mismatch(1500, 1250.5) == (
        "Total purchases shows 1,500.00 but the confirmed orders add up to 1,250.50 (a difference of 249.50)"
    )


def test_every_kind_has_a_label_and_defaults_are_sane():
    assert [kind for kind, _label in anomaly.KINDS] == [
        "spend_drop",
        "visit_drop",
        "touchpoint_burst",
        "future_birth_date",
        "age_over_120",
        "monetary_mismatch",
    ]
    assert all(value > 0 for value in anomaly.DEFAULTS.values())
