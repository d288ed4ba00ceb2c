"""How stable are the themes: across seeds, and theme by theme under resampling.

Two measures:

- :func:`seed_ari`: the adjusted Rand index between the labels of the same fit run with
  different seeds (1 = identical partitions, 0 = no better than chance). "Other" (-1) counts
  as one more group.
- :func:`theme_stability`: per theme, the mean over ``n_runs`` refits on random subsamples
  (without replacement, ``sample_fraction`` of the stories, each refit with its own seed) of
  the best Jaccard similarity between the theme's sampled members and any theme of the
  refit. This is Hennig's (2007) cluster-wise stability ("clusterboot") with subsetting
  instead of the bootstrap, so no story is counted twice. Hennig's reading: below 0.5 the
  theme dissolves, 0.6-0.75 it is a pattern worth a look, above 0.85 it is highly stable.

Both accept any estimator with ``fit(embeddings)`` and ``labels_``, so they work for
:class:`~sensemaking.cluster.model.ThemeModel` with any settings and for baselines.

Example:
    >>> model = ThemeModel(seed=0).fit(x)  # doctest: +SKIP
    >>> theme_stability(
    ...     lambda seed: ThemeModel(n_themes=model.n_themes_, seed=seed), x, model.labels_
    ... )  # doctest: +SKIP
    array([0.97, 0.91, ..., 0.58])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["adjusted_rand_index", "seed_ari", "theme_stability"]

logger = logging.getLogger(__name__)


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Hubert and Arabie's adjusted Rand index of two labelings of the same items.

    Same value as ``sklearn.metrics.adjusted_rand_score`` without importing scikit-learn.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"labels must be two 1-D arrays of one length, got {a.shape}, {b.shape}")
    n = a.size
    if n < 2:
        return 1.0
    _, a_ids = np.unique(a, return_inverse=True)
    _, b_ids = np.unique(b, return_inverse=True)
    table = np.zeros((a_ids.max() + 1, b_ids.max() + 1), dtype=np.int64)
    np.add.at(table, (a_ids, b_ids), 1)

    def pairs(counts: np.ndarray) -> float:
        counts = counts.astype(np.float64)
        return float(np.sum(counts * (counts - 1) / 2.0))

    together = pairs(table)
    rows = pairs(table.sum(axis=1))
    cols = pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2.0)
    best = (rows + cols) / 2.0
    if best == expected:
        return 1.0
    return (together - expected) / (best - expected)


def seed_ari(
    fit_fn: Callable[[np.ndarray, int], np.ndarray],
    embeddings: np.ndarray,
    seeds: Sequence[int] = (0, 1),
) -> float:
    """Mean pairwise adjusted Rand index of ``fit_fn(embeddings, seed)`` over ``seeds``.

    Args:
        fit_fn: returns one label per row for a seed, e.g.
            ``lambda x, s: ThemeModel(seed=s).fit(x).labels_``.
        embeddings: the stories' embeddings.
        seeds: at least two seeds.

    Returns:
        The mean ARI over all pairs of seeds, 1.0 when every seed gives the same partition.
    """
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError(f"seeds: need at least two seeds, got {seeds!r}")
    runs = [np.asarray(fit_fn(embeddings, int(seed))) for seed in seeds]
    scores = [
        adjusted_rand_index(runs[i], runs[j])
        for i in range(len(runs))
        for j in range(i + 1, len(runs))
    ]
    return float(np.mean(scores))


def theme_stability(
    model_factory: Callable[[int], Any],
    embeddings: np.ndarray,
    labels: np.ndarray,
    n_runs: int = 3,
    sample_fraction: float = 0.8,
    seed: int = 0,
) -> np.ndarray:
    """Per-theme stability in [0, 1]: mean best Jaccard match over refits on subsamples.

    Args:
        model_factory: builds an unfitted estimator for a seed; it is fitted on each subsample
            and its ``labels_`` read back (-1 = other, never a match).
        embeddings: (n, d) the stories' embeddings.
        labels: (n,) the themes to score, 0..k-1, -1 for other.
        n_runs: number of refits (each costs one fit on ``sample_fraction`` of the stories).
        sample_fraction: share of stories in each subsample, in (0, 1).
        seed: seeds the subsamples; refit ``r`` gets seed ``seed + 1 + r``.

    Returns:
        (k,) float array; entry j is theme j's stability (0 when it was never sampled).
    """
    labels = np.asarray(labels)
    x = np.asarray(embeddings)
    if labels.ndim != 1 or x.ndim != 2 or labels.shape[0] != x.shape[0]:
        raise ValueError(
            f"labels: need one label per embedding row, got {labels.shape} for {x.shape}"
        )
    if isinstance(n_runs, bool) or not isinstance(n_runs, int | np.integer) or n_runs < 1:
        raise ValueError(f"n_runs must be a positive integer, got {n_runs!r}")
    if not 0.0 < float(sample_fraction) < 1.0:
        raise ValueError(f"sample_fraction must lie in (0, 1), got {sample_fraction!r}")
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if k == 0:
        return np.zeros(0)
    n = x.shape[0]
    size = max(2, round(sample_fraction * n))
    rng = np.random.default_rng(seed)
    scores = np.zeros((n_runs, k))
    seen = np.zeros((n_runs, k), dtype=bool)
    for run in range(n_runs):
        rows = np.sort(rng.choice(n, size=size, replace=False))
        refit = np.asarray(model_factory(seed + 1 + run).fit(x[rows]).labels_)
        reference = labels[rows]
        scores[run], seen[run] = _best_jaccard(reference, refit, k)
    counted = seen.sum(axis=0)
    stability = np.where(counted > 0, scores.sum(axis=0) / np.maximum(counted, 1), 0.0)
    logger.debug("theme stability over %d runs: %s", n_runs, np.round(stability, 3))
    return stability


def _best_jaccard(
    reference: np.ndarray, refit: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best Jaccard of each reference theme with any refit theme, and which were present."""
    in_reference = reference >= 0
    in_refit = refit >= 0
    m = int(refit.max()) + 1 if in_refit.any() else 0
    ref_sizes = np.bincount(reference[in_reference], minlength=k)
    present = ref_sizes > 0
    if m == 0:
        return np.zeros(k), present
    refit_sizes = np.bincount(refit[in_refit], minlength=m)
    both = in_reference & in_refit
    table = np.zeros((k, m), dtype=np.int64)
    np.add.at(table, (reference[both], refit[both]), 1)
    union = ref_sizes[:, None] + refit_sizes[None, :] - table
    jaccard = np.where(union > 0, table / np.maximum(union, 1), 0.0)
    return jaccard.max(axis=1), present
