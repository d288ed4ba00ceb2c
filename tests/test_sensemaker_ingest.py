"""The real SenseMaker export in ../shared/data/sensemaker_demo goes in whole and exact."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED_DATA

from cli.main import cli
from sensemaking.project import Project, create_project

DEMO = SHARED_DATA / "sensemaker_demo"
DEFINITION = DEMO / "ADemo_Definition.json"
EXPORT = DEMO / "ADemo_Data.csv"

pytestmark = pytest.mark.skipif(not EXPORT.exists(), reason=f"{DEMO} is not here")


@pytest.fixture
def ademo(tmp_path: Path, database_url: str | None) -> Project:
    with create_project(tmp_path / "ademo", framework=DEFINITION, database_url=database_url) as p:
        yield p


def test_all_129_stories_with_5_triads_and_3_dyads(ademo: Project) -> None:
    fw = ademo.framework
    assert (len(fw.of_type("triad")), len(fw.of_type("dyad"))) == (5, 3)
    report = ademo.ingest(EXPORT, sensemaker_definition=DEFINITION)
    assert report.committed and report.errors == []
    assert (report.rows_read, report.added) == (129, 129)
    assert ademo.count_stories() == 129
    again = ademo.ingest(EXPORT, sensemaker_definition=DEFINITION)
    assert (again.added, again.unchanged) == (0, 129)


def test_values_match_the_source_by_hand_checked_value(ademo: Project) -> None:
    ademo.ingest(EXPORT, sensemaker_definition=DEFINITION)
    stories = {s.source_id: s for s in ademo.stories()}
    # Row 3 of ADemo_Data.csv: the anchor columns dee85953…_0330c0c8…, _0f3db059…, _6acdf566….
    story = stories["ceefc21e-806b-11eb-81ea-0242ac110003"]
    assert story.title == "Feel sorry for the SOB"
    assert story.triads["influences-situation"] == pytest.approx(
        (0.1415929203539823, 0.7037655663381606, 0.15464151330785733), abs=1e-6
    )
    assert story.triads["pressure-situation"] == pytest.approx(
        (0.8230088495575221, 0.10548184416063278, 0.07150930628184504), abs=1e-6
    )
    # Dyads: b662e7f4…_percentX, 4c3c1b34…_percentX, 42c7f92c…_percentX.
    assert story.dyads == pytest.approx(
        {"situation": 0.7524109792284867, "situation-people": 0.8354970326409495,
         "peoples-attitudes": 0.12333086053412463},
        abs=1e-6,
    )  # fmt: skip
    assert story.choices["experience-makes-feel-pick"] == ["disappointed", "frustrated", "sad"]
    assert str(story.told_on) == "2015-07-29"  # server_upload_time 1438146266459 (ms)
    # c9a49500…: all three dyads ticked N/A in their _NA columns: stored as N/A, not missing.
    na = stories["c9a49500-806b-11eb-81ea-0242ac110003"]
    assert na.dyads == {"situation": None, "situation-people": None, "peoples-attitudes": None}
    assert na.triads["influences-situation"][0] == pytest.approx(0.5442477876106195, abs=1e-6)


def test_a_project_without_the_definitions_signifiers_is_told_how(project: Project) -> None:
    from sensemaking.errors import IngestError

    with pytest.raises(IngestError, match="init DIR --framework"):
        project.ingest(EXPORT, sensemaker_definition=DEFINITION)


def test_the_cli_imports_the_export(tmp_path: Path, database_url: str | None) -> None:
    args = ["init", str(tmp_path / "p"), "--framework", str(DEFINITION)]
    assert (
        CliRunner()
        .invoke(cli, args + (["--database-url", database_url] if database_url else []))
        .exit_code
        == 0
    )
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path / "p"),
            "ingest",
            "--sensemaker-definition",
            str(DEFINITION),
            str(EXPORT),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "129 added" in result.output
