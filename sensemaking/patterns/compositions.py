"""Triad answers as compositions: zones, the compositional centre, ilr coordinates, density.

Pure functions on ``(n, 3)`` arrays of compositions (rows of non-negative shares summing to
1, in the triad's corner order); no database needed. N/A answers are not compositions:
callers keep them apart and count them separately.

**Zones.** Each answer falls in one of seven zones: a *corner* when that corner's share is
at least ``corner`` (default 0.6); the *centre* when all three shares lie within
``centre`` (default [0.2, 0.47]); otherwise the *edge* between its two largest corners
(ties go to the earlier corner).

**Zeros.** Log-ratios need positive parts, and a dot placed exactly in a corner or on an
edge has zeros. They are never dropped: parts below the detection limit ``delta``
(default 0.001, about a pixel of a drawn triangle) are replaced by ``delta`` and the other
parts shrunk so the row still sums to 1 (multiplicative replacement, Martín-Fernández et
al. 2003). A dot in a corner therefore counts as (0.998, 0.001, 0.001): as far towards the
corner as the instrument can tell, and still part of the centre and the ilr statistics.

**Centre.** The closed geometric mean: the componentwise geometric mean of the (zero-
replaced) rows, rescaled to sum to 1. It is the centre of a compositional data set in the
sense of Aitchison geometry; the arithmetic mean is pulled towards whichever corner has
outliers.

**ilr.** Isometric log-ratio coordinates with the pivot basis
``z1 = sqrt(2/3) ln(a / sqrt(b c))``, ``z2 = sqrt(1/2) ln(b / c)``: Euclidean statistics
(distances, tests, densities) on them respect the simplex.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DETECTION_LIMIT",
    "ZoneRules",
    "closed_geometric_mean",
    "ilr",
    "ilr_inverse",
    "replace_zeros",
    "simplex_density",
    "zone_names",
    "zones",
]

#: Shares below this count as zero (see the module docstring).
DETECTION_LIMIT = 0.001
_SQRT_2_3 = np.sqrt(2.0 / 3.0)
_SQRT_1_2 = np.sqrt(0.5)


@dataclass(frozen=True)
class ZoneRules:
    """Thresholds of the seven zones (documented defaults; configurable per project)."""

    corner: float = 0.6
    centre_low: float = 0.2
    centre_high: float = 0.47

    def __post_init__(self) -> None:
        if not 1 / 3 < self.corner <= 1:
            raise ValueError(f"corner must lie in (1/3, 1], got {self.corner}")
        if not 0 <= self.centre_low < 1 / 3 < self.centre_high < self.corner:
            raise ValueError(
                "centre_low < 1/3 < centre_high < corner is needed, got "
                f"{self.centre_low}, {self.centre_high}, {self.corner}"
            )


def _check(compositions: np.ndarray) -> np.ndarray:
    x = np.asarray(compositions, dtype=float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"compositions must have shape (n, 3), got {x.shape}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("compositions must be finite and non-negative (keep N/A answers apart)")
    sums = x.sum(axis=1)
    if (np.abs(sums - 1) > 1e-6).any():
        raise ValueError("every composition must sum to 1")
    return x


def zones(compositions: np.ndarray, rules: ZoneRules | None = None) -> np.ndarray:
    """The zone of each composition as an int: 0–2 corners, 3 centre, 4–6 edges.

    Edges are numbered 4 = corners 0–1, 5 = corners 0–2, 6 = corners 1–2.
    """
    rules = rules or ZoneRules()
    x = _check(compositions)
    out = np.empty(len(x), dtype=np.int64)
    top = np.argmax(x, axis=1)  # ties: the earlier corner
    corner = x[np.arange(len(x)), top] >= rules.corner
    centre = ((x >= rules.centre_low) & (x <= rules.centre_high)).all(axis=1)
    order = np.argsort(-x, axis=1, kind="stable")
    first, second = np.minimum(order[:, 0], order[:, 1]), np.maximum(order[:, 0], order[:, 1])
    edge = np.select([(first == 0) & (second == 1), (first == 0) & (second == 2)], [4, 5], 6)
    out[:] = edge
    out[centre] = 3
    out[corner] = top[corner]
    return out


def zone_names(corner_ids: tuple[str, str, str]) -> list[str]:
    """Item names of the zones, in :func:`zones` order (``corner:<id>``, ``centre``, ``edge:…``)."""
    a, b, c = corner_ids
    return [f"corner:{a}", f"corner:{b}", f"corner:{c}", "centre", f"edge:{a}-{b}", f"edge:{a}-{c}",
            f"edge:{b}-{c}"]  # fmt: skip


def replace_zeros(compositions: np.ndarray, delta: float = DETECTION_LIMIT) -> np.ndarray:
    """Multiplicative replacement: parts below ``delta`` become ``delta``, the rest shrink."""
    if not 0 < delta < 1 / 3:
        raise ValueError(f"delta must lie in (0, 1/3), got {delta}")
    x = _check(compositions)
    small = x < delta
    n_small = small.sum(axis=1, keepdims=True)
    big_total = np.where(small, 0.0, x).sum(axis=1, keepdims=True)
    scale = (1 - n_small * delta) / np.where(big_total == 0, 1.0, big_total)
    return np.where(small, delta, x * scale)


def closed_geometric_mean(compositions: np.ndarray, delta: float = DETECTION_LIMIT) -> np.ndarray:
    """The compositional centre of the rows (after zero replacement), summing to 1."""
    x = replace_zeros(compositions, delta)
    if len(x) == 0:
        raise ValueError("the centre of no compositions is undefined")
    g = np.exp(np.log(x).mean(axis=0))
    return g / g.sum()


def ilr(compositions: np.ndarray, delta: float = DETECTION_LIMIT) -> np.ndarray:
    """Isometric log-ratio coordinates ``(n, 2)`` of the rows (after zero replacement)."""
    x = replace_zeros(compositions, delta)
    a, b, c = np.log(x).T
    return np.column_stack([_SQRT_2_3 * (a - (b + c) / 2), _SQRT_1_2 * (b - c)])


def ilr_inverse(coordinates: np.ndarray) -> np.ndarray:
    """Compositions ``(n, 3)`` from ilr coordinates ``(n, 2)``."""
    z = np.asarray(coordinates, dtype=float)
    la = z[:, 0] / _SQRT_2_3 * 2 / 3
    lb = -la / 2 + z[:, 1] * _SQRT_1_2
    lc = -la / 2 - z[:, 1] * _SQRT_1_2
    logs = np.column_stack([la, lb, lc])
    e = np.exp(logs - logs.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def simplex_density(
    compositions: np.ndarray, resolution: int = 40, delta: float = DETECTION_LIMIT
) -> tuple[np.ndarray, np.ndarray]:
    """A density of the answers over the triangle, for contour plots.

    A Gaussian kernel density estimate in ilr coordinates (so it respects the simplex),
    evaluated on a triangular grid of points ``resolution`` steps per side.

    Returns:
        ``(grid, density)``: grid compositions ``(m, 3)`` and the density at each, scaled so
        that its maximum is 1 (relative heights are what a contour plot needs).

    Raises:
        ValueError: fewer than 3 distinct answers (no density can be estimated).
    """
    from scipy.stats import gaussian_kde

    z = ilr(compositions, delta)
    if len(np.unique(np.round(z, 9), axis=0)) < 3:
        raise ValueError("a density needs at least 3 distinct answers")
    steps = np.arange(resolution + 1)
    i, j = np.meshgrid(steps, steps, indexing="ij")
    keep = (i + j) <= resolution
    a, b = i[keep] / resolution, j[keep] / resolution
    grid = np.column_stack([a, b, 1 - a - b])
    grid = np.clip(grid, 0, 1)
    grid /= grid.sum(axis=1, keepdims=True)
    try:
        density = gaussian_kde(z.T)(ilr(grid, delta).T)
    except np.linalg.LinAlgError:  # all answers on one line: widen by a little jitter
        jitter = np.random.default_rng(0).normal(0, 1e-3, z.shape)
        density = gaussian_kde((z + jitter).T)(ilr(grid, delta).T)
    return grid, density / density.max()
