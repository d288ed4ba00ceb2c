"""Triangle geometry: dot <-> composition, and that the convention is SenseMaker's."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensemaking.ingest.geometry import (
    CORNER_XY,
    EQUILATERAL_HEIGHT,
    composition_to_xy,
    xy_to_composition,
)

DATA = Path(__file__).parents[2] / "shared" / "data" / "sensemaker_demo"
ADEMO_TRIADS = (
    "dee85953-7226-45c5-9add-c146e5f4096f",
    "5d5594cd-7244-4c23-a8eb-c44e220bc177",
    "579be782-038d-4d71-92d5-1cbff91ac2fc",
    "25055cfd-2b03-44af-a80e-2bfd62e455cc",
    "085f37d9-5819-4cc0-8538-e05ff0bd0e2c",
)

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@pytest.mark.parametrize(
    ("xy", "composition"),
    [((0.5, 1.0), (1.0, 0.0, 0.0)), ((0.0, 0.0), (0.0, 1.0, 0.0)), ((1.0, 0.0), (0.0, 0.0, 1.0))],
)
def test_corners(xy: tuple[float, float], composition: tuple[float, float, float]) -> None:
    assert xy_to_composition(*xy) == pytest.approx(composition, abs=1e-12)
    assert composition_to_xy(*composition) == pytest.approx(xy, abs=1e-12)
    assert xy in CORNER_XY


def test_centre_and_edge_midpoints() -> None:
    assert composition_to_xy(1 / 3, 1 / 3, 1 / 3) == pytest.approx((0.5, 1 / 3))
    assert xy_to_composition(0.5, 0.0) == pytest.approx((0.0, 0.5, 0.5))
    assert xy_to_composition(0.25, 0.5) == pytest.approx((0.5, 0.5, 0.0))
    assert xy_to_composition(0.75, 0.5) == pytest.approx((0.5, 0.0, 0.5))


@pytest.mark.parametrize(
    "xy", [(0.0, 1.0), (1.0, 1.0), (0.5, -0.1), (0.5, 1.1), (-0.01, 0.0), (0.2, 0.5)]
)
def test_outside_the_triangle_raises(xy: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="lies outside the triangle"):
        xy_to_composition(*xy)


def test_not_finite_raises() -> None:
    with pytest.raises(ValueError, match="not a finite point"):
        xy_to_composition(math.nan, 0.5)


def test_within_tolerance_is_clipped_onto_the_edge() -> None:
    a, b, c = xy_to_composition(0.5, 1.0 + 5e-7)
    assert min(a, b, c) >= 0.0
    assert a + b + c == pytest.approx(1.0, abs=1e-15)
    assert (a, b, c) == pytest.approx((1.0, 0.0, 0.0), abs=1e-6)
    assert xy_to_composition(0.5, 1.001, tolerance=0.01) == pytest.approx((1.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        xy_to_composition(0.5, 1.001)


def test_composition_to_xy_normalises_and_validates() -> None:
    assert composition_to_xy(20, 30, 50) == pytest.approx((0.6, 0.2))
    with pytest.raises(ValueError, match="negative"):
        composition_to_xy(-0.1, 0.6, 0.5)
    with pytest.raises(ValueError, match="sums to zero"):
        composition_to_xy(0, 0, 0)
    with pytest.raises(ValueError, match="not finite"):
        composition_to_xy(math.inf, 0, 0)


@given(unit, unit, unit)
def test_composition_round_trip(a: float, b: float, c: float) -> None:
    total = a + b + c
    if total < 1e-6:
        return
    expected = (a / total, b / total, c / total)
    x, y = composition_to_xy(a, b, c)
    assert 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0
    back = xy_to_composition(x, y)
    assert back == pytest.approx(expected, abs=1e-9)
    assert sum(back) == pytest.approx(1.0, abs=1e-12)


@given(unit, unit)
def test_point_round_trip(height: float, across: float) -> None:
    y = height
    x = y / 2 + across * (1 - y)  # inside the triangle at this height
    composition = xy_to_composition(x, y)
    assert min(composition) >= 0.0
    assert composition_to_xy(*composition) == pytest.approx((x, y), abs=1e-9)


def test_the_convention_is_sensemakers() -> None:
    """Every dot of the ADemo export reproduces its three anchor columns."""
    export = DATA / "ADemo_Data.csv"
    if not export.exists():
        pytest.skip(f"the SenseMaker demo data is not at {export}")
    with export.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    checked, outside, worst = 0, [], 0.0
    for triad in ADEMO_TRIADS:
        x_col, y_col = header.index(f"{triad}_percentX"), header.index(f"{triad}_percentY")
        anchors = [
            i
            for i, name in enumerate(header)
            if name.startswith(triad + "_") and not name.endswith(("_percentX", "_percentY", "_NA"))
        ]
        assert len(anchors) == 3
        for row in rows:
            if not row[x_col]:
                continue
            x, y = float(row[x_col]), float(row[y_col])
            expected = [float(row[i]) for i in anchors]
            if min(expected) < 0:  # the dot lies just outside the triangle
                outside.append(min(expected))
                with pytest.raises(ValueError):
                    xy_to_composition(x, y)
                got = xy_to_composition(x, y, tolerance=0.01)
                assert got == pytest.approx([max(e, 0) / 1.000896 for e in expected], abs=1e-5)
                continue
            got = xy_to_composition(x, y)
            worst = max(worst, *(abs(g - e) for g, e in zip(got, expected, strict=True)))
            checked += 1
    assert checked == 123 + 117 + 128 + 109 + 121 - 1
    assert outside == [pytest.approx(-0.00089616435371414)]
    assert worst < 1e-12


def test_equilateral_layout_height() -> None:
    # Older exports give Y on a triangle of side 1; SenseMaker rounds √3/2 to 7 decimals.
    assert abs(EQUILATERAL_HEIGHT - math.sqrt(3) / 2) < 1e-7
    # ADemo fragment c9a49500: Y 0.4713324079646018 (R layout) vs. top anchor 0.5442477876106195.
    assert abs(0.4713324079646018 / EQUILATERAL_HEIGHT - 0.5442477876106195) < 1e-12
