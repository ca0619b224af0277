"""Best customers (C8): who is in the top share of customers by value, and who came in or went out.

Plain functions over plain data, no ``odoo`` import. The model ranks the whole
population in one SQL statement; these functions give it the cut-off and the
period, and :func:`best_of` is the reference the tests compare the SQL with.
"""

import math
from datetime import date


def group_size(population, percent):
    """How many customers the top ``percent`` % of ``population`` ranked customers holds.

    Rounded up, so that any population with a positive share has at least one best
    customer: 5% of 30 customers is 2, 5% of 10 is 1. Customers tied with the last
    one in are let in too (see :func:`best_of`); that is the SQL's ``rank() <= size``.

    >>> group_size(100, 5), group_size(30, 5), group_size(0, 5), group_size(40, 0)
    (5, 2, 0, 0)
    """
    if population <= 0 or percent <= 0:
        return 0
    if percent >= 100:
        return population
    # round() first: 100 * 7 / 100 must not become 7.000000000000001 and then 8
    return min(population, math.ceil(round(population * percent / 100.0, 9)))


def period_start(today, months):
    """The first day counted in a period of ``months`` months that ends on ``today``.

    The same day of the month ``months`` months back, or the last day of that month
    when it is shorter (12 months before 29 February is 28 February).

    >>> period_start(date(2024, 3, 31), 1)
    datetime.date(2024, 2, 29)
    """
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - date(year, month, 1)).days
    return date(year, month, min(today.day, last_day))


def best_of(values, percent):
    """The keys of ``values`` ({customer: value}) in the top ``percent`` %, as {key: rank}.

    Only positive values are ranked. Rank 1 is the highest value; equal values share a
    rank (SQL ``rank()``), and everyone whose rank is within :func:`group_size` is in.
    """
    ranked = sorted(((value, key) for key, value in values.items() if value > 0), key=lambda pair: -pair[0])
    size = group_size(len(ranked), percent)
    result = {}
    previous, rank = None, 0
    for position, (value, key) in enumerate(ranked, start=1):
        if value != previous:
            rank, previous = position, value
        if rank > size:
            break
        result[key] = rank
    return result


def changes(previous, current):
    """(entered, left): the members of ``current`` not in ``previous`` and those of ``previous`` now out."""
    previous, current = set(previous), set(current)
    return current - previous, previous - current
