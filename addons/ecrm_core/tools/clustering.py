"""Customer clustering (C7): k-means on standardised features, plain functions over numpy arrays.

The model loads one row of features per customer (see :data:`FEATURES`), and these
functions do the rest: fill the unknown values, standardise, choose k by silhouette,
fit, place new customers into the nearest existing cluster, match the clusters of a
new run to those of the previous one, and describe each cluster in words.
Nothing here touches a database or imports Odoo.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

# Feature key -> log scale (counts and amounts are skewed: a few customers buy a hundred
# times more than most, and without log1p they alone would make the clusters).
FEATURES = {
    "recency_days": False,
    "purchase_count": True,
    "monetary_total": True,
    "contacts_web": True,
    "contacts_email": True,
    "contacts_phone": True,
    "contacts_shop": True,
    "contacts_other": True,
    "age": False,
    "household_size": False,
    "children_count": False,
}
FEATURE_KEYS = list(FEATURES)
CHANNEL_FEATURES = ["contacts_web", "contacts_email", "contacts_phone", "contacts_shop", "contacts_other"]
# A customer who never bought counts as having last bought this many days ago.
RECENCY_CAP_DAYS = 730
N_INIT = 4
RANDOM_STATE = 0


def _plain(text, *args):
    """Stand-in for Odoo's ``env._``: no translation, same formatting."""
    return text % args if args else text


def impute_mean(matrix):
    """Replace unknown values (NaN) by their column's mean.

    :return: ``(filled, means, missing)``: a filled copy, the column means used (0 for a
        column with no known value) and the number of cells filled in each column
    """
    matrix = np.asarray(matrix, dtype=float)
    missing = np.isnan(matrix)
    counts = missing.sum(axis=0)
    known = (~missing).sum(axis=0)
    sums = np.where(missing, 0.0, matrix).sum(axis=0)
    means = np.divide(sums, known, out=np.zeros(matrix.shape[1]), where=known > 0)
    filled = np.where(missing, means, matrix)
    return filled, means, counts


def _transform(matrix, log):
    out = np.array(matrix, dtype=float)
    log = np.asarray(log, dtype=bool)
    if log.any():
        out[:, log] = np.log1p(np.clip(out[:, log], 0.0, None))
    return out


def standardise(matrix, log_columns=None):
    """Scale each column to mean 0 and standard deviation 1 (log1p first on ``log_columns``).

    :param log_columns: one boolean per column, or None for no log scale
    :return: ``(scaled, params)``; ``params`` is a JSON-able dict ``{"mean", "std", "log"}``
        that :func:`apply_scaler` uses to scale new rows the same way. A constant column
        keeps a standard deviation of 1, so it scales to 0 instead of dividing by zero.
    """
    matrix = np.asarray(matrix, dtype=float)
    log = [False] * matrix.shape[1] if log_columns is None else [bool(flag) for flag in log_columns]
    if len(log) != matrix.shape[1]:
        raise ValueError("log_columns has %d entries for %d columns" % (len(log), matrix.shape[1]))
    transformed = _transform(matrix, log)
    mean = transformed.mean(axis=0) if len(transformed) else np.zeros(matrix.shape[1])
    std = transformed.std(axis=0) if len(transformed) else np.ones(matrix.shape[1])
    std = np.where(std > 1e-12, std, 1.0)
    params = {"mean": mean.tolist(), "std": std.tolist(), "log": log}
    return (transformed - mean) / std, params


def apply_scaler(matrix, params):
    """Scale ``matrix`` with the ``params`` returned by :func:`standardise`."""
    matrix = np.asarray(matrix, dtype=float)
    return (_transform(matrix, params["log"]) - np.asarray(params["mean"])) / np.asarray(params["std"])


def _kmeans(k, random_state, n_init):
    return KMeans(n_clusters=k, n_init=n_init, random_state=random_state)


def _sample(scaled, sample_size, random_state):
    if len(scaled) <= sample_size:
        return np.arange(len(scaled))
    return np.random.default_rng(random_state).choice(len(scaled), size=sample_size, replace=False)


