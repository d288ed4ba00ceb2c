"""Theme identity over time: keys continue, and merges, splits and new themes are named."""

from __future__ import annotations

import numpy as np

from sensemaking.cluster.matching import PreviousTheme, match_themes


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=float)
    return v / np.linalg.norm(v)


A, B, C, D = unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0), unit(0, 0, 0, 1)
EARLIER = [
    PreviousTheme("T1", frozenset(range(0, 40)), A),
    PreviousTheme("T2", frozenset(range(40, 70)), B),
    PreviousTheme("T3", frozenset(range(70, 90)), C),
]


def test_the_same_themes_keep_their_keys_in_any_order() -> None:
    members = [frozenset(range(70, 90)), frozenset(range(0, 40)), frozenset(range(40, 70))]
    result = match_themes(EARLIER, members, np.vstack([C, A, B]), next_number=4)
    assert result.keys == ["T3", "T1", "T2"]
    assert result.events == ["continued"] * 3 and result.vanished == []


def test_a_round_of_new_stories_keeps_keys_and_adds_a_new_theme() -> None:
    members = [
        frozenset(range(0, 40)) | frozenset(range(100, 110)),
        frozenset(range(40, 70)),
        frozenset(range(70, 90)),
        frozenset(range(110, 125)),  # stories of the new round about something new
    ]
    result = match_themes(EARLIER, members, np.vstack([A, B, C, D]), next_number=4)
    assert result.keys == ["T1", "T2", "T3", "T4"]
    assert result.events == ["continued", "continued", "continued", "new"]


def test_merges_splits_and_vanished_themes_are_recorded() -> None:
    members = [
        frozenset(range(0, 20)),  # first half of T1
        frozenset(range(20, 40)),  # second half of T1
        frozenset(range(40, 90)),  # T2 and T3 together
    ]
    centroids = np.vstack([A, unit(1, 0.2, 0, 0), unit(0, 1, 1, 0)])
    result = match_themes(EARLIER, members, centroids, next_number=4)
    assert result.events[2] == "merged" and sorted(result.sources[2]) == ["T2", "T3"]
    assert result.keys[2] in ("T2", "T3")
    assert sorted(result.events[:2]) == ["continued", "split"]
    assert "T1" in result.keys[:2] and result.sources[result.keys.index("T1") ^ 1] == ["T1"]
    events = {(e["event"], e["key"]) for e in result.as_events()}
    assert ("vanished", "T2") not in events and ("vanished", "T3") not in events


def test_a_theme_whose_stories_are_gone_continues_by_its_centroid() -> None:
    earlier = [PreviousTheme("T7", frozenset(range(10)), A)]
    members = [frozenset(range(100, 130)), frozenset(range(200, 230))]
    result = match_themes(earlier, members, np.vstack([unit(1, 0.1, 0, 0), B]), next_number=8)
    assert result.keys == ["T7", "T8"] and result.events == ["continued", "new"]


def test_a_first_run_numbers_its_themes() -> None:
    result = match_themes([], [frozenset({1}), frozenset({2})], np.vstack([A, B]), next_number=1)
    assert (result.keys, result.events, result.vanished) == (["T1", "T2"], ["new", "new"], [])
