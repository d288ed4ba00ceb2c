"""Comparing two groups of stories item by item: shares, uncertainty, a verdict in words.

An *item* is anything a story has or has not: a triad zone, a dyad band, a choice option,
a theme. Each group is a 0/1 matrix (stories × items; a multi-select question can mark
several options of one story). For every item the comparison gives both shares, their
difference ``share_b - share_a`` with a percentile bootstrap confidence interval, a
two-sided permutation p-value, and the Benjamini–Hochberg adjusted p-value across all items
of the comparison. The verdict is ``more_of`` (group B has more) or ``fewer_of`` only when
the adjusted p-value is below ``alpha`` *and* the interval excludes 0; otherwise
``no_clear_difference``. A group with fewer storytellers than ``min_group`` is never shown:
all its items are ``suppressed`` and carry no numbers.

Under no real difference, Benjamini–Hochberg keeps the chance of *any* call in a comparison
at ``alpha`` (false discovery rate equals family-wise error when every item is null).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ItemComparison", "benjamini_hochberg", "compare_items"]

VERDICTS = ("more_of", "fewer_of", "no_clear_difference", "suppressed")


@dataclass(frozen=True)
class ItemComparison:
    """One item of a comparison of group A (e.g. the earlier round) with group B."""

    signifier: str
    item: str
    share_a: float | None
    share_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    verdict: str


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (step-up, monotone, capped at 1)."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def compare_items(
    a: np.ndarray,
    b: np.ndarray,
    items: Sequence[tuple[str, str]],
    *,
    storytellers_a: int | None = None,
    storytellers_b: int | None = None,
    min_group: int = 5,
    alpha: float = 0.05,
    n_permutations: int = 2000,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> list[ItemComparison]:
    """Compare two groups' item shares.

    Args:
        a: (n_a, m) 0/1 indicators of group A's stories.
        b: (n_b, m) 0/1 indicators of group B's stories.
        items: (signifier, item) names of the m columns.
        storytellers_a: distinct storytellers in A (default: one per story).
        storytellers_b: distinct storytellers in B (default: one per story).
        min_group: the smallest group of storytellers ever shown.
        alpha: the false discovery rate of the verdicts.
        n_permutations: permutations for the p-values.
        n_bootstrap: resamples for the confidence intervals.
        seed: seeds both.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    m = len(items)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != m or b.shape[1] != m:
        raise ValueError(
            f"a and b must be (n, {m}) indicator matrices, got {a.shape} and {b.shape}"
        )
    people_a = len(a) if storytellers_a is None else storytellers_a
    people_b = len(b) if storytellers_b is None else storytellers_b
    if min(people_a, people_b) < min_group or len(a) == 0 or len(b) == 0:
        return [ItemComparison(s, i, *([None] * 7), "suppressed") for s, i in items]
    rng = np.random.default_rng(seed)
    share_a, share_b = a.mean(axis=0), b.mean(axis=0)
    observed = share_b - share_a
    pooled = np.vstack([a, b])
    n_a, n = len(a), len(a) + len(b)
    extreme = np.zeros(m)
    for _ in range(n_permutations):
        perm = rng.permutation(n)
        diff = pooled[perm[n_a:]].mean(axis=0) - pooled[perm[:n_a]].mean(axis=0)
        extreme += np.abs(diff) >= np.abs(observed) - 1e-12
    p = (extreme + 1) / (n_permutations + 1)
    boot = np.empty((n_bootstrap, m))
    for r in range(n_bootstrap):
        boot[r] = b[rng.integers(0, len(b), len(b))].mean(axis=0) - a[
            rng.integers(0, n_a, n_a)
        ].mean(axis=0)
    low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    adjusted = benjamini_hochberg(p)
    out = []
    for k, (signifier, item) in enumerate(items):
        clear = adjusted[k] < alpha and (low[k] > 0 or high[k] < 0)
        verdict = ("more_of" if observed[k] > 0 else "fewer_of") if clear else "no_clear_difference"
        out.append(
            ItemComparison(
                signifier, item, float(share_a[k]), float(share_b[k]), float(observed[k]),
                float(low[k]), float(high[k]), float(p[k]), float(adjusted[k]), verdict,
            )
        )  # fmt: skip
    return out
