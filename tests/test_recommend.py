"""Pure-Python tests of ecrm_core/tools/recommend.py (C9): no Odoo, no database."""

import numpy as np
import pytest
from ecrm_core.tools import recommend
from scipy import sparse

A, B, C, D, E = 101, 102, 103, 104, 105  # product ids


def planted_triples():
    """Nine customers: whoever bought A also bought B; C and D go together; E is bought by all but two."""
    pairs = []
    for customer in (1, 2, 3, 4):
        pairs += [(customer, A), (customer, B)]
    for customer in (5, 6, 7):
        pairs += [(customer, C), (customer, D)]
    for customer in (1, 2, 3, 5, 6, 7, 9):
        pairs.append((customer, E))
    pairs += [(8, A)]  # the customer to recommend to: bought A, and nothing else
    pairs += [(9, C)]
    users, items = zip(*pairs, strict=True)
    return np.array(users), np.array(items)


def recommendations_of(customer, n=3, block_cells=recommend.BLOCK_CELLS, block_users=recommend.BLOCK_USERS):
    users, items = planted_triples()
    X, user_ids, item_ids = recommend.matrix_from_triples(users, items)
    S = recommend.item_similarity(X, k=50, block_cells=block_cells)
    rec_users, rec_items, scores, ranks = recommend.recommend(X, S, n=n, block_users=block_users)
    row = np.searchsorted(user_ids, customer)
    mine = rec_users == row
    return list(item_ids[rec_items[mine]]), list(scores[mine]), list(ranks[mine])


def test_matrix_from_triples_sums_duplicates_and_sorts_ids():
    X, user_ids, item_ids = recommend.matrix_from_triples([7, 3, 7, 7], [20, 10, 20, 30], [1, 2, 3, 4])
    assert list(user_ids) == [3, 7]
    assert list(item_ids) == [10, 20, 30]
    assert X.toarray().tolist() == [[2, 0, 0], [0, 4, 4]]
    assert sparse.isspmatrix_csr(X)


def test_positions():
    assert list(recommend.positions([5, 1, 9, 3], [1, 3, 5])) == [2, 0, -1, 1]
    assert list(recommend.positions([5], [])) == [-1]


def test_planted_pattern_recommends_b_first_to_a_buyer():
    items, scores, ranks = recommendations_of(8)
    assert items[0] == B, "whoever bought A bought B: B comes first"
    assert A not in items, "what the customer already bought is never recommended"
    assert ranks == [1, 2, 3]
    # A has 5 buyers (1-4 and 8), B 4, all of them A buyers: cosine 4 / sqrt(5 * 4)
    assert scores[0] == pytest.approx(4 / 20**0.5)
    assert scores == sorted(scores, reverse=True)


def test_c_buyer_gets_d_not_b():
    items, _scores, _ranks = recommendations_of(9)
    assert items[0] == D
    assert C not in items and E not in items


def test_small_blocks_give_the_same_answer():
    assert recommendations_of(8, block_cells=1, block_users=1) == recommendations_of(8)
    assert recommendations_of(9, block_cells=7, block_users=2) == recommendations_of(9)


def test_similarity_is_cosine_top_k_without_self():
    rng = np.random.default_rng(3)
    dense = (rng.random((40, 12)) < 0.3).astype(np.float32)
    S = recommend.item_similarity(sparse.csr_matrix(dense), k=4, block_cells=25).toarray()
    norms = np.linalg.norm(dense, axis=0)
    norms[norms == 0] = 1
    cosine = (dense.T @ dense) / np.outer(norms, norms)
    np.fill_diagonal(cosine, 0)
    assert np.all(np.diag(S) == 0)
    for item in range(12):
        kept = np.flatnonzero(S[item])
        assert len(kept) <= 4
        np.testing.assert_allclose(S[item, kept], cosine[item, kept], rtol=1e-5)
        # nothing left out is more similar than what was kept
        others = np.setdiff1d(np.arange(12), np.append(kept, item))
        if len(kept) and len(others):
            assert cosine[item, others].max() <= S[item, kept].min() + 1e-6


def test_ranked_entries_orders_each_row():
    matrix = sparse.csr_matrix(np.array([[0, 0.2, 0.9], [0.5, 0, 0], [0, 0, 0], [0.1, 0.3, 0.2]]))
    rows, cols, values, ranks = recommend.ranked_entries(matrix)
    assert list(rows) == [0, 0, 1, 3, 3, 3]
    assert list(cols) == [2, 1, 0, 1, 2, 0]
    assert list(ranks) == [1, 2, 1, 1, 2, 3]
    np.testing.assert_allclose(values, [0.9, 0.2, 0.5, 0.3, 0.2, 0.1])


