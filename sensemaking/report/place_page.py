"""One page per place: its change since the previous round, its triads round by round as
triangles with the centre's movement, its dyads, and the themes that grew and shrank."""

from __future__ import annotations

from typing import Any

import numpy as np

from sensemaking.framework import text_in
from sensemaking.i18n import tr
from sensemaking.patterns.analysis import Comparison
from sensemaking.patterns.groups import PatternError
from sensemaking.patterns.items import THEMES
from sensemaking.patterns.suppression import group_shown
from sensemaking.patterns.text import item_label
from sensemaking.report.figures.signifiers import centre_path, dyad_bands, ternary
from sensemaking.report.figures.style import theme_colour
from sensemaking.report.inputs import ReportInputs
from sensemaking.report.pages import PageWriter
from sensemaking.report.views import PlaceNode, comparison_view, difference_text

__all__ = ["place_change", "write_place_page"]


def place_change(inputs: ReportInputs, node: PlaceNode) -> Comparison | None:
    """The place's newest round against its previous one, or ``None`` without two rounds."""
    context = inputs.context
    try:
        latest = context.latest_round()
        if not (context.table.in_place(node.path) & context.table.in_round(latest)).any():
            return None
        return context.over_time(node.path)
    except PatternError:
        return None


def write_place_page(
    writer: PageWriter,
    inputs: ReportInputs,
    node: PlaceNode,
    nodes: list[PlaceNode],
    nav: list[dict[str, Any]],
    change: Comparison | None,
    project: str,
    max_points: int,
) -> None:
    """Write ``places/<slug>.html`` for ``node``."""
    context = inputs.context
    table, fw, lang, k = context.table, context.framework, writer.lang, context.min_group
    rounds = table.rounds()
    figures = writer.figures()
    groups = [context.describe(node.path, r) for r in rounds]
    in_place = table.in_place(node.path)
    facts = []
    for name, group in zip(rounds, groups, strict=True):
        has = bool((in_place & table.in_round(name)).any())
        value = "0" if not has else (tr("hidden_short", lang) if group.suppressed
                                     else f"{group.stories}")  # fmt: skip
        facts.append({"value": value, "label": tr("stories_in", lang, round=name)})
    whole_shown = group_shown(table.storytellers(in_place), k)

    triads = []
    for sig in fw.of_type("triad"):
        corners = [text_in(c.label, lang) for c in sig.corners]
        values = table.triads[sig.id]
        answered = ~np.isnan(values).any(axis=1)
        ids, centres = [], []
        for n, (name, group) in enumerate(zip(rounds, groups, strict=True)):
            summary = group.signifier(sig.id)
            mask = in_place & table.in_round(name) & answered
            points = None if summary.suppressed else values[mask]
            centres.append(summary.centre)
            ids.append(figures.add(ternary(
                points, corners, title=name, centre=summary.centre, colour=theme_colour(n),
                max_points=max_points, seed=n, hidden_text=tr("hidden_group", lang, k=k),
                lang=lang,
            )))  # fmt: skip
        ids.append(figures.add(centre_path(
            centres, rounds, corners, title=tr("centre_moves", lang),
            hidden_text=tr("hidden_group", lang, k=k), lang=lang,
        )))  # fmt: skip
        triads.append({"title": text_in(sig.question, lang), "figures": ids,
                       "question": tr("triad_note", lang)})  # fmt: skip

    dyads = []
    bands = context.settings.dyad_bands
    for sig in fw.of_type("dyad"):
        shares, labels = [], []
        for name, group in zip(rounds, groups, strict=True):
            summary = group.signifier(sig.id)
            shares.append(None if summary.suppressed else list(summary.shares or ()))
            labels.append(name if summary.mean is None
                          else f"{name} · {tr('mean_short', lang)} {summary.mean:.2f}")  # fmt: skip
        band_names = [item_label(fw, sig.id, f"band:{b}", lang, bands=bands)
                      for b in range(1, bands + 1)]  # fmt: skip
        figure = dyad_bands(labels, shares, band_names, hidden_label=tr("hidden_short", lang),
                            lang=lang)  # fmt: skip
        low, high = (text_in(p, lang) for p in sig.poles)
        dyads.append({"title": text_in(sig.question, lang), "figure": figures.add(figure),
                      "question": tr("dyad_note", lang, low=low, high=high)})  # fmt: skip

    change_view, theme_moves, no_change = None, [], tr("no_change", lang)
    if change is not None:
        change_view = comparison_view(change, fw, lang=lang, theme_labels=table.theme_labels,
                                      min_group=k, bands=bands)  # fmt: skip
        rows = [r for r in change.items if r.signifier == THEMES and r.verdict != "suppressed"]
        rows.sort(key=lambda r: -(r.difference or 0.0))
        # the clear changes, and the three largest each way even when not clear
        keep = {id(r) for r in rows if r.verdict in ("more_of", "fewer_of")}
        keep |= {id(r) for r in rows[:3] + rows[-3:]}
        theme_moves = [{"item": item_label(fw, THEMES, r.item, lang, table.theme_labels),
                        "share_a": r.share_a, "share_b": r.share_b,
                        "difference": difference_text(r), "verdict": r.verdict}
                       for r in rows if id(r) in keep]  # fmt: skip
    children = [{"name": c.name, "href": "../" + c.href} for c in nodes if c.parent == node.path]
    lead = tr("place_lead", lang, level=tr("level_" + node.level, lang))
    if not whole_shown:
        lead += " " + tr("hidden_group", lang, k=k)
    writer.page(
        "place.html.j2", node.href, title=node.name, figures=figures, nav=nav, project=project,
        place=node.path.replace("/", " › "), lead=lead, facts=facts, children=children,
        change=change_view, no_change=no_change, theme_moves=theme_moves,
        triads=triads if whole_shown else [], dyads=dyads if whole_shown else [],
    )  # fmt: skip
