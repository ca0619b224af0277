"""Pure-Python tests of ecrm_core/tools/clustering.py (C7): no Odoo, no database."""

import numpy as np
import pytest
from ecrm_core.tools import clustering
from sklearn.metrics import adjusted_rand_score


def planted_groups(sizes=(300, 200, 100), seed=1):
    """Three well-separated groups of customers in the 11 features, and their true labels."""
    rng = np.random.default_rng(seed)
    # recency, purchases, spend, web, e-mail, phone, shop, other, age, household, children
    profiles = [
        [20, 12, 6000, 2, 40, 1, 1, 1, 45, 4, 2],  # big spenders who read their e-mail
        [300, 2, 150, 30, 1, 0, 0, 1, 25, 1, 0],  # young web browsers who rarely buy
        [700, 0, 0, 0, 0, 6, 8, 1, 68, 2, 0],  # older shop visitors, never bought
    ]
    rows, labels = [], []
    for label, (size, profile) in enumerate(zip(sizes, profiles, strict=True)):
        centre = np.array(profile, dtype=float)
        noise = rng.normal(0, 0.08, size=(size, len(centre))) * np.maximum(centre, 1)
        rows.append(np.clip(centre + noise, 0, None))
        labels += [label] * size
    return np.vstack(rows), np.array(labels)


def test_impute_mean_fills_unknown_cells_and_counts_them():
    matrix = np.array([[1.0, np.nan, np.nan], [3.0, 4.0, np.nan], [5.0, 8.0, np.nan]])
    filled, means, missing = clustering.impute_mean(matrix)
    assert filled.tolist() == [[1.0, 6.0, 0.0], [3.0, 4.0, 0.0], [5.0, 8.0, 0.0]]
    assert means.tolist() == [3.0, 6.0, 0.0]
    assert missing.tolist() == [0, 1, 3]
    assert np.isnan(matrix[0, 1]), "the input is not changed"


def test_standardise_and_apply_scaler_agree():
    matrix = np.array([[0.0, 10.0, 7.0], [9.0, 20.0, 7.0], [99.0, 30.0, 7.0]])
    scaled, params = clustering.standardise(matrix, [True, False, False])
    assert np.allclose(scaled.mean(axis=0), 0)
    assert np.allclose(scaled[:, :2].std(axis=0), 1)
    assert scaled[:, 2].tolist() == [0.0, 0.0, 0.0], "a constant column scales to 0, not NaN"
    assert np.allclose(clustering.apply_scaler(matrix, params), scaled)
    # log1p: 0, 9 and 99 become evenly spaced-ish, not dominated by 99
    assert abs(scaled[1, 0]) < 0.5
    with pytest.raises(ValueError):
        clustering.standardise(matrix, [True])


def test_planted_groups_are_recovered():
    matrix, truth = planted_groups()
    scaled, _params = clustering.standardise(matrix, list(clustering.FEATURES.values()))
    k, scores = clustering.choose_k(scaled, 2, 8, sample_size=400)
    assert k == 3, scores
    assert set(scores) == set(range(2, 9))
    labels, centers = clustering.fit(scaled, k)
    assert adjusted_rand_score(truth, labels) > 0.99
    assert centers.shape == (3, len(clustering.FEATURES))
    # same data, same answer
    again, _centers = clustering.fit(scaled, k)
    assert (again == labels).all()
    assert clustering.silhouette(scaled, labels) > 0.7


def test_choose_k_refuses_too_few_customers():
    with pytest.raises(ValueError):
        clustering.choose_k(np.zeros((5, 3)), 2, 8)
    with pytest.raises(ValueError):
        clustering.choose_k(np.eye(4), 3, 2)
    # three distinct customers allow k = 2 only
    k, scores = clustering.choose_k(np.array([[0.0], [0.1], [9.0]]), 2, 8)
    assert (k, list(scores)) == (2, [2])


def test_assign_nearest_places_new_customers_in_their_group():
    matrix, truth = planted_groups()
    scaled, params = clustering.standardise(matrix, list(clustering.FEATURES.values()))
    labels, centers = clustering.fit(scaled, 3)
    # fresh customers from the same three profiles, scaled with the stored parameters
    fresh, fresh_truth = planted_groups(sizes=(5, 5, 5), seed=7)
    placed = clustering.assign_nearest(clustering.apply_scaler(fresh, params), centers, chunk=4)
    mapping = {int(t): int(label) for t, label in zip(truth, labels, strict=True)}
    assert placed.tolist() == [mapping[t] for t in fresh_truth.tolist()]


