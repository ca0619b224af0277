"""Recommendations (C9): item-item collaborative filtering on a customer-by-product matrix.

Plain numpy/scipy functions, no ``odoo`` import. The model feeds them one SQL
aggregate of (customer, product, weight) triples and stores what they return.

The method is the classic one of "customers who bought this also bought":

* ``X`` is the customer-by-product matrix (CSR), 1 (or a weight) where a customer
  bought a product;
* the similarity of two products is the cosine of their columns: normalise every
  column to length 1, then ``S = X.T @ X``; only the ``k`` most similar neighbours
  of each product are kept, so ``S`` stays sparse;
* a customer's score for a product is ``X_c @ S``: the similarities of the product
  to everything the customer bought, summed; what they bought is left out and the
  best ``n`` are recommended.

The work is done in blocks of rows, so memory stays bounded whatever the number
of customers or products.
"""

import numpy as np
from scipy import sparse

BLOCK_CELLS = 4_000_000  # dense cells per block of the similarity: 16 MB of float32
BLOCK_USERS = 1000  # customers scored at a time (sparse rows: a few hundred entries each)
# Weight of popularity in the scores: breaks ties among products with no similarity at all, so a
# customer whose purchases have few neighbours still gets n products (the most popular ones),
# while never reordering products that have a real similarity score.
POPULARITY_TIE_BREAK = 1e-6


