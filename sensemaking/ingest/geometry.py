"""Triangle geometry: a dot placed in a triad's triangle and its composition a+b+c=1.

The convention is SenseMaker's, worked out from its CSV exports (which carry both the dot
and the three anchor values of every answer; see ``tests/test_geometry.py``). ``x`` and ``y``
are fractions of the triangle's bounding box, ``y`` grows upwards, and the corners are::

    y = 1              a  (0.5, 1)          first corner  = "top" anchor
                      / \\
                     /   \\
    y = 0           b-----c                 second corner = "left" anchor  (0, 0)
                  x = 0   x = 1             third corner  = "right" anchor (1, 0)

so that ``a = y``, ``b = 1 - x - y/2`` and ``c = x - y/2``. The corners keep the triad's
corner order, which is the order of the anchors in a SenseMaker definition (top, left, right).

In the ADemo export (``_percentX``/``_percentY`` columns) these formulas reproduce the
anchor columns to 7e-16, i.e. to the last bit of a double. Older exports give ``X``/``Y``
on an equilateral triangle of side 1 instead: the same ``x``, but ``Y = y * 0.8660254``
(SenseMaker's rounding of √3/2), see :data:`EQUILATERAL_HEIGHT`.

Example:
    >>> xy_to_composition(0.5, 1.0)
    (1.0, 0.0, 0.0)
    >>> composition_to_xy(0.2, 0.3, 0.5)
    (0.6, 0.2)
"""

from __future__ import annotations

import math

__all__ = [
    "CORNER_XY",
    "EQUILATERAL_HEIGHT",
    "composition_to_xy",
    "xy_to_composition",
]

#: Where the corners lie, in corner order: (top, left, right).
CORNER_XY: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] = (
    (0.5, 1.0),
    (0.0, 0.0),
    (1.0, 0.0),
)

#: The height of an equilateral triangle of side 1, as SenseMaker rounds it in ``X/Y`` exports.
EQUILATERAL_HEIGHT = 0.8660254


def xy_to_composition(x: float, y: float, *, tolerance: float = 1e-6) -> tuple[float, float, float]:
    """The composition ``(a, b, c)`` of a dot at ``(x, y)`` in the triangle.

    Args:
        x: horizontal position, 0 = left edge of the bounding box, 1 = right edge.
        y: vertical position, 0 = base (left and right corners), 1 = top corner.
        tolerance: how far outside the triangle a dot may lie (rounding noise) and still be
            accepted; such a dot is moved onto the edge and the composition renormalised.

    Returns:
        The shares of the top, left and right corner, each in [0, 1], summing to 1.

    Raises:
        ValueError: the point is not finite or lies outside the triangle beyond ``tolerance``.

    Example:
        >>> xy_to_composition(0.25, 0.5)
        (0.5, 0.5, 0.0)
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"the point ({x}, {y}) is not a finite point")
    parts = (y, 1.0 - x - y / 2.0, x - y / 2.0)
    if min(parts) < -tolerance:
        raise ValueError(f"the point ({x}, {y}) lies outside the triangle")
    if min(parts) >= 0.0:
        return parts
    clipped = [max(p, 0.0) for p in parts]
    total = sum(clipped)
    a, b, c = (p / total for p in clipped)
    return a, b, c


def composition_to_xy(a: float, b: float, c: float) -> tuple[float, float]:
    """The dot ``(x, y)`` of a composition; the inverse of :func:`xy_to_composition`.

    The parts are normalised by their sum, so percentages (summing to 100) work as well.

    Args:
        a: share of the first (top) corner.
        b: share of the second (left) corner.
        c: share of the third (right) corner.

    Returns:
        ``(x, y)`` in the triangle's bounding box, ``y`` growing upwards.

    Raises:
        ValueError: a part is negative or not finite, or all parts are zero.

    Example:
        >>> composition_to_xy(0.0, 0.0, 1.0)
        (1.0, 0.0)
    """
    parts = (a, b, c)
    if not all(math.isfinite(p) for p in parts):
        raise ValueError(f"the composition ({a}, {b}, {c}) is not finite")
    if min(parts) < 0.0:
        raise ValueError(f"the composition ({a}, {b}, {c}) has a negative part")
    total = a + b + c
    if total <= 0.0:
        raise ValueError(f"the composition ({a}, {b}, {c}) sums to zero")
    a, c = a / total, c / total
    return c + a / 2.0, a
