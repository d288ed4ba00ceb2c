"""Reduction: from sentence embeddings to a low-dimensional space where themes separate.

Two reducers share one estimator shape (parameters untouched in ``__init__``, validated in
``fit``, learned state ending in ``_``):

- :class:`SpectralReducer` (the default) builds the k-nearest-neighbour graph of the stories
  (exact cosine neighbours, UMAP's fuzzy weights) and embeds it with the leading
  eigenvectors of its normalised adjacency matrix, weighted by their eigenvalues squared (a
  diffusion map, two random-walk steps). It needs only numpy and scipy and has no JIT to
  compile: on 5,000 stories a cold process pays about 2 s for it, imports included.
- :class:`UMAPReducer` wraps umap-learn (BERTopic's choice). It is kept as an option; umap
  and pynndescent are imported lazily because importing them costs about 4 s (30 s the very
  first time) and UMAP's layout is JIT-compiled by numba on first use in every process.

Numba compile cache: numba writes the compiled code of functions declared ``cache=True`` next
to their source (``__pycache__`` in site-packages) unless ``NUMBA_CACHE_DIR`` names another
folder. :func:`configure_numba_cache` sets ``NUMBA_CACHE_DIR`` to a folder the caller chooses
(e.g. the project's cache folder, for read-only installs); it must run before numba is first
imported in the process, which is why :class:`UMAPReducer` calls it before importing umap.
Only pynndescent's functions are cached this way: most of umap's layout functions are not
declared ``cache=True`` and are compiled again in every new process (measured in
``benchmarks/themes.py``).
"""

from __future__ import annotations

import logging
import math
import os
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "SpectralReducer",
    "UMAPReducer",
    "check_number",
    "configure_numba_cache",
    "knn_graph",
    "make_reducer",
    "membership_weights",
]

logger = logging.getLogger(__name__)

REDUCERS = ("spectral", "umap")
# Rows of the similarity matrix computed at once when searching neighbours: bounds memory
# to _KNN_BLOCK x n floats.
_KNN_BLOCK = 2048


def configure_numba_cache(cache_dir: str | Path | None) -> Path | None:
    """Point numba's compile cache at ``cache_dir`` so later processes skip the JIT.

    Args:
        cache_dir: a folder (created if missing), or None to leave numba's default.

    Returns:
        The cache folder in effect, or None when numba's default is used.

    Numba reads ``NUMBA_CACHE_DIR`` once, when it is first imported; if numba is already
    imported with another setting, the request is logged and ignored. An explicit
    ``NUMBA_CACHE_DIR`` in the environment wins over ``cache_dir``.
    """
    current = os.environ.get("NUMBA_CACHE_DIR")
    if cache_dir is None:
        return Path(current) if current else None
    wanted = Path(cache_dir).expanduser() / "numba"
    if current:
        if Path(current) != wanted:
            logger.info("NUMBA_CACHE_DIR is already %s; keeping it", current)
        return Path(current)
    if "numba" in sys.modules:
        logger.warning("numba is already imported; its cache stays where it was (%s)", wanted)
        return None
    wanted.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(wanted)
    return wanted


