"""The report as a browser shows it: every page loads offline in headless Chromium with no
console error and no network request, draws its charts, and runs no script from a story.

Needs Debian's `chromium` and the `playwright` package (dev dependency; `.ci/run` installs
both). Screenshots land in `test-artifacts/report/` for a person to look at.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_FRAMEWORK, story_row, write_csv
from test_themes import TopicEmbedder

from sensemaking.project import Project, RunReport, create_project

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "report"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         # software WebGL, for the theme map of large projects
         "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]  # fmt: skip

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium package")


@dataclass
class Visit:
    """What happened while one page was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


PROBE = """() => ({
  figures: document.querySelectorAll('[data-figure]').length,
  drawn: document.querySelectorAll('[data-figure].js-plotly-plot').length,
  bars: document.querySelectorAll('.barlayer .point').length,
  ternaries: document.querySelectorAll('.ternary').length,
  mapPoints: document.querySelectorAll('.scatterlayer .point').length,
  gl: document.querySelectorAll('canvas.gl-canvas').length,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  xss: window.__xss === undefined ? null : String(window.__xss),
  injected: document.querySelectorAll(
    'main img, main iframe, main script, main svg[onload], [onerror], [onload]').length,
  jsLinks: Array.from(document.querySelectorAll('a')).filter(
    a => (a.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript')).length,
  text: document.body.innerText,
})"""

HOVER_ALL = """() => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    (gd.data || []).forEach((trace, i) => {
      const n = Array.isArray(trace.x) ? trace.x.length : (trace.a ? trace.a.length : 0);
      for (let p = 0; p < Math.min(n, 40); p++) {
        try { Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: p}]); } catch (e) {}
      }
    });
  }
  return document.querySelectorAll('.hoverlayer a, .hoverlayer img').length;
}"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        yield context
        context.close()


def visit(browser: Any, page_path: Path, *, width: int = 1280, shot: str | None = None,
          hover: bool = False) -> Visit:  # fmt: skip
    seen = Visit()
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.on("console", lambda m: m.type == "error" and seen.console_errors.append(m.text))
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
    page.on("request", lambda r: seen.requests.append(r.url))

    def dialog(d: Any) -> None:
        seen.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    if hover:
        seen.facts["hover_links"] = page.evaluate(HOVER_ALL)
    seen.facts.update(page.evaluate(PROBE))
    if shot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{shot}-{width}.png"), full_page=True)
    page.close()
    return seen


def assert_clean(seen: Visit, name: str) -> None:
    assert not seen.console_errors, (name, seen.console_errors)
    assert not seen.page_errors, (name, seen.page_errors)
    assert not seen.dialogs, (name, seen.dialogs)
    outside = [u for u in seen.requests if not u.startswith("file://")]
    assert not outside, (name, outside)
    facts = seen.facts
    assert facts["drawn"] == facts["figures"], (name, facts["drawn"], facts["figures"])
    assert facts["xss"] is None and facts["injected"] == 0 and facts["jsLinks"] == 0, name
    assert facts["overflow"] <= 1, (name, "wider than the window", facts["overflow"])


def test_every_demo_page_loads_offline_and_draws_its_charts(
    browser: Any, demo_report: tuple[Project, RunReport]
) -> None:
    _, result = demo_report
    folder = result.report.folder
    places = sorted((folder / "places").glob("*.html"))
    ljusnarsberg = next(p for p in places if "ljusnarsberg-" in p.name and p.name.count("-") == 3)
    for path in [folder / "index.html", folder / "themes.html", folder / "compare.html",
                 *places]:  # fmt: skip
        name = str(path.relative_to(folder))
        keep = path.name in ("index.html", "themes.html", "compare.html", ljusnarsberg.name)
        for width in (1280, 390) if keep else (1280,):
            seen = visit(browser, path, width=width, shot=path.stem if keep else None)
            assert_clean(seen, f"{name} at {width}px")
    index = visit(browser, folder / "index.html").facts
    assert index["figures"] == 2 and index["bars"] > 0
    assert "Berättelser per plats och omgång" in index["text"]
    themes = visit(browser, folder / "themes.html", hover=True).facts
    assert themes["mapPoints"] >= 832 and themes["hover_links"] == 0
    place = visit(browser, ljusnarsberg).facts
    assert place["ternaries"] == 12 and place["bars"] > 0


XSS = [
    "<script>window.__xss='script'</script> på fritidsgården",
    "Vi spelade på fritidsgården </script><script>window.__xss='close'</script>",
    "<img src=x onerror=\"window.__xss='img'\"> laget vann matchen",
    "<a href=\"javascript:window.__xss='link'\">klicka</a> i skolan med läraren",
    r"$\href{javascript:window.__xss='tex'}{klicka}$",
    "<svg onload=\"window.__xss='svg'\"></svg> i skogen och naturen",
    '"><iframe srcdoc="<script>parent.__xss=\'iframe\'</script>"></iframe> hemma med mamma',
    "<style>body{display:none}</style> på nätet i gruppchatten",
    "{{ 7*7 }} ${7*7} <%= 7*7 %> på fritidsgården",
    "Superkalifragilistisk" + "expialidocious" * 40 + " på fritidsgården",
    "أنا أحب الذهاب إلى fritidsgården مع أصدقائي كل يوم",
    "אני אוהב את השכונה שלי, גם när det är mörkt på vägen hem",
    "🏳️‍🌈👩‍👩‍👧‍👦 fritidsgården är bäst 😀🎉🎮" * 3,
    "&lt;b&gt;redan escapad&lt;/b&gt; &amp; klar i skolan",
]


@pytest.fixture(scope="module")
def xss_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("xss")
    rows = []
    for n in range(120):
        text = f"{XSS[n % len(XSS)]} (berättelse {n})"
        rows.append(story_row(n, text=text, title=XSS[(n + 3) % len(XSS)][:80],
                              storyteller=f"x{n}",
                              round="2024 vår" if n % 2 else "2025 vår"))  # fmt: skip
    with create_project(folder / "p", framework=TEST_FRAMEWORK) as project:
        project.config.privacy.quote_without_consent = True  # the file has no consent column
        assert project.ingest(write_csv(folder / "xss.csv", rows)).added == 120
        result = project.run(embedder=TopicEmbedder())
        assert result.themes is not None
    yield result.report.folder


def test_stories_full_of_markup_run_no_script_and_break_no_layout(
    browser: Any, xss_report: Path
) -> None:
    html = (xss_report / "themes.html").read_text(encoding="utf-8")
    quotes = re.findall(r'<blockquote dir="auto">(.*?)</blockquote>', html, re.S)
    assert any("&lt;" in q for q in quotes)  # markup quoted on a card, as text
    for path in sorted(xss_report.rglob("*.html")):
        for width in (1280, 390):
            shot = f"xss-{path.stem}" if path.name in ("themes.html", "index.html") else None
            seen = visit(browser, path, width=width, shot=shot, hover=True)
            assert_clean(seen, f"{path.name} at {width}px")
            assert seen.facts["hover_links"] == 0
    text = visit(browser, xss_report / "themes.html").facts["text"]
    shown = [html_lib.unescape(q).split(" (berättelse")[0] for q in quotes]
    assert any("<" in q and q in text for q in shown)  # shown as written, not run