def matrix_from_triples(users, items, weights=None):
    """The customer-by-product CSR matrix of parallel arrays, and the ids of its rows and columns.

    :param users: customer id of each triple
    :param items: product id of each triple
    :param weights: weight of each triple (default 1); repeated (customer, product) pairs are summed
    :return: ``(X, user_ids, item_ids)``: ``X[i, j]`` is the weight of ``user_ids[i]`` for ``item_ids[j]``;
        both id arrays are sorted
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    user_ids, rows = np.unique(users, return_inverse=True)
    item_ids, cols = np.unique(items, return_inverse=True)
    return matrix_on(rows, cols, weights, (len(user_ids), len(item_ids))), user_ids, item_ids


def matrix_on(rows, cols, weights, shape):
    """CSR matrix of ``shape`` from row and column indexes (duplicates summed), float32."""
    rows = np.asarray(rows, dtype=np.int64)
    data = np.ones(len(rows), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    matrix = sparse.csr_matrix((data, (rows, np.asarray(cols, dtype=np.int64))), shape=shape, dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def positions(ids, known_ids):
    """Index of each of ``ids`` in the sorted array ``known_ids``, -1 where it is not there."""
    ids = np.asarray(ids, dtype=np.int64)
    known_ids = np.asarray(known_ids, dtype=np.int64)
    if not len(known_ids):
        return np.full(len(ids), -1, dtype=np.int64)
    found = np.searchsorted(known_ids, ids)
    found[found == len(known_ids)] = 0
    return np.where(known_ids[found] == ids, found, -1)


def item_similarity(X, k=50, block_cells=BLOCK_CELLS):
    """Cosine similarity between the columns (products) of ``X``, top ``k`` neighbours per product.

    :return: CSR ``S`` (products x products): row ``i`` holds the ``k`` products most similar to
        product ``i`` (fewer when fewer have any customer in common), never ``i`` itself
    """
    X = sparse.csr_matrix(X, dtype=np.float32)
    n_items = X.shape[1]
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0), dtype=np.float64).ravel())
    inverse = np.zeros(n_items, dtype=np.float32)
    np.divide(1.0, norms, out=inverse, where=norms > 0, casting="unsafe")
    normalised = (X @ sparse.diags(inverse)).tocsr()
    transposed = normalised.T.tocsr()
    neighbours = min(k, n_items - 1)
    if neighbours <= 0:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    block = max(1, block_cells // max(1, n_items))
    rows, cols, values = [], [], []
    for start in range(0, n_items, block):
        stop = min(n_items, start + block)
        scores = (transposed[start:stop] @ normalised).tocsr()
        own = np.repeat(np.arange(stop - start), np.diff(scores.indptr)) + start == scores.indices
        scores.data[own] = 0.0  # a product is not its own neighbour
        scores.eliminate_zeros()
        if scores.nnz > (stop - start) * n_items // 4:
            # dense enough: a partial sort of each row of the dense block is the quickest
            dense = scores.toarray()
            best = _top_columns(dense, neighbours)
            best_scores = np.take_along_axis(dense, best, axis=1)
            keep = best_scores > 0
            local = np.broadcast_to(np.arange(stop - start)[:, None], best.shape)[keep]
            best, best_scores = best[keep], best_scores[keep]
        else:
            # sparse: sorting the entries there are beats a partial sort of mostly zeros
            local, best, best_scores = _best_of_rows(scores, neighbours)
        rows.append(local + start)
        cols.append(best)
        values.append(best_scores)
    return sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
        dtype=np.float32,
    )


def _top_columns(block, n):
    """Column indexes of the ``n`` largest values of each row of a dense block (unordered)."""
    if n >= block.shape[1]:
        return np.broadcast_to(np.arange(block.shape[1]), block.shape).copy()
    return np.argpartition(-block, n - 1, axis=1)[:, :n]


def ranked_entries(matrix):
    """The entries of a CSR matrix as arrays ``(row, col, value, rank)``, best value first in each row.

    Rank 1 is the highest value of its row; ties keep the column order.
    """
    matrix = sparse.csr_matrix(matrix)
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    order = np.lexsort((matrix.indices, -matrix.data, rows))
    starts = np.repeat(matrix.indptr[:-1], counts)
    ranks = np.arange(len(rows)) - starts + 1
    return rows[order], matrix.indices[order], matrix.data[order], ranks


def popularity(X):
    """How many customers bought each product (the column counts of ``X``)."""
    return np.diff(sparse.csc_matrix(X).indptr).astype(np.float64)


def recommend(X, S, n=10, candidates=None, block_users=BLOCK_USERS):
    """The top ``n`` products for every customer (row) of ``X``: ``X_c @ S``, without what they bought.

    Products with no similarity to anything the customer bought come last, most popular first,
    so every customer gets ``n`` products while there are that many left to offer.

    :param candidates: boolean mask of the products that may be recommended (default: all)
    :return: arrays ``(user, item, score, rank)`` (indexes into X), ordered by user then rank;
        ``score`` is the similarity score, 0 for a popularity filler
    """
    S = sparse.csr_matrix(S)
    bonus = popularity(X)
    if bonus.size and bonus.max() > 0:
        bonus = bonus / bonus.max() * POPULARITY_TIE_BREAK
    users, items, ranked, ranks = _top_per_user(X, n, candidates, block_users, bonus, lambda rows: rows @ S)
    scores = ranked - bonus[items]
    scores[scores < POPULARITY_TIE_BREAK / 1000] = 0.0
    return users, items, scores.astype(np.float32), ranks


def most_popular(X, n=10, candidates=None, block_users=BLOCK_USERS):
    """The baseline: the ``n`` products bought by the most customers, without what each one bought.

    :return: arrays ``(user, item, score, rank)`` like :func:`recommend`, score = number of buyers
    """
    users, items, counts, ranks = _top_per_user(X, n, candidates, block_users, popularity(X))
    return users, items, counts.astype(np.float32), ranks


def _top_per_user(X, n, candidates, block_users, weight, scores_of=None):
    """The ``n`` best products of each customer by ``scores_of(rows) + weight``, what they bought left out.

    Works on sparse rows: only the products with a score are ranked, and, for the customers left
    with fewer than ``n`` of them, the ``n + (products bought)`` heaviest ``weight`` products too,
    enough to fill ``n`` places whatever they bought.
    :return: arrays ``(user, item, ranked value, rank)``
    """
    X = sparse.csr_matrix(X)
    n_users, n_items = X.shape
    n = min(n, n_items)
    empty = np.zeros(0, dtype=np.int64)
    if n <= 0 or not n_users:
        return empty, empty, np.zeros(0, dtype=np.float64), empty
    allowed = np.ones(n_items, dtype=bool) if candidates is None else np.asarray(candidates, dtype=bool)
    filler_order = np.argsort(-weight, kind="stable")
    filler_order = filler_order[allowed[filler_order] & (weight[filler_order] > 0)]
    users, items, values, ranks = [], [], [], []
    for start in range(0, n_users, block_users):
        rows = X[start : min(n_users, start + block_users)]
        bought = rows > 0
        if scores_of is None:
            ranked = sparse.csr_matrix(rows.shape, dtype=np.float64)
        else:
            ranked = sparse.csr_matrix(scores_of(rows), dtype=np.float64)
            ranked.data += weight[ranked.indices]
            ranked = _without(ranked, bought, allowed)
        short = np.flatnonzero(np.diff(ranked.indptr) < n)
        if len(short) and len(filler_order):
            fillers = filler_order[: n + int(np.diff(rows.indptr)[short].max())]
            per_row = np.zeros(rows.shape[0], dtype=np.int64)
            per_row[short] = len(fillers)
            filler_block = sparse.csr_matrix(
                (np.tile(weight[fillers], len(short)), np.tile(fillers, len(short)), np.r_[0, np.cumsum(per_row)]),
                shape=rows.shape,
            )
            ranked = _without(ranked + filler_block, bought, allowed)
        ranked.sort_indices()
        local, cols, data = _best_of_rows(ranked, n)
        users.append(local + start)
        items.append(cols)
        values.append(data)
        ranks.append(_ranks(local))
    return np.concatenate(users), np.concatenate(items), np.concatenate(values), np.concatenate(ranks)


def _without(ranked, bought, allowed):
    """``ranked`` without the entries of products already ``bought`` or not ``allowed``."""
    ranked = sparse.csr_matrix(ranked - ranked.multiply(bought))
    ranked.data[~allowed[ranked.indices]] = 0.0
    ranked.eliminate_zeros()
    return ranked


def _best_of_rows(matrix, n):
    """The ``n`` largest entries of each row of a CSR matrix, as ``(row, col, value)``, best first per row.

    One sort of all the entries on ``row - value / (max + ε)``: rows stay in order, values go
    down within a row, equal values keep their column order.
    """
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    if not len(rows):
        return rows, rows.copy(), np.zeros(0, dtype=np.float64)
    top = matrix.data.max()
    key = rows - matrix.data / (top * (1 + 1e-9) if top > 0 else 1.0)
    order = np.argsort(key, kind="stable")
    ranks = np.arange(len(rows)) - np.repeat(matrix.indptr[:-1], counts) + 1
    keep = order[ranks <= n]
    return rows[keep], matrix.indices[keep], matrix.data[keep]


def _ranks(rows):
    """1, 2, 3... within each run of equal values of the sorted array ``rows``."""
    if not len(rows):
        return rows.copy()
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    lengths = np.diff(np.r_[starts, len(rows)])
    return np.arange(len(rows)) - np.repeat(starts, lengths) + 1


# ----------------------------------------------------------------------
# Offline evaluation on a time split
# ----------------------------------------------------------------------


def precision_recall_at_k(users, items, ranks, relevant, k=10):
    """Mean precision@k and recall@k of recommendations against the products bought later.

    :param users, items, ranks: recommendations, as returned by :func:`recommend`
    :param relevant: CSR matrix on the same indexes, nonzero where the customer bought the product
        in the test period (and had not before)
    :return: ``(precision, recall, evaluated customers)``, averaged over the customers with at
        least one relevant product; precision counts hits out of ``k``
    """
    relevant = sparse.csr_matrix(relevant)
    relevant_counts = np.diff(relevant.indptr)
    evaluated = relevant_counts > 0
    if not evaluated.any():
        return 0.0, 0.0, 0
    users, items, ranks = np.asarray(users), np.asarray(items), np.asarray(ranks)
    top = ranks <= k
    users, items = users[top], items[top]
    hit = np.asarray(relevant[users, items]).ravel() > 0 if len(users) else np.zeros(0, dtype=bool)
    hits = np.bincount(users[hit], minlength=relevant.shape[0]).astype(np.float64)
    precision = hits[evaluated] / k
    recall = hits[evaluated] / relevant_counts[evaluated]
    return float(precision.mean()), float(recall.mean()), int(evaluated.sum())


def relevant_matrix(X, test_users, test_items, user_ids, item_ids):
    """The test purchases on the training matrix's indexes: new products of known customers only.

    Customers or products not in training are dropped (neither method can know them), and so are
    products the customer had already bought in the training period.
    """
    rows = positions(test_users, user_ids)
    cols = positions(test_items, item_ids)
    known = (rows >= 0) & (cols >= 0)
    test = matrix_on(rows[known], cols[known], None, X.shape)
    test.data[:] = 1.0
    relevant = (test - test.multiply(X > 0)).tocsr()
    relevant.eliminate_zeros()
    return relevant


def evaluate(train_users, train_items, test_users, test_items, k=10, neighbours=50):
    """precision@k and recall@k of item-item CF and of most-popular, trained before and tested after a date.

    :return: dict with ``cf`` and ``popular`` as ``(precision, recall)``, ``customers`` evaluated
        and ``ratio`` (CF precision / popular precision)
    """
    X, user_ids, item_ids = matrix_from_triples(train_users, train_items)
    relevant = relevant_matrix(X, test_users, test_items, user_ids, item_ids)
    S = item_similarity(X, neighbours)
    cf_users, cf_items, _scores, cf_ranks = recommend(X, S, k)
    pop_users, pop_items, _counts, pop_ranks = most_popular(X, k)
    cf = precision_recall_at_k(cf_users, cf_items, cf_ranks, relevant, k)
    popular = precision_recall_at_k(pop_users, pop_items, pop_ranks, relevant, k)
    return {
        "cf": cf[:2],
        "popular": popular[:2],
        "customers": cf[2],
        "ratio": cf[0] / popular[0] if popular[0] else float("inf"),
    }
