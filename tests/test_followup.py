"""Follow-up appointments (C10): proposed day, time and contact method, without Odoo."""

from datetime import date, datetime

import pytest
from ecrm_core.tools import followup


def test_weekend_by_country():
    assert followup.weekend_days("IR") == {4}  # Friday
    assert followup.weekend_days("ir") == {4}
    assert followup.weekend_days("DE") == {5, 6}
    assert followup.weekend_days(None) == {5, 6}


@pytest.mark.parametrize(
    "today, weekend, expected",
    [
        (date(2024, 5, 1), {4}, date(2024, 5, 2)),  # Wednesday -> Thursday in Iran
        (date(2024, 5, 2), {4}, date(2024, 5, 4)),  # Thursday -> Saturday: Friday is skipped
        (date(2024, 5, 3), {5, 6}, date(2024, 5, 6)),  # Friday -> Monday in Europe
        (date(2024, 5, 4), {5, 6}, date(2024, 5, 6)),
    ],
)
def test_next_working_day(today, weekend, expected):
    assert followup.next_working_day(today, weekend) == expected


def test_next_working_day_needs_a_working_day():
    with pytest.raises(ValueError):
        followup.next_working_day(date(2024, 5, 1), set(range(7)))


@pytest.mark.parametrize(
    "preferred, hour",
    [("morning", 10), ("afternoon", 14), ("evening", 18), ("any", 10), (None, 10), ("nonsense", 10)],
)
def test_propose_start_uses_preferred_time(preferred, hour):
    start = followup.propose_start(datetime(2024, 5, 2, 23, 30), preferred, {4})
    assert start == datetime(2024, 5, 4, hour, 0)


def test_contact_method_for_channel():
    assert followup.contact_method_for_channel("phone") == "call"
    assert followup.contact_method_for_channel("email") == "email"
    assert followup.contact_method_for_channel("meeting") == "meeting"
    assert followup.contact_method_for_channel("chat") == "video"
    assert followup.contact_method_for_channel(None) == "call"
    assert set(followup.TOUCHPOINT_TYPE_BY_METHOD) == {key for key, _label in followup.CONTACT_METHODS}
