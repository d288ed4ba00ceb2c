"""Whole signifiers compared: triads by an energy-distance test, dyads by their means.

**Triads.**
Item-by-item zone shares answer "more stories in this corner?"; this test answers "did the
cloud of dots move or change shape at all?", using every dot's exact position. It works in
isometric log-ratio coordinates (:func:`~sensemaking.patterns.compositions.ilr`), where
Euclidean distances respect the simplex, with the energy distance of Székely & Rizzo
(2004): ``2 E|X - Y| - E|X - X'| - E|Y - Y'|``, zero exactly when the two distributions are
equal. Its p-value comes from relabelling the pooled dots at random. The centre's shift is
reported alongside as the two closed geometric means.

Groups larger than ``max_points`` are represented by a seeded random sample of that many
dots (the test stays exact for the sample; the centres use every dot).

**Dyads.** A slider's answers are compared by their means: the difference with a percentile
bootstrap interval and a permutation p-value (random relabellings), with both medians
alongside. Bands say *where* on the slider stories moved; the mean says *whether* they moved,
with one test instead of five.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sensemaking.patterns.compositions import DETECTION_LIMIT, closed_geometric_mean, ilr

__all__ = ["DyadShift", "TriadShift", "dyad_shift", "energy_test", "mean_test", "triad_shift"]


@dataclass(frozen=True)
class TriadShift:
    """How a triad's whole distribution differs between group A and group B.

    Attributes:
        signifier: the triad's id.
        corners: its corner ids, the order of the centres' parts.
        n_a: answered (non-N/A) stories in A; ``None`` when suppressed.
        n_b: answered stories in B.
        centre_a: A's compositional centre (closed geometric mean).
        centre_b: B's centre.
        towards: the corner whose part of the centre grew most from A to B.
        energy: the energy distance between the two clouds in ilr coordinates.
        p_value: its permutation p-value.
        p_adjusted: Benjamini–Hochberg across the triads of one comparison (set by the caller).
        verdict: ``shifted``, ``no_clear_shift`` or ``suppressed``.
    """

    signifier: str
    corners: tuple[str, str, str]
    n_a: int | None
    n_b: int | None
    centre_a: tuple[float, float, float] | None
    centre_b: tuple[float, float, float] | None
    towards: str | None
    energy: float | None
    p_value: float | None
    p_adjusted: float | None
    verdict: str


def _energy_from_distances(d: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Energy statistics for each column of 0/1 ``labels`` (1 = group B) over distances ``d``."""
    b = labels.astype(float)
    a = 1.0 - b
    n_b = b.sum(axis=0)
    n_a = a.sum(axis=0)
    db = d @ b
    da = d @ a
    between = (a * db).sum(axis=0) / (n_a * n_b)
    within_a = (a * da).sum(axis=0) / (n_a * n_a)
    within_b = (b * db).sum(axis=0) / (n_b * n_b)
    return 2 * between - within_a - within_b


