"""Routing of leads and messages to the right person (C11).

A routing rule's conditions and the facts about a customer are plain dicts. The
first rule whose conditions all hold wins. Inside a team, the member who waited
longest since their last assignment and still has room gets the item.

Facts (missing keys count as unknown)::

    {"kind": "lead" | "email" | "touchpoint", "segment_ids": {1, 2}, "lifecycle_stage": "loyal",
     "is_vip": True, "lang": "fa_IR", "country_id": 101, "state_id": 7, "channel_id": 3, "is_b2b": False}

Conditions (an empty set means "any")::

    {"kinds": {"lead"}, "segment_ids": set(), "lifecycle_stages": {"loyal"}, "vip": "any" | "vip" | "not_vip",
     "langs": set(), "country_ids": set(), "state_ids": set(), "channel_ids": set(),
     "customer_type": "any" | "b2b" | "b2c"}
"""

# Inbound touchpoint types that wait for an answer from the company.
NEEDS_ANSWER_TYPES = ("email_in", "chat", "social", "support", "form")
KINDS = ("lead", "email", "touchpoint")


def touchpoint_kind(touchpoint_type):
    """The routing kind of a touchpoint: inbound e-mails are routed on their own."""
    return "email" if touchpoint_type == "email_in" else "touchpoint"


def _in(allowed, value):
    return not allowed or value in allowed


def rule_matches(conditions, facts):
    """True when every condition of the rule holds for the facts."""
    if not _in(conditions.get("kinds"), facts.get("kind")):
        return False
    wanted_segments = conditions.get("segment_ids")
    if wanted_segments and not wanted_segments & set(facts.get("segment_ids") or ()):
        return False
    if not _in(conditions.get("lifecycle_stages"), facts.get("lifecycle_stage")):
        return False
    vip = conditions.get("vip") or "any"
    if vip != "any" and bool(facts.get("is_vip")) != (vip == "vip"):
        return False
    if not _in(conditions.get("langs"), facts.get("lang")):
        return False
    if not _in(conditions.get("country_ids"), facts.get("country_id")):
        return False
    if not _in(conditions.get("state_ids"), facts.get("state_id")):
        return False
    if not _in(conditions.get("channel_ids"), facts.get("channel_id")):
        return False
    customer_type = conditions.get("customer_type") or "any"
    return customer_type == "any" or bool(facts.get("is_b2b")) == (customer_type == "b2b")


def first_matching_rule(rules, facts):
    """The id of the first rule (in the given order) whose conditions hold, or None.

    :param rules: ordered list of ``(rule_id, conditions)``
    """
    for rule_id, conditions in rules:
        if rule_matches(conditions, facts):
            return rule_id
    return None


def _rotation_key(member):
    last = member.get("last_assigned")
    return (last is not None, last if last is not None else 0, member["load"], member["user_id"])


def pick_member(members):
    """The member who gets the next item, or None when everyone is at capacity.

    Each member is a dict ``{"user_id", "capacity", "load", "last_assigned"}``: ``load`` is the number
    of open items they received over the capacity window, ``last_assigned`` any comparable value
    (None: never). The member waiting longest wins; ties go to the lighter load, then the lower id.
    """
    eligible = [member for member in members if member["load"] < member["capacity"]]
    if not eligible:
        return None
    return min(eligible, key=_rotation_key)


def assign(items, rules, targets, members_by_team, clock):
    """Route a batch of items, in order, spreading team work as it goes.

    :param items: list of facts dicts
    :param rules: ordered list of ``(rule_id, conditions)``
    :param targets: ``{rule_id: (user_id or None, team_id or None)}``
    :param members_by_team: ``{team_id: [member dicts]}``, updated in place (load, last_assigned)
    :param clock: value stored as ``last_assigned`` of the members picked; it must compare greater
        than or equal to every previous ``last_assigned``
    :return: list of ``(rule_id, user_id, team_id)`` per item; all None when no rule matches,
        ``user_id`` None when the rule's team is full
    """
    result = []
    for facts in items:
        rule_id = first_matching_rule(rules, facts)
        if rule_id is None:
            result.append((None, None, None))
            continue
        user_id, team_id = targets[rule_id]
        if not user_id and team_id:
            member = pick_member(members_by_team.get(team_id, []))
            if member:
                member["load"] += 1
                member["last_assigned"] = clock
                user_id = member["user_id"]
        result.append((rule_id, user_id, team_id))
    return result
