"""Trip phases (D1) and next-best-offer matching (D5), without Odoo."""

from datetime import UTC, date, datetime

from ecrm_destination.tools.offers import matching_rules, rule_matches
from ecrm_destination.tools.phases import local_today, phase_at, trip_days, trip_phase, visitor_phase


def test_trip_phase_day_boundaries():
    start, end = date(2026, 3, 10), date(2026, 3, 12)
    assert trip_phase(start, end, date(2026, 3, 9)) == "before"
    assert trip_phase(start, end, date(2026, 3, 10)) == "during"  # first day counts as travelling
    assert trip_phase(start, end, date(2026, 3, 12)) == "during"  # so does the last one
    assert trip_phase(start, end, date(2026, 3, 13)) == "after"


def test_trip_phase_without_end_or_dates():
    assert trip_phase(date(2026, 3, 10), None, date(2026, 3, 10)) == "during"
    assert trip_phase(date(2026, 3, 10), None, date(2026, 3, 11)) == "after"
    assert trip_phase(None, None, date(2026, 3, 11)) == "before"


def test_local_today_across_time_zones():
    # 21:00 UTC on 9 March is already 10 March in Tehran (+03:30) and still 9 March in Buenos Aires (-03:00)
    instant = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
    assert local_today(instant, "Asia/Tehran") == date(2026, 3, 10)
    assert local_today(instant, "America/Argentina/Buenos_Aires") == date(2026, 3, 9)
    assert local_today(instant, "UTC") == date(2026, 3, 9)
    # naive datetimes (Odoo's) are UTC; an unknown or empty zone falls back to UTC
    assert local_today(datetime(2026, 3, 9, 21, 0), "Asia/Tehran") == date(2026, 3, 10)
    assert local_today(instant, "Mars/Olympus") == date(2026, 3, 9)
    assert local_today(instant, False) == date(2026, 3, 9)


def test_phase_at_depends_on_the_travellers_zone():
    start, end = date(2026, 3, 10), date(2026, 3, 20)
    instant = datetime(2026, 3, 9, 20, 45)  # 00:15 on 10 March in Tehran
    assert phase_at(start, end, instant, "Asia/Tehran") == "during"
    assert phase_at(start, end, instant, "Europe/Berlin") == "before"
    instant = datetime(2026, 3, 21, 2, 0)  # 21 March in UTC, still 20 March in Los Angeles
    assert phase_at(start, end, instant, "America/Los_Angeles") == "during"
    assert phase_at(start, end, instant, "UTC") == "after"


def test_phase_across_year_end_and_leap_day():
    assert phase_at(date(2027, 1, 1), date(2027, 1, 3), datetime(2026, 12, 31, 21, 0), "Asia/Tehran") == "during"
    assert trip_days(date(2028, 2, 28), date(2028, 3, 1)) == 3
    assert trip_days(date(2026, 3, 1), None) == 1
    assert trip_days(None, None) == 0


def test_visitor_phase_prefers_current_then_upcoming():
    assert visitor_phase(["after", "before", "during"]) == "during"
    assert visitor_phase(["after", "before"]) == "before"
    assert visitor_phase(["after"]) == "after"
    assert visitor_phase([]) is False


SEED_RULES = [
    {
        "id": "insurance",
        "product_id": 1,
        "age_min": 18,
        "age_max": 30,
        "education_min": "bachelor",
        "trip_days_min": 30,
        "party_types": {"friends", "solo"},
        "abroad_only": True,
    },
    {"id": "phone_card", "product_id": 2, "trip_days_min": 30, "abroad_only": True},
    {
        "id": "child_care",
        "product_id": 3,
        "children_min": 1,
        "party_types": {"family_young"},
        "accommodations": {"hotel"},
    },
]
GRADUATE = {"age": 23, "education": "bachelor", "children_count": 0, "country_id": "IR", "interest_ids": set()}
GRADUATE_TRIP = {"party_type": "friends", "days": 92, "country_id": "AR", "accommodation": "hostel"}
MOTHER = {"age": 38, "education": "diploma", "children_count": 2, "country_id": "IR", "interest_ids": set()}
MOTHER_TRIP = {"party_type": "family_young", "days": 8, "country_id": "IR", "accommodation": "hotel"}


def test_seed_travellers_get_exactly_their_offers():
    assert matching_rules(SEED_RULES, GRADUATE, GRADUATE_TRIP) == ["insurance", "phone_card"]
    assert matching_rules(SEED_RULES, MOTHER, MOTHER_TRIP) == ["child_care"]


def test_rule_criteria_reject_near_misses():
    insurance = SEED_RULES[0]
    assert not rule_matches(insurance, {**GRADUATE, "age": 31}, GRADUATE_TRIP)
    assert not rule_matches(insurance, {**GRADUATE, "age": None}, GRADUATE_TRIP)  # unknown age is no match
    assert not rule_matches(insurance, {**GRADUATE, "education": "secondary"}, GRADUATE_TRIP)
    assert not rule_matches(insurance, GRADUATE, {**GRADUATE_TRIP, "days": 29})
    assert not rule_matches(insurance, GRADUATE, {**GRADUATE_TRIP, "country_id": "IR"})  # not abroad
    assert rule_matches(insurance, {**GRADUATE, "education": "master"}, GRADUATE_TRIP)
    assert not rule_matches({"interest_ids": {5}}, {"interest_ids": {6}}, {})
    assert rule_matches({"interest_ids": {5, 7}}, {"interest_ids": {7}}, {})
    assert not rule_matches({"trip_days_max": 7}, {}, {"days": 8})


def test_one_offer_per_product():
    rules = [{"id": "a", "product_id": 1}, {"id": "b", "product_id": 1}]
    assert matching_rules(rules, {}, {}) == ["a"]


def test_booked_product_is_not_offered_again():
    assert matching_rules(SEED_RULES, GRADUATE, {**GRADUATE_TRIP, "booked_product_ids": {1}}) == ["phone_card"]
