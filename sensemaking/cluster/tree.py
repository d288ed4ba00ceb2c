"""The merge tree behind the themes: Ward's tree over the reduced stories, and its cuts.

Every granularity is a cut of one tree, so finer themes nest inside coarser ones. When the
stories' neighbour graph falls into pieces, each piece gets its own tree and the pieces are
merged above them by their centroids in embedding space.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "centroids",
    "condensed_tree_cut",
    "count_themes",
    "cut_tree",
    "cut_with_themes",
    "drop_small",
    "group_sums",
    "node_size",
    "ward_tree",
]


def group_sums(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Row sums of ``x`` per label 0..k-1 (labels -1 ignored; empty labels sum to 0)."""
    kept = np.flatnonzero(labels >= 0)
    order = kept[np.argsort(labels[kept], kind="stable")]
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, np.arange(k))
    sums = np.zeros((k, x.shape[1]))
    present = np.bincount(sorted_labels, minlength=k)[:k] > 0
    if present.any():
        sums[present] = np.add.reduceat(x[order].astype(np.float64), starts[present], axis=0)
    return sums


def centroids(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    sums = group_sums(x, labels, k)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def count_themes(labels: np.ndarray, min_size: int) -> int:
    return int(np.sum(np.bincount(labels) >= min_size))


def drop_small(labels: np.ndarray, min_size: int) -> np.ndarray:
    counts = np.bincount(labels)
    return np.where(counts[labels] >= min_size, labels, -1)


def ward_tree(reduced: np.ndarray, x: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Ward's merge tree of ``reduced``, built piece by piece when the graph is in pieces.

    In the spectral embedding, pieces of the neighbour graph that no path joins sit at
    right angles to each other, all equally far apart, so their order of merging would say
    nothing. Each piece gets its own Ward tree; the pieces are then merged by Ward's rule on
    their centroids in embedding space (the stories' own geometry), above every merge inside
    a piece. Returns a scipy linkage matrix, merges in increasing order.
    """
    from scipy.cluster.hierarchy import linkage

    n = len(reduced)
    n_pieces = int(pieces.max()) + 1
    if n_pieces == 1:
        return linkage(reduced, method="ward")
    # (height, piece, step, left, right, size, created): ids >= n are provisional ones.
    merges: list[tuple[float, int, int, int, int, float, int]] = []
    roots = np.empty(n_pieces, dtype=np.int64)
    provisional = n
    for piece in range(n_pieces):
        members = np.flatnonzero(pieces == piece)
        if len(members) == 1:
            roots[piece] = members[0]
            continue
        local = linkage(reduced[members], method="ward")
        ids = np.concatenate([members, provisional + np.arange(len(members) - 1)])
        for step, (left, right, height, size) in enumerate(local):
            created = provisional + step
            merges.append(
                (height, piece, step, int(ids[int(left)]), int(ids[int(right)]), size, created)
            )
        provisional += len(members) - 1
        roots[piece] = provisional - 1
    merges.sort()
    final = {}
    rows: list[list[float]] = []
    for height, _, _, left, right, size, created in merges:
        rows.append([final.get(left, left), final.get(right, right), height, size])
        final[created] = n + len(rows) - 1
    roots = np.array([final.get(int(r), int(r)) for r in roots])

    piece_centroids = centroids(x, pieces, n_pieces)
    top = linkage(piece_centroids, method="ward")
    base = (rows[-1][2] if rows else 0.0) + 1e-9
    top_ids = list(roots)
    for left, right, height, _ in top:
        a, b = top_ids[int(left)], top_ids[int(right)]
        size = node_size(a, rows, n) + node_size(b, rows, n)
        rows.append([a, b, base + height, size])
        top_ids.append(n + len(rows) - 1)
    return np.array(rows, dtype=np.float64)


def node_size(node: int, rows: list[list[float]], n: int) -> float:
    return 1.0 if node < n else rows[node - n][3]


def cut_with_themes(tree: np.ndarray, target: int, min_size: int) -> tuple[np.ndarray, int]:
    """The coarsest cut of ``tree`` with ``target`` groups of at least ``min_size`` stories.

    Undoing the merges from the top splits one group in two at a time, so the number of
    large-enough groups changes by at most one per step: the first cut that reaches
    ``target`` holds exactly ``target``. When no cut does, the cut with the most is returned.
    """
    n = tree.shape[0] + 1
    sizes = np.concatenate([np.ones(n), tree[:, 3]])
    left = tree[:, 0].astype(np.int64)
    right = tree[:, 1].astype(np.int64)
    big = int(n >= min_size)
    best_big, best_groups = big, 1
    groups = 1
    for merge in range(n - 2, -1, -1):
        if best_big >= target:
            break
        big += (
            int(sizes[left[merge]] >= min_size)
            + int(sizes[right[merge]] >= min_size)
            - int(sizes[n + merge] >= min_size)
        )
        groups += 1
        if big > best_big:
            best_big, best_groups = big, groups
    return cut_tree(tree, best_groups), best_groups


def cut_tree(tree: np.ndarray, n_groups: int) -> np.ndarray:
    """Group of each leaf when the last ``n_groups - 1`` merges of a linkage are undone.

    Numbered by the order in which the groups were formed. Pointer jumping over the parent
    array: about log2(depth) vectorised steps instead of scipy's per-merge Python loop.
    """
    n = tree.shape[0] + 1
    n_groups = min(max(n_groups, 1), n)
    existing = n + (n - n_groups)  # nodes 0..existing-1 exist after n - n_groups merges
    parent = np.arange(2 * n - 1)
    merges = np.arange(n - n_groups)
    parent[tree[merges, 0].astype(np.int64)] = n + merges
    parent[tree[merges, 1].astype(np.int64)] = n + merges
    owner = parent[:existing]
    while True:
        jumped = owner[owner]
        if np.array_equal(jumped, owner):
            break
        owner = jumped
    _, labels = np.unique(owner[:n], return_inverse=True)
    return labels


def condensed_tree_cut(condensed_tree: Any, n: int, n_themes: int) -> np.ndarray:
    """Cut HDBSCAN's condensed tree into ``n_themes`` clusters, splitting top-down.

    Clusters split in order of the density (lambda) at which they split, i.e. the cut of
    the cluster hierarchy at one density level; points that left a split cluster before it
    split are outliers (-1), as in HDBSCAN.
    """
    tree = condensed_tree._raw_tree
    is_cluster = tree["child_size"] > 1
    clusters = tree[is_cluster]
    children: dict[int, list[int]] = {}
    split_at: dict[int, float] = {}
    parent_of: dict[int, int] = {}
    for row in clusters:
        parent, child = int(row["parent"]), int(row["child"])
        children.setdefault(parent, []).append(child)
        split_at[parent] = float(row["lambda_val"])
        parent_of[child] = parent
    root = int(tree["parent"].min())
    selected = {root}
    while len(selected) < n_themes:
        splittable = [c for c in selected if c in children]
        if not splittable:
            break
        first = min(splittable, key=lambda c: (split_at[c], c))
        selected.remove(first)
        selected.update(children[first])

    def owner(cluster: int) -> int:
        node = cluster
        while node not in selected and node in parent_of:
            node = parent_of[node]
        return node if node in selected else -1

    index = {c: i for i, c in enumerate(sorted(selected))}
    labels = np.full(n, -1, dtype=np.int64)
    points = tree[~is_cluster]
    for row in points:
        # A point whose cluster lies above the selection fell out before the split: -1.
        found = owner(int(row["parent"]))
        if found >= 0:
            labels[int(row["child"])] = index[found]
    return labels
