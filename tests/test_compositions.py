"""Compositional statistics of triad answers: zones, centre, ilr, density; zeros never dropped."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sensemaking.patterns.compositions import (
    ZoneRules,
    closed_geometric_mean,
    ilr,
    ilr_inverse,
    replace_zeros,
    simplex_density,
    zone_names,
    zones,
)


def compositions(rows: list[tuple[float, float, float]]) -> np.ndarray:
    return np.array(rows, dtype=float)


def test_zones_follow_the_documented_thresholds() -> None:
    x = compositions([
        (0.6, 0.2, 0.2),  # corner 0 at exactly the threshold
        (0.1, 0.85, 0.05),  # corner 1
        (0.0, 0.0, 1.0),  # corner 2, a dot in the very corner
        (1 / 3, 1 / 3, 1 / 3),  # centre
        (0.46, 0.3, 0.24),  # centre: all within [0.2, 0.47]
        (0.5, 0.3, 0.2),  # edge 0-1: 0.5 is above the centre's 0.47
        (0.45, 0.1, 0.45),  # edge 0-2 (0.1 is below the centre's 0.2)
        (0.0, 0.5, 0.5),  # edge 1-2, on the edge itself
    ])  # fmt: skip
    assert zones(x).tolist() == [0, 1, 2, 3, 3, 4, 5, 6]
    names = zone_names(("vuxna", "kompisar", "jag"))
    assert [names[z] for z in zones(x)][:6] == [
        "corner:vuxna", "corner:kompisar", "corner:jag", "centre", "centre", "edge:vuxna-kompisar",
    ]  # fmt: skip
    stricter = ZoneRules(corner=0.7)
    assert zones(x[:1], stricter).tolist() == [4]  # (0.6, 0.2, 0.2) is no longer a corner


def test_bad_rules_and_bad_compositions_are_refused() -> None:
    with pytest.raises(ValueError, match="corner"):
        ZoneRules(corner=0.3)
    with pytest.raises(ValueError, match="sum to 1"):
        zones(compositions([(0.5, 0.5, 0.5)]))
    with pytest.raises(ValueError, match="N/A"):
        zones(compositions([(np.nan, 0.5, 0.5)]))


def test_the_closed_geometric_mean_by_hand() -> None:
    # sqrt(0.5*0.2), sqrt(0.3*0.3), sqrt(0.2*0.5) = 0.316228, 0.3, 0.316228; their sum 0.932456.
    centre = closed_geometric_mean(compositions([(0.5, 0.3, 0.2), (0.2, 0.3, 0.5)]))
    assert centre == pytest.approx([0.339134, 0.321731, 0.339134], abs=1e-6)
    assert closed_geometric_mean(compositions([(0.2, 0.3, 0.5)] * 4)) == pytest.approx(
        [0.2, 0.3, 0.5]
    )


def test_zeros_are_replaced_never_dropped() -> None:
    x = compositions([(1.0, 0.0, 0.0), (0.0, 0.5, 0.5), (0.2, 0.3, 0.5)])
    replaced = replace_zeros(x)
    assert replaced.shape == x.shape and (replaced > 0).all()
    assert replaced.sum(axis=1) == pytest.approx(np.ones(3))
    assert replaced[0] == pytest.approx([0.998, 0.001, 0.001])
    assert replaced[2] == pytest.approx([0.2, 0.3, 0.5])  # rows without zeros are unchanged
    centre = closed_geometric_mean(x)
    assert np.isfinite(centre).all() and centre.sum() == pytest.approx(1.0)


unit_rows = arrays(np.float64, (12, 3), elements=st.floats(0.0, 1.0)).filter(
    lambda a: (a.sum(axis=1) > 1e-3).all()
)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(unit_rows)
def test_ilr_round_trips_and_the_centre_is_permutation_equivariant(raw: np.ndarray) -> None:
    x = raw / raw.sum(axis=1, keepdims=True)
    assert ilr_inverse(ilr(x)) == pytest.approx(replace_zeros(x), abs=1e-9)
    swapped = closed_geometric_mean(x[:, [2, 0, 1]])
    assert swapped == pytest.approx(closed_geometric_mean(x)[[2, 0, 1]], abs=1e-12)
    assert set(zones(x).tolist()) <= set(range(7))


def test_the_density_peaks_where_the_answers_are() -> None:
    rng = np.random.default_rng(0)
    x = rng.dirichlet([8, 2, 2], size=200)
    grid, density = simplex_density(x, resolution=20)
    assert grid.shape[0] == density.shape[0] == 231 and density.max() == pytest.approx(1.0)
    assert grid[np.argmax(density)][0] > 0.5  # the peak lies towards the first corner
    with pytest.raises(ValueError, match="3 distinct"):
        simplex_density(compositions([(0.2, 0.3, 0.5)] * 5))