def test_candidates_mask_and_popular_fill():
    users, items = planted_triples()
    X, user_ids, item_ids = recommend.matrix_from_triples(users, items)
    S = recommend.item_similarity(X)
    allowed = item_ids != B  # B is no longer sold
    rec_users, rec_items, scores, _ranks = recommend.recommend(X, S, n=4, candidates=allowed)
    mine = rec_users == np.searchsorted(user_ids, 8)
    got = list(item_ids[rec_items[mine]])
    assert B not in got and A not in got
    assert got[0] == E  # E shares buyers with A (customers 1-3)
    # C and D have nothing in common with A: they fill the list, the more popular first, score 0
    assert got[1:] in ([C, D], [D, C]) and list(scores[mine][1:]) == [0, 0]


def test_most_popular_skips_what_was_bought():
    users, items = planted_triples()
    X, user_ids, item_ids = recommend.matrix_from_triples(users, items)
    rec_users, rec_items, counts, ranks = recommend.most_popular(X, n=2)
    top = {}
    assert list(ranks[:2]) == [1, 2]
    for user, item in zip(rec_users, rec_items, strict=True):
        top.setdefault(user_ids[user], []).append(item_ids[item])
    assert top[8] == [E, B]  # E (7 buyers), then B (4, first of A/B by id) - A already bought
    assert top[1][0] == C or top[1][0] == D  # bought A, B and E: the next most popular
    assert counts.max() == 7


def test_precision_recall_at_k_by_hand():
    # 3 customers, 4 products; customer 2 has nothing relevant and is not evaluated
    relevant = sparse.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]))
    users = np.array([0, 0, 1, 1, 2])
    items = np.array([0, 3, 2, 3, 1])
    ranks = np.array([1, 2, 1, 2, 1])
    precision, recall, evaluated = recommend.precision_recall_at_k(users, items, ranks, relevant, k=2)
    assert evaluated == 2
    assert precision == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert recall == pytest.approx((1 / 2 + 1 / 1) / 2)
    precision, recall, _evaluated = recommend.precision_recall_at_k(users, items, ranks, relevant, k=1)
    assert precision == pytest.approx(0.5) and recall == pytest.approx(0.25)


def test_relevant_matrix_keeps_only_new_products_of_known_customers():
    X, user_ids, item_ids = recommend.matrix_from_triples([1, 1, 2], [10, 20, 10])
    relevant = recommend.relevant_matrix(X, [1, 1, 2, 3], [10, 30, 20, 10], user_ids, item_ids)
    # customer 1: 10 already bought, 30 unknown; customer 2: 20 is new; customer 3 unknown
    assert relevant.toarray().tolist() == [[0, 0], [0, 1]]
    assert relevant.nnz == 1


def taste_data(seed=0, customers=600, products=120, groups=6):
    """Customers in latent taste groups, each preferring its own sixth of the catalogue, plus popularity noise."""
    rng = np.random.default_rng(seed)
    group_of = rng.integers(groups, size=customers)
    popular = 1.0 / np.arange(1, products + 1) ** 1.1
    popular /= popular.sum()
    per_group = products // groups
    rows = []
    for customer in range(customers):
        liked = np.arange(group_of[customer] * per_group, (group_of[customer] + 1) * per_group)
        for moment in range(rng.integers(4, 12)):
            if rng.random() < 0.7:
                item = rng.choice(liked)
            else:
                item = rng.choice(products, p=popular)
            rows.append((customer, item, moment))
    return np.array(rows)


def test_cf_beats_most_popular_on_taste_groups():
    rows = taste_data()
    train = rows[rows[:, 2] < 5]
    test = rows[rows[:, 2] >= 5]
    result = recommend.evaluate(train[:, 0], train[:, 1], test[:, 0], test[:, 1], k=10, neighbours=20)
    assert result["customers"] > 300
    cf_precision, popular_precision = result["cf"][0], result["popular"][0]
    assert cf_precision > 1.5 * popular_precision, result
    assert result["cf"][1] > result["popular"][1]


def test_no_taste_no_gain():
    """With purely random purchases, CF has nothing to find: it must not look much better than popularity."""
    rng = np.random.default_rng(1)
    users = rng.integers(500, size=5000)
    items = rng.integers(80, size=5000)
    moments = rng.random(5000)
    train, test = moments < 0.7, moments >= 0.7
    result = recommend.evaluate(users[train], items[train], users[test], items[test], k=10)
    assert result["ratio"] < 1.3, result


def test_empty_input():
    X, user_ids, item_ids = recommend.matrix_from_triples([], [])
    assert X.shape == (0, 0) and len(user_ids) == len(item_ids) == 0
    S = recommend.item_similarity(X)
    users, items, scores, ranks = recommend.recommend(X, S)
    assert len(users) == len(items) == len(scores) == len(ranks) == 0
