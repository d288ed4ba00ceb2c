"""The 2-D theme map: every story placed so that similar stories lie close together.

The map is drawn once per theme run and stored with its assignments, so every report of
that run shows the same picture. It is UMAP with two components on the stories' embeddings
(cosine, ``min_dist`` 0.1 so that points of a theme do not collapse onto one spot), seeded;
BERTopic draws its document maps the same way. The map is for reading only: themes are
found in the higher-dimensional reduction, never on the map.

Large corpora: UMAP is fitted on a seeded sample of at most ``max_fit`` stories. Every other
story is placed at the weighted mean of the map positions of its ``n_neighbors`` nearest
fitted stories in embedding space (exact cosine neighbours, UMAP's membership weights, so
the nearest counts most), plus a small seeded jitter so that identical texts do not hide
behind one dot. That weighted mean is where UMAP's own ``transform`` starts each new point
before refining it with further epochs of gradient descent. Measured on 100,000 generated
stories (80,000 placed; ``benchmarks/scale.py --compare-map``), the mean took 10 s against
``transform``'s 17 s and kept neighbourhoods better (trustworthiness 0.925 against 0.906,
UMAP's own fitted points 0.929; 98.1% against 95.7% of placed stories among fitted stories
of their own theme); placing 980,000 stories took 90 s. The neighbours are searched in
chunks (:func:`nearest_rows`), so memory stays bounded whatever the corpus size.
``placement="transform"`` keeps UMAP's transform. Very small corpora (fewer than
``_MIN_UMAP`` stories) are laid out by their two leading principal components, where UMAP's
neighbour graph is too thin to mean much.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sensemaking.cluster.reduce import check_number, configure_numba_cache, membership_weights

__all__ = ["PLACEMENTS", "MapLayout", "map_layout", "nearest_rows"]

logger = logging.getLogger(__name__)

_MIN_UMAP = 30
#: How the stories that UMAP was not fitted on are placed.
PLACEMENTS = ("neighbours", "transform")
#: Similarities held at once while searching neighbours (32 MB of float32).
_SIMILARITY_BUDGET = 1 << 23
#: Reference rows per group in the top-k search (see :func:`nearest_rows`).
_GROUP = 16
#: Stories placed per step (their neighbour lists: 15 MB).
_PLACE_CHUNK = 1 << 16
#: The placement jitter's standard deviation, as a share of the fitted map's extent.
_JITTER = 0.003


@dataclass(frozen=True)
class MapLayout:
    """Coordinates of every story on the map, and how they were made.

    Attributes:
        coordinates: ``(n, 2)`` float32, scaled to lie within [-1, 1] on the longer axis.
        method: ``umap`` or ``pca``.
        params: the method's parameters (for the run's manifest).
        seconds: time spent.
        timings: seconds per step (``fit``, ``place``).
        fitted_rows: the sorted rows UMAP was fitted on when the others were placed, else
            None.
    """

    coordinates: np.ndarray
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    fitted_rows: np.ndarray | None = None


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


def nearest_rows(
    queries: np.ndarray, reference: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's ``k`` most similar reference rows (dot product), most similar first.

    Exact, and several times faster than ``argpartition`` over every reference row: the
    reference rows are dealt into groups (row ``r`` into group ``r % n_groups``), and the
    ``k`` most similar rows always lie in the ``k`` groups with the highest maxima (a row
    outside them is beaten by those ``k`` maxima), so only those groups are searched.
    Queries are taken in chunks, so at most about 32 MB of similarities exist at once.
    Equal similarities may come in either order; the same input always gives the same
    answer.

    Args:
        queries: ``(q, d)`` rows, e.g. L2-normalised embeddings.
        reference: ``(m, d)`` rows to search.
        k: neighbours per query, at most ``m``.

    Returns:
        ``(q, k)`` indices into ``reference`` and ``(q, k)`` float32 similarities.
    """
    m = reference.shape[0]
    if not 1 <= k <= m:
        raise ValueError(f"k must lie in [1, {m}] (the reference rows), got {k}")
    n_groups = -(-m // _GROUP)
    grouped = n_groups >= 2 * k
    padded = np.zeros((n_groups * _GROUP if grouped else m, reference.shape[1]), np.float32)
    padded[:m] = reference
    # candidate i of a query is row i // k of group best[i % k]: this row of the reference
    rank = (np.arange(_GROUP * k) // k)[None, :] * n_groups
    indices = np.empty((len(queries), k), dtype=np.int64)
    similarities = np.empty((len(queries), k), dtype=np.float32)
    step = max(1, _SIMILARITY_BUDGET // len(padded))
    for start in range(0, len(queries), step):
        sims = np.asarray(queries[start : start + step], dtype=np.float32) @ padded.T
        sims[:, m:] = -np.inf
        c = sims.shape[0]
        if grouped:
            groups = sims.reshape(c, _GROUP, n_groups)
            best = np.argpartition(groups.max(axis=1), n_groups - k, axis=1)[:, n_groups - k :]
            candidates = groups[
                np.arange(c)[:, None, None], np.arange(_GROUP)[None, :, None], best[:, None, :]
            ].reshape(c, _GROUP * k)
            columns = rank + np.tile(best, (1, _GROUP))
        else:
            candidates, columns = sims, np.broadcast_to(np.arange(m), sims.shape)
        top = np.argpartition(candidates, candidates.shape[1] - k, axis=1)[:, -k:]
        top_sims = np.take_along_axis(candidates, top, axis=1)
        top_columns = np.take_along_axis(columns, top, axis=1)
        order = np.lexsort((top_columns, -top_sims), axis=1)
        indices[start : start + c] = np.take_along_axis(top_columns, order, axis=1)
        similarities[start : start + c] = np.take_along_axis(top_sims, order, axis=1)
    return indices, similarities


def _place(
    x: np.ndarray, fit: np.ndarray, fitted: np.ndarray, rest: np.ndarray, k: int, seed: int
) -> np.ndarray:
    """Map positions of the ``rest`` rows of ``x``: the membership-weighted mean of the
    positions of their ``k`` nearest ``fit`` rows (at ``fitted``), plus a seeded jitter."""
    reference = x[fit]
    extent = float(np.abs(fitted - fitted.mean(axis=0)).max()) or 1.0
    rng = np.random.default_rng(seed)
    out = np.empty((len(rest), 2), dtype=np.float32)
    for start in range(0, len(rest), _PLACE_CHUNK):
        rows = rest[start : start + _PLACE_CHUNK]
        neighbours, sims = nearest_rows(x[rows], reference, k)
        weights = membership_weights(np.clip(1.0 - sims.astype(np.float64), 0.0, 2.0))
        points = np.einsum("ij,ijk->ik", weights, fitted[neighbours])
        points /= weights.sum(axis=1, keepdims=True)
        out[start : start + len(rows)] = points + rng.normal(0.0, _JITTER * extent, points.shape)
    return out


def map_layout(
    embeddings: np.ndarray,
    *,
    seed: int = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    max_fit: int = 20_000,
    placement: str = "neighbours",
    cache_dir: str | Path | None = None,
) -> MapLayout:
    """Lay the stories out in two dimensions.

    Args:
        embeddings: ``(n, d)`` L2-normalised story vectors.
        seed: UMAP's ``random_state``, the sample's and the jitter's seed.
        n_neighbors: UMAP's ``n_neighbors``, and the fitted neighbours a placed story is
            put among.
        min_dist: UMAP's ``min_dist``.
        max_fit: fit on at most this many stories and place the rest.
        placement: ``neighbours`` (the weighted mean of the nearest fitted stories'
            positions) or ``transform`` (UMAP's ``transform``; slow on large corpora).
        cache_dir: numba compile cache (see :func:`configure_numba_cache`).

    Raises:
        ValueError: a parameter out of range, or fewer than 3 stories.
    """
    check_number("seed", seed, 0, integer=True)
    check_number("n_neighbors", n_neighbors, 2, integer=True)
    check_number("min_dist", min_dist, 0, below=1.0 + 1e-9)
    check_number("max_fit", max_fit, _MIN_UMAP, integer=True)
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}; got {placement!r}")
    x = np.ascontiguousarray(embeddings, dtype=np.float32)
    n = x.shape[0]
    if x.ndim != 2 or n < 3:
        raise ValueError(f"embeddings: need a 2-D array of at least 3 rows, got {x.shape}")
    start = time.perf_counter()
    if n < _MIN_UMAP:
        return MapLayout(_scaled(_pca(x)), "pca", {}, time.perf_counter() - start)
    configure_numba_cache(cache_dir)
    import umap

    params: dict[str, Any] = {"n_neighbors": min(n_neighbors, n - 1), "min_dist": float(min_dist),
                              "metric": "cosine", "seed": seed}  # fmt: skip
    reducer = umap.UMAP(
        n_components=2, n_neighbors=params["n_neighbors"], min_dist=float(min_dist),
        metric="cosine", random_state=seed, n_jobs=1,
    )  # fmt: skip
    timings: dict[str, float] = {}
    fit = None
    if n <= max_fit:
        points = reducer.fit_transform(x)
        timings["fit"] = time.perf_counter() - start
    else:
        rng = np.random.default_rng(seed)
        fit = np.sort(rng.choice(n, size=max_fit, replace=False))
        rest = np.setdiff1d(np.arange(n), fit)
        points = np.empty((n, 2), dtype=np.float32)
        points[fit] = reducer.fit_transform(x[fit])
        timings["fit"] = time.perf_counter() - start
        logger.info("map: placing %d stories beside the %d fitted ones", len(rest), max_fit)
        if placement == "transform":
            points[rest] = reducer.transform(x[rest])
        else:
            k = params["n_neighbors"]
            points[rest] = _place(x, fit, points[fit], rest, k, seed)
            params["jitter"] = _JITTER
        timings["place"] = time.perf_counter() - start - timings["fit"]
        params["fitted_on"] = max_fit
        params["placed"] = placement
        params["placed_stories"] = len(rest)
    seconds = time.perf_counter() - start
    return MapLayout(_scaled(np.asarray(points)), "umap", params, seconds, timings, fit)
