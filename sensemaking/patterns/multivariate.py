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
dots (the test stays exact for the sample; the centres use every dot), and the relabelling
stops early once the observed statistic is clearly ordinary (Besag & Clifford's sequential
p-value).

**Dyads.** A slider's answers are compared by their means: the difference with a percentile
bootstrap interval and a permutation p-value (random relabellings), with both medians
alongside. Bands say *where* on the slider stories moved; the mean says *whether* they moved,
with one test instead of five. Large groups use the normal limits of the permutation and
bootstrap distributions (see :func:`mean_test`).
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


#: Besag–Clifford: a permutation test stops once this many relabellings reached the observed
#: statistic; the p-value is then this count over the relabellings drawn.
STOP_AFTER_EXCEEDANCES = 20


def _energy_statistics(
    d: np.ndarray, row_sums: np.ndarray, in_a: np.ndarray, n_a: int, n_b: int
) -> np.ndarray:
    """Energy statistics for each row of 0/1 ``in_a`` (1 = group A) over distances ``d``.

    With ``q = a'Da`` and ``s = a'D1`` every sum the statistic needs follows from ``q``:
    between ``s - q``, within B ``1'D1 - 2s + q``; one matrix product per batch.
    """
    q = np.einsum("pn,np->p", in_a, d @ in_a.T)
    s = in_a @ row_sums
    total = row_sums.sum()
    return 2 * (s - q) / (n_a * n_b) - q / n_a**2 - (total - 2 * s + q) / n_b**2


def energy_test(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_permutations: int = 999,
    max_points: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Energy distance between two point clouds and its permutation p-value.

    The relabellings are drawn in batches and stop early once
    :data:`STOP_AFTER_EXCEEDANCES` of them reached the observed statistic (Besag & Clifford
    1991, "Sequential Monte Carlo p-values"): a clear non-shift is settled after a few dozen
    relabellings, a shift still gets all of them. The p-value stays valid either way.

    Args:
        a: ``(n_a, d)`` points of group A (e.g. ilr coordinates).
        b: ``(n_b, d)`` points of group B.
        n_permutations: the most relabellings drawn.
        max_points: larger groups are subsampled to this many points (seeded).
        seed: seeds the subsampling and the relabellings.

    Returns:
        ``(energy, p_value)``: ``p = (1 + #{E* >= E}) / (1 + n_permutations)`` when every
        relabelling was drawn, ``h / L`` when the ``h``-th exceedance came at relabelling ``L``.
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
    squares = (pooled**2).sum(axis=1)
    gram = squares[:, None] + squares[None, :] - 2 * pooled @ pooled.T
    d = np.sqrt(np.maximum(gram, 0.0))
    np.fill_diagonal(d, 0.0)
    row_sums = d.sum(axis=1)
    n_a, n_b = len(a), len(b)
    labels = np.zeros(len(pooled))
    labels[:n_a] = 1.0
    observed = float(_energy_statistics(d, row_sums, labels[None, :], n_a, n_b)[0])
    tolerance = 1e-9 * max(1.0, abs(observed))
    exceed = drawn = 0
    batch = 50
    while drawn < n_permutations:
        size = min(batch, n_permutations - drawn)
        shuffled = rng.permuted(np.tile(labels, (size, 1)), axis=1)
        hits = np.cumsum(
            _energy_statistics(d, row_sums, shuffled, n_a, n_b) >= observed - tolerance
        )
        if exceed + hits[-1] >= STOP_AFTER_EXCEEDANCES:
            stop = int(np.searchsorted(hits, STOP_AFTER_EXCEEDANCES - exceed)) + 1
            return observed, STOP_AFTER_EXCEEDANCES / (drawn + stop)
        exceed += int(hits[-1])
        drawn += size
        batch = 200
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


#: Groups of at least this many values use the normal limits of the resampling distributions.
LARGE_GROUP = 1000


def _bootstrap_means(values: np.ndarray, n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap means of ``values``: resampled, or from their normal limit in a large group."""
    n = len(values)
    if n >= LARGE_GROUP:
        return rng.normal(values.mean(), values.std() / np.sqrt(n), n_bootstrap)
    return values[rng.integers(0, n, (n_bootstrap, n))].mean(axis=1)


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

    The permutation p-value relabels at random, drawing only the smaller group's members
    for each relabelling. When both groups have at least :data:`LARGE_GROUP` values it is
    read from the permutation distribution's normal limit instead: mean 0 and the exact
    permutation variance ``S² N/(N-1) (1/n_a + 1/n_b)``, ``S²`` the pooled values' variance.
    Likewise a large group's bootstrap means are drawn from ``N(mean, s²/n)``, the limit of
    resampling it. At those sizes the limits differ from the resampled values by less than
    the Monte Carlo noise, at a fraction of the cost.

    Returns:
        ``(difference, ci_low, ci_high, p_value)``.
    """
    from scipy.stats import norm

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each group needs at least 2 values")
    rng = np.random.default_rng(seed)
    observed = float(b.mean() - a.mean())
    pooled = np.concatenate([a, b])
    n_a, n_b, n = len(a), len(b), len(pooled)
    if min(n_a, n_b) >= LARGE_GROUP:
        spread = np.sqrt(pooled.var() * n / (n - 1) * (1 / n_a + 1 / n_b))
        p = 1.0 if spread == 0 else float(min(1.0, 2 * norm.sf(abs(observed) / spread)))
    else:
        small = min(n_a, n_b)
        total = pooled.sum()
        picked = np.array([
            pooled[rng.choice(n, small, replace=False, shuffle=False)].sum()
            for _ in range(n_permutations)
        ])  # fmt: skip
        rest = total - picked
        diff = picked / small - rest / (n - small)
        exceed = int((np.abs(diff) >= abs(observed) - 1e-12).sum())
        p = (1 + exceed) / (1 + n_permutations)
    boot = _bootstrap_means(b, n_bootstrap, rng) - _bootstrap_means(a, n_bootstrap, rng)
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
