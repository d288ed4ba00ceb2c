"""The themes page: the map of every story, one card per theme, shares over rounds per place.

Quoting: a story's text appears (on a card, or in the map's hover) only as
:func:`sensemaking.privacy.quotes.quotable` allows: its storyteller consented, and its
theme and its place each have at least ``quote_min_group`` storytellers. The map quotes
at most ``map_excerpts`` stories, a seeded sample. Sizes of a theme, or of a place in a
round, are shown only for groups of at least ``min_group`` storytellers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sensemaking.i18n import tr
from sensemaking.patterns.suppression import group_shown
from sensemaking.privacy.quotes import quotable
from sensemaking.report.figures.style import GREY, theme_colour, wrapped
from sensemaking.report.figures.themes import theme_map, theme_share_multiples
from sensemaking.report.inputs import ReportInputs
from sensemaking.report.pages import PageWriter
from sensemaking.report.views import PlaceNode, municipalities, number, percent
from sensemaking.themes import OTHER

__all__ = ["write_theme_page"]


def _theme_index(inputs: ReportInputs) -> np.ndarray:
    """Per story the index of its theme in size order (-1 other, -2 not in the run)."""
    assert inputs.run is not None
    position = {view.key: i for i, view in enumerate(inputs.run.themes)}
    position[OTHER] = -1
    return np.array([position.get(key, -2) for key in inputs.context.table.theme], dtype=int)


def write_theme_page(
    writer: PageWriter,
    inputs: ReportInputs,
    nodes: list[PlaceNode],
    nav: list[dict[str, Any]],
    project: str,
    map_excerpts: int,
    map_points: int = 200_000,
) -> None:
    """Write ``themes.html``."""
    context, lang = inputs.context, writer.lang
    table, k = context.table, context.min_group
    quote_k = inputs.quote_min_group
    figures = writer.figures()
    run = inputs.run
    if run is None:
        writer.page("themes.html.j2", "themes.html", title=tr("themes_title", lang),
                    figures=figures, nav=nav, project=project, run=None, run_stale=False,
                    k=k, quote_k=quote_k)  # fmt: skip
        return
    index = _theme_index(inputs)
    tellers = [table.storytellers(index == t) for t in range(len(run.themes))]
    allowed = quotable(table, index, quote_min_group=quote_k,
                       without_consent=inputs.quote_without_consent)  # fmt: skip
    allowed_ids = set(table.story_id[allowed].tolist())

    names = [f"{v.key} {v.label}" for v in run.themes]
    representatives = {t: [s for s in view.representatives if s in allowed_ids][:3]
                       for t, view in enumerate(run.themes)}  # fmt: skip
    on_map = (index > -2) & np.isfinite(inputs.map_xy).all(axis=1)
    rows = np.flatnonzero(on_map)
    rng = np.random.default_rng(run.seed)
    sampled = None
    if len(rows) > map_points:  # a seeded sample keeps the page light at a million stories
        sampled = (number(map_points, lang), number(len(rows), lang))
        rows = np.sort(rng.choice(rows, size=map_points, replace=False))
    eligible = rows[allowed[rows]]
    size = min(map_excerpts, len(eligible))
    chosen = set(rng.choice(eligible, size=size, replace=False).tolist()) if size else set()
    # one read of exactly the texts this page quotes
    texts = inputs.texts([*(s for ids in representatives.values() for s in ids),
                          *(int(table.story_id[i]) for i in chosen)])  # fmt: skip
    map_id = None
    if len(rows):
        excerpts = [wrapped(texts.get(int(table.story_id[i]), ""), 60, 3)
                    if i in chosen else None for i in rows]  # fmt: skip
        map_id = figures.add(theme_map(
            inputs.map_xy[rows, 0], inputs.map_xy[rows, 1], index[rows], names,
            other_name=tr("theme_other", lang), excerpts=excerpts, lang=lang,
        ))  # fmt: skip

    cards = []
    for t, view in enumerate(run.themes):
        shown = group_shown(tellers[t], k)
        if view.unstable:
            badge, badge_class = tr("unstable", lang, s=view.stability or 0.0), "unstable"
        elif view.stability is None:
            badge, badge_class = tr("stability_unknown", lang), "hidden"
        else:
            badge, badge_class = tr("stable", lang, s=view.stability), ""
        quotes = [texts[s] for s in representatives.get(t, ()) if s in texts]
        note = None if quotes else tr("not_quoted", lang, q=quote_k)
        cards.append({
            "key": view.key, "label": view.label, "keywords": " · ".join(view.keywords),
            "colour": theme_colour(t),
            "size": tr("n_stories", lang, n=view.size) if shown else tr("hidden_short", lang),
            "share": percent(view.share, lang) if shown else "",
            "badge": badge, "badge_class": badge_class,
            "event": tr("event_" + view.event, lang) if view.event != "continued" else "",
            "quotes": quotes, "quote_note": note,
        })  # fmt: skip
    other_tellers = table.storytellers(index == -1)
    other_shown = group_shown(other_tellers, k) or run.other_size == 0
    cards.append({
        "key": OTHER, "label": tr("theme_other", lang), "keywords": tr("other_note", lang),
        "colour": GREY,
        "size": tr("n_stories", lang, n=run.other_size) if other_shown
        else tr("hidden_short", lang),
        "share": percent(run.other_share, lang) if other_shown else "",
        "badge": "", "badge_class": "hidden", "event": "", "quotes": [], "quote_note": None,
    })  # fmt: skip

    shares_id = _shares(inputs, nodes, index, names, figures, lang)
    writer.page(
        "themes.html.j2", "themes.html", title=tr("themes_title", lang), figures=figures,
        nav=nav, project=project, run={"n_themes": len(run.themes)}, run_stale=inputs.run_stale,
        other_share=percent(run.other_share, lang), map=map_id, cards=cards, sampled=sampled,
        shares=shares_id, k=k, quote_k=quote_k,
    )  # fmt: skip


def _shares(inputs: ReportInputs, nodes: list[PlaceNode], index: np.ndarray, names: list[str],
            figures: Any, lang: str) -> str | None:  # fmt: skip
    """Theme shares per municipality (or top-level place) and round, as small multiples."""
    context = inputs.context
    table, k = context.table, context.min_group
    places = municipalities(nodes)
    rounds = table.rounds()
    if not places or not rounds:
        return None
    rows = [*range(len(names)), -1]
    shares = np.full((len(places), len(rows), len(rounds)), np.nan)
    for p, node in enumerate(places):
        for r, name in enumerate(rounds):
            mask, shown = context.group(node.path, name)
            mask = mask & (index > -2)
            if not shown or not group_shown(table.storytellers(mask), k):
                continue
            total = mask.sum()
            shares[p, :, r] = [(mask & (index == t)).sum() / total for t in rows]
    figure = theme_share_multiples([n.name for n in places], rounds,
                                   [*names, tr("theme_other", lang)], shares,
                                   hidden_label=tr("hidden_short", lang), lang=lang)  # fmt: skip
    return figures.add(figure)
