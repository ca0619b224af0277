"""Routing rules (C11): matching and round-robin, without Odoo."""

import pytest
from ecrm_core.tools import routing

IRAN, TURKEY = 101, 102
TEHRAN, ISFAHAN = 7, 8
EMAIL, CHAT = 3, 4


def facts(**values):
    base = {
        "kind": "lead",
        "segment_ids": set(),
        "lifecycle_stage": None,
        "is_vip": False,
        "lang": "fa_IR",
        "country_id": IRAN,
        "state_id": TEHRAN,
        "channel_id": EMAIL,
        "is_b2b": False,
    }
    base.update(values)
    return base


@pytest.mark.parametrize(
    "conditions, matching, not_matching",
    [
        ({}, {}, None),
        ({"kinds": {"lead"}}, {"kind": "lead"}, {"kind": "email"}),
        ({"segment_ids": {5, 6}}, {"segment_ids": {6, 9}}, {"segment_ids": {9}}),
        ({"lifecycle_stages": {"loyal", "repeat"}}, {"lifecycle_stage": "loyal"}, {"lifecycle_stage": None}),
        ({"vip": "vip"}, {"is_vip": True}, {"is_vip": False}),
        ({"vip": "not_vip"}, {"is_vip": False}, {"is_vip": True}),
        ({"langs": {"en_US"}}, {"lang": "en_US"}, {"lang": "fa_IR"}),
        ({"country_ids": {IRAN}}, {"country_id": IRAN}, {"country_id": TURKEY}),
        ({"country_ids": {IRAN}}, {"country_id": IRAN}, {"country_id": None}),
        ({"state_ids": {ISFAHAN}}, {"state_id": ISFAHAN}, {"state_id": TEHRAN}),
        ({"channel_ids": {CHAT}}, {"channel_id": CHAT}, {"channel_id": EMAIL}),
        ({"customer_type": "b2b"}, {"is_b2b": True}, {"is_b2b": False}),
        ({"customer_type": "b2c"}, {"is_b2b": False}, {"is_b2b": True}),
    ],
)
def test_each_condition(conditions, matching, not_matching):
    assert routing.rule_matches(conditions, facts(**matching))
    if not_matching is not None:
        assert not routing.rule_matches(conditions, facts(**not_matching))


def test_all_conditions_must_hold():
    conditions = {"kinds": {"lead"}, "country_ids": {IRAN}, "customer_type": "b2b"}
    assert routing.rule_matches(conditions, facts(is_b2b=True))
    assert not routing.rule_matches(conditions, facts(is_b2b=True, kind="touchpoint"))
    assert not routing.rule_matches(conditions, facts(is_b2b=False))


def test_first_matching_rule_wins():
    rules = [
        (1, {"vip": "vip"}),
        (2, {"country_ids": {IRAN}}),
        (3, {}),
    ]
    assert routing.first_matching_rule(rules, facts(is_vip=True)) == 1
    assert routing.first_matching_rule(rules, facts()) == 2
    assert routing.first_matching_rule(rules, facts(country_id=TURKEY)) == 3
    assert routing.first_matching_rule(rules[:2], facts(country_id=TURKEY)) is None
    assert routing.first_matching_rule([], facts()) is None


def member(user_id, capacity=10, load=0, last=None):
    return {"user_id": user_id, "capacity": capacity, "load": load, "last_assigned": last}


def test_pick_member_rotates_and_respects_capacity():
    # never assigned beats assigned long ago; then the longest waiting
    assert routing.pick_member([member(1, last=5), member(2)])["user_id"] == 2
    assert routing.pick_member([member(1, last=5), member(2, last=3)])["user_id"] == 2
    # same wait: lighter load, then lower id
    assert routing.pick_member([member(1, load=4, last=3), member(2, load=1, last=3)])["user_id"] == 2
    assert routing.pick_member([member(2), member(1)])["user_id"] == 1
    # full members are skipped; nobody left gives None
    assert routing.pick_member([member(1, capacity=2, load=2), member(2, capacity=5, load=4, last=9)])["user_id"] == 2
    assert routing.pick_member([member(1, capacity=1, load=1), member(2, capacity=0)]) is None
    assert routing.pick_member([]) is None


def test_assign_spreads_a_batch_round_robin_within_capacity():
    rules = [(10, {"customer_type": "b2b"}), (20, {})]
    targets = {10: (None, 77), 20: (555, None)}
    team = [member(1, capacity=2), member(2, capacity=3), member(3, capacity=1, load=1)]
    items = [facts(is_b2b=True) for _i in range(6)] + [facts()]
    result = routing.assign(items, rules, targets, {77: team}, clock=100)
    users = [user for _rule, user, _team in result[:6]]
    # user 3 is full; 1 and 2 alternate until 1 reaches 2 items, then 2 gets its third; the 6th waits
    assert users == [1, 2, 1, 2, 2, None]
    assert [rule for rule, _user, _team in result] == [10] * 6 + [20]
    assert result[5] == (10, None, 77), "the team keeps the item when every member is full"
    assert result[6] == (20, 555, None), "a rule with a person sends straight to them"
    assert [m["load"] for m in team] == [2, 3, 1]
    assert routing.assign([facts()], [(10, {"customer_type": "b2b"})], targets, {}, 1) == [(None, None, None)]


def test_touchpoint_kind():
    assert routing.touchpoint_kind("email_in") == "email"
    assert routing.touchpoint_kind("chat") == "touchpoint"
    assert set(routing.NEEDS_ANSWER_TYPES) >= {"email_in", "support", "chat", "social", "form"}
