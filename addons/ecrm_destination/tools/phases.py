"""Trip phases (D1): before, during and after the trip, from the trip's dates in a time zone.

Plain functions over plain data, no Odoo import: the models call them and pytest tests them.
"""

from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PHASES = [
    ("before", "Planning (before)"),
    ("during", "In destination (during)"),
    ("after", "After the trip"),
]
PHASE_KEYS = [key for key, _label in PHASES]


def zone(tz_name):
    """The time zone called ``tz_name``, UTC when it is empty or unknown."""
    if not tz_name:
        return UTC
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_today(now_utc, tz_name):
    """The calendar date it is in ``tz_name`` at the instant ``now_utc`` (naive datetimes are UTC)."""
    if now_utc.tzinfo is None:
        now_utc = now_utc.replace(tzinfo=UTC)
    return now_utc.astimezone(zone(tz_name)).date()


def trip_phase(date_start, date_end, today):
    """The phase of a trip from its first and last day (both included) on the local date ``today``.

    A trip without dates is still being planned. A trip without an end date lasts one day.
    """
    if not date_start:
        return "before"
    date_end = date_end or date_start
    if today < date_start:
        return "before"
    if today <= date_end:
        return "during"
    return "after"


def phase_at(date_start, date_end, now_utc, tz_name):
    """The phase of a trip at the instant ``now_utc`` for a traveller living in ``tz_name``."""
    return trip_phase(date_start, date_end, local_today(now_utc, tz_name))


def visitor_phase(trip_phases):
    """A visitor's current phase from the phases of their trips.

    Travelling now wins, then an upcoming trip, then a past one; no trips gives False.
    """
    phases = set(trip_phases)
    for phase in ("during", "before", "after"):
        if phase in phases:
            return phase
    return False


def trip_days(date_start, date_end):
    """Length of a trip in days, first and last day included (0 without dates)."""
    if not date_start:
        return 0
    return ((date_end or date_start) - date_start).days + 1
