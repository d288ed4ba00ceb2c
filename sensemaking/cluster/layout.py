"""The 2-D theme map: every story placed so that similar stories lie close together.

The map is drawn once per theme run and stored with its assignments, so every report of
that run shows the same picture. It is UMAP with two components on the stories' embeddings
(cosine, ``min_dist`` 0.1 so that points of a theme do not collapse onto one spot), seeded;
BERTopic draws its document maps the same way. The map is for reading only: themes are
found in the higher-dimensional reduction, never on the map.

Large corpora: UMAP is fitted on a seeded sample of at most ``max_fit`` stories and the
others are placed with ``transform`` (their nearest fitted neighbours), which keeps time and
memory bounded. Very small corpora (fewer than ``_MIN_UMAP`` stories) are laid out by their
two leading principal components, where UMAP's neighbour graph is too thin to mean much.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sensemaking.cluster.reduce import check_number, configure_numba_cache

__all__ = ["MapLayout", "map_layout"]

logger = logging.getLogger(__name__)

_MIN_UMAP = 30


@dataclass(frozen=True)
class MapLayout:
    """Coordinates of every story on the map, and how they were made.

    Attributes:
        coordinates: ``(n, 2)`` float32, scaled to lie within [-1, 1] on the longer axis.
        method: ``umap`` or ``pca``.
        params: the method's parameters (for the run's manifest).
        seconds: time spent.
    """

    coordinates: np.ndarray
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def _scaled(points: np.ndarray) -> np.ndarray:
    points = points - points.mean(axis=0)
    extent = float(np.abs(points).max()) if points.size else 0.0
    return (points / extent if extent > 0 else points).astype(np.float32)


def _pca(embeddings: np.ndarray) -> np.ndarray:
    centred = embeddings - embeddings.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    points = centred @ vt[:2].T
    # Fix each axis' sign (SVD may flip it) so the same input always gives the same picture.
    signs = np.sign(points[np.abs(points).argmax(axis=0), [0, 1]])
    return points * np.where(signs == 0, 1.0, signs)


def map_layout(
    embeddings: np.ndarray,
    *,
    seed: int = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    max_fit: int = 20_000,
    cache_dir: str | Path | None = None,
) -> MapLayout:
    """Lay the stories out in two dimensions.

    Args:
        embeddings: ``(n, d)`` L2-normalised story vectors.
        seed: UMAP's ``random_state`` and the sample's seed.
        n_neighbors: UMAP's ``n_neighbors``.
        min_dist: UMAP's ``min_dist``.
        max_fit: fit on at most this many stories; place the rest with ``transform``.
        cache_dir: numba compile cache (see :func:`configure_numba_cache`).

    Raises:
        ValueError: a parameter out of range, or fewer than 3 stories.
    """
    check_number("seed", seed, 0, integer=True)
    check_number("n_neighbors", n_neighbors, 2, integer=True)
    check_number("min_dist", min_dist, 0, below=1.0 + 1e-9)
    check_number("max_fit", max_fit, _MIN_UMAP, integer=True)
    x = np.ascontiguousarray(embeddings, dtype=np.float32)
    n = x.shape[0]
    if x.ndim != 2 or n < 3:
        raise ValueError(f"embeddings: need a 2-D array of at least 3 rows, got {x.shape}")
    start = time.perf_counter()
    if n < _MIN_UMAP:
        return MapLayout(_scaled(_pca(x)), "pca", {}, time.perf_counter() - start)
    configure_numba_cache(cache_dir)
    import umap

    params = {"n_neighbors": min(n_neighbors, n - 1), "min_dist": float(min_dist),
              "metric": "cosine", "seed": seed}  # fmt: skip
    reducer = umap.UMAP(
        n_components=2, n_neighbors=params["n_neighbors"], min_dist=float(min_dist),
        metric="cosine", random_state=seed, n_jobs=1,
    )  # fmt: skip
    if n <= max_fit:
        points = reducer.fit_transform(x)
    else:
        rng = np.random.default_rng(seed)
        fit = np.sort(rng.choice(n, size=max_fit, replace=False))
        rest = np.setdiff1d(np.arange(n), fit)
        points = np.empty((n, 2), dtype=np.float32)
        points[fit] = reducer.fit_transform(x[fit])
        logger.info("map: placing %d stories beside the %d fitted ones", len(rest), max_fit)
        points[rest] = reducer.transform(x[rest])
        params["fitted_on"] = max_fit
    return MapLayout(_scaled(np.asarray(points)), "umap", params, time.perf_counter() - start)
