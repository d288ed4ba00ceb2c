"""The demo data's planted patterns (docs/demo-data.md) are found; Säffle shows none."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from sensemaking import create_project
from sensemaking.config import load_config, save_config
from sensemaking.demo import demo_csv_path
from sensemaking.errors import ConfigError
from sensemaking.patterns.analysis import CSV_COLUMNS
from sensemaking.patterns.groups import PatternContext, PatternError
from sensemaking.project import Project, open_project

ROUNDS = ("2024 vår", "2024 höst", "2025 vår")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    folder = tmp_path_factory.mktemp("demo") / "p"
    project = create_project(folder)
    config = load_config(folder)
    config.patterns.desired.more_of = ["kraft corner:kompisar", "trygg band:5"]
    config.patterns.desired.fewer_of = ["kansla option:negativ"]
    save_config(folder, config)
    project.close()
    project = open_project(folder)
    assert project.ingest(demo_csv_path()).added == 832
    yield project
    project.close()


@pytest.fixture(scope="module")
def context(demo: Project) -> PatternContext:
    return demo.patterns()


def clear(comparison) -> set[tuple[str, str, str]]:
    return {(r.signifier, r.item, r.verdict) for r in comparison.findings()}


def test_ljusnarsberg_kraft_moves_towards_friends_when_the_youth_centre_opens(
    context: PatternContext,
) -> None:
    change = context.over_time("Ljusnarsberg", "2024 höst", "2025 vår")
    kraft = next(t for t in change.triads if t.signifier == "kraft")
    assert kraft.verdict == "shifted" and kraft.towards == "kompisar"
    assert kraft.centre_b[1] - kraft.centre_a[1] > 0.15
    kompisar = next(r for r in change.items if r.item == "corner:kompisar")
    assert kompisar.difference > 0.3 and kompisar.ci_low > 0
    outcome = next(d for d in change.desired if d.item == "corner:kompisar")
    assert outcome.want == "more_of" and outcome.outcome in ("right_way", "not_clear")


def test_ange_feels_safer_and_filipstad_listens_more(context: PatternContext) -> None:
    ange = context.over_time("Ånge", "2024 vår", "2025 vår")
    trygg = next(d for d in ange.dyads if d.signifier == "trygg")
    assert trygg.verdict == "higher"
    assert trygg.mean_a == pytest.approx(0.52, abs=0.03)
    assert trygg.mean_b == pytest.approx(0.75, abs=0.03)
    filipstad = context.over_time("Filipstad", "2024 vår", "2025 vår")
    lyssnad = next(d for d in filipstad.dyads if d.signifier == "lyssnad")
    assert lyssnad.verdict == "higher"
    assert ("lyssnad", "band:5", "more_of") in clear(filipstad)


def test_sodertalje_has_more_sport_stories_than_elsewhere(context: PatternContext) -> None:
    result = context.against("Södertälje", "all", "all")
    assert result.group_b == "Södertälje"
    assert ("plats", "option:idrott", "more_of") in clear(result)


@pytest.mark.parametrize("rounds", [(0, 1), (1, 2), (0, 2)])
def test_saffle_shows_no_change(context: PatternContext, rounds: tuple[int, int]) -> None:
    change = context.over_time("Säffle", ROUNDS[rounds[0]], ROUNDS[rounds[1]])
    assert not change.suppressed
    assert change.findings() == []
    assert change.shifts() == []


def test_csv_has_the_agreed_columns_and_item_names(context: PatternContext, tmp_path: Path) -> None:
    path = tmp_path / "ange.csv"
    change = context.over_time("Ånge")  # newest round against the one before
    assert change.group_a.endswith("2024 höst") and change.group_b.endswith("2025 vår")
    assert change.to_csv(path) == len(change.items)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    items = {(r["signifier"], r["item"]) for r in rows}
    expected = {("kraft", "corner:vuxna"), ("kraft", "centre"), ("kraft", "edge:vuxna-kompisar"),
                ("trygg", "band:1"), ("trygg", "band:5"), ("plats", "option:idrott")}  # fmt: skip
    assert expected <= items
    for r in rows:
        share_a, share_b = float(r["share_a"]), float(r["share_b"])
        assert float(r["difference"]) == pytest.approx(share_b - share_a, abs=2e-6)
        assert r["verdict"] in ("more_of", "fewer_of", "no_clear_difference")
    frame = change.to_frame()
    assert list(frame.columns[: len(CSV_COLUMNS)]) == list(CSV_COLUMNS)
    assert len(frame) == len(rows)


def test_shares_of_a_signifier_add_up(context: PatternContext) -> None:
    summary = context.describe("Säffle", "2025 vår")
    kraft = summary.signifier("kraft")
    assert sum(kraft.shares) == pytest.approx(1.0)
    assert kraft.answered + kraft.not_applicable <= summary.stories
    plats = summary.signifier("plats")  # multi-select: shares of answering stories, may pass 1
    assert all(0 <= s <= 1 for s in plats.shares)
    assert summary.signifier("trygg").median is not None


def test_small_places_are_hidden_with_a_partner(demo: Project, tmp_path: Path) -> None:
    from sensemaking.patterns.data import load_answers

    table = load_answers(demo.engine, demo.framework)
    context = PatternContext(table, demo.framework, min_group=10)
    # Storfors has 5-8 storytellers per round: under 10 it is never shown, alone or compared
    assert context.describe("Storfors", "2025 vår").suppressed
    hidden = context.over_time("Storfors", "2024 vår", "2025 vår")
    assert hidden.suppressed and {r.verdict for r in hidden.items} == {"suppressed"}
    assert hidden.stories_a is None and all(t.n_a is None for t in hidden.triads)
    # ... and within each round a second cell is hidden so the round's total reveals nothing
    for round_ in ROUNDS:
        cells = [c for c in context.plan.hidden if c[1] == round_]
        assert len(cells) >= 2


def test_unknown_places_rounds_and_desired_items_are_clear_errors(
    context: PatternContext, demo: Project
) -> None:
    with pytest.raises(PatternError, match="no stories from place 'Gotham'"):
        context.over_time("Gotham")
    with pytest.raises(PatternError, match="no stories in round '1999'"):
        context.over_time("Ånge", "1999", "2025 vår")
    settings = demo.config.patterns.model_copy(deep=True)
    settings.desired.more_of = ["kraft corner:katter"]
    with pytest.raises(ConfigError, match=r"corner:katter.*corner:vuxna"):
        PatternContext(context.table, demo.framework, settings)


def test_a_place_is_found_by_any_tail_of_its_path(context: PatternContext) -> None:
    by_name = context.table.in_place("ljusnarsberg")
    by_path = context.table.in_place("Örebro län/Ljusnarsberg")
    assert by_name.sum() == 94 and np.array_equal(by_name, by_path)
    assert context.table.in_place("Ljusnarsberg/Kopparbergs skola").sum() < by_name.sum()


def test_the_patterns_command_leads_with_findings_and_writes_csv(
    demo: Project, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from cli.main import cli

    runner = CliRunner()
    base = ["--project", str(demo.path), "patterns"]
    out = tmp_path / "f.csv"
    result = runner.invoke(cli, [*base, "--place", "Filipstad", "--from", "2024 vår", "--to",
                                 "2025 vår", "--csv", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Filipstad · 2025 vår jämfört med Filipstad · 2024 vår"
    assert lines[3] == "Tydliga skillnader"
    assert "mer av" in lines[5] and "lyssnad" in lines[5]
    assert "vill ha mer av kraft" in result.output  # the desired directions
    assert "trygg: " in result.output and "medel" in result.output
    assert out.exists() and f"-> {out}" in result.output
    english = runner.invoke(cli, [*base, "--place", "Södertälje", "--against", "all", "--round",
                                  "all", "--lang", "en"])  # fmt: skip
    assert english.exit_code == 0, english.output
    assert english.output.startswith("Södertälje compared with all other places")
    assert "more of" in english.output and "sport" in english.output
    bad = runner.invoke(cli, [*base, "--place", "Gotham"])
    assert bad.exit_code == 1 and "Error: no stories from place 'Gotham'" in bad.output
    mixed = runner.invoke(cli, [*base, "--place", "Ånge", "--from", "2024 vår", "--against", "all"])
    assert mixed.exit_code == 2 and "--from/--to" in mixed.output


def test_cross_views_show_who_places_dots_where_and_hide_small_cells(
    context: PatternContext,
) -> None:
    view = context.cross("alder", "kraft")
    assert len(view.rows) >= 3 and all(r.startswith("option:") for r in view.rows)
    assert view.columns[0] == "corner:vuxna"
    shown = ~view.hidden.any(axis=1)
    assert np.allclose(np.nansum(view.shares[shown], axis=1), 1.0)
    frame = view.to_frame()
    assert set(frame.columns) == {"row", "column", "count", "share", "lift"}
    small = context.cross("alder", "kraft", place="Storfors", round="2025 vår")
    assert small.hidden.all() and np.isnan(small.shares).all()
    with pytest.raises(PatternError, match="no signifier 'katter'"):
        context.cross("katter", "kraft")


def test_themes_against_zones_show_which_theme_leans_to_which_corner() -> None:
    from test_patterns_privacy import FRAMEWORK

    from sensemaking.patterns.cross import cross_view
    from sensemaking.patterns.data import AnswerTable
    from sensemaking.patterns.items import build_items

    rng = np.random.default_rng(0)
    n = 300
    theme = np.where(np.arange(n) < 150, "T1", "T2").astype(object)
    dots = np.where((theme == "T1")[:, None], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8])
    table = AnswerTable(
        story_id=np.arange(n), place=np.full(n, "X", dtype=object),
        round=np.full(n, "r", dtype=object), storyteller=np.arange(n),
        triads={"t": dots}, triad_na={"t": np.zeros(n, bool)},
        dyads={"d": rng.random(n)}, dyad_na={"d": np.zeros(n, bool)},
        choices={"ch": rng.random((n, 2)) < 0.5}, theme=theme,
        theme_labels={"T1": "a-stories", "T2": "c-stories"}, theme_run=1,
    )  # fmt: skip
    view = cross_view(table, build_items(table, FRAMEWORK), "themes", "t")
    assert view.rows == ("theme:T1", "theme:T2", "theme:other")
    assert view.shares[0, 0] == 1.0 and view.lift[0, 0] == pytest.approx(2.0)
    assert view.shares[1, 2] == 1.0
    assert np.isnan(view.shares[2]).all()  # no "other" stories: nothing to show


def test_items_read_as_words(demo: Project) -> None:
    from sensemaking.patterns.text import item_label

    bands = [item_label(demo.framework, "trygg", f"band:{k}") for k in range(1, 6)]
    assert bands[0] == "steg 1 av 5 (mot “otrygg”)" and bands[2] == "steg 3 av 5 (mitten)"
    assert bands[4] == "steg 5 av 5 (mot “trygg”)"
    assert item_label(demo.framework, "kraft", "corner:kompisar", "en") == (
        "the corner “friends and belonging”"
    )
    assert item_label(demo.framework, "themes", "theme:T3", "sv", {"T3": "Fotboll"}) == (
        "tema T3 “Fotboll”"
    )
