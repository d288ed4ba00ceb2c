"""The demo data's planted themes are found with the bundled model and labelled recognisably."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensemaking.demo import demo_csv_path
from sensemaking.project import Project, create_project

pytestmark = pytest.mark.slow

#: Planted scenarios (docs/demo-data.md) and words any recognisable label for them contains.
PLANTED = {
    "youth council": {"ungdomsråd", "ungdomsrådet", "kommunen", "kommunfullmäktige"},
    "sports team": {"laget", "tränaren", "tränare", "matchen", "träningen", "match"},
    "youth centre": {"fritidsgården", "fritids", "fritidsgård"},
    "dark way home": {"vägen hem", "lampor", "mörkt", "gångtunneln", "nattvandrarna"},
}


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("demo") / "p"
    project = create_project(folder)
    project.config.embedding.model = "bundled"
    assert project.ingest(demo_csv_path()).added == 832
    report = project.embed()
    assert report.embedded == 832 and not report.fell_back
    project.find_themes(seed=0)
    yield project
    project.close()


def test_the_planted_themes_are_found_and_labelled(themed: Project) -> None:
    result = themed.themes()
    words = [
        {w.lower() for w in (t.label.replace(" · ", "|").split("|") + t.keywords)}
        for t in result.themes
    ]
    for scenario, expected in PLANTED.items():
        assert any(expected & theme for theme in words), (
            scenario,
            [t.label for t in result.themes],
        )


def test_the_demo_run_is_readable_and_honest(themed: Project) -> None:
    result = themed.themes()
    assert 5 <= len(result.themes) <= 25
    assert result.other_share <= 0.10
    assert result.seed_ari >= 0.9


def test_a_second_run_on_the_same_stories_keeps_every_key(themed: Project, tmp_path: Path) -> None:
    first = themed.themes()
    again = themed.find_themes(seed=0)
    assert [t.key for t in again.themes] == [t.key for t in first.themes]
    assert {t.event for t in again.themes} == {"continued"}
