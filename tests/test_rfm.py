"""Pure-Python tests of ecrm_core/tools/rfm.py (C7, C8): no Odoo, no database."""

import random

import pytest
from ecrm_core.tools import rfm


def test_grid_gives_every_cell_exactly_one_segment():
    grid = rfm.segment_grid()
    assert len(grid) == 25
    assert set(grid.values()) == {key for key, _label in rfm.SEGMENT_SELECTION}
    assert len(rfm.SEGMENT_SELECTION) == 11


@pytest.mark.parametrize(
    "recency, frequency, expected",
    [
        (5, 5, "champions"),
        (5, 4, "champions"),
        (4, 5, "loyal"),
        (3, 4, "loyal"),
        (5, 3, "potential_loyalist"),
        (4, 2, "potential_loyalist"),
        (5, 1, "new"),
        (4, 1, "promising"),
        (3, 3, "need_attention"),
        (3, 1, "about_to_sleep"),
        (3, 2, "about_to_sleep"),
        (2, 4, "at_risk"),
        (1, 3, "at_risk"),
        (1, 5, "cant_lose"),
        (2, 5, "cant_lose"),
        (2, 2, "hibernating"),
        (2, 1, "hibernating"),
        (1, 1, "lost"),
        (1, 2, "lost"),
    ],
)
def test_segment_of(recency, frequency, expected):
    assert rfm.segment_of(recency, frequency) == expected


def test_segment_of_missing_score():
    assert rfm.segment_of(0, 5) is None
    assert rfm.segment_of(5, None) is None


def test_a_broken_table_is_refused(monkeypatch):
    monkeypatch.setattr(rfm, "SEGMENTS", rfm.SEGMENTS[:-1])  # drop "lost": R1 F1-2 have no segment
    with pytest.raises(ValueError, match="without a segment"):
        rfm.segment_grid()
    monkeypatch.setattr(rfm, "SEGMENTS", rfm.SEGMENTS + [("dup", "Dup", "", (5,), (5,))])
    with pytest.raises(ValueError, match="two segments"):
        rfm.segment_grid()


def test_every_segment_is_explained():
    for key, _label in rfm.SEGMENT_SELECTION:
        assert len(rfm.EXPLANATIONS[key]) > 30


def test_rfm_score():
    assert rfm.rfm_score(5, 4, 5) == "545"
    assert rfm.rfm_score(5, 0, 5) == ""


@pytest.mark.parametrize(
    "count, expected",
    [
        # PostgreSQL: SELECT ntile(5) OVER (ORDER BY g) FROM generate_series(1, count) g
        (10, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        (12, [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5]),
        (3, [1, 2, 3]),
        (7, [1, 1, 2, 2, 3, 4, 5]),
    ],
)
def test_ntile_matches_postgresql(count, expected):
    assert [rfm.ntile(position, count) for position in range(count)] == expected


def test_ntile_out_of_range():
    with pytest.raises(ValueError):
        rfm.ntile(10, 10)


def test_quintiles_of_distinct_values():
    values = [100, 5, 60, 20, 80, 40, 90, 10, 70, 30]
    # sorted: 5 10 | 20 30 | 40 60 | 70 80 | 90 100
    assert rfm.quintile_scores(values) == [5, 1, 3, 2, 4, 3, 5, 1, 4, 2]


def test_quintiles_ties_share_the_lowest_group():
    # six customers with one order, two with two, one with five, one with nine
    orders = [1, 1, 1, 1, 1, 1, 2, 2, 5, 9]
    # NTILE alone would give the six single-order customers 1, 1, 2, 2, 3, 3
    assert rfm.quintile_scores(orders) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


def test_quintiles_tie_break_by_key_does_not_change_tied_scores():
    values = [3, 3, 1, 2, 3]
    assert rfm.quintile_scores(values, keys=[50, 10, 40, 30, 20]) == rfm.quintile_scores(values)


def test_quintiles_of_nothing():
    assert rfm.quintile_scores([]) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30,90,180,365", (30, 90, 180, 365)),
        (" 2, 3 ;5, 10 ", (2, 3, 5, 10)),
        ("99.5, 500, 1000, 5000", (99.5, 500, 1000, 5000)),
    ],
)
def test_parse_thresholds(text, expected):
    assert rfm.parse_thresholds(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("30, 90, 180", "exactly four"),
        ("", "exactly four"),
        (None, "exactly four"),
        ("30, ninety, 180, 365", "numbers"),
        ("30, 20, 180, 365", "go up"),
        ("30, 30, 180, 365", "go up"),
        ("-1, 20, 180, 365", "negative"),
    ],
)
def test_parse_thresholds_refuses_bad_input(text, message):
    with pytest.raises(ValueError, match=message):
        rfm.parse_thresholds(text)


@pytest.mark.parametrize("value, expected", [(1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (9, 4), (10, 5), (500, 5)])
def test_threshold_score(value, expected):
    assert rfm.threshold_score(value, rfm.DEFAULT_FREQUENCY_ORDERS) == expected


@pytest.mark.parametrize("days, expected", [(0, 5), (29, 5), (30, 4), (89, 4), (90, 3), (180, 2), (364, 2), (365, 1)])
def test_recency_threshold_score(days, expected):
    assert rfm.recency_threshold_score(days, rfm.DEFAULT_RECENCY_DAYS) == expected


def test_quintile_edges_of_ten():
    orders = [1, 1, 1, 1, 1, 1, 2, 2, 5, 9]
    # quintiles start at positions 2, 4, 6, 8: the edges are the figures at positions 1, 3, 5, 7
    assert rfm.quintile_edges(orders) == [1, 1, 1, 2]
    assert [rfm.edge_score(value, rfm.quintile_edges(orders)) for value in orders] == rfm.quintile_scores(orders)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 99, 100, 1001])
def test_edges_give_the_quintiles(count):
    rng = random.Random(count)
    for spread in (3, 10, 1000):  # many ties, some, hardly any
        values = [rng.randrange(spread) for _i in range(count)]
        edges = rfm.quintile_edges(values)
        assert [rfm.edge_score(value, edges) for value in values] == rfm.quintile_scores(values)


def test_quintile_edges_of_nothing():
    assert rfm.quintile_edges([]) == []