def silhouette_scores(rows, labelings, chunk=512):
    """The mean silhouette coefficient of each labelling of the same rows (Euclidean distance).

    The same numbers as ``sklearn.metrics.silhouette_score``, but the distances are
    computed once for all labellings, a block of ``chunk`` rows at a time, so comparing
    seven values of k on 10,000 rows takes about a second and 50 MB instead of seven
    times the full distance computation. A labelling with fewer than two clusters scores None.
    """
    rows = np.asarray(rows, dtype=float)
    count = len(rows)
    encoded = []
    for labels in labelings:
        _keys, index = np.unique(np.asarray(labels), return_inverse=True)
        onehot = np.zeros((count, index.max() + 1 if count else 0))
        onehot[np.arange(count), index] = 1.0
        encoded.append((index, onehot, onehot.sum(axis=0)))
    totals = [0.0] * len(encoded)
    norms = (rows**2).sum(axis=1)
    for start in range(0, count, chunk):
        block = np.arange(start, min(start + chunk, count))
        squared = norms[block, None] - 2.0 * rows[block] @ rows.T + norms[None, :]
        distances = np.sqrt(np.maximum(squared, 0.0, out=squared), out=squared)
        distances[np.arange(len(block)), block] = 0.0
        for number, (index, onehot, sizes) in enumerate(encoded):
            if len(sizes) < 2:
                continue
            own = index[block]
            own_size = sizes[own]
            mean_to = distances @ onehot / sizes
            inside = mean_to[np.arange(len(block)), own] * own_size / np.maximum(own_size - 1, 1)
            mean_to[np.arange(len(block)), own] = np.inf
            nearest = mean_to.min(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                score = (nearest - inside) / np.maximum(inside, nearest)
            score[own_size == 1] = 0.0
            totals[number] += float(np.nan_to_num(score).sum())
    return [totals[number] / count if len(sizes) >= 2 else None for number, (_i, _o, sizes) in enumerate(encoded)]


def choose_k(scaled, k_min=2, k_max=8, sample_size=10_000, random_state=RANDOM_STATE, n_init=N_INIT):
    """The k in ``[k_min, k_max]`` with the best silhouette score.

    Each candidate is fitted and scored on the same random sample of at most
    ``sample_size`` rows (silhouette costs the square of the rows), so the choice takes
    seconds for any population. Ties go to the smaller k.

    :return: ``(k, scores)`` with ``scores`` a dict k -> silhouette score
    :raise ValueError: when there are too few distinct rows to compare two values of k
    """
    scaled = np.asarray(scaled, dtype=float)
    if k_min < 2 or k_max < k_min:
        raise ValueError("the range of k must start at 2 or more and not be empty (got %s to %s)" % (k_min, k_max))
    sample = scaled[_sample(scaled, sample_size, random_state)]
    # more clusters than distinct customers cannot be told apart; silhouette needs one row more than clusters
    k_max = min(k_max, len(np.unique(sample, axis=0)), len(sample) - 1)
    if k_max < k_min:
        raise ValueError("%d customers are too few to choose between %d clusters or more" % (len(sample), k_min))
    candidates = list(range(k_min, k_max + 1))
    labelings = [_kmeans(k, random_state, n_init).fit_predict(sample) for k in candidates]
    scores = {
        k: -1.0 if score is None else score
        for k, score in zip(candidates, silhouette_scores(sample, labelings), strict=True)
    }
    best = max(scores.values())
    return min(k for k, score in scores.items() if score >= best - 1e-9), scores


def fit(scaled, k, random_state=RANDOM_STATE, n_init=N_INIT):
    """k-means on all rows: ``(labels, centers)``; the same input always gives the same answer."""
    scaled = np.asarray(scaled, dtype=float)
    if not 1 <= k <= len(scaled):
        raise ValueError("cannot make %d clusters of %d customers" % (k, len(scaled)))
    model = _kmeans(k, random_state, n_init).fit(scaled)
    return model.labels_.astype(int), model.cluster_centers_


def silhouette(scaled, labels, sample_size=10_000, random_state=RANDOM_STATE):
    """Silhouette score of a labelling, on a sample of at most ``sample_size`` rows; None when undefined."""
    scaled = np.asarray(scaled, dtype=float)
    if len(labels) < 3:
        return None
    rows = _sample(scaled, sample_size, random_state)
    return silhouette_scores(scaled[rows], [np.asarray(labels)[rows]])[0]


def assign_nearest(scaled, centers, chunk=65_536):
    """Index of the nearest center (Euclidean) for each row, in chunks to bound memory."""
    scaled = np.asarray(scaled, dtype=float)
    centers = np.asarray(centers, dtype=float)
    labels = np.empty(len(scaled), dtype=int)
    center_norms = (centers**2).sum(axis=1)
    for start in range(0, len(scaled), chunk):
        part = scaled[start : start + chunk]
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, and |x|^2 does not change the argmin
        labels[start : start + chunk] = np.argmin(center_norms - 2.0 * part @ centers.T, axis=1)
    return labels


def cluster_means(matrix, labels, k):
    """Mean of each column per cluster, in the units of ``matrix``: a ``k x columns`` array (NaN for empty)."""
    matrix = np.asarray(matrix, dtype=float)
    labels = np.asarray(labels, dtype=int)
    sums = np.zeros((k, matrix.shape[1]))
    np.add.at(sums, labels, matrix)
    sizes = np.bincount(labels, minlength=k).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / sizes[:, None]


def match_clusters(previous, labels, min_jaccard=0.4):
    """Pair the new clusters with those of the previous run that hold mostly the same customers.

    :param previous: the previous cluster key of each row (e.g. a record id), or None/-1 for none
    :param labels: the new cluster index of each row
    :return: dict new index -> previous key, for pairs whose member sets overlap with a
        Jaccard index of at least ``min_jaccard``; each previous key is used once
    """
    previous = [-1 if key is None else key for key in previous]
    labels = np.asarray(labels, dtype=int)
    old_keys = sorted({key for key in previous if key != -1})
    if not old_keys or not len(labels):
        return {}
    new_keys = sorted(set(labels.tolist()))
    old_index = {key: index for index, key in enumerate(old_keys)}
    new_index = {key: index for index, key in enumerate(new_keys)}
    overlap = np.zeros((len(new_keys), len(old_keys)))
    old_sizes = np.zeros(len(old_keys))
    for key, label in zip(previous, labels.tolist(), strict=True):
        if key != -1:
            overlap[new_index[label], old_index[key]] += 1
            old_sizes[old_index[key]] += 1
    new_sizes = np.array([np.count_nonzero(labels == key) for key in new_keys], dtype=float)
    jaccard = overlap / (new_sizes[:, None] + old_sizes[None, :] - overlap)
    rows, cols = linear_sum_assignment(-jaccard)
    return {
        new_keys[row]: old_keys[col] for row, col in zip(rows, cols, strict=True) if jaccard[row, col] >= min_jaccard
    }


def _times(ratio):
    return ("%d" % round(ratio)) if ratio >= 10 else ("%.1f" % ratio).removesuffix(".0")


def _when(days, _):
    days = max(0, round(days))
    if days == 0:
        return _("last bought today")
    if days == 1:
        return _("last bought yesterday")
    if days < 14:
        return _("last bought %s days ago", days)
    if days < 60:
        return _("last bought %s weeks ago", round(days / 7))
    if days < 365:
        return _("last bought %s months ago", round(days / 30.44))
    years = days / 365.25
    return _("last bought over a year ago") if years < 2 else _("last bought %s years ago", int(years))


def _channel_labels(_):
    return {
        "contacts_web": _("mostly web"),
        "contacts_email": _("mostly e-mail"),
        "contacts_phone": _("mostly phone and meetings"),
        "contacts_shop": _("mostly in the shop"),
        "contacts_other": _("mostly other channels"),
    }


def describe_centroid(centroid, average, _=_plain):
    """A plain-language description of a cluster, from its mean against the population's mean.

    :param centroid: dict feature key -> the cluster's mean in original units
    :param average: dict feature key -> the population's mean in original units
    :param _: translation function with Odoo's ``env._`` signature
    :return: e.g. ``"Spends 3x the average, last bought 7 months ago, mostly e-mail"``
    """

    def ratio(key):
        base = average.get(key) or 0.0
        return (centroid.get(key) or 0.0) / base if base > 0 else None

    parts = []
    if (centroid.get("purchase_count") or 0.0) < 0.5:
        parts.append(_("has not bought yet"))
    else:
        money = ratio("monetary_total")
        if money is None or 0.67 < money < 1.5:
            parts.append(_("spends about the average"))
        elif money >= 1.5:
            parts.append(_("spends %sx the average", _times(money)))
        else:
            parts.append(_("spends %s%% less than the average", round(100 * (1 - money))))
        orders = ratio("purchase_count")
        if orders is not None and orders >= 2:
            parts.append(_("orders %sx as often", _times(orders)))
        if centroid.get("recency_days") is not None:
            parts.append(_when(centroid["recency_days"], _))

    contacts = sum(centroid.get(key) or 0.0 for key in CHANNEL_FEATURES)
    average_contacts = sum(average.get(key) or 0.0 for key in CHANNEL_FEATURES)
    if contacts < 0.5 or (average_contacts and contacts < 0.25 * average_contacts):
        parts.append(_("rarely in touch"))
    else:
        if average_contacts and contacts >= 2 * average_contacts:
            parts.append(_("in touch %sx as often as the average", _times(contacts / average_contacts)))
        top = max(CHANNEL_FEATURES, key=lambda key: centroid.get(key) or 0.0)
        if (centroid.get(top) or 0.0) >= 0.4 * contacts:
            parts.append(_channel_labels(_)[top])

    age, average_age = centroid.get("age"), average.get("age")
    if age and average_age and abs(age - average_age) >= 7:
        parts.append(_("younger (about %s)", round(age)) if age < average_age else _("older (about %s)", round(age)))
    children, average_children = centroid.get("children_count") or 0.0, average.get("children_count") or 0.0
    if children >= 1 and children >= 1.5 * average_children:
        parts.append(_("children at home"))
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]
