"""Follow-up appointments (C10): when to propose them and how to make contact.

Plain functions over plain data; the follow-up wizard turns their answers into a
calendar event.
"""

from datetime import datetime, time, timedelta

# Local time proposed for each preferred contact time of the customer.
CONTACT_TIME_SLOTS = {
    "morning": time(10, 0),
    "afternoon": time(14, 0),
    "evening": time(18, 0),
    "any": time(10, 0),
}
DEFAULT_SLOT = time(10, 0)

# Weekend days per country (Monday is 0). Iran rests on Friday; the Gulf states on Friday and Saturday.
WEEKEND_BY_COUNTRY = {
    "IR": {4},
    "AF": {3, 4},
    "SA": {4, 5},
    "AE": {5, 6},
    "QA": {4, 5},
    "KW": {4, 5},
    "BH": {4, 5},
    "OM": {4, 5},
    "IQ": {4, 5},
    "EG": {4, 5},
}
DEFAULT_WEEKEND = {5, 6}

CONTACT_METHODS = [
    ("call", "Phone call"),
    ("meeting", "Meeting"),
    ("video", "Video call"),
    ("email", "E-mail"),
]
# Preferred channel code of the customer -> contact method proposed.
CONTACT_METHOD_BY_CHANNEL = {
    "phone": "call",
    "meeting": "meeting",
    "shop": "meeting",
    "email": "email",
    "chat": "video",
    "social": "video",
}
DEFAULT_CONTACT_METHOD = "call"
# Contact method -> the touchpoint type recorded once the follow-up is held.
TOUCHPOINT_TYPE_BY_METHOD = {"call": "call", "meeting": "meeting", "video": "meeting", "email": "email_out"}
# Contact method -> proposed duration in hours.
DURATION_BY_METHOD = {"call": 0.25, "meeting": 1.0, "video": 0.5, "email": 0.25}


def weekend_days(country_code):
    """The weekend days (Monday is 0) of a country, by its ISO code."""
    return WEEKEND_BY_COUNTRY.get((country_code or "").upper(), DEFAULT_WEEKEND)


def next_working_day(today, weekend):
    """The first day after ``today`` that is not in ``weekend``."""
    if len(weekend) >= 7:
        raise ValueError("a week needs at least one working day")
    day = today + timedelta(days=1)
    while day.weekday() in weekend:
        day += timedelta(days=1)
    return day


def propose_start(now_local, preferred_time, weekend):
    """The local date-time proposed for a follow-up: the customer's preferred time on the next working day.

    :param now_local: naive local date-time of the moment the follow-up is planned
    :param preferred_time: 'morning', 'afternoon', 'evening', 'any' or None
    :param weekend: set of weekday numbers that are not working days
    """
    day = next_working_day(now_local.date(), weekend)
    return datetime.combine(day, CONTACT_TIME_SLOTS.get(preferred_time, DEFAULT_SLOT))


def contact_method_for_channel(channel_code):
    """The contact method matching a customer's preferred channel; a phone call when nothing fits."""
    return CONTACT_METHOD_BY_CHANNEL.get(channel_code, DEFAULT_CONTACT_METHOD)
