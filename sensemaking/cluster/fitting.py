"""Themes for a corpus of any size: fitted on a seeded sample, every other story assigned.

A theme run's clustering (reduction, merge tree, the choice of the number of themes, the
seed-to-seed ARI and the per-theme stability refits) costs time and memory that grow with
the stories it sees. Above ``max_fit`` stories it therefore sees a seeded random sample of
``max_fit``, and every other story is assigned with the fitted model's own rule
(:meth:`~sensemaking.cluster.model.ThemeModel.assign`): the theme whose unit centroid is
most similar (cosine) among those whose calibrated threshold the story passes, else
"other". The threshold is the theme's lower outlier fence over its own fitted members'
similarities, the same rule that decides which fitted stories are "other", so the share of
"other" among assigned stories is comparable to that among fitted ones (both are recorded,
see :meth:`FittedThemes.manifest`). A percentile threshold (e.g. the 5th) would have put
5% of every theme into "other" by construction. The strength is the share of the theme's
fitted members that are no closer to its centroid, in [0, 1].

Assignment goes chunk by chunk, so beyond the sample memory grows only with ``n`` times a
few numbers, never with ``n`` times the number of themes or the embedding's dimension.

Example:
    >>> fitted = fit_themes(embeddings, max_fit=50_000, seed=0)  # doctest: +SKIP
    >>> fitted.labels.shape, fitted.sampled, fitted.manifest()["fitted_on"]  # doctest: +SKIP
    ((1000000,), True, 50000)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sensemaking.cluster.model import MIN_STORIES, ThemeModel
from sensemaking.cluster.reduce import check_number
from sensemaking.cluster.stability import adjusted_rand_index, theme_stability
from sensemaking.cluster.tree import group_sums

__all__ = ["ASSIGNED_BY", "FittedThemes", "fit_themes", "member_centroids", "sample_rows"]

#: How the stories outside the sample get their theme (for the run's manifest).
ASSIGNED_BY = (
    "most similar theme centroid (cosine) among the themes whose outlier fence the story "
    "passes (Q1 - 3 IQR of the fitted members' similarities), else other"
)
#: Stories assigned (or summed) per step.
_CHUNK = 1 << 16


def sample_rows(n: int, max_fit: int, seed: int) -> np.ndarray:
    """The sorted rows of a seeded random sample of ``max_fit`` of ``n`` (all when fewer)."""
    if n <= max_fit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_fit, replace=False))


@dataclass(frozen=True)
class FittedThemes:
    """The themes of every story, and what they were fitted on.

    Attributes:
        model: the :class:`ThemeModel` fitted on the sample (its numbering: by size in it).
        sample: sorted rows fitted on (every row when the corpus is not above ``max_fit``).
        n_stories: rows in all.
        labels: ``(n,)`` theme of each story in the model's numbering, -1 for "other".
        strengths: ``(n,)`` in [0, 1] (0 for "other").
        seed_ari: adjusted Rand index between this fit and one with the next seed, on the
            sample.
        stability: ``(k,)`` each theme's stability under refits on subsamples of the sample.
        timings: seconds per step (``cluster``, ``cluster.*``, ``stability``, ``assign``).
    """

    model: ThemeModel
    sample: np.ndarray
    n_stories: int
    labels: np.ndarray
    strengths: np.ndarray
    seed_ari: float
    stability: np.ndarray
    timings: dict[str, float]

    @property
    def sampled(self) -> bool:
        """Whether the themes were fitted on a sample rather than on every story."""
        return len(self.sample) < self.n_stories

    def manifest(self) -> dict[str, Any]:
        """What the run's ``params["sample"]`` records: the sample and how the rest joined.

        ``other_share_fitted`` and ``other_share_assigned`` are the shares of "other" among
        the fitted and the assigned stories: far apart, they would say the rule for the
        rest is not the rule the sample was judged by.
        """
        rest = np.ones(self.n_stories, dtype=bool)
        rest[self.sample] = False
        fitted_other = float(np.mean(self.labels[self.sample] < 0))
        return {
            "fitted_on": len(self.sample),
            "stories": int(self.n_stories),
            "assigned": int(rest.sum()),
            "assigned_by": ASSIGNED_BY,
            "other_share_fitted": round(fitted_other, 5),
            "other_share_assigned": round(float(np.mean(self.labels[rest] < 0)), 5),
            "stability_and_seed_ari_on": "sample",
        }


def fit_themes(
    embeddings: np.ndarray,
    *,
    max_fit: int,
    seed: int = 0,
    n_themes: int | None = None,
    granularity: float = 1.0,
    min_theme_size: int | None = None,
    cache_dir: str | Path | None = None,
    step: Callable[[str], None] | None = None,
) -> FittedThemes:
    """Fit themes on (a sample of) ``embeddings``, score them, and assign every story.

    Args:
        embeddings: ``(n, d)`` the stories' embeddings (only the sample, and one chunk at a
            time of the rest, is ever copied).
        max_fit: fit on a seeded sample of at most this many stories.
        seed: seeds the sample, the model, and the stability refits (the seed-to-seed ARI
            compares with ``seed + 1``).
        n_themes, granularity, min_theme_size: as :class:`ThemeModel`'s.
        cache_dir: numba compile cache (only the umap reducer uses it).
        step: called with ``stability`` and ``assigning`` as those steps start.

    Raises:
        ValueError: a parameter out of range, or themes the data cannot hold (the message
            names the parameter).
    """
    check_number("max_fit", max_fit, MIN_STORIES, integer=True)
    n = len(embeddings)
    asked = {"n_themes": n_themes, "granularity": granularity, "min_theme_size": min_theme_size}
    timings: dict[str, float] = {}
    sample = sample_rows(n, max_fit, seed)
    x = embeddings if len(sample) == n else embeddings[sample]

    start = time.perf_counter()
    model = ThemeModel(seed=seed, cache_dir=cache_dir, **asked).fit(x)
    timings["cluster"] = time.perf_counter() - start
    timings.update({f"cluster.{k}": v for k, v in model.timings_.items()})

    if step is not None:
        step("stability")
    start = time.perf_counter()
    # How much another seed changes the themes (1.0: not at all).
    other_seed = ThemeModel(seed=seed + 1, cache_dir=cache_dir, **asked).fit(x)
    seed_ari = adjusted_rand_index(model.labels_, other_seed.labels_)
    # Refits on subsamples keep the number of themes, so the score is about the themes
    # themselves rather than about how many were chosen. A subsample of a small corpus may
    # not hold them all: the refit then takes what it holds, and the missing ones score low.
    fixed = {**asked, "n_themes": model.n_themes_, "granularity": 1.0, "exact_n_themes": False}
    stability = theme_stability(
        lambda s: ThemeModel(seed=s, cache_dir=cache_dir, **fixed), x, model.labels_, seed=seed
    )
    timings["stability"] = time.perf_counter() - start

    if step is not None:
        step("assigning")
    start = time.perf_counter()
    labels = np.full(n, -1, dtype=np.int64)
    strengths = np.zeros(n)
    labels[sample] = model.labels_
    strengths[sample] = np.clip(model.strengths_, 0.0, 1.0)
    if len(sample) < n:
        rest = np.ones(n, dtype=bool)
        rest[sample] = False
        rest_rows = np.flatnonzero(rest)
        for begin in range(0, len(rest_rows), _CHUNK):
            rows = rest_rows[begin : begin + _CHUNK]
            labels[rows], found = model.assign(embeddings[rows])
            strengths[rows] = np.clip(found, 0.0, 1.0)
    timings["assign"] = time.perf_counter() - start
    return FittedThemes(
        model, sample, n, labels, strengths, float(seed_ari), np.asarray(stability), timings
    )


def member_centroids(embeddings: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """``(k, d)`` unit centroid of each theme 0..k-1 over all its members, chunk by chunk."""
    sums = np.zeros((k, embeddings.shape[1]))
    for begin in range(0, len(labels), _CHUNK):
        sums += group_sums(embeddings[begin : begin + _CHUNK], labels[begin : begin + _CHUNK], k)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