def test_cluster_means_in_original_units():
    matrix = np.array([[1.0, 10.0], [3.0, 30.0], [100.0, 0.0]])
    means = clustering.cluster_means(matrix, [0, 0, 1], 3)
    assert means[:2].tolist() == [[2.0, 20.0], [100.0, 0.0]]
    assert np.isnan(means[2]).all()


def test_match_clusters_follows_the_members():
    previous = [7, 7, 7, 9, 9, None, 9, -1]
    labels = [1, 1, 1, 0, 0, 0, 2, 2]
    # new 1 == old 7 exactly; new 0 holds two of old 9's three members; new 2 is mostly new people
    assert clustering.match_clusters(previous, labels) == {1: 7, 0: 9}
    assert clustering.match_clusters([None, None], [0, 1]) == {}
    assert clustering.match_clusters(previous, labels, min_jaccard=0.9) == {1: 7}


AVERAGE = {
    "recency_days": 200,
    "purchase_count": 3,
    "monetary_total": 1000,
    "contacts_web": 10,
    "contacts_email": 5,
    "contacts_phone": 1,
    "contacts_shop": 1,
    "contacts_other": 1,
    "age": 40,
    "household_size": 2,
    "children_count": 0.6,
}


def test_describe_big_spenders():
    centroid = dict(AVERAGE, monetary_total=3000, purchase_count=4, recency_days=213, contacts_web=2, contacts_email=15)
    assert clustering.describe_centroid(centroid, AVERAGE) == (
        "Spends 3x the average, last bought 7 months ago, mostly e-mail"
    )


def test_describe_other_shapes():
    latent = dict(AVERAGE, purchase_count=0, monetary_total=0, recency_days=730, contacts_web=30, contacts_email=1)
    assert clustering.describe_centroid(latent, AVERAGE) == "Has not bought yet, mostly web"
    busy = dict(latent, contacts_web=60)
    assert clustering.describe_centroid(busy, AVERAGE) == (
        "Has not bought yet, in touch 3.6x as often as the average, mostly web"
    )
    frequent = dict(AVERAGE, purchase_count=9, monetary_total=250, recency_days=10, age=26, children_count=2)
    assert clustering.describe_centroid(frequent, AVERAGE) == (
        "Spends 75% less than the average, orders 3x as often, last bought 10 days ago, mostly web, "
        "younger (about 26), children at home"
    )
    quiet = dict(
        AVERAGE,
        recency_days=500,
        contacts_web=0.2,
        contacts_email=0.1,
        contacts_phone=0,
        contacts_shop=0,
        contacts_other=0,
        age=63,
    )
    assert clustering.describe_centroid(quiet, AVERAGE) == (
        "Spends about the average, last bought over a year ago, rarely in touch, older (about 63)"
    )


def test_describe_is_translated_through_the_given_function():
    seen = []

    def translate(text, *args):
        seen.append(text)
        return (text % args if args else text).upper()

    text = clustering.describe_centroid(dict(AVERAGE, monetary_total=5000), AVERAGE, translate)
    assert text.startswith("SPENDS 5X THE AVERAGE")
    assert "spends %sx the average" in seen


def test_silhouette_scores_match_scikit_learn():
    from sklearn.metrics import silhouette_score

    matrix, truth = planted_groups(sizes=(40, 25, 1), seed=3)
    scaled, _params = clustering.standardise(matrix)
    rng = np.random.default_rng(5)
    labelings = [truth, rng.integers(0, 4, len(truth)), np.zeros(len(truth), dtype=int), np.arange(len(truth)) % 2]
    ours = clustering.silhouette_scores(scaled, labelings, chunk=7)
    assert ours[0] == pytest.approx(silhouette_score(scaled, truth), abs=1e-9), "a singleton cluster scores 0"
    assert ours[1] == pytest.approx(silhouette_score(scaled, labelings[1]), abs=1e-9)
    assert ours[2] is None, "one cluster has no silhouette"
    assert ours[3] == pytest.approx(silhouette_score(scaled, labelings[3]), abs=1e-9)
    assert clustering.silhouette(scaled, truth, sample_size=1000) == pytest.approx(ours[0])
