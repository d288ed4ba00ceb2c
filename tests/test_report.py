"""The HTML report: pages built from the demo data, small groups hidden, quotes only where
allowed, the manifest on every page, and `run` doing only what is due."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_themes import TopicEmbedder

from cli.main import cli
from sensemaking.project import Project, RunReport
from sensemaking.report.figures.style import plain, wrapped
from sensemaking.report.pages import safe_json

FIGURE_DATA = re.compile(
    r'<script type="application/json" id="(fig-\d+)-data">(.*?)</script>', re.S
)


@pytest.fixture
def demo(demo_report: tuple[Project, RunReport]) -> tuple[Project, RunReport]:
    return demo_report


def pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*.html"))}  # fmt: skip


def figures(html: str) -> dict[str, dict]:
    return {m.group(1): json.loads(m.group(2)) for m in FIGURE_DATA.finditer(html)}


def test_every_page_is_written_with_one_local_plotly_and_the_manifest(demo) -> None:
    project, result = demo
    report = result.report
    folder = report.folder
    found = pages(folder)
    places = [name for name in found if name.startswith("places/")]
    assert {"index.html", "themes.html", "compare.html"} <= set(found)
    # every place of the hierarchy: 4 regions, 6 municipalities, 19 sites
    assert len(places) == 29
    assert report.index == folder / "index.html"
    assert (folder / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    run = project.themes()
    data_hash = report_hash(project)
    for name, html in found.items():
        assert "assets/plotly.min.js" in html and len(html) < 1_000_000, name
        assert "Plotly.newPlot" not in html  # drawn by the local loader, not inline code
        footer = html[html.index('<footer class="manifest">') :]
        assert data_hash[:12] in footer
        assert "test-topic-embedder" in footer and f"sensemaking {project_version()}" in footer
        assert f"<dd>{run.run_id}</dd>" in footer
        for figure_id, spec in figures(html).items():
            assert f'id="{figure_id}" data-figure' in html
            assert spec["figure"]["data"] or spec["figure"]["layout"].get("annotations"), name


def report_hash(project: Project) -> str:
    from sensemaking.report.inputs import data_hash

    return data_hash(project)[0]


def project_version() -> str:
    import sensemaking

    return sensemaking.__version__


def place_page(folder: Path, name: str) -> str:
    matches = [p for p in (folder / "places").glob("*.html")
               if f"<h1>{name}</h1>" in p.read_text(encoding="utf-8")]  # fmt: skip
    assert len(matches) == 1, name
    return matches[0].read_text(encoding="utf-8")


def test_a_place_below_the_minimum_group_shows_no_numbers_and_no_dots(demo) -> None:
    _, result = demo
    folder = result.report.folder
    # Storfors skola: 4, 2 and 4 storytellers in the three rounds (k = 5)
    school = place_page(folder, "Värmland › Storfors › Storfors skola")
    assert re.findall(r"<b>(\w+)</b><span>berättelser 20", school) == ["dold"] * 3
    for spec in figures(school).values():
        for trace in spec["figure"]["data"]:
            assert trace["type"] == "bar" and trace["x"] == [None, None, None]
        if not spec["figure"]["data"]:
            texts = [a["text"] for a in spec["figure"]["layout"]["annotations"]]
            assert texts == ["Dold: färre än 5 berättare."]
    # the coverage chart hides both Storfors sites in every round
    coverage = figures(pages(folder)["index.html"])["fig-1"]["figure"]["data"][1]
    storfors = [k for k, label in enumerate(coverage["y"]) if label.startswith("Storfors")]
    assert len(storfors) == 2
    for k in storfors:
        assert coverage["z"][k] == [None, None, None]
    assert "Storfors" not in json.dumps(coverage["text"][storfors[0]])


def test_the_overview_lists_each_place_with_its_newest_round_and_change(demo) -> None:
    _, result = demo
    index = pages(result.report.folder)["index.html"]
    rows = dict(re.findall(r'>\W*([^<>]+?)</a></td><td class="num">([^<]+)</td>', index))
    # docs/demo-data.md: 110 stories from Södertälje and 36 from Ljusnarsberg in 2025 vår
    assert rows["Södertälje"] == "110" and rows["Ljusnarsberg"] == "36"
    assert rows["Storfors skola"] == "dold"  # 4 storytellers
    ljusnarsberg = re.search(r">\W*Ljusnarsberg</a></td><td[^>]*>[^<]*</td><td>([^<]*)<", index)
    assert ljusnarsberg.group(1) == "har flyttat sig: kraft"


def test_a_shown_place_has_its_triads_round_by_round_and_the_change(demo) -> None:
    project, result = demo
    ljusnarsberg = place_page(result.report.folder, "Örebro län › Ljusnarsberg")
    specs = figures(ljusnarsberg)
    ternaries = [s for s in specs.values() if s["figure"]["data"]
                 and s["figure"]["data"][0]["type"] == "scatterternary"]  # fmt: skip
    triads = len(project.framework.of_type("triad"))
    assert len(ternaries) == triads * 4  # three rounds and the centre's path, per triad
    # planted: friends and belonging grow in 2025 vår (docs/demo-data.md, pattern 1)
    assert "kraft: har flyttat sig mot hörnet “kompisar och gemenskap”" in ljusnarsberg
    bars = [s for s in specs.values() if s["figure"]["data"][0]["type"] == "bar"]
    assert len(bars) == len(project.framework.of_type("dyad"))


def test_quotes_come_only_with_consent_and_from_groups_with_enough_storytellers(
    demo, tmp_path: Path
) -> None:
    project, _ = demo
    run = project.themes()
    quoted = project.report(tmp_path / "quoted")
    page = (quoted.folder / "themes.html").read_text(encoding="utf-8")
    examples = [project.story(s) for t in run.themes for s in t.representatives]
    quotes = set(re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", page, flags=re.S))
    shown = [s for s in examples if plain(s.text) in quotes]
    assert len(shown) >= 2 * len(run.themes)
    assert all(s.sharing == "quote" for s in shown)
    assert any(s.sharing == "count" for s in examples)  # there was something to leave out
    project.config.privacy.quote_min_group = 10_000
    try:
        silent = project.report(tmp_path / "silent")
    finally:
        project.config.privacy.quote_min_group = 10
    html = (silent.folder / "themes.html").read_text(encoding="utf-8")
    assert "<blockquote" not in html and "Inga citat: färre än 10000 berättare" in html
    story_map = figures(html)["fig-1"]["figure"]["data"]
    assert all(not trace.get("text") or not any(trace["text"]) for trace in story_map)


def test_the_theme_map_places_every_story_of_the_run(demo) -> None:
    project, result = demo
    html = (result.report.folder / "themes.html").read_text(encoding="utf-8")
    traces = figures(html)["fig-1"]["figure"]["data"]
    assert sum(_length(t["x"]) for t in traces) == 832
    assert project.themes().params["map"]["method"] == "umap"


def _length(array: object) -> int:
    if isinstance(array, dict):  # plotly's base64 typed array
        import base64

        return len(base64.b64decode(array["bdata"])) // np.dtype(array["dtype"]).itemsize
    return len(array)  # type: ignore[arg-type]


def test_run_does_only_what_is_due(demo, tmp_path: Path) -> None:
    project, first = demo
    # stories that differed only in a name are one text once the name is redacted
    texts = len({s.text for s in project.stories()})
    assert 800 < texts < 832
    assert (first.embedded.new, first.embedded.embedded) == (texts, 832)
    assert first.themes is not None
    again = project.run(embedder=TopicEmbedder(), out=tmp_path / "again")
    assert again.embedded.new == 0 and again.themes is None
    assert again.themes_skipped == "the newest theme run is up to date"
    assert again.report.index.is_file()


def test_the_report_command_writes_english_pages(demo, tmp_path: Path) -> None:
    project, _ = demo
    out = tmp_path / "en"
    result = CliRunner().invoke(
        cli, ["--project", str(project.path), "report", "--out", str(out), "--lang", "en", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert f"open {out / 'index.html'}" in result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "Stories per place and round" in index
    bad = CliRunner().invoke(cli, ["--project", str(project.path), "report", "--lang", "fi"])
    assert bad.exit_code == 2 and "'fi' is not one of" in bad.output


def test_pages_of_places_no_longer_there_are_removed(demo, tmp_path: Path) -> None:
    project, _ = demo
    out = tmp_path / "r"
    (out / "places").mkdir(parents=True)
    old = out / "places" / "gone-123456.html"
    old.write_text("an old page with a story", encoding="utf-8")
    project.report(out)
    assert not old.exists()


def test_text_for_plotly_is_never_markup() -> None:
    assert plain('<a href="javascript:alert(1)">x</a>') == (
        "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"
    )
    assert "$" not in plain(r"$\href{javascript:alert(1)}{klicka}$")
    lines = wrapped("a" * 300, 60, 3).split("<br>")
    assert len(lines) == 3 and all(len(line) <= 60 for line in lines)


def test_json_in_a_script_element_cannot_close_it() -> None:
    text = safe_json({"t": "</script><script>alert(1)</script>\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><script>alert(1)</script>\u2028&"}


@pytest.mark.slow
def test_the_demo_command_builds_everything_with_the_bundled_model(
    tmp_path: Path, monkeypatch
) -> None:
    """The README's main command: a fresh folder to an overview page, offline."""
    monkeypatch.setenv("SENSEMAKING_EMBEDDING_MODEL", "bundled")
    folder = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    index = folder / "reports" / "index.html"
    assert result.output.strip().splitlines()[-1] == str(index.resolve())
    assert "new texts embedded, 832 stories in all" in result.output
    assert index.is_file() and (folder / "reports" / "themes.html").is_file()
    again = CliRunner().invoke(cli, ["demo", str(folder), "-q"])  # up to date: nothing new
    assert again.exit_code == 0 and "0 new texts embedded" in again.output
    assert "the newest theme run is up to date" in again.output


def test_a_large_map_is_a_seeded_sample_and_says_so(demo, tmp_path: Path) -> None:
    project, _ = demo
    project.config.report.map_points = 300
    try:
        result = project.report(tmp_path / "sample")
    finally:
        project.config.report.map_points = 200_000
    html = (result.folder / "themes.html").read_text(encoding="utf-8")
    assert "Kartan visar ett slumpat urval av 300 av 832 berättelser." in html
    traces = figures(html)["fig-1"]["figure"]["data"]
    assert sum(_length(t["x"]) for t in traces) == 300
