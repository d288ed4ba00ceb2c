"""Overview figures: stories per place and round, and data quality per signifier."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from sensemaking.report.figures.style import HIDDEN, look, new_figure, plain, short

__all__ = ["quality_chart", "stories_heatmap"]


def stories_heatmap(
    places: Sequence[str],
    rounds: Sequence[str],
    counts: np.ndarray,
    *,
    hidden_label: str,
    hover: str,
    lang: str = "sv",
) -> go.Figure:
    """Stories per place (rows) and round (columns); NaN cells are hidden and drawn grey.

    Args:
        places: row labels (already readable, e.g. ``Ånge · Fränsta skola``).
        rounds: column labels, oldest first.
        counts: ``(len(places), len(rounds))`` story counts, NaN where hidden, 0 where none.
        hidden_label: the text in a hidden cell.
        hover: hover template with ``%{y}``, ``%{x}`` and ``%{text}``.
    """
    counts = np.asarray(counts, dtype=float)
    text = [[hidden_label if np.isnan(v) else ("" if v == 0 else f"{int(v)}") for v in row]
            for row in counts]  # fmt: skip
    shown = np.where(np.isnan(counts), None, counts)
    y = [plain(short(p, 60)) for p in places]
    x = [plain(short(r, 30)) for r in rounds]
    underlay = go.Heatmap(  # grey underlay for hidden cells
        z=np.where(np.isnan(counts), 1.0, None), x=x, y=y, showscale=False, hoverinfo="skip",
        colorscale=[[0, HIDDEN], [1, HIDDEN]],
    )  # fmt: skip
    cells = go.Heatmap(
        z=shown, x=x, y=y, text=text, texttemplate="%{text}", colorscale="Blues",
        showscale=False, hovertemplate=hover + "<extra></extra>", xgap=2, ygap=2,
        zmin=0, zmax=float(np.nanmax(counts)) if np.isfinite(counts).any() else 1,
    )  # fmt: skip
    return new_figure([underlay, cells], **look(height=max(220, 28 * len(places) + 90), lang=lang),
                      yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"side": "top"})  # fmt: skip


def quality_chart(
    signifiers: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    lang: str = "sv",
) -> go.Figure:
    """Horizontal bars per signifier: one bar per series (e.g. N/A rate, dots in the centre).

    Args:
        signifiers: row labels.
        series: name → one share (0–1) per signifier, ``None`` where it does not apply.
        title: the chart's title.
    """
    colours = ("#1b6ca8", "#e07b39", "#7b5ea7", "#3a9e5b")
    traces = []
    for k, (name, values) in enumerate(series.items()):
        traces.append(go.Bar(
            y=[plain(short(s, 60)) for s in signifiers], x=[v for v in values], name=plain(name),
            orientation="h", marker_color=colours[k % len(colours)],
            hovertemplate="%{y}: %{x:.1%}<extra>" + plain(name) + "</extra>",
        ))  # fmt: skip
    return new_figure(traces, **look(height=max(260, 34 * len(signifiers) + 120), lang=lang),
                       barmode="group", title=plain(title),
                       legend={"orientation": "h", "y": -0.15},
                       xaxis={"tickformat": ".0%", "rangemode": "tozero"},
                       yaxis={"autorange": "reversed", "automargin": True})  # fmt: skip
