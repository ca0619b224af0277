"""RFM scoring (recency, frequency, monetary) and the named RFM segments (C7, C8), as plain data and functions.

Every customer gets three scores from 1 (worst) to 5 (best):

- recency: how recently they last bought;
- frequency: how many orders they placed in the window;
- monetary: how much they spent in the window.

Two ways to turn the figures into scores:

- ``quintile`` (relative): the customers are ranked and cut into five equal groups,
  as PostgreSQL's ``NTILE(5)`` does; customers with equal figures share the lowest
  group among them, so two customers with one order each never get different scores.
- ``threshold`` (fixed limits): four ascending limits per score, e.g. recency
  30, 90, 180, 365 days.

The named segments depend on the recency and frequency scores only (the usual 5x5
R/F grid); the monetary score refines the ranking inside a segment. The SQL in
``res.partner._ecrm_rfm_query`` scores the whole population in one statement and must
agree with :func:`quintile_scores` (computed as :func:`quintile_edges` and
:func:`edge_score` do), :func:`threshold_score` and :func:`segment_of`.
"""

import bisect
import itertools

SCORES = (1, 2, 3, 4, 5)
METHODS = ("quintile", "threshold")
DEFAULT_WINDOW_MONTHS = 24
# Fixed limits of the threshold method: four ascending numbers each.
DEFAULT_RECENCY_DAYS = (30, 90, 180, 365)
DEFAULT_FREQUENCY_ORDERS = (2, 3, 5, 10)
DEFAULT_MONETARY_AMOUNTS = (100, 500, 1000, 5000)


def _(text):
    """Mark ``text`` for Odoo's translation export; the model translates it when it shows it."""
    return text


# key, label, explanation, recency scores, frequency scores; in the order staff read them
SEGMENTS = [
    (
        "champions",
        "Champions",
        _("Bought recently, buy often and spend the most. Reward them: they try new products first and recommend you."),
        (5,),
        (4, 5),
    ),
    (
        "loyal",
        "Loyal",
        _("Buy regularly and answer promotions. Offer them higher-value products and ask them for reviews."),
        (3, 4),
        (4, 5),
    ),
    (
        "potential_loyalist",
        "Potential loyalist",
        _("Recent customers who came back more than once. Offer a membership or a loyalty programme."),
        (4, 5),
        (2, 3),
    ),
    (
        "new",
        "New",
        _("Bought for the first time very recently. Welcome them and help them enjoy the first purchase."),
        (5,),
        (1,),
    ),
    (
        "promising",
        "Promising",
        _("Bought recently, but only once. Make the brand known to them; a trial or a sample helps."),
        (4,),
        (1,),
    ),
    (
        "need_attention",
        "Need attention",
        _("Average recency and frequency, and slipping. A time-limited offer based on what they bought works."),
        (3,),
        (3,),
    ),
    (
        "about_to_sleep",
        "About to sleep",
        _("Below-average recency and frequency. Reconnect with popular products and a discount before they go."),
        (3,),
        (1, 2),
    ),
    (
        "at_risk",
        "At risk",
        _("Bought often, but a long time ago. Send personal messages to bring them back and offer renewals."),
        (1, 2),
        (3, 4),
    ),
    (
        "cant_lose",
        "Can't lose them",
        _("Were among the most frequent buyers but have not come back for long. Win them back; talk to them."),
        (1, 2),
        (5,),
    ),
    (
        "hibernating",
        "Hibernating",
        _("Last bought long ago and seldom. Offer relevant products and special prices to wake them up."),
        (2,),
        (1, 2),
    ),
    (
        "lost",
        "Lost",
        _("The lowest recency and frequency. Try one win-back campaign, otherwise leave them out of mailings."),
        (1,),
        (1, 2),
    ),
]

SEGMENT_SELECTION = [(key, label) for key, label, _explanation, _recency, _frequency in SEGMENTS]
EXPLANATIONS = {key: explanation for key, _label, explanation, _recency, _frequency in SEGMENTS}


def segment_grid():
    """The segment of each of the 25 (recency, frequency) cells: ``{(r, f): key}``.

    :raise ValueError: when a cell has no segment or more than one (the table above is wrong)
    """
    grid = {}
    for key, _label, _explanation, recencies, frequencies in SEGMENTS:
        for recency in recencies:
            for frequency in frequencies:
                if (recency, frequency) in grid:
                    raise ValueError("cell R%d F%d is in two segments" % (recency, frequency))
                grid[recency, frequency] = key
    missing = [(r, f) for r in SCORES for f in SCORES if (r, f) not in grid]
    if missing:
        raise ValueError("cells without a segment: %s" % missing)
    return grid


