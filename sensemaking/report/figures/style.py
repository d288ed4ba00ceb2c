"""The reports' look (one template for every figure) and safe text for plotly.

Plotly renders a subset of HTML in every string it draws (``<b>``, ``<a href>``, ``<br>``)
and hands strings wrapped in ``$…$`` to MathJax. A story is data, never markup: :func:`plain`
escapes ``&``, ``<``, ``>``, quotes and ``$`` as character references, which plotly shows
as the characters themselves.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

__all__ = [
    "FONT",
    "GREY",
    "HIDDEN",
    "THEME_COLOURS",
    "base_layout",
    "look",
    "new_figure",
    "plain",
    "short",
    "theme_colour",
    "wrapped",
]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
GREY = "#9aa0a6"
HIDDEN = "#e8eaed"
#: Colours of themes in size order; the other group is always grey.
THEME_COLOURS = (
    "#1b6ca8", "#e07b39", "#3a9e5b", "#c23b4e", "#7b5ea7", "#8c6d46", "#d16ba5", "#5c7d8a",
    "#b8a317", "#17a2b8", "#2f4b7c", "#f95d6a", "#665191", "#a05195", "#ffa600", "#006d5b",
    "#9c755f", "#59a14f", "#edc948", "#4e79a7", "#e15759", "#76b7b2", "#b07aa1", "#ff9da7",
)  # fmt: skip


_AXIS = {"gridcolor": "#eceff1", "linecolor": "#dadce0", "zerolinecolor": "#dadce0",
         "ticks": "", "automargin": True}  # fmt: skip
#: A small template instead of plotly's: a built-in one is copied into every figure's JSON
#: (about 8 kB each) and deep-copied on every layout change (most of a build's time).
_TEMPLATE = {
    "layout": {
        "paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": list(THEME_COLOURS),
        "xaxis": _AXIS, "yaxis": _AXIS, "hovermode": "closest",
        "ternary": {"bgcolor": "white"},
    }
}  # fmt: skip


def new_figure(data: Sequence[Any] = (), **layout: Any) -> go.Figure:
    """A figure with the reports' template (use it instead of ``go.Figure()``).

    Pass the traces and the whole layout (e.g. ``**look(...)`` and the figure's own
    properties) here: plotly validates every later ``add_trace`` or ``update_layout`` against
    the whole figure, and one construction costs a tenth of building up step by step.
    """
    return go.Figure(data=list(data), layout={"template": _TEMPLATE, **layout})


def look(
    *, height: int | None = None, margin: dict[str, int] | None = None, lang: str = "sv"
) -> dict[str, Any]:
    """The reports' common layout: white, system font, tight margins, local separators."""
    common: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#202124"},
        "margin": margin or {"l": 10, "r": 10, "t": 40, "b": 10},
        "separators": ", " if lang == "sv" else ".,",
        "hoverlabel": {"font": {"family": FONT}},
        "autosize": True,
    }
    if height is not None:
        common["height"] = height
    return common


def theme_colour(index: int) -> str:
    """The colour of the theme at ``index`` (size order); cycles after the palette ends."""
    return THEME_COLOURS[index % len(THEME_COLOURS)]


def plain(text: str) -> str:
    """``text`` as plotly must draw it: no tag, link or formula is ever interpreted."""
    return html.escape(text, quote=True).replace("$", "&#36;")


def short(text: str, width: int = 48, word: int = 24) -> str:
    """``text`` for a legend or axis: words longer than ``word`` cut, the whole cut at
    ``width``, both marked with "…" (not yet :func:`plain`)."""
    words = [w if len(w) <= word else w[: word - 1] + "…" for w in text.split()]
    joined = " ".join(words)
    return joined if len(joined) <= width else joined[: width - 1].rstrip() + "…"


def wrapped(text: str, width: int = 60, max_lines: int = 4) -> str:
    """``text`` shortened, wrapped into lines of ``width`` (long words broken) and made
    :func:`plain`, lines joined by plotly's ``<br>``."""
    lines = textwrap.wrap(
        " ".join(text.split()), width, break_long_words=True, break_on_hyphens=False,
        max_lines=max_lines, placeholder=" …",
    )  # fmt: skip
    return "<br>".join(plain(line) for line in lines)


def base_layout(
    figure: go.Figure,
    *,
    height: int | None = None,
    margin: dict[str, int] | None = None,
    lang: str = "sv",
) -> go.Figure:
    """Apply :func:`look` to a figure built step by step (e.g. by ``make_subplots``)."""
    figure.update_layout(**look(height=height, margin=margin, lang=lang))
    return figure
