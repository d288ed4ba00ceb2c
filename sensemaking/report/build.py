"""Build a project's report: self-contained HTML pages that open offline.

Pages (all under one folder):

- ``index.html``: the overview: stories per place and round, data quality per signifier,
  the places with their change since the previous round, the theme run's manifest;
- ``themes.html``: the theme map, theme cards, theme shares over rounds per municipality;
- ``places/<place>.html``: one per place of the hierarchy;
- ``compare.html``: each municipality against all others, and municipalities pairwise;
- ``assets/``: plotly.js (one copy), the loader and the style sheet.

Example:
    >>> result = project.report("reports")          # doctest: +SKIP
    >>> result.index                                  # doctest: +SKIP
    PosixPath('reports/index.html')
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sensemaking.framework import text_in
from sensemaking.i18n import LANGUAGES, tr
from sensemaking.patterns.groups import ALL, PatternError
from sensemaking.patterns.suppression import group_shown
from sensemaking.report.figures.overview import quality_chart, stories_heatmap
from sensemaking.report.inputs import ReportInputs, load_inputs
from sensemaking.report.pages import PageWriter
from sensemaking.report.place_page import place_change, write_place_page
from sensemaking.report.theme_page import write_theme_page
from sensemaking.report.views import (
    PlaceNode,
    comparison_view,
    municipalities,
    number,
    percent,
    place_nodes,
)

if TYPE_CHECKING:
    from sensemaking.project import Project

__all__ = ["ReportProgress", "ReportResult", "build_report"]

#: Called with (pages done, pages in all).
ReportProgress = Callable[[int, int], None]
_CENTRE = 1e-3


@dataclass(frozen=True)
class ReportResult:
    """What a report build wrote."""

    folder: Path
    index: Path
    pages: list[Path]
    bytes: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def _nav(current: str, lang: str) -> list[dict[str, Any]]:
    items = [("index.html", "nav_overview"), ("themes.html", "nav_themes"),
             ("compare.html", "nav_compare")]  # fmt: skip
    return [{"href": href, "label": tr(key, lang), "current": href == current}
            for href, key in items]  # fmt: skip


def build_report(
    project: Project,
    out: str | Path | None = None,
    *,
    lang: str | None = None,
    progress: ReportProgress | None = None,
) -> ReportResult:
    """Write every page of the project's report into ``out``.

    Args:
        project: the project.
        out: the report folder (default: the project's ``reports/``); pages of an earlier
            build there are replaced, and place pages no longer wanted are removed.
        lang: ``sv`` or ``en`` (default: the project config's ``report.lang``).
        progress: called with (pages done, pages in all).

    Raises:
        ValueError: an unknown language.
    """
    lang = lang or project.config.report.lang
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    start = time.perf_counter()
    folder = Path(out) if out is not None else project.path / "reports"
    timings: dict[str, float] = {}
    inputs = load_inputs(project, lang=lang)
    timings["load"] = time.perf_counter() - start
    settings = project.config.report
    writer = PageWriter(folder, lang, inputs.manifest.__dict__)
    writer.write_assets()
    nodes = place_nodes(inputs.context.table.places(), inputs.levels)
    name = project.config.name
    total = len(nodes) + 3
    done = 0

    def step(label: str, began: float) -> None:
        nonlocal done
        done += 1
        timings[label] = timings.get(label, 0.0) + time.perf_counter() - began
        if progress is not None:
            progress(done, total)

    began = time.perf_counter()
    changes = {}
    for node in nodes:
        changes[node.path] = place_change(inputs, node)
        write_place_page(writer, inputs, node, nodes, _nav("", lang), changes[node.path],
                         name, settings.max_points)  # fmt: skip
        step("places", began)
        began = time.perf_counter()
    write_theme_page(writer, inputs, nodes, _nav("themes.html", lang), name,
                     settings.map_excerpts, settings.map_points)  # fmt: skip
    step("themes", began)
    began = time.perf_counter()
    _write_compare(writer, inputs, nodes, name)
    step("compare", began)
    began = time.perf_counter()
    index = _write_overview(writer, inputs, nodes, changes, name)
    step("overview", began)
    wanted = {p.resolve() for p in writer.written}
    for old in (folder / "places").glob("*.html"):
        if old.resolve() not in wanted:
            old.unlink()
    size = sum(p.stat().st_size for p in writer.written)
    return ReportResult(folder, index, list(writer.written), size,
                        time.perf_counter() - start, timings)  # fmt: skip


def _write_compare(writer: PageWriter, inputs: ReportInputs, nodes: list[PlaceNode],
                   project: str) -> None:  # fmt: skip
    context, lang = inputs.context, writer.lang
    fw, k, bands = context.framework, context.min_group, context.settings.dyad_bands
    labels = context.table.theme_labels
    figures = writer.figures()
    try:
        latest = context.latest_round()
    except PatternError:
        latest = ""
    places = [n for n in municipalities(nodes)
              if latest and (context.table.in_place(n.path)
                             & context.table.in_round(latest)).any()]  # fmt: skip
    against_all, pairs = [], []
    for node in places:
        result = context.against(node.path, ALL, latest)
        view = comparison_view(result, fw, lang=lang, theme_labels=labels, min_group=k,
                               bands=bands, title=tr("vs_all", lang, place=node.name))  # fmt: skip
        view["anchor"] = node.href.removeprefix("places/").removesuffix(".html")
        against_all.append(view)
    for a, b in itertools.combinations(places, 2):
        result = context.against(b.path, a.path, latest)
        pairs.append(comparison_view(result, fw, lang=lang, theme_labels=labels, min_group=k,
                                     bands=bands,
                                     title=tr("vs_place", lang, a=a.name, b=b.name)))  # fmt: skip
    writer.page("compare.html.j2", "compare.html", title=tr("compare_title", lang),
                figures=figures, nav=_nav("compare.html", lang), project=project,
                round=latest, against_all=against_all, pairs=pairs)  # fmt: skip


def _coverage(inputs: ReportInputs, writer: PageWriter) -> Any:
    context, lang = inputs.context, writer.lang
    table, plan = context.table, context.plan
    places, rounds = table.places(), table.rounds()
    counts = np.zeros((len(places), len(rounds)))
    for i, place in enumerate(places):
        for j, name in enumerate(rounds):
            cell = (place, name)
            n = int(((table.place == place) & (table.round == name)).sum())
            counts[i, j] = n if (n == 0 or plan.shown(cell)) else np.nan
    labels = [p.split("/", 1)[1].replace("/", " · ") if p.count("/") >= 2 else p for p in places]
    return stories_heatmap(labels, rounds, counts, hidden_label=tr("hidden_short", lang),
                           hover=tr("coverage_hover", lang), lang=lang)  # fmt: skip


def _quality(inputs: ReportInputs, writer: PageWriter) -> Any:
    context, lang = inputs.context, writer.lang
    table, fw = context.table, context.framework
    n = max(len(table), 1)
    names, na, skipped, centre = [], [], [], []
    for sig in fw.signifiers:
        if sig.type == "triad":
            values = table.triads[sig.id]
            answered = ~np.isnan(values).any(axis=1)
            nas = table.triad_na[sig.id]
            exact = np.abs(values[answered] - 1 / 3).max(axis=1) < _CENTRE
        elif sig.type == "dyad":
            values = table.dyads[sig.id]
            answered = ~np.isnan(values)
            nas = table.dyad_na[sig.id]
            exact = np.abs(values[answered] - 0.5) < 1e-9
        elif sig.type == "choice":
            answered = table.choices[sig.id].any(axis=1)
            nas = np.zeros(len(table), dtype=bool)
            exact = None
        else:
            continue
        names.append(f"{sig.id}: {text_in(sig.question, lang)}"[:70])
        na.append(float(nas.sum()) / n)
        skipped.append(float((~answered & ~nas).sum()) / n)
        centre.append(None if exact is None else float(exact.sum()) / max(int(answered.sum()), 1))
    series = {tr("q_na", lang): na, tr("q_skipped", lang): skipped, tr("q_centre", lang): centre}
    return quality_chart(names, series, title="", lang=lang)


def _write_overview(writer: PageWriter, inputs: ReportInputs, nodes: list[PlaceNode],
                    changes: dict[str, Any], project: str) -> Path:  # fmt: skip
    context, lang = inputs.context, writer.lang
    table, k = context.table, context.min_group
    figures = writer.figures()
    rounds = table.rounds()
    latest = rounds[-1] if rounds else ""
    previous = rounds[-2] if len(rounds) > 1 else ""
    everyone = np.ones(len(table), dtype=bool)
    all_shown = group_shown(table.storytellers(everyone), k)
    run = inputs.run
    hidden = tr("hidden_short", lang)

    def count(n: int) -> str:
        return f"{n:,}".replace(",", "\u00a0") if all_shown else hidden

    facts = [
        {"value": count(len(table)), "label": tr("stories_word", lang)},
        {"value": count(table.storytellers(everyone)), "label": tr("storytellers_word", lang)},
        {"value": str(len(municipalities(nodes))), "label": tr("municipalities_word", lang)},
        {"value": str(len(rounds)), "label": tr("rounds_word", lang)},
        {"value": str(len(run.themes)) if run else "–", "label": tr("themes", lang)},
    ]
    places = []
    for node in nodes:
        mask, shown = context.group(node.path, latest) if latest else (everyone, False)
        n = int(mask.sum())
        visible = shown and group_shown(table.storytellers(mask), k)
        change = changes.get(node.path)
        if change is None:
            text = tr("no_change_short", lang)
        elif change.suppressed:
            text = tr("suppressed", lang)
        else:
            found = change.findings()
            counts = {v: sum(1 for r in found if r.verdict == v) for v in ("more_of", "fewer_of")}
            parts = [f"{count} {tr(v, lang)}" for v, count in counts.items() if count]
            moved = [s.signifier for s in change.shifts()]
            if moved:
                parts.append(tr("moved", lang, names=", ".join(moved)))
            text = "; ".join(parts) if parts else tr("no_clear_difference", lang)
        indent = "\u2003" * node.depth
        shown_n = (number(n, lang) if visible else tr("hidden_short", lang)) if n else "0"
        places.append({"name": indent + node.name, "href": node.href, "latest": shown_n,
                       "change": text})  # fmt: skip
    run_rows = []
    if run is not None:
        map_params = run.params.get("map", {})
        when = f"{run.created_at:%Y-%m-%d %H:%M}" if run.created_at else "–"
        run_rows = [
            {"label": tr("m_run", lang), "value": f"{run.run_id} ({when} UTC)"},
            {"label": tr("m_model", lang), "value": run.model},
            {"label": tr("m_seed", lang), "value": str(run.seed)},
            {"label": tr("themes", lang).capitalize(), "value": str(len(run.themes))},
            {"label": tr("theme_other", lang), "value": percent(run.other_share, lang)},
            {"label": tr("seed_ari", lang), "value": "–" if run.seed_ari is None
             else f"{run.seed_ari:.2f}"},
            {"label": tr("m_stories_run", lang), "value": number(run.n_stories, lang)},
            {"label": tr("m_map", lang), "value": str(map_params.get("method", "–"))},
        ]  # fmt: skip
        if run.fitted_on < run.n_stories:
            run_rows.append({"label": tr("m_fitted", lang), "value": tr(
                "m_fitted_value", lang, fitted=number(run.fitted_on, lang),
                stories=number(run.n_stories, lang),
            )})  # fmt: skip
    writer.page(
        "overview.html.j2", "index.html", title=tr("overview_title", lang), figures=figures,
        nav=_nav("index.html", lang), project=project, k=k, facts=facts, places=places,
        latest=latest, previous=previous or "–",
        coverage=figures.add(_coverage(inputs, writer)),
        quality=figures.add(_quality(inputs, writer)),
        run=run_rows, run_stale=inputs.run_stale,
    )  # fmt: skip
    return writer.out / "index.html"