def _exact_neighbours(x: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine similarities of each row's nearest rows (itself excluded)."""
    n = x.shape[0]
    indices = np.empty((n, n_neighbors), dtype=np.int64)
    sims = np.empty((n, n_neighbors), dtype=np.float32)
    for start in range(0, n, _KNN_BLOCK):
        stop = min(start + _KNN_BLOCK, n)
        block = x[start:stop] @ x.T
        block[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        part = np.argpartition(-block, n_neighbors - 1, axis=1)[:, :n_neighbors]
        part_sims = np.take_along_axis(block, part, axis=1)
        # Sort each row by similarity, ties by index, so the graph never depends on the
        # order argpartition happened to leave.
        order = np.lexsort((part, -part_sims), axis=1)
        indices[start:stop] = np.take_along_axis(part, order, axis=1)
        sims[start:stop] = np.take_along_axis(part_sims, order, axis=1)
    return indices, sims


def membership_weights(distances: np.ndarray) -> np.ndarray:
    """UMAP's membership strengths: exp(-(d - rho) / sigma), sum = log2(k) per row.

    ``distances``: (n, k) each row's distances to its k nearest neighbours, nearest first
    (``rho`` is the nearest). Returns (n, k) weights in (0, 1], the nearest weighing 1.
    """
    n, k = distances.shape
    rho = distances[:, :1]
    shifted = np.maximum(distances - rho, 0.0)
    target = np.log2(k)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    sigma = np.ones(n)
    for _ in range(64):
        total = np.exp(-shifted / sigma[:, None]).sum(axis=1)
        too_wide = total > target
        hi = np.where(too_wide, sigma, hi)
        lo = np.where(too_wide, lo, sigma)
        sigma = np.where(np.isinf(hi), sigma * 2.0, (lo + hi) / 2.0)
    sigma = np.maximum(sigma, 1e-3 * max(float(distances.mean()), 1e-12))
    return np.exp(-shifted / sigma[:, None])


def knn_graph(embeddings: np.ndarray, n_neighbors: int):
    """The symmetric fuzzy k-nearest-neighbour graph of L2-normalised rows.

    Exact neighbours by cosine similarity (blocked matrix products), UMAP's membership
    weights, and UMAP's fuzzy union ``A + A.T - A * A.T`` to make it symmetric.

    Returns:
        A ``scipy.sparse.csr_matrix`` of shape (n, n) with weights in (0, 1].
    """
    import scipy.sparse as sp

    n = embeddings.shape[0]
    indices, sims = _exact_neighbours(embeddings, n_neighbors)
    distances = np.clip(1.0 - sims.astype(np.float64), 0.0, 2.0)
    weights = membership_weights(distances)
    rows = np.repeat(np.arange(n), n_neighbors)
    graph = sp.csr_matrix((weights.ravel(), (rows, indices.ravel())), shape=(n, n))
    transpose = graph.T.tocsr()
    return (graph + transpose - graph.multiply(transpose)).tocsr()


def _leading_eigenvectors(matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The leading eigenpairs of a symmetric sparse matrix (decreasing), and each row's piece.

    ``k`` eigenpairs for a connected graph, ``k + pieces - 1`` for one in several pieces.

    Solved per connected component of the graph: a graph in c pieces has the eigenvalue 1
    c times, and a Krylov solver (ARPACK) started from one vector cannot be trusted to find
    all of a repeated eigenvalue's vectors. Per piece the leading eigenvalue is simple; the
    pieces' eigenpairs are then merged by eigenvalue. Small pieces are solved densely.
    """
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import eigsh

    n = matrix.shape[0]
    n_pieces, piece_of = connected_components(matrix, directed=False)
    # Each extra piece brings its own eigenvalue 1; keep ``k - 1`` vectors of structure
    # beyond those, or the pieces would fill the embedding and hide what is inside them.
    k = min(k + n_pieces - 1, n - 1)
    rng = np.random.default_rng(seed)
    found_values: list[np.ndarray] = []
    found_vectors: list[tuple[np.ndarray, np.ndarray]] = []
    for piece in range(n_pieces):
        rows = np.flatnonzero(piece_of == piece)
        block = matrix[rows][:, rows]
        wanted = min(k, len(rows))
        if len(rows) <= max(4 * k, 64):
            values, vectors = np.linalg.eigh(block.toarray())
            values, vectors = values[::-1][:wanted], vectors[:, ::-1][:, :wanted]
        else:
            start = rng.uniform(0.5, 1.5, size=len(rows))
            values, vectors = eigsh(block, k=wanted, which="LA", v0=start, tol=1e-8)
        found_values.append(values)
        found_vectors.extend((rows, vectors[:, i]) for i in range(vectors.shape[1]))
    all_values = np.concatenate(found_values)
    order = np.argsort(-all_values, kind="stable")[:k]
    result = np.zeros((n, len(order)))
    for column, index in enumerate(order):
        rows, vector = found_vectors[index]
        result[rows, column] = vector
    return all_values[order], result, piece_of


class SpectralReducer:
    """Diffusion-map embedding of the stories' neighbour graph, rows scaled to unit length.

    The leading ``n_components`` eigenvectors of ``D^-1/2 A D^-1/2`` (``A`` the fuzzy
    k-nearest-neighbour graph), each scaled by its eigenvalue to the power
    ``diffusion_time`` (Coifman and Lafon 2006), give each story coordinates in which the
    graph's communities are compact; scaling each row to unit length (Ng, Jordan and Weiss
    2001) puts the communities about equally far apart. The eigenvalue weighting lets the
    coarse structure (eigenvalues near 1; exactly 1 once per disconnected piece) outweigh
    the fine one, so clearly separated groups are never split along within-group noise.
    The first eigenvector is kept: on a disconnected graph the leading eigenvalue repeats
    and dropping one of its vectors would lose a piece.

    Args:
        n_components: eigenvectors kept (the embedding's dimension).
        n_neighbors: neighbours per story in the graph (as UMAP's ``n_neighbors``).
        diffusion_time: power of the eigenvalues weighting the eigenvectors (0 = none).
        seed: seeds the eigensolver's start vector.

    Attributes:
        embedding_: (n, n_components + n_pieces_ - 1) float64, rows of unit length.
        eigenvalues_: the eigenvalues belonging to the kept eigenvectors, decreasing.
        n_neighbors_: neighbours actually used (capped at n - 1).
        pieces_: (n,) the connected piece of the neighbour graph each story is in.
        n_pieces_: the number of pieces.
    """

    def __init__(
        self,
        n_components: int = 12,
        n_neighbors: int = 15,
        diffusion_time: float = 2.0,
        seed: int = 0,
    ) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.diffusion_time = diffusion_time
        self.seed = seed

    def fit(self, embeddings: np.ndarray) -> SpectralReducer:
        from scipy.sparse import diags

        check_number("n_components", self.n_components, 2, integer=True)
        check_number("n_neighbors", self.n_neighbors, 2, integer=True)
        check_number("seed", self.seed, 0, integer=True)
        check_number("diffusion_time", self.diffusion_time, 0, below=100)
        n = embeddings.shape[0]
        if n < 3:
            raise ValueError(f"embeddings: need at least 3 rows to reduce, got {n}")
        self.n_neighbors_ = min(self.n_neighbors, n - 1)
        graph = knn_graph(np.ascontiguousarray(embeddings, dtype=np.float32), self.n_neighbors_)
        degree = np.asarray(graph.sum(axis=1)).ravel()
        scale = diags(1.0 / np.sqrt(np.maximum(degree, 1e-12)))
        normalised = (scale @ graph @ scale).tocsr()
        values, vectors, self.pieces_ = _leading_eigenvectors(
            normalised, self.n_components, self.seed
        )
        self.n_pieces_ = int(self.pieces_.max()) + 1
        self.eigenvalues_ = values
        vectors = vectors * np.clip(values, 0.0, 1.0) ** float(self.diffusion_time)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.embedding_ = vectors / np.maximum(norms, 1e-12)
        return self

    def fit_transform(self, embeddings: np.ndarray) -> np.ndarray:
        return self.fit(embeddings).embedding_


class UMAPReducer:
    """UMAP (cosine) with BERTopic's settings, seeded; umap is imported on first fit.

    A fixed ``random_state`` makes UMAP single-threaded (umap-learn's rule), so the seed buys
    reproducibility at the cost of parallelism.

    Args:
        n_components: output dimension (BERTopic: 5).
        n_neighbors: UMAP's ``n_neighbors`` (BERTopic: 15).
        min_dist: UMAP's ``min_dist`` (BERTopic: 0.0, packs clusters tightly).
        n_epochs: None for umap's default (500 below 10,000 rows, 200 above).
        seed: UMAP's ``random_state``.
        cache_dir: numba compile cache folder, see :func:`configure_numba_cache`.

    Attributes:
        embedding_: (n, n_components) float32.
    """

    def __init__(
        self,
        n_components: int = 5,
        n_neighbors: int = 15,
        min_dist: float = 0.0,
        n_epochs: int | None = None,
        seed: int = 0,
        cache_dir: str | Path | None = None,
    ) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.n_epochs = n_epochs
        self.seed = seed
        self.cache_dir = cache_dir

    def fit(self, embeddings: np.ndarray) -> UMAPReducer:
        check_number("n_components", self.n_components, 2, integer=True)
        check_number("n_neighbors", self.n_neighbors, 2, integer=True)
        check_number("seed", self.seed, 0, integer=True)
        if self.n_epochs is not None:
            check_number("n_epochs", self.n_epochs, 1, integer=True)
        check_number("min_dist", self.min_dist, 0, below=1.0 + 1e-9)
        n = embeddings.shape[0]
        configure_numba_cache(self.cache_dir)
        import umap

        reducer = umap.UMAP(
            n_neighbors=min(self.n_neighbors, n - 1),
            n_components=min(self.n_components, n - 2),
            min_dist=float(self.min_dist),
            metric="cosine",
            n_epochs=self.n_epochs,
            random_state=self.seed,
            n_jobs=1,
        )
        self.embedding_ = reducer.fit_transform(embeddings)
        return self

    def fit_transform(self, embeddings: np.ndarray) -> np.ndarray:
        return self.fit(embeddings).embedding_


def make_reducer(
    name: str,
    *,
    n_components: int | None,
    n_neighbors: int,
    seed: int,
    cache_dir: str | Path | None = None,
) -> SpectralReducer | UMAPReducer:
    """The reducer called ``name`` ("spectral" or "umap"); None components = its default."""
    if name == "spectral":
        return SpectralReducer(
            n_components=12 if n_components is None else n_components,
            n_neighbors=n_neighbors,
            seed=seed,
        )
    if name == "umap":
        return UMAPReducer(
            n_components=5 if n_components is None else n_components,
            n_neighbors=n_neighbors,
            seed=seed,
            cache_dir=cache_dir,
        )
    raise ValueError(f"reducer must be one of {', '.join(REDUCERS)}; got {name!r}")


def check_number(
    name: str,
    value: object,
    minimum: float,
    *,
    integer: bool = False,
    below: float | None = None,
    optional: bool = False,
) -> None:
    """Raise ValueError naming ``name`` unless ``value`` is a number in range.

    The number must be >= ``minimum`` and, when ``below`` is given, < ``below``; an integer
    when ``integer``; None is accepted when ``optional``.
    """
    if value is None and optional:
        return
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kinds) and not isinstance(value, bool)
    ok = ok and math.isfinite(float(value)) and float(value) >= minimum  # type: ignore[arg-type]
    ok = ok and (below is None or float(value) < below)  # type: ignore[arg-type]
    if not ok:
        kind = "an integer" if integer else "a number"
        limits = f">= {minimum:g}" + (f" and < {below:g}" if below is not None else "")
        extra = " or None" if optional else ""
        raise ValueError(f"{name} must be {kind} {limits}{extra}, got {value!r}")
