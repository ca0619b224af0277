"""Next-best-offer rules (D5): which offers fit a traveller and their trip.

A rule is a dict of criteria; an empty criterion matches everyone. Plain data, no Odoo import.

rule keys: age_min, age_max (0: no limit), education_min (an EDUCATION_ORDER key or None),
children_min, gender, party_types (set), purposes (set), phases (set), accommodations (set),
trip_days_min, trip_days_max (0: no limit), country_ids (set), abroad_only (bool),
interest_ids (set: the visitor has at least one of them).
visitor keys: age (None when unknown), education, children_count, gender, country_id, interest_ids (set).
trip keys: party_type, purpose, phase, accommodation, days, country_id, booked_product_ids (set).
"""

EDUCATION_ORDER = ["none", "primary", "secondary", "diploma", "bachelor", "master", "doctorate"]


def _education_rank(level):
    return EDUCATION_ORDER.index(level) if level in EDUCATION_ORDER else -1


def rule_matches(rule, visitor, trip):
    """True when every criterion the rule sets is met by the visitor and their trip."""
    age = visitor.get("age")
    if rule.get("age_min") and (age is None or age < rule["age_min"]):
        return False
    if rule.get("age_max") and (age is None or age > rule["age_max"]):
        return False
    if rule.get("education_min") and _education_rank(visitor.get("education")) < _education_rank(rule["education_min"]):
        return False
    if rule.get("children_min") and (visitor.get("children_count") or 0) < rule["children_min"]:
        return False
    if rule.get("gender") and visitor.get("gender") != rule["gender"]:
        return False
    if rule.get("interest_ids") and not set(rule["interest_ids"]) & set(visitor.get("interest_ids") or ()):
        return False
    for key, trip_key in (
        ("party_types", "party_type"),
        ("purposes", "purpose"),
        ("phases", "phase"),
        ("accommodations", "accommodation"),
        ("country_ids", "country_id"),
    ):
        if rule.get(key) and trip.get(trip_key) not in rule[key]:
            return False
    days = trip.get("days") or 0
    if rule.get("trip_days_min") and days < rule["trip_days_min"]:
        return False
    if rule.get("trip_days_max") and days > rule["trip_days_max"]:
        return False
    abroad = trip.get("country_id") and trip.get("country_id") != visitor.get("country_id")
    return not (rule.get("abroad_only") and not abroad)


def matching_rules(rules, visitor, trip):
    """The keys (``rule['id']``) of the rules that match, in the rules' order, one per offered product.

    A product already booked for the trip is not offered again.
    """
    seen_products = set(trip.get("booked_product_ids") or ())
    matched = []
    for rule in rules:
        if rule.get("product_id") in seen_products or not rule_matches(rule, visitor, trip):
            continue
        seen_products.add(rule.get("product_id"))
        matched.append(rule["id"])
    return matched
