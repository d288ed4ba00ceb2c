"""Theme identity over time: match a new run's themes to the previous run's.

A theme keeps its key (``T3``) from run to run when it holds mostly the same stories. The
match is a Hungarian assignment on a score that combines the Jaccard overlap of the two
themes' stories (the stories both runs saw) and the cosine similarity of their centroids
(which carries the match when most stories are new). Each new theme gets an event:

- ``continued``: it took over an earlier theme's key;
- ``merged``: it holds most of the stories of two or more earlier themes;
- ``split``: it holds a large part of an earlier theme whose key went to another theme;
- ``new``: none of the above.

Earlier themes whose key no theme took, and that did not merge into one, have ``vanished``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MatchResult", "PreviousTheme", "match_themes"]

#: A pair continues a theme when its Jaccard overlap reaches this ...
MIN_JACCARD = 0.3
#: ... or, when the earlier theme's stories are mostly gone, its centroid cosine reaches this.
MIN_COSINE = 0.9
#: Share of an earlier theme's stories that counts as "most of it" (merges) ...
MERGE_SHARE = 0.5
#: ... and as "a large part of it" (splits).
SPLIT_SHARE = 0.25


@dataclass(frozen=True)
class PreviousTheme:
    """A theme of the earlier run: its key, its stories and its centroid."""

    key: str
    members: frozenset[int]
    centroid: np.ndarray


@dataclass
class MatchResult:
    """Keys and events for the new themes, in their order, and what vanished."""

    keys: list[str]
    events: list[str]
    sources: list[list[str]]
    vanished: list[str] = field(default_factory=list)

    def as_events(self) -> list[dict[str, object]]:
        """The run's events as JSON-ready records."""
        out: list[dict[str, object]] = [
            {"event": e, "key": k, "from": s}
            for k, e, s in zip(self.keys, self.events, self.sources, strict=True)
        ]
        out.extend({"event": "vanished", "key": k, "from": [k]} for k in self.vanished)
        return out


def match_themes(
    previous: Sequence[PreviousTheme],
    members: Sequence[frozenset[int]],
    centroids: np.ndarray,
    next_number: int,
) -> MatchResult:
    """Give each new theme a key, continuing earlier keys where the themes are the same.

    Args:
        previous: the earlier run's themes (empty for a first run).
        members: the story ids of each new theme.
        centroids: the new themes' L2-normalised centroids, one row per theme.
        next_number: the number of the next fresh key (``T{next_number}``, counting up).

    Returns:
        keys, events and source keys per new theme, and the vanished earlier keys.
    """
    from scipy.optimize import linear_sum_assignment

    n_new, n_old = len(members), len(previous)
    keys: list[str | None] = [None] * n_new
    events = ["new"] * n_new
    sources: list[list[str]] = [[] for _ in range(n_new)]
    if n_old and n_new:
        seen = set().union(*members)
        surviving = [p.members & seen for p in previous]
        jaccard = np.zeros((n_old, n_new))
        inside = np.zeros((n_old, n_new))  # share of the old theme's surviving stories in j
        for i, old in enumerate(surviving):
            for j, new in enumerate(members):
                shared = len(old & new)
                if shared:
                    jaccard[i, j] = shared / len(old | new)
                    inside[i, j] = shared / len(old)
        old_centroids = np.vstack([p.centroid for p in previous])
        cosine = old_centroids @ np.asarray(centroids).T
        mostly_gone = np.array(
            [len(s) < 0.5 * len(p.members) for s, p in zip(surviving, previous, strict=True)]
        )
        score = 0.7 * jaccard + 0.3 * np.clip(cosine, 0.0, 1.0)
        rows, cols = linear_sum_assignment(-score)
        for i, j in zip(rows, cols, strict=True):
            if jaccard[i, j] >= MIN_JACCARD or (mostly_gone[i] and cosine[i, j] >= MIN_COSINE):
                keys[j] = previous[i].key
                events[j] = "continued"
                sources[j] = [previous[i].key]
        for j in range(n_new):
            merged = [previous[i].key for i in range(n_old) if inside[i, j] >= MERGE_SHARE]
            if len(merged) >= 2:
                events[j], sources[j] = "merged", merged
        taken = {k for k in keys if k is not None}
        for i, old in enumerate(previous):
            parts = [j for j in range(n_new) if inside[i, j] >= SPLIT_SHARE]
            if len(parts) >= 2:
                for j in parts:
                    if keys[j] != old.key and events[j] == "new":
                        events[j], sources[j] = "split", [old.key]
        merged_into = {k for e, s in zip(events, sources, strict=True) if e == "merged" for k in s}
        vanished = [p.key for p in previous if p.key not in taken and p.key not in merged_into]
    else:
        vanished = [p.key for p in previous]
    number = next_number
    final: list[str] = []
    for key in keys:
        if key is None:
            key, number = f"T{number}", number + 1
        final.append(key)
    return MatchResult(final, events, sources, vanished)
