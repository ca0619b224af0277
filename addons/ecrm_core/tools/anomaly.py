"""Rules and wording of the anomaly flags (C7): unusual customers and impossible data.

The model aggregates the ledger and the orders in SQL; these functions decide on the
aggregated numbers and say in words why a flag was raised. No Odoo import.
"""

import math

# Kind of flag -> label
KINDS = [
    ("spend_drop", "Drop in spend"),
    ("visit_drop", "Drop in visits"),
    ("touchpoint_burst", "Burst of touchpoints"),
    ("future_birth_date", "Birth date in the future"),
    ("age_over_120", "Age over 120"),
    ("monetary_mismatch", "Total purchases do not match the orders"),
]
# ir.config_parameter key -> default
DEFAULTS = {
    "ecrm_core.anomaly_period_days": 90,
    "ecrm_core.anomaly_previous_periods": 3,
    "ecrm_core.anomaly_drop_percent": 70,
    "ecrm_core.anomaly_min_spend": 100.0,
    "ecrm_core.anomaly_min_visits": 5,
    "ecrm_core.anomaly_min_history_orders": 2,
    "ecrm_core.anomaly_burst_sigmas": 4.0,
    "ecrm_core.anomaly_burst_min": 20,
    "ecrm_core.anomaly_burst_history_days": 365,
    "ecrm_core.anomaly_burst_recent_days": 7,
    "ecrm_core.anomaly_mismatch_tolerance": 1.0,
    "ecrm_core.anomaly_snooze_days": 90,
    "ecrm_core.anomaly_max_age": 120,
}


def _plain(text, *args):
    """Stand-in for Odoo's ``env._``: no translation, same formatting."""
    return text % args if args else text


def drop_percent(recent, baseline):
    """How much lower ``recent`` is than ``baseline``, in percent (0 when it is not lower or no baseline)."""
    if not baseline or baseline <= 0:
        return 0.0
    return max(0.0, 100.0 * (1.0 - (recent or 0.0) / baseline))


def is_sharp_drop(recent, baseline, min_baseline, min_drop_percent):
    """A drop counts when the usual level is worth watching and the fall is at least ``min_drop_percent``."""
    return baseline >= min_baseline and drop_percent(recent, baseline) >= min_drop_percent


def daily_mean_std(total, total_of_squares, days):
    """Mean and standard deviation of daily counts over ``days`` days, quiet days (0) included."""
    if days <= 0:
        return 0.0, 0.0
    mean = total / days
    variance = max(0.0, total_of_squares / days - mean * mean)
    return mean, math.sqrt(variance)


def burst_threshold(mean, std, sigmas=4.0, minimum=20):
    """The count a day must exceed to be a burst: above ``mean + sigmas * std``, and at least ``minimum``."""
    return max(mean + sigmas * std, minimum - 1e-9)


def is_burst(count, mean, std, sigmas=4.0, minimum=20):
    return count >= minimum and count > mean + sigmas * std


def _money(amount):
    return f"{amount or 0.0:,.2f}"


def describe_spend_drop(recent, baseline, days, periods, _=_plain):
    """E.g. "Spent 80% less in the last 90 days than on average in the 3 periods of 90 days before
    (120.00 vs 600.00)"."""
    return _(
        "Spent %s%% less in the last %s days than on average in the %s periods of %s days before (%s vs %s)",
        round(drop_percent(recent, baseline)),
        days,
        periods,
        days,
        _money(recent),
        _money(baseline),
    )


def describe_visit_drop(recent, baseline, days, periods, _=_plain):
    return _(
        "Visited %s%% less in the last %s days than on average in the %s periods of %s days before (%s vs %.1f visits)",
        round(drop_percent(recent, baseline)),
        days,
        periods,
        days,
        int(recent or 0),
        baseline,
    )


def describe_burst(day, count, mean, _=_plain):
    return _(
        "%s touchpoints on %s, against %.1f a day on average over the past year",
        count,
        day.isoformat() if hasattr(day, "isoformat") else day,
        mean,
    )


def describe_future_birth_date(birth_date, _=_plain):
    return _("The birth date %s is in the future", birth_date.isoformat())


def describe_age_over(birth_date, age, max_age=120, _=_plain):
    return _("Born on %s: %s years old, more than %s", birth_date.isoformat(), age, max_age)


def describe_monetary_mismatch(stored, actual, _=_plain):
    return _(
        "Total purchases shows %s but the confirmed orders add up to %s (a difference of %s)",
        _money(stored),
        _money(actual),
        _money(abs((stored or 0.0) - (actual or 0.0))),
    )