GRID = segment_grid()


def segment_of(recency, frequency):
    """The segment key of a recency and a frequency score, or None when a score is missing."""
    if not recency or not frequency:
        return None
    return GRID[recency, frequency]


def rfm_score(recency, frequency, monetary):
    """The three scores side by side, e.g. ``"545"``; empty when a score is missing."""
    if not (recency and frequency and monetary):
        return ""
    return "%d%d%d" % (recency, frequency, monetary)


def ntile(position, count, buckets=5):
    """The bucket (1..buckets) of the 0-based ``position`` among ``count`` sorted rows, as PostgreSQL's NTILE.

    Rows are shared out as evenly as possible; the first ``count % buckets`` buckets get one row more.
    """
    if not 0 <= position < count:
        raise ValueError("position %r out of range for %r rows" % (position, count))
    size, extra = divmod(count, buckets)
    if position < extra * (size + 1):
        return position // (size + 1) + 1
    return extra + (position - extra * (size + 1)) // size + 1


def quintile_scores(values, keys=None):
    """Quintile score (1..5, higher value = higher score) of each value, in input order.

    Values are sorted ascending, ties broken by ``keys`` (default: input order), and cut
    into five groups as NTILE(5) does; then equal values all take the lowest group any
    of them reached. This is what the SQL computes with ``ORDER BY value, partner id``.
    """
    keys = list(range(len(values))) if keys is None else list(keys)
    order = sorted(range(len(values)), key=lambda index: (values[index], keys[index]))
    tiles = [0] * len(values)
    lowest = {}
    for position, index in enumerate(order):
        tiles[index] = ntile(position, len(values))
        lowest.setdefault(values[index], tiles[index])  # the first of equal values has the lowest tile
    return [lowest[value] for value in values]


def quintile_edges(values):
    """The four quintile edges of ``values``: the figure just before quintiles 2, 3, 4 and 5 start.

    Sorted ascending, NTILE(5) starts quintile k at position ``(k - 1) * (n // 5) + min(k - 1, n % 5)``;
    the edge is the figure right before it. A figure above k - 1 edges scores k (:func:`edge_score`),
    which gives each figure the quintile of the first of its equals, as :func:`quintile_scores`
    does, from one sorted pass per figure instead of ranking every customer. The SQL does this.
    """
    ordered = sorted(values)
    size, extra = divmod(len(ordered), len(SCORES))
    return [ordered[(k - 1) * size + min(k - 1, extra) - 1] for k in SCORES[1:]] if ordered else []


def edge_score(value, edges):
    """Score 1..5 of ``value``: 1 + the number of quintile edges it is above."""
    return 1 + sum(value > edge for edge in edges)


def parse_thresholds(text):
    """Four ascending, non-negative limits from ``"30, 90, 180, 365"``, as a tuple of numbers.

    :raise ValueError: with a message that says what to fix
    """
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]
    if len(parts) != 4:
        raise ValueError("Give exactly four limits separated by commas, e.g. 30, 90, 180, 365 (got %r)." % text)
    try:
        limits = tuple(float(part) for part in parts)
    except ValueError:
        raise ValueError(
            "The limits must be numbers separated by commas, e.g. 30, 90, 180, 365 (got %r)." % text
        ) from None
    limits = tuple(int(limit) if limit.is_integer() else limit for limit in limits)
    if any(limit < 0 for limit in limits):
        raise ValueError("The limits cannot be negative (got %r)." % text)
    if any(low >= high for low, high in itertools.pairwise(limits)):
        raise ValueError("The limits must go up from left to right, e.g. 30, 90, 180, 365 (got %r)." % text)
    return limits


def threshold_score(value, limits):
    """Score 1..5 of a figure where more is better (orders, amount): 1 below the first limit, 5 from the last.

    A value equal to a limit counts as reaching it, like PostgreSQL's ``width_bucket``.
    """
    return bisect.bisect_right(limits, value) + 1


def recency_threshold_score(days, limits):
    """Score 1..5 of the days since the last purchase: 5 under the first limit, 1 from the last one on."""
    return len(SCORES) - bisect.bisect_right(limits, days)
