"""The theme model: stories' embeddings in, themes out.

Pipeline (each step timed in ``timings_``):

1. **reduce**: the stories' k-nearest-neighbour graph, embedded spectrally
   (:class:`~sensemaking.cluster.reduce.SpectralReducer`; UMAP as an option).
2. **tree**: Ward's agglomerative merge tree on the reduced space. Every granularity is a cut
   of this one tree, so finer themes nest inside coarser ones. When the neighbour graph is
   in pieces (groups of stories with no neighbour outside), each piece gets its own tree
   and the pieces are merged above them by their centroids in embedding space. (Option:
   HDBSCAN on the reduced space, its own cluster selection as the default cut.)
3. **select**: without ``n_themes``, the cut with the best mean silhouette (cosine distance
   between the stories' own embeddings) among a readable range of theme counts (5 up to 25,
   fewer for small corpora, fewer than 5 only when the neighbour graph itself falls apart
   into fewer pieces); ``granularity`` multiplies that count.
4. **assign**: groups smaller than ``min_theme_size`` are dissolved; each theme gets a unit
   centroid in embedding space and a calibrated similarity threshold, Tukey's lower
   "far out" fence ``Q1 - 3 IQR`` of its own members' cosine similarities to the
   centroid; members below it are outliers ("other", label -1). A story in no theme joins
   the most similar theme whose threshold it passes, otherwise it is "other".
   :meth:`ThemeModel.predict` applies the same rule to new stories. (A percentile
   threshold, e.g. the 5th, would make 5% of every theme "other" by construction; the
   fence flags only stories far from their theme's bulk.)

Corpora larger than ``max_fit_size`` are fitted on a seeded random sample of that size and
the remaining stories are assigned with the predict rule.

Example:
    >>> model = ThemeModel(seed=0).fit(embeddings)  # doctest: +SKIP
    >>> model.n_themes_, model.labels_[:5], model.strengths_[:5]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from sensemaking.cluster.reduce import REDUCERS, check_number, make_reducer
from sensemaking.cluster.tree import (
    centroids,
    condensed_tree_cut,
    count_themes,
    cut_tree,
    cut_with_themes,
    drop_small,
    group_sums,
    ward_tree,
)

__all__ = ["MIN_STORIES", "ThemeModel", "readable_theme_range"]

logger = logging.getLogger(__name__)

MIN_STORIES = 10
CLUSTERERS = ("ward", "hdbscan")
_MAX_READABLE = 25
_MIN_READABLE = 5
# Quantiles kept per theme to turn a similarity into a strength (and into the threshold).
_N_QUANTILES = 101


def readable_theme_range(n_stories: int) -> tuple[int, int]:
    """The theme counts the default may choose from for ``n_stories`` stories.

    Up to 25 themes (what an analyst can read through), never more than sqrt(n) so that a
    small corpus is not cut into crumbs, and at least 5 when the corpus allows it.
    """
    high = max(2, min(_MAX_READABLE, math.isqrt(max(n_stories, 1))))
    return min(_MIN_READABLE, high), high


class ThemeModel:
    """Themes of stories from their precomputed embeddings.

    Args:
        n_themes: exactly this many themes (None: chosen from the data).
        exact_n_themes: with ``n_themes``, fail when the data cannot hold that many themes
            of ``min_theme_size``; False takes as many as they hold, up to ``n_themes``
            (what a stability refit on a subsample needs; Ward only: HDBSCAN's tree cut
            always takes what it holds).
        granularity: with ``n_themes`` None, multiplies the chosen number of themes
            (0.5: about half as many, broader themes; 2: about twice as many, finer ones).
        min_theme_size: smallest theme kept; None scales it with the corpus and the
            granularity: ``max(5, n // 200) / granularity`` (at least 3) of the fitted stories.
        seed: seeds every random step (eigensolver start, UMAP, sampling).
        reducer: "spectral" (default; fast, no JIT) or "umap".
        clusterer: "ward" (default) or "hdbscan" (HDBSCAN on the reduced space).
        n_neighbors: neighbours per story in the reducer's graph.
        n_components: reduced dimension; None is the reducer's default (spectral 12, umap 5).
        max_fit_size: fit on a seeded sample of at most this many stories and assign the
            rest with :meth:`predict` (Ward's tree needs memory quadratic in the stories).
        outlier_fence: Tukey's fence for a theme's outliers: a story belongs to a theme only
            if its cosine similarity to the centroid is at least ``Q1 - outlier_fence * IQR``
            of the theme's own members' similarities (3 is Tukey's "far out"; 1.5 flags more).
        cache_dir: folder for compile caches (numba, only used by the umap reducer).

    Attributes:
        labels_: (n,) int, themes 0..k-1 by decreasing size, -1 for "other".
        strengths_: (n,) float in [0, 1]: the share of the theme's own members that are no
            closer to its centroid than this story (0 for "other").
        n_themes_: the number of themes k.
        centroids_: (k, d) unit vectors, the themes' centres in embedding space.
        thresholds_: (k,) the calibrated cosine similarity a story needs to be in each theme.
        sizes_: (k,) stories per theme.
        params_: the resolved parameters and choices, JSON-serialisable.
        selection_scores_: {number of themes: cosine silhouette} of the candidate cuts
            (empty when ``n_themes`` was given or HDBSCAN selected).
        timings_: seconds per step ("reduce", "tree", "select", "assign", "total").
    """

    def __init__(
        self,
        n_themes: int | None = None,
        granularity: float = 1.0,
        min_theme_size: int | None = None,
        seed: int = 0,
        reducer: str = "spectral",
        clusterer: str = "ward",
        n_neighbors: int = 15,
        n_components: int | None = None,
        max_fit_size: int = 5000,
        outlier_fence: float = 3.0,
        cache_dir: str | Path | None = None,
        exact_n_themes: bool = True,
    ) -> None:
        self.n_themes = n_themes
        self.exact_n_themes = exact_n_themes
        self.granularity = granularity
        self.min_theme_size = min_theme_size
        self.seed = seed
        self.reducer = reducer
        self.clusterer = clusterer
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.max_fit_size = max_fit_size
        self.outlier_fence = outlier_fence
        self.cache_dir = cache_dir

    # -- fitting -------------------------------------------------------------------------

    def fit(self, embeddings: np.ndarray) -> ThemeModel:
        """Find the themes of ``embeddings`` (n x d, one row per story)."""
        start = time.perf_counter()
        x = _check_embeddings(embeddings)
        self._check_params()
        n = x.shape[0]
        rng = np.random.default_rng(self.seed)
        if n > self.max_fit_size:
            fit_rows = np.sort(rng.choice(n, size=self.max_fit_size, replace=False))
        else:
            fit_rows = np.arange(n)
        x_fit = x[fit_rows]
        n_fit = len(fit_rows)
        min_size = self._resolve_min_size(n_fit)
        timings: dict[str, float] = {}

        step = time.perf_counter()
        reducer = make_reducer(
            self.reducer,
            n_components=self.n_components,
            n_neighbors=self.n_neighbors,
            seed=self.seed,
            cache_dir=self.cache_dir,
        )
        reduced = reducer.fit_transform(x_fit)
        pieces = getattr(reducer, "pieces_", np.zeros(n_fit, dtype=np.int64))
        timings["reduce"] = time.perf_counter() - step

        if self.clusterer == "ward":
            raw, chosen = self._ward_themes(x_fit, reduced, min_size, pieces, timings)
        else:
            raw, chosen = self._hdbscan_themes(reduced, min_size, timings)

        step = time.perf_counter()
        fit_labels = self._learn_themes(x_fit, raw, min_size)
        labels = np.full(n, -1, dtype=np.int64)
        labels[fit_rows] = fit_labels
        if n_fit < n:
            rest = np.setdiff1d(np.arange(n), fit_rows)
            labels[rest] = self._assign(x[rest])[0]
        self.labels_ = self._order_by_size(labels)
        self.sizes_ = np.bincount(self.labels_[self.labels_ >= 0], minlength=self.n_themes_)
        self.strengths_ = self._strengths(x, labels)
        timings["assign"] = time.perf_counter() - step
        timings["total"] = time.perf_counter() - start
        self.timings_ = {key: round(value, 4) for key, value in timings.items()}
        self.params_ = {
            "n_themes": self.n_themes,
            "granularity": float(self.granularity),
            "min_theme_size": min_size,
            "seed": int(self.seed),
            "reducer": self.reducer,
            "clusterer": self.clusterer,
            "n_neighbors": int(self.n_neighbors),
            "n_components": (
                int(reduced.shape[1]) if self.n_components is None else int(self.n_components)
            ),
            "max_fit_size": int(self.max_fit_size),
            "outlier_fence": float(self.outlier_fence),
            "n_stories": int(n),
            "n_fitted": int(n_fit),
            "readable_range": list(readable_theme_range(n_fit)),
            "chosen_cut": chosen,
            "n_themes_found": int(self.n_themes_),
        }
        logger.info(
            "themes: %d stories -> %d themes, %.1f%% other, %.2fs",
            n,
            self.n_themes_,
            100.0 * float(np.mean(labels < 0)),
            timings["total"],
        )
        return self

    def fit_predict(self, embeddings: np.ndarray) -> np.ndarray:
        return self.fit(embeddings).labels_

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """Theme of each new story: the most similar theme whose threshold it passes, or -1."""
        return self.assign(embeddings)[0]

    def assign(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels and strengths of new stories under the fitted themes (see :meth:`predict`)."""
        if not hasattr(self, "centroids_"):
            raise ValueError("this ThemeModel is not fitted yet; call fit() first")
        x = _check_embeddings(embeddings, min_rows=1)
        if x.shape[1] != self.centroids_.shape[1]:
            raise ValueError(
                f"embeddings: expected dimension {self.centroids_.shape[1]}, got {x.shape[1]}"
            )
        labels, _ = self._assign(x)
        return labels, self._strengths(x, labels)

    # -- steps -----------------------------------------------------------------------------

    def _ward_themes(
        self,
        x: np.ndarray,
        reduced: np.ndarray,
        min_size: int,
        pieces: np.ndarray,
        timings: dict[str, float],
    ) -> tuple[np.ndarray, int]:
        step = time.perf_counter()
        tree = ward_tree(reduced, x, pieces)
        n_pieces = int(pieces.max()) + 1
        timings["tree"] = time.perf_counter() - step
        step = time.perf_counter()
        n = reduced.shape[0]
        self.selection_scores_: dict[int, float] = {}
        if self.n_themes is not None:
            target = int(self.n_themes)
        else:
            low, high = readable_theme_range(n)
            # Pieces of the neighbour graph that no path joins are themes of their own, even
            # when there are fewer of them than the readable range's lower end.
            if n_pieces >= 2:
                low = min(low, n_pieces)
            high = max(low, min(high, n // min_size))
            counts = list(range(low, high + 1))
            for count in counts:
                score = _cosine_silhouette(x, cut_tree(tree, count))
                self.selection_scores_[count] = round(score, 5)
            best = max(counts, key=lambda count: (self.selection_scores_[count], -count))
            target = max(1, round(best * float(self.granularity)))
        labels, cut = cut_with_themes(tree, target, min_size)
        if (
            self.n_themes is not None
            and self.exact_n_themes
            and count_themes(labels, min_size) != self.n_themes
        ):
            raise ValueError(
                f"n_themes={self.n_themes}: the data only hold "
                f"{count_themes(labels, min_size)} themes of at least {min_size} stories"
            )
        timings["select"] = time.perf_counter() - step
        return drop_small(labels, min_size), cut

    def _hdbscan_themes(
        self, reduced: np.ndarray, min_size: int, timings: dict[str, float]
    ) -> tuple[np.ndarray, int]:
        import hdbscan

        step = time.perf_counter()
        base = max(2, min_size)  # already scaled by the granularity
        model = hdbscan.HDBSCAN(min_cluster_size=base, min_samples=min(base, 10))
        labels = model.fit_predict(reduced)
        timings["tree"] = time.perf_counter() - step
        step = time.perf_counter()
        self.selection_scores_ = {}
        if self.n_themes is not None:
            labels = condensed_tree_cut(model.condensed_tree_, reduced.shape[0], self.n_themes)
            if labels.max() + 1 != self.n_themes:
                logger.warning(
                    "n_themes=%d: HDBSCAN's tree holds %d", self.n_themes, labels.max() + 1
                )
        timings["select"] = time.perf_counter() - step
        return labels, int(labels.max() + 1)

    def _learn_themes(self, x: np.ndarray, raw: np.ndarray, min_size: int) -> np.ndarray:
        """Number themes by size, learn centroids and thresholds, place the unassigned."""
        ids, counts = np.unique(raw[raw >= 0], return_counts=True)
        keep = ids[counts >= min_size]
        if len(keep) == 0:
            raise ValueError(
                f"min_theme_size={min_size}: no theme of that size among {len(raw)} stories"
            )
        first_seen = np.array([np.flatnonzero(raw == i)[0] for i in keep])
        sizes = np.array([np.sum(raw == i) for i in keep])
        order = np.lexsort((first_seen, -sizes))
        labels = np.full(len(raw), -1, dtype=np.int64)
        for new, old in enumerate(keep[order]):
            labels[raw == old] = new
        self._set_themes(x, labels)
        loose = labels < 0
        if loose.any():
            labels[loose] = self._assign(x[loose])[0]
        # A member far outside its theme's bulk is "other"; it is not moved to another
        # theme, since the tree put it where its neighbours are.
        members = np.flatnonzero(labels >= 0)
        own = np.einsum("ij,ij->i", x[members], self.centroids_[labels[members]])
        labels[members[own < self.thresholds_[labels[members]]]] = -1
        return labels

    def _order_by_size(self, labels: np.ndarray) -> np.ndarray:
        """Renumber themes 0..k-1 by decreasing final size (ties: the earlier number first)."""
        sizes = np.bincount(labels[labels >= 0], minlength=self.n_themes_)
        order = np.lexsort((np.arange(self.n_themes_), -sizes))
        if np.array_equal(order, np.arange(self.n_themes_)):
            return labels
        self.centroids_ = self.centroids_[order]
        self.quantiles_ = self.quantiles_[order]
        self.thresholds_ = self.thresholds_[order]
        new_number = np.empty_like(order)
        new_number[order] = np.arange(self.n_themes_)
        return np.where(labels >= 0, new_number[np.maximum(labels, 0)], -1)

    def _set_themes(self, x: np.ndarray, labels: np.ndarray) -> None:
        k = int(labels.max() + 1)
        self.n_themes_ = k
        self.centroids_ = centroids(x, labels, k)
        sims = np.einsum("ij,ij->i", x[labels >= 0], self.centroids_[labels[labels >= 0]])
        grid = np.linspace(0.0, 1.0, _N_QUANTILES)
        member_labels = labels[labels >= 0]
        self.quantiles_ = np.stack([np.quantile(sims[member_labels == j], grid) for j in range(k)])
        q1, q3 = self.quantiles_[:, 25], self.quantiles_[:, 75]
        # The tolerance keeps a theme of identical stories open to its own members.
        self.thresholds_ = q1 - float(self.outlier_fence) * (q3 - q1) - 1e-6

    def _assign(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sims = x @ self.centroids_.T
        passing = np.where(sims >= self.thresholds_[None, :], sims, -np.inf)
        best = np.argmax(passing, axis=1)
        ok = np.isfinite(passing[np.arange(len(x)), best])
        return np.where(ok, best, -1), sims

    def _strengths(self, x: np.ndarray, labels: np.ndarray) -> np.ndarray:
        strengths = np.zeros(len(labels))
        grid = np.linspace(0.0, 1.0, _N_QUANTILES)
        for j in range(self.n_themes_):
            members = labels == j
            if members.any():
                sims = x[members] @ self.centroids_[j]
                strengths[members] = np.interp(sims, self.quantiles_[j], grid)
        return strengths

    # -- validation -----------------------------------------------------------------------

    def _check_params(self) -> None:
        check_number("n_themes", self.n_themes, 1, integer=True, optional=True)
        check_number("granularity", self.granularity, 1e-9)
        check_number("min_theme_size", self.min_theme_size, 1, integer=True, optional=True)
        check_number("seed", self.seed, 0, integer=True)
        check_number("n_neighbors", self.n_neighbors, 2, integer=True)
        check_number("n_components", self.n_components, 2, integer=True, optional=True)
        check_number("max_fit_size", self.max_fit_size, MIN_STORIES, integer=True)
        check_number("outlier_fence", self.outlier_fence, 0)
        if self.reducer not in REDUCERS:
            raise ValueError(f"reducer must be one of {', '.join(REDUCERS)}; got {self.reducer!r}")
        if self.clusterer not in CLUSTERERS:
            raise ValueError(
                f"clusterer must be one of {', '.join(CLUSTERERS)}; got {self.clusterer!r}"
            )

    def _resolve_min_size(self, n_fit: int) -> int:
        if self.min_theme_size is not None:
            return int(self.min_theme_size)
        return max(3, round(max(5, n_fit // 200) / float(self.granularity)))


def _check_embeddings(embeddings: Any, min_rows: int = MIN_STORIES) -> np.ndarray:
    try:
        x = np.asarray(embeddings, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise ValueError(f"embeddings must be a numeric n x d array: {error}") from error
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"embeddings must be a 2-D array n x d with d >= 2, got shape {x.shape}")
    if x.shape[0] < min_rows:
        raise ValueError(f"embeddings: need at least {min_rows} stories, got {x.shape[0]}")
    if not np.isfinite(x).all():
        raise ValueError("embeddings contain NaN or infinite values")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if (norms < 1e-8).any():
        raise ValueError("embeddings contain all-zero rows")
    return x / norms


def _cosine_silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Rousseeuw 1987) of ``labels`` under cosine distance, in O(n k d).

    For unit vectors the mean cosine distance from a story to a group is
    ``1 - x . (sum of the group) / size``, so the exact silhouette needs only the groups'
    sums; it equals ``sklearn.metrics.silhouette_score(x, labels, metric="cosine")``.
    Stories alone in their group score 0, as in scikit-learn.
    """
    ids, labels = np.unique(labels, return_inverse=True)
    k = len(ids)
    if k < 2:
        return -1.0
    sums = group_sums(x, labels, k)
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    sims = x @ sums.T
    rows = np.arange(len(x))
    own_size = sizes[labels]
    within = (own_size - sims[rows, labels]) / np.maximum(own_size - 1.0, 1.0)
    between = 1.0 - sims / sizes[None, :]
    between[rows, labels] = np.inf
    nearest = between.min(axis=1)
    scores = (nearest - within) / np.maximum(np.maximum(within, nearest), 1e-12)
    scores[own_size == 1] = 0.0
    return float(np.mean(scores))
