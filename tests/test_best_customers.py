"""Pure-Python tests of ecrm_core/tools/best_customers.py (C8): no Odoo, no database."""

from datetime import date

import pytest
from ecrm_core.tools import best_customers


@pytest.mark.parametrize(
    "population, percent, expected",
    [
        (100, 5, 5),
        (101, 5, 6),  # rounded up: 5.05 customers is 6
        (30, 5, 2),
        (10, 5, 1),  # any share of a non-empty population is at least one customer
        (1, 5, 1),
        (0, 5, 0),
        (40, 0, 0),
        (40, 100, 40),
        (40, 250, 40),
        (100, 7, 7),  # floating point: 100 * 7 / 100 is not 7.000000001
        (1000, 0.5, 5),
    ],
)
def test_group_size(population, percent, expected):
    assert best_customers.group_size(population, percent) == expected


@pytest.mark.parametrize(
    "today, months, expected",
    [
        (date(2025, 6, 15), 12, date(2024, 6, 15)),
        (date(2025, 1, 10), 1, date(2024, 12, 10)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2025, 2, 28), 12, date(2024, 2, 28)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2025, 5, 31), 3, date(2025, 2, 28)),
        (date(2025, 12, 31), 24, date(2023, 12, 31)),
    ],
)
def test_period_start(today, months, expected):
    assert best_customers.period_start(today, months) == expected


def test_best_of_takes_the_top_share():
    values = {"c%02d" % i: float(i) for i in range(1, 41)}  # 40 customers, c40 spends most
    assert best_customers.best_of(values, 5) == {"c40": 1, "c39": 2}


def test_best_of_lets_ties_in_and_skips_non_buyers():
    values = {"a": 500, "b": 300, "c": 300, "d": 100, "e": 0, "f": -20}
    for number in range(14):
        values["x%d" % number] = 10
    # 18 buyers (e and f spent nothing): 10% is 2 customers, and c ties with b
    assert best_customers.best_of(values, 10) == {"a": 1, "b": 2, "c": 2}
    assert best_customers.best_of({}, 5) == {}
    assert best_customers.best_of({"a": 0}, 5) == {}


def test_changes():
    entered, left = best_customers.changes({1, 2, 3}, [2, 3, 4, 5])
    assert entered == {4, 5}
    assert left == {1}
    assert best_customers.changes([], []) == (set(), set())
