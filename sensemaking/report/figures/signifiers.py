"""Figures of one signifier in one group: a triad's dots and density, its centre moving
between rounds, a dyad's answers in bands round by round."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sensemaking.patterns.compositions import ilr
from sensemaking.report.figures.style import (
    look,
    new_figure,
    plain,
    short,
    theme_colour,
    wrapped,
)

__all__ = ["centre_path", "density_contours", "dyad_bands", "ternary"]

_H = np.sqrt(3) / 2
#: Levels of the density contours, as shares of the density's maximum.
LEVELS = (0.25, 0.5, 0.75)


def _to_xy(abc: np.ndarray) -> np.ndarray:
    """Barycentric (a top, b bottom left, c bottom right) to plane coordinates."""
    return np.column_stack([0.5 * abc[:, 0] + abc[:, 2], _H * abc[:, 0]])


def _to_abc(xy: np.ndarray) -> np.ndarray:
    a = xy[:, 1] / _H
    c = xy[:, 0] - 0.5 * a
    abc = np.clip(np.column_stack([a, 1 - a - c, c]), 0, 1)
    return abc / abc.sum(axis=1, keepdims=True)


#: The density is estimated from at most this many answers (a seeded sample): three contour
#: levels of a smooth density do not change visibly beyond it, and evaluating costs O(n).
DENSITY_SAMPLE = 2000


def density_contours(
    compositions: np.ndarray,
    levels: Sequence[float] = LEVELS,
    resolution: int = 60,
    *,
    seed: int = 0,
) -> list[tuple[float, np.ndarray]]:
    """Contour lines of the answers' density over the triangle.

    A Gaussian kernel density in ilr coordinates (so it respects the simplex), evaluated on
    a grid over the triangle; contourpy traces the lines, which come back as compositions.
    More than :data:`DENSITY_SAMPLE` answers are represented by a seeded sample of that many.

    Returns:
        ``(level, (m, 3) compositions)`` per line; empty when fewer than 5 distinct answers.
    """
    import contourpy
    from scipy.stats import gaussian_kde

    if len(compositions) > DENSITY_SAMPLE:
        pick = np.random.default_rng(seed).choice(len(compositions), DENSITY_SAMPLE,
                                                  replace=False)  # fmt: skip
        compositions = compositions[pick]
    z = ilr(compositions)
    if len(np.unique(np.round(z, 6), axis=0)) < 5:
        return []
    xs = np.linspace(0, 1, resolution + 1)
    ys = np.linspace(0, _H, resolution + 1)
    gx, gy = np.meshgrid(xs, ys)
    plane = np.column_stack([gx.ravel(), gy.ravel()])
    a = plane[:, 1] / _H
    c = plane[:, 0] - 0.5 * a
    inside = (a >= -1e-9) & (c >= -1e-9) & (1 - a - c >= -1e-9)
    density = np.zeros(len(plane))
    try:
        kde = gaussian_kde(z.T)
    except np.linalg.LinAlgError:  # all answers on one line: nothing sensible to draw
        return []
    density[inside] = kde(ilr(_to_abc(plane[inside])).T)
    density /= density.max() or 1.0
    field = np.ma.masked_array(density.reshape(gx.shape), mask=~inside.reshape(gx.shape))
    generator = contourpy.contour_generator(gx, gy, field)
    lines = []
    for level in levels:
        for line in generator.lines(level):
            if len(line) >= 3:
                lines.append((float(level), _to_abc(np.asarray(line))))
    return lines


def _axes(corners: Sequence[str]) -> dict:
    titles = [wrapped(c, 16, 2) for c in corners]
    axis = {"showticklabels": False, "ticks": "", "showgrid": True, "gridcolor": "#eceff1",
            "linecolor": "#9aa0a6", "title": {"font": {"size": 12}}}  # fmt: skip
    return {
        "aaxis": {**axis, "title": {**axis["title"], "text": titles[0]}},
        "baxis": {**axis, "title": {**axis["title"], "text": titles[1]}},
        "caxis": {**axis, "title": {**axis["title"], "text": titles[2]}},
        "bgcolor": "white",
    }


def _hidden_note(text: str) -> dict[str, Any]:
    """Say in an empty chart why it is empty (a hidden group)."""
    return {"text": plain(text), "showarrow": False, "x": 0.5, "y": 0.45, "xref": "paper",
            "yref": "paper", "font": {"color": "#5f6368"}}  # fmt: skip


def _triangle(traces: list[Any], corners: Sequence[str], title: str, lang: str,
              hidden_text: str | None = None) -> go.Figure:  # fmt: skip
    """A triangle's figure: labelled corners, a short title, room for both."""
    return new_figure(
        traces, **look(height=360, margin={"l": 55, "r": 55, "t": 75, "b": 45}, lang=lang),
        ternary=_axes(corners), showlegend=False, title={"text": plain(short(title, 40)), "x": 0.5},
        annotations=[] if hidden_text is None else [_hidden_note(hidden_text)],
    )  # fmt: skip