def energy_test(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_permutations: int = 999,
    max_points: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Energy distance between two point clouds and its permutation p-value.

    Args:
        a: ``(n_a, d)`` points of group A (e.g. ilr coordinates).
        b: ``(n_b, d)`` points of group B.
        n_permutations: random relabellings.
        max_points: larger groups are subsampled to this many points (seeded).
        seed: seeds the subsampling and the relabellings.

    Returns:
        ``(energy, p_value)`` with ``p = (1 + #{E* >= E}) / (1 + n_permutations)``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each group needs at least 2 points")
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be positive, got {n_permutations}")
    rng = np.random.default_rng(seed)
    if len(a) > max_points:
        a = a[rng.choice(len(a), max_points, replace=False)]
    if len(b) > max_points:
        b = b[rng.choice(len(b), max_points, replace=False)]
    pooled = np.vstack([a, b])
    diff = pooled[:, None, :] - pooled[None, :, :]
    d = np.sqrt((diff**2).sum(axis=-1))
    labels = np.zeros((len(pooled), 1))
    labels[len(a) :, 0] = 1
    observed = float(_energy_from_distances(d, labels)[0])
    exceed = 0
    chunk = 200
    for start in range(0, n_permutations, chunk):
        size = min(chunk, n_permutations - start)
        perm = np.argsort(rng.random((len(pooled), size)), axis=0)
        shuffled = labels[perm[:, :], 0]
        exceed += int((_energy_from_distances(d, shuffled) >= observed - 1e-12).sum())
    return observed, (1 + exceed) / (1 + n_permutations)


def triad_shift(
    signifier: str,
    corners: Sequence[str],
    a: np.ndarray,
    b: np.ndarray,
    *,
    storytellers_a: int | None = None,
    storytellers_b: int | None = None,
    min_group: int = 5,
    n_permutations: int = 999,
    delta: float = DETECTION_LIMIT,
    seed: int = 0,
) -> TriadShift:
    """Compare two groups' answers to one triad as whole distributions.

    Args:
        signifier: the triad's id.
        corners: its three corner ids.
        a: ``(n_a, 3)`` compositions of group A (N/A answers left out).
        b: ``(n_b, 3)`` compositions of group B.
        storytellers_a: distinct storytellers behind ``a`` (default: one per row).
        storytellers_b: distinct storytellers behind ``b``.
        min_group: the smallest group of storytellers ever shown.
        n_permutations: relabellings of the energy test.
        delta: the zero-replacement detection limit.
        seed: seeds the test.

    Returns:
        A :class:`TriadShift`; ``p_adjusted`` equals ``p_value`` until the caller adjusts
        across triads, and the verdict uses ``p_value < 0.05`` until then.
    """
    corner_ids = (str(corners[0]), str(corners[1]), str(corners[2]))
    a = np.asarray(a, dtype=float).reshape(-1, 3)
    b = np.asarray(b, dtype=float).reshape(-1, 3)
    people_a = len(a) if storytellers_a is None else storytellers_a
    people_b = len(b) if storytellers_b is None else storytellers_b
    if min(people_a, people_b) < min_group or min(len(a), len(b)) < 2:
        return TriadShift(signifier, corner_ids, *([None] * 8), "suppressed")
    centre_a = closed_geometric_mean(a, delta)
    centre_b = closed_geometric_mean(b, delta)
    energy, p = energy_test(ilr(a, delta), ilr(b, delta), n_permutations=n_permutations,
                            seed=seed)  # fmt: skip
    return TriadShift(
        signifier, corner_ids, len(a), len(b),
        tuple(float(v) for v in centre_a),  # type: ignore[arg-type]
        tuple(float(v) for v in centre_b),  # type: ignore[arg-type]
        corner_ids[int(np.argmax(centre_b - centre_a))], energy, p, p,
        "shifted" if p < 0.05 else "no_clear_shift",
    )  # fmt: skip


@dataclass(frozen=True)
class DyadShift:
    """How a dyad's answers differ between group A and group B.

    Attributes:
        signifier: the dyad's id.
        n_a: answered (non-N/A) stories in A; ``None`` when suppressed.
        n_b: answered stories in B.
        mean_a: A's mean position (0 = first pole, 1 = second).
        mean_b: B's mean.
        median_a: A's median.
        median_b: B's median.
        difference: ``mean_b - mean_a``.
        ci_low: the interval's lower end.
        ci_high: its upper end.
        p_value: the permutation p-value of the difference.
        p_adjusted: Benjamini–Hochberg across the comparison's whole-signifier tests.
        verdict: ``higher`` (B nearer the second pole), ``lower``, ``no_clear_shift`` or
            ``suppressed``.
    """

    signifier: str
    n_a: int | None
    n_b: int | None
    mean_a: float | None
    mean_b: float | None
    median_a: float | None
    median_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    verdict: str


def mean_test(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_permutations: int = 999,
    n_bootstrap: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float, float]:
    """Difference of means ``b - a``: its bootstrap interval and permutation p-value.

    Returns:
        ``(difference, ci_low, ci_high, p_value)``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each group needs at least 2 values")
    rng = np.random.default_rng(seed)
    observed = float(b.mean() - a.mean())
    pooled = np.concatenate([a, b])
    n_a = len(a)
    exceed = 0
    for start in range(0, n_permutations, 500):
        size = min(500, n_permutations - start)
        perm = np.argsort(rng.random((size, len(pooled))), axis=1)
        shuffled = pooled[perm]
        diff = shuffled[:, n_a:].mean(axis=1) - shuffled[:, :n_a].mean(axis=1)
        exceed += int((np.abs(diff) >= abs(observed) - 1e-12).sum())
    p = (1 + exceed) / (1 + n_permutations)
    boot = b[rng.integers(0, len(b), (n_bootstrap, len(b)))].mean(axis=1) - a[
        rng.integers(0, n_a, (n_bootstrap, n_a))
    ].mean(axis=1)
    low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return observed, float(low), float(high), p


def dyad_shift(
    signifier: str,
    a: np.ndarray,
    b: np.ndarray,
    *,
    storytellers_a: int | None = None,
    storytellers_b: int | None = None,
    min_group: int = 5,
    n_permutations: int = 999,
    n_bootstrap: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> DyadShift:
    """Compare two groups' answers to one dyad (values in [0, 1], N/A left out)."""
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    people_a = len(a) if storytellers_a is None else storytellers_a
    people_b = len(b) if storytellers_b is None else storytellers_b
    if min(people_a, people_b) < min_group or min(len(a), len(b)) < 2:
        return DyadShift(signifier, *([None] * 11), "suppressed")
    diff, low, high, p = mean_test(a, b, n_permutations=n_permutations,
                                   n_bootstrap=n_bootstrap, alpha=alpha, seed=seed)  # fmt: skip
    clear = p < alpha and (low > 0 or high < 0)
    return DyadShift(
        signifier, len(a), len(b), float(a.mean()), float(b.mean()), float(np.median(a)),
        float(np.median(b)), diff, low, high, p, p,
        ("higher" if diff > 0 else "lower") if clear else "no_clear_shift",
    )  # fmt: skip
