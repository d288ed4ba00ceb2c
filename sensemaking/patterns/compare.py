"""Comparing two groups of stories item by item: shares, uncertainty, a verdict in words.

An *item* is anything a story has or has not: a triad zone, a dyad band, a choice option,
a theme. Items come in *blocks*, one per signifier: a block holds, for the stories of each
group that answered that signifier, a 0/1 matrix (stories × items; a multi-select question
can mark several options of one story). For every item the comparison gives both shares,
their difference ``share_b - share_a`` with a percentile bootstrap confidence interval, an
exact two-sided permutation p-value, and the Benjamini–Hochberg adjusted p-value across all
items of all blocks of the comparison.

**Permutation p-value.** For a 0/1 item, shuffling the group labels keeps the total count
of stories with the item, so the count in group B follows a hypergeometric distribution:
the permutation test has an exact closed form (Fisher's exact test with the
distance-from-expected two-sided rule) and needs no random draws. It is exact for any group
size, including the small groups where the normal approximation misleads.

**Bootstrap interval.** Resampling a group's stories with replacement makes an item's count
binomial, so the percentile bootstrap of the difference is drawn as two binomials per item
(the same distribution as resampling rows, at a fraction of the cost).

**Verdict.** ``more_of`` (group B has more) or ``fewer_of`` only when the adjusted p-value is
below ``alpha`` *and* the interval excludes 0; otherwise ``no_clear_difference``. Under no
real difference, Benjamini–Hochberg keeps the chance of *any* call in a comparison at about
``alpha`` (false discovery rate equals family-wise error when every item is null).

**Small groups.** A block where either group has fewer storytellers than ``min_group`` is
never shown: its items are ``suppressed`` and carry no numbers, and they take no part in the
adjustment.

Stories are treated as independent draws; a storyteller who told several stories in one
group counts once towards ``min_group`` but every story counts in the shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "VERDICTS",
    "ItemBlock",
    "ItemComparison",
    "benjamini_hochberg",
    "compare_blocks",
    "compare_items",
    "permutation_p_values",
]

#: Every verdict an item can get.
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
    n_a: int | None = None
    n_b: int | None = None


@dataclass(frozen=True)
class ItemBlock:
    """One signifier's items for the two groups' stories that answered it.

    Attributes:
        signifier: the signifier id (or ``"themes"``).
        items: the item names of the columns (``corner:vuxna``, ``band:3`` …).
        a: ``(n_a, m)`` 0/1 indicators of group A's answering stories.
        b: ``(n_b, m)`` 0/1 indicators of group B's answering stories.
        storytellers_a: distinct storytellers behind ``a`` (default: one per story).
        storytellers_b: distinct storytellers behind ``b`` (default: one per story).
    """

    signifier: str
    items: Sequence[str]
    a: np.ndarray
    b: np.ndarray
    storytellers_a: int | None = None
    storytellers_b: int | None = None


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


def permutation_p_values(
    count_a: np.ndarray, n_a: int, count_b: np.ndarray, n_b: int
) -> np.ndarray:
    """Exact two-sided permutation p-values of 0/1 items between two groups.

    Args:
        count_a: stories of group A with each item.
        n_a: stories in group A.
        count_b: stories of group B with each item.
        n_b: stories in group B.

    Returns:
        For each item, the probability under random relabelling of a difference in shares at
        least as far from zero as the observed one.
    """
    from scipy.stats import hypergeom

    count_a = np.asarray(count_a, dtype=np.int64)
    count_b = np.asarray(count_b, dtype=np.int64)
    total = n_a + n_b
    k = count_a + count_b
    expected = k * n_b / total
    distance = np.abs(count_b - expected)
    # the difference in shares is linear in B's count, so "at least as far from zero" means
    # B's count at most `low` or at least `high`: two tail sums, exact and cheap at any size
    low = np.floor(expected - distance + 1e-9)
    high = np.ceil(expected + distance - 1e-9)
    p = hypergeom.cdf(low, total, k, n_b) + hypergeom.sf(high - 1, total, k, n_b)
    return np.where(low >= high, 1.0, np.minimum(p, 1.0))


def _suppressed(signifier: str, items: Sequence[str]) -> list[ItemComparison]:
    return [ItemComparison(signifier, item, *([None] * 7), "suppressed") for item in items]


def compare_blocks(
    blocks: Sequence[ItemBlock],
    *,
    min_group: int = 5,
    alpha: float = 0.05,
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> list[ItemComparison]:
    """Compare two groups block by block, adjusting across every shown item.

    Args:
        blocks: one :class:`ItemBlock` per signifier.
        min_group: the smallest group of storytellers ever shown.
        alpha: the false discovery rate of the verdicts and the interval's error rate.
        n_bootstrap: resamples for the confidence intervals.
        seed: seeds the bootstrap (the p-values are exact).

    Returns:
        One :class:`ItemComparison` per item, in block and item order.

    Raises:
        ValueError: a block's matrices do not match its items, or a bad parameter.
    """
    if min_group < 1:
        raise ValueError(f"min_group must be at least 1, got {min_group}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    if n_bootstrap < 100:
        raise ValueError(f"n_bootstrap must be at least 100, got {n_bootstrap}")
    rng = np.random.default_rng(seed)
    shown: list[tuple[ItemBlock, dict[str, np.ndarray]]] = []
    for block in blocks:
        m = len(block.items)
        a = np.asarray(block.a, dtype=float).reshape(-1, m) if m else np.zeros((0, 0))
        b = np.asarray(block.b, dtype=float).reshape(-1, m) if m else np.zeros((0, 0))
        if a.shape[1:] != (m,) or b.shape[1:] != (m,):
            raise ValueError(
                f"block {block.signifier!r}: a and b must be (n, {m}) indicator matrices, "
                f"got {np.shape(block.a)} and {np.shape(block.b)}"
            )
        people_a = len(a) if block.storytellers_a is None else block.storytellers_a
        people_b = len(b) if block.storytellers_b is None else block.storytellers_b
        if min(people_a, people_b) < min_group or len(a) == 0 or len(b) == 0:
            shown.append((block, {}))
            continue
        n_a, n_b = len(a), len(b)
        count_a, count_b = a.sum(axis=0), b.sum(axis=0)
        share_a, share_b = count_a / n_a, count_b / n_b
        boot = (
            rng.binomial(n_b, share_b, (n_bootstrap, m)) / n_b
            - rng.binomial(n_a, share_a, (n_bootstrap, m)) / n_a
        )
        low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
        stats = {
            "share_a": share_a, "share_b": share_b, "low": low, "high": high,
            "p": permutation_p_values(count_a, n_a, count_b, n_b),
            "n": np.array([n_a, n_b]),
        }  # fmt: skip
        shown.append((block, stats))
    all_p = np.concatenate([s["p"] for _, s in shown if s] or [np.zeros(0)])
    adjusted = iter(benjamini_hochberg(all_p))
    out: list[ItemComparison] = []
    for block, s in shown:
        if not s:
            out.extend(_suppressed(block.signifier, block.items))
            continue
        for k, item in enumerate(block.items):
            diff = float(s["share_b"][k] - s["share_a"][k])
            p_adj = float(next(adjusted))
            clear = p_adj < alpha and (s["low"][k] > 0 or s["high"][k] < 0)
            verdict = ("more_of" if diff > 0 else "fewer_of") if clear else "no_clear_difference"
            out.append(
                ItemComparison(
                    block.signifier, item, float(s["share_a"][k]), float(s["share_b"][k]), diff,
                    float(s["low"][k]), float(s["high"][k]), float(s["p"][k]), p_adj, verdict,
                    int(s["n"][0]), int(s["n"][1]),
                )
            )  # fmt: skip
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
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> list[ItemComparison]:
    """Compare two groups' item shares when every story answered every item's signifier.

    Args:
        a: ``(n_a, m)`` 0/1 indicators of group A's stories.
        b: ``(n_b, m)`` 0/1 indicators of group B's stories.
        items: ``(signifier, item)`` names of the m columns.
        storytellers_a: distinct storytellers in A (default: one per story).
        storytellers_b: distinct storytellers in B (default: one per story).
        min_group: the smallest group of storytellers ever shown.
        alpha: the false discovery rate of the verdicts.
        n_bootstrap: resamples for the confidence intervals.
        seed: seeds the bootstrap.

    Example:
        >>> a = np.array([[1, 0]] * 30 + [[0, 1]] * 70)
        >>> b = np.array([[1, 0]] * 60 + [[0, 1]] * 40)
        >>> [r.verdict for r in compare_items(a, b, [("kansla", "option:positiv"),
        ...                                          ("kansla", "option:negativ")])]
        ['more_of', 'fewer_of']
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    m = len(items)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != m or b.shape[1] != m:
        raise ValueError(
            f"a and b must be (n, {m}) indicator matrices, got {a.shape} and {b.shape}"
        )
    # one block per item keeps each item's own signifier name; the adjustment spans them all
    blocks = [
        ItemBlock(sig, [item], a[:, [k]], b[:, [k]], storytellers_a, storytellers_b)
        for k, (sig, item) in enumerate(items)
    ]
    return compare_blocks(blocks, min_group=min_group, alpha=alpha, n_bootstrap=n_bootstrap,
                          seed=seed)  # fmt: skip