def ternary(
    compositions: np.ndarray | None,
    corners: Sequence[str],
    *,
    title: str,
    centre: Sequence[float] | None = None,
    colour: str = "#1b6ca8",
    max_points: int = 600,
    seed: int = 0,
    hidden_text: str = "",
    lang: str = "sv",
) -> go.Figure:
    """A triad's answers in one group: dots, density contours and the centre.

    Args:
        compositions: ``(n, 3)`` answers (a, b, c in corner order), or ``None`` when the
            group is hidden; then the triangle is empty and says ``hidden_text``.
        corners: the three corner labels.
        title: above the triangle (e.g. the round).
        centre: the group's compositional centre, drawn as a black diamond.
        max_points: draw at most this many dots (a seeded sample; the density uses up to
            :data:`DENSITY_SAMPLE`).
    """
    if compositions is None or len(compositions) == 0:
        return _triangle([], corners, title, lang, hidden_text)
    traces: list[Any] = []
    points = np.asarray(compositions, dtype=float)
    for level, line in density_contours(points, seed=seed):
        traces.append(go.Scatterternary(
            a=line[:, 0], b=line[:, 1], c=line[:, 2], mode="lines", hoverinfo="skip",
            line={"color": colour, "width": 0.8 + 1.6 * level}, opacity=0.35 + 0.5 * level,
            showlegend=False,
        ))  # fmt: skip
    shown = points
    if len(points) > max_points:
        pick = np.random.default_rng(seed).choice(len(points), max_points, replace=False)
        shown = points[np.sort(pick)]
    # Whole numbers 0..1000 that plotly normalises to the triangle: a third of the bytes.
    ints = np.rint(shown * 1000).astype(np.uint16)
    traces.append(go.Scatterternary(
        a=ints[:, 0], b=ints[:, 1], c=ints[:, 2], mode="markers", showlegend=False,
        marker={"size": 5, "color": colour, "opacity": 0.45, "line": {"width": 0}},
        hovertemplate="%{a:.0%} · %{b:.0%} · %{c:.0%}<extra></extra>",
    ))  # fmt: skip
    if centre is not None:
        traces.append(go.Scatterternary(
            a=[centre[0]], b=[centre[1]], c=[centre[2]], mode="markers", showlegend=False,
            marker={"size": 13, "symbol": "diamond", "color": "#202124",
                    "line": {"width": 2, "color": "white"}},
            hovertemplate="%{a:.0%} · %{b:.0%} · %{c:.0%}<extra></extra>",
        ))  # fmt: skip
    return _triangle(traces, corners, title, lang)


def centre_path(
    centres: Sequence[Sequence[float] | None],
    rounds: Sequence[str],
    corners: Sequence[str],
    *,
    title: str,
    hidden_text: str = "",
    lang: str = "sv",
) -> go.Figure:
    """The compositional centre round by round, joined by arrows (hidden rounds left out)."""
    keep = [(c, r) for c, r in zip(centres, rounds, strict=True) if c is not None]
    colours = [theme_colour(k) for k, c in enumerate(centres) if c is not None]
    if not keep:
        return _triangle([], corners, title, lang, hidden_text)
    abc = np.array([c for c, _ in keep], dtype=float)
    names = [plain(short(r, 30)) for _, r in keep]
    symbols = ["circle"] + ["arrow"] * (len(keep) - 1)
    path = go.Scatterternary(
        a=abc[:, 0], b=abc[:, 1], c=abc[:, 2], mode="lines+markers", text=names,
        line={"color": "#5f6368", "width": 1.5},
        # each round in the colour of its own triangle; names are in the hover, since
        # labels of nearby centres would overlap
        marker={"size": [10] + [16] * (len(keep) - 1), "symbol": symbols,
                "angleref": "previous", "color": colours},
        hovertemplate="%{text}: %{a:.0%} · %{b:.0%} · %{c:.0%}<extra></extra>",
        showlegend=False,
    )  # fmt: skip
    return _triangle([path], corners, title, lang)


def dyad_bands(
    rounds: Sequence[str],
    shares: Sequence[Sequence[float] | None],
    band_names: Sequence[str],
    *,
    hidden_label: str = "",
    lang: str = "sv",
) -> go.Figure:
    """A dyad round by round: one bar per round, split into its bands from the first pole
    (left, band 1) to the second (right).

    Args:
        rounds: one bar each, oldest at the top (labels may carry the round's mean).
        shares: per round the share of answers in each band, ``None`` when hidden.
        band_names: names of the bands, for the legend and hover.
        hidden_label: added to a hidden round's label.
    """
    bands = len(band_names)
    palette = ["#c23b4e", "#e8897d", "#d9d9d9", "#7fb3d5", "#1b6ca8"]
    if bands != 5:
        palette = [f"rgba(27,108,168,{0.15 + 0.85 * k / max(bands - 1, 1):.2f})"
                   for k in range(bands)]  # fmt: skip
    hidden = plain(hidden_label)
    labels = [plain(short(r, 40)) if s is not None else f"{plain(short(r, 30))} ({hidden})"
              for r, s in zip(rounds, shares, strict=True)]  # fmt: skip
    traces = []
    for k in range(bands):
        values = [None if s is None else s[k] for s in shares]
        traces.append(go.Bar(
            y=labels, x=values, orientation="h", name=plain(band_names[k]),
            marker_color=palette[k], text=[None if v is None or v < 0.06 else f"{v:.0%}"
                                           for v in values],
            textposition="inside", insidetextanchor="middle",
            hovertemplate="%{y}<br>" + plain(band_names[k]) + ": %{x:.0%}<extra></extra>",
        ))  # fmt: skip
    return new_figure(
        traces, **look(height=130 + 40 * len(rounds), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                       lang=lang),
        barmode="stack", bargap=0.35,
        legend={"orientation": "h", "y": -0.25, "font": {"size": 11}, "traceorder": "normal"},
        xaxis={"range": [0, 1], "tickformat": ".0%", "showgrid": False},
        yaxis={"autorange": "reversed", "automargin": True},
    )  # fmt: skip
