"""Referral network maths (V3, V6) without Odoo."""

import pytest
from ecrm_referral.tools import network


def test_codes_are_readable_and_cleaned():
    code = network.new_code()
    assert len(code) == 8 and not set(code) & set("01OI")
    assert network.clean_code(" ab12 cd ") == "AB12CD"
    assert network.clean_code("x") is None
    assert network.clean_code("<script>") is None


def test_ancestor_path_nearest_first():
    assert network.ancestor_path(5, [3, 1]) == [5, 3, 1]
    assert network.ancestor_path(5, None) == [5]
    assert network.generation_of([5, 3, 1]) == 3


@pytest.mark.parametrize(
    ("referred", "referrer", "upline", "cycle"),
    [(1, 1, [], True), (1, 2, [1], True), (1, 3, [2, 1], True), (4, 3, [2, 1], False), (4, 3, None, False)],
)
def test_cycles(referred, referrer, upline, cycle):
    assert network.creates_cycle(referred, referrer, upline) is cycle


def test_level_rewards_three_levels_and_depth():
    levels = {1: (10.0, 0.0), 2: (3.0, 0.0), 3: (1.0, 0.5)}
    assert network.level_rewards(1000.0, levels) == [(1, 0, 100.0), (2, 1, 30.0), (3, 2, 10.5)]
    assert network.level_rewards(1000.0, levels, depth=2) == [(1, 0, 100.0), (2, 1, 30.0)]
    assert network.level_rewards(0.0, {1: (10.0, 0.0)}) == []


def test_cap_running_total():
    assert network.apply_cap([100.0, 100.0, 100.0], 0.0, 150.0) == [100.0, 50.0, 0.0]
    assert network.apply_cap([100.0], 140.0, 150.0) == [10.0]
    assert network.apply_cap([100.0, 20.0], 0.0, 0) == [100.0, 20.0]


def test_viral_coefficient_and_cycle_time():
    assert network.viral_coefficient(10, 40, 12) == 1.2
    assert network.viral_coefficient(0, 5, 1) == 0.0
    assert network.viral_coefficient(4, 0, 3) == 0.75
    assert network.cycle_time_days([2.0, 10.0, 4.0, None]) == 4.0
    assert network.cycle_time_days([]) == 0.0


def test_downline_breadth_first():
    edges = [(1, 2), (1, 3), (2, 4), (4, 5), (5, 1)]
    assert network.downline(edges, 1) == [(2, 1), (3, 1), (4, 2), (5, 3)]
    assert network.downline(edges, 1, max_depth=1) == [(2, 1), (3, 1)]
