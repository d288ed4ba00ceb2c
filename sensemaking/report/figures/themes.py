"""Theme figures: the 2-D map of every story, and theme shares over rounds per place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sensemaking.report.figures.style import (
    GREY,
    base_layout,
    look,
    new_figure,
    plain,
    short,
    theme_colour,
)

__all__ = ["WEBGL_FROM", "theme_map", "theme_share_multiples"]

#: Maps with more points than this are drawn with WebGL; smaller ones as SVG, which every
#: browser draws, also one without a graphics card.
WEBGL_FROM = 5000


def theme_map(
    x: np.ndarray,
    y: np.ndarray,
    theme: np.ndarray,
    names: Sequence[str],
    *,
    other_name: str,
    excerpts: Sequence[str | None] | None = None,
    lang: str = "sv",
) -> go.Figure:
    """Every story as a point, coloured by theme (WebGL above :data:`WEBGL_FROM` points).

    Args:
        x: ``(n,)`` map coordinates.
        y: ``(n,)`` map coordinates.
        theme: ``(n,)`` index into ``names`` per story, -1 for the other group.
        names: theme names in size order (already readable, e.g. ``T3 Fritidsgården``).
        other_name: the other group's name; its points are grey and drawn first, underneath.
        excerpts: per story a hover text already made safe (see
            :func:`~sensemaking.report.figures.style.wrapped`), or ``None`` where no excerpt
            may be shown; then the hover names only the theme.
    """
    theme = np.asarray(theme)
    traces = []
    for t in [-1, *range(len(names))]:
        rows = np.flatnonzero(theme == t)
        if len(rows) == 0:
            continue
        name = short(other_name if t < 0 else names[t])
        hover = None
        if excerpts is not None:
            hover = [excerpts[i] or "" for i in rows]
        kind = go.Scattergl if len(theme) > WEBGL_FROM else go.Scatter
        traces.append(kind(
            x=np.asarray(x)[rows].astype(np.float32), y=np.asarray(y)[rows].astype(np.float32),
            mode="markers", name=plain(name),
            marker={"size": 5 if len(theme) > 5000 else 7, "opacity": 0.75,
                    "color": GREY if t < 0 else theme_colour(t)},
            text=hover,
            hovertemplate="<b>" + plain(name) + "</b>"
            + ("<br>%{text}" if hover is not None else "") + "<extra></extra>",
        ))  # fmt: skip
    rows = (len(names) + 3) // 4
    # The legend goes under the map, so that a phone keeps the map's full width.
    return new_figure(traces, **look(height=560 + 22 * rows, lang=lang),
                       xaxis={"visible": False},
                       yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
                       legend={"itemsizing": "constant", "font": {"size": 12},
                               "orientation": "h", "y": -0.02, "yanchor": "top"},
                       dragmode="pan")  # fmt: skip


def theme_share_multiples(
    places: Sequence[str],
    rounds: Sequence[str],
    themes: Sequence[str],
    shares: np.ndarray,
    *,
    hidden_label: str,
    lang: str = "sv",
) -> go.Figure:
    """One small heatmap per place: themes (rows) by round (columns), cells are shares.

    Args:
        places: one panel per place.
        rounds: columns, oldest first.
        themes: rows (the last may be the other group).
        shares: ``(places, themes, rounds)`` shares of the place's stories in that round,
            NaN where the place and round is hidden.
        hidden_label: the column title suffix of a hidden round.
    """
    shares = np.asarray(shares, dtype=float)
    columns = min(3, max(1, len(places)))
    rows = (len(places) + columns - 1) // columns
    figure = make_subplots(
        figure=new_figure(), rows=rows, cols=columns, shared_yaxes=True,
        subplot_titles=[plain(short(p, 40)) for p in places], horizontal_spacing=0.03,
        vertical_spacing=0.35 / max(rows, 1),
    )  # fmt: skip
    labels = [plain(short(t, 40)) for t in themes]
    for k in range(len(places)):
        r, c = divmod(k, columns)
        panel = shares[k]
        x = [plain(short(name, 30)) if np.isfinite(panel[:, j]).any()
             else f"{plain(short(name, 30))} ({hidden_label})"
             for j, name in enumerate(rounds)]  # fmt: skip
        text = [["" if not np.isfinite(v) else f"{100 * v:.0f}" for v in row] for row in panel]
        figure.add_trace(go.Heatmap(
            z=np.where(np.isfinite(panel), panel, None), x=x, y=labels, text=text,
            texttemplate="%{text}", colorscale="Blues", zmin=0,
            zmax=float(np.nanmax(shares)) if np.isfinite(shares).any() else 1,
            showscale=False, xgap=1, ygap=1,
            hovertemplate="%{y}<br>%{x}: %{z:.0%}<extra></extra>",
        ), row=r + 1, col=c + 1)  # fmt: skip
    figure.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 11})
    figure.update_xaxes(tickfont={"size": 11})
    height = rows * (22 * len(themes) + 80) + 40
    return base_layout(figure, height=height, lang=lang)
