"""SenseMaker import: the ADemo definition and export, and other export layouts."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sensemaking.errors import FrameworkError, IngestError
from sensemaking.framework import load_framework, parse_framework
from sensemaking.ingest.sensemaker import (
    SenseMakerDefinition,
    framework_from_definition,
    read_definition,
    read_sensemaker_export,
)
from sensemaking.ingest.sensemaker_definition import slugify

DATA = Path(__file__).parents[2] / "shared" / "data" / "sensemaker_demo"

TRIADS = {
    "influences-situation": ["quality-demands", "schedule-pressures", "resource-tensions"],
    "attention-improvement-needed": [
        "processes-procedures",
        "tools-equipment-technology",
        "people-skills-behaviours-relationships",
    ],
    "situation-reflects-company": ["present", "past", "likely-future"],
    "work-tasks-situation-done": [
        "according-rules-policies-procedures",
        "high-level-confidence",
        "considerable-care-caution",
    ],
    "pressure-situation": ["co-workers", "supervisors-managers", "self-imposed"],
}
DYADS = ["situation", "situation-people", "peoples-attitudes"]
EMOTIONS = "experience-makes-feel-pick"
INFLUENCES = "dee85953-7226-45c5-9add-c146e5f4096f"
PRESSURE = "085f37d9-5819-4cc0-8538-e05ff0bd0e2c"
SLIDERS = (
    "b662e7f4-41b0-4525-8685-26c2a685d67d",
    "4c3c1b34-980c-4bda-815a-2979d5ddcd45",
    "42c7f92c-1cff-4f60-991e-0753c1b2b417",
)
EMOTION_ID = "e533b24f-1ac4-4506-8b10-0b1169cc7282"


@pytest.fixture(scope="module")
def definition_path() -> Path:
    path = DATA / "ADemo_Definition.json"
    if not path.exists():
        pytest.skip(f"the SenseMaker demo data is not at {DATA}")
    return path


@pytest.fixture(scope="module")
def export_path(definition_path: Path) -> Path:
    return definition_path.with_name("ADemo_Data.csv")


@pytest.fixture(scope="module")
def definition(definition_path: Path) -> SenseMakerDefinition:
    return read_definition(definition_path)


@pytest.fixture(scope="module")
def rows(definition: SenseMakerDefinition, export_path: Path) -> dict[str, tuple[int, dict]]:
    with read_sensemaker_export(definition, export_path) as export:
        return {row["id"]: (number, row) for number, row in export.rows}


# --- the definition ---------------------------------------------------------------------------


def test_definition_gives_five_triads_three_dyads(definition: SenseMakerDefinition) -> None:
    fw = definition.framework
    assert fw.id == "ademo"
    assert fw.prompt == {"en": "Briefly describe what happened:"}
    assert {s.id: [c.id for c in s.corners] for s in fw.of_type("triad")} == TRIADS
    assert [s.id for s in fw.of_type("dyad")] == DYADS
    assert definition.fragment_id == "ca82ba5d-6102-4f69-94da-76c38c28ce9b"
    influences = fw.signifier("influences-situation")
    assert influences.sensemaker_id == INFLUENCES
    assert influences.corners[0].sensemaker_id == "0330c0c8-1800-4fc5-94b3-4712ba07d610"
    assert influences.corners[0].label == {"en": "quality demands"}  # "quality<br>demands"
    assert influences.allow_na
    assert fw.signifier("situation").poles == (
        {"en": "heavily micro-managed"},
        {"en": "not given any guidance or direction"},
    )


def test_definition_lists_and_free_text(definition: SenseMakerDefinition) -> None:
    fw = definition.framework
    emotions = fw.signifier(EMOTIONS)
    assert emotions.multiple and len(emotions.options) == 15
    assert emotions.options[-1].id == "not-sure"
    assert not fw.signifier("gender").multiple
    assert [o.id for o in fw.signifier("gender").options] == [
        "female",
        "male",
        "other",
        "prefer-not-say",
    ]
    assert fw.signifier("every-day-few-times").options[0].label == {
        "en": "worried or concerned you, OR"
    }
    assert [s.id for s in fw.of_type("text")] == ["entry-above-news-headline"]
    assert len(fw.signifiers) == 15
    for s in fw.signifiers:
        assert len(s.id) <= 40 and s.id.isascii()


def test_definition_skips_display_elements(definition: SenseMakerDefinition) -> None:
    reasons = {s.sensemaker_id: (s.type, s.reason) for s in definition.skipped}
    assert reasons["567bc704-5ce0-41a2-be56-6f55e1d328ae"][0] == "stones"
    assert "check box" in reasons["6ed2b61d-77ff-4efc-a834-23c23e2eb4dc"][1]
    assert sorted(t for t, _ in reasons.values()) == ["label"] * 8 + [
        "list",
        "navigation",
        "navigation",
        "save",
        "stones",
    ]


def test_load_framework_reads_a_definition(definition_path: Path) -> None:
    fw = load_framework(definition_path)
    assert fw == framework_from_definition(definition_path)
    assert parse_framework(fw.to_yaml()) == fw  # it can be kept as an ordinary YAML framework


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("{not json", "(json)"),
        ('{"name": ["x"]}', "signifiers"),
        ('{"signifiers": []}', "fragment_signifier_id"),
    ],
)
def test_bad_definitions_raise(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "Bad_Definition.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        framework_from_definition(path)
    assert info.value.problems[0][:2] == (None, field)
    assert info.value.source == str(path)


def test_missing_definition_raises(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="no such file"):
        framework_from_definition(tmp_path / "nothing.json")


def test_definition_without_usable_signifiers_raises(tmp_path: Path) -> None:
    fragment = {"id": "f", "type": "freetext", "title": "Tell", "fragment": True}
    path = tmp_path / "Def.json"
    path.write_text(json.dumps({"name": "X", "signifiers": [fragment]}), encoding="utf-8")
    with pytest.raises(FrameworkError, match="at least one signifier"):
        framework_from_definition(path)


def test_slugify() -> None:
    assert slugify("Influences on this situation were...") == "influences-situation"
    assert slugify("Trygghet på fritidsgården") == "trygghet-fritidsgarden"
    assert slugify("Känner du dig trygg i skolan?") == "kanner-trygg-skolan"
    assert slugify("Æbleø & straße") == "aebleo-strasse"
    assert slugify("???", fallback="triad-1") == "triad-1"
    assert len(slugify("word " * 30, max_words=20)) <= 40


# --- the export ---------------------------------------------------------------------------------


def test_all_stories_are_read(definition: SenseMakerDefinition, export_path: Path) -> None:
    with read_sensemaker_export(definition, export_path) as export:
        numbered = list(export.rows)
        assert export.columns[:5] == ["id", "text", "title", "language", "date"]
        assert "influences-situation.quality-demands" in export.columns
        assert export.missing_signifiers == []
        assert "6ed2b61d-77ff-4efc-a834-23c23e2eb4dc" in export.unknown_columns  # access control
        assert sum(c.startswith("567bc704") for c in export.unknown_columns) == 6  # the stones
        assert "meta_platform" in export.ignored_columns
        # One answer is not in the definition (an older tenure option); it is None and listed.
        assert export.problems == [
            (117, "long-worked-company", "'1_2years' is not an option of 'long-worked-company'")
        ]
    assert len(numbered) == 129
    # Row numbers as a spreadsheet shows them: multi-line stories are one row each.
    assert [n for n, _ in numbered] == list(range(2, 131))
    assert numbered[2][1]["id"] == "d3bea7a6-806b-11eb-81ea-0242ac110003"
    assert all(isinstance(row["text"], str) and row["text"] for _, row in numbered)


def test_values_match_the_raw_file(rows: dict[str, tuple[int, dict]]) -> None:
    number, row = rows["ceefc21e-806b-11eb-81ea-0242ac110003"]
    assert number == 3
    assert row["text"].startswith(
        "A number of years ago there was a dust buildup investigation in the shop.\nThis year"
    )
    assert row["title"] == row["entry-above-news-headline"] == "Feel sorry for the SOB"
    assert row["language"] == "en"
    assert row["date"] == "2015-07-29T05:04:26+00:00"  # server_upload_time 1438146266459
    assert row["influences-situation.quality-demands"] == pytest.approx(
        0.1415929203539823, abs=1e-6
    )
    assert row["influences-situation.schedule-pressures"] == pytest.approx(
        0.7037655663381606, abs=1e-6
    )
    assert row["influences-situation.resource-tensions"] == pytest.approx(
        0.15464151330785733, abs=1e-6
    )
    assert row["pressure-situation.co-workers"] == pytest.approx(0.8230088495575221, abs=1e-6)
    assert row["pressure-situation.supervisors-managers"] == pytest.approx(
        0.10548184416063278, abs=1e-6
    )
    assert row["pressure-situation.self-imposed"] == pytest.approx(0.07150930628184504, abs=1e-6)
    assert row["situation"] == pytest.approx(0.7524109792284867, abs=1e-6)
    assert row["situation-people"] == pytest.approx(0.8354970326409495, abs=1e-6)
    assert row["peoples-attitudes"] == pytest.approx(0.12333086053412463, abs=1e-6)
    assert row["every-day-few-times"] == "worried-concerned"
    assert row[EMOTIONS] == ["disappointed", "sad", "frustrated"]
    assert row["something"] == "not-sure"
    assert row["gender"] == "female"

    _, first = rows["c9a49500-806b-11eb-81ea-0242ac110003"]
    assert first["title"] == "No stupid questions"
    assert first["influences-situation.quality-demands"] == pytest.approx(
        0.5442477876106195, abs=1e-6
    )
    assert first[
        "attention-improvement-needed.people-skills-behaviours-relationships"
    ] == pytest.approx(0.40859699735183697, abs=1e-6)
    assert first["situation-reflects-company.likely-future"] == pytest.approx(
        0.292077823310539, abs=1e-6
    )
    assert first[EMOTIONS] == ["glad", "confident"]
    assert first["long-worked-company"] == "less-than-1-year"


def test_triads_sum_to_one(rows: dict[str, tuple[int, dict]]) -> None:
    for _, row in rows.values():
        for triad, corners in TRIADS.items():
            values = [row[f"{triad}.{c}"] for c in corners]
            if values[0] is None or values[0] == "N/A":
                assert values == [values[0]] * 3
            else:
                assert min(values) >= 0.0
                assert sum(values) == pytest.approx(1.0, abs=1e-12)


def test_a_dot_just_outside_is_moved_onto_the_edge(rows: dict[str, tuple[int, dict]]) -> None:
    # Raw anchors 0.5132743362831859, 0.4876218280705283, -0.00089616435371414.
    number, row = rows["3ad4704c-806c-11eb-81ea-0242ac110003"]
    assert number == 88
    assert row["influences-situation.resource-tensions"] == 0.0
    assert row["influences-situation.quality-demands"] == pytest.approx(
        0.5132743362831859 / 1.0008961643537142, abs=1e-9
    )


def _triad(row: dict, triad: str) -> list:
    return [row[f"{triad}.{c}"] for c in TRIADS[triad]]


def test_na_is_kept_and_unanswered_is_none(rows: dict[str, tuple[int, dict]]) -> None:
    # Row 11: dee85953…_NA (influences), 25055cfd…_NA (work tasks) and the _NA of all three
    # sliders are 1, their other cells empty.
    _, row = rows["f554ea7e-806b-11eb-81ea-0242ac110003"]
    assert _triad(row, "influences-situation") == ["N/A"] * 3
    assert _triad(row, "work-tasks-situation-done") == ["N/A"] * 3
    assert row["situation"] == row["situation-people"] == row["peoples-attitudes"] == "N/A"
    assert _triad(row, "pressure-situation")[0] == pytest.approx(0.11504424778761058, abs=1e-6)
    # Row 12: 085f37d9…_NA (pressure) is 1.
    _, row = rows["fa270e88-806b-11eb-81ea-0242ac110003"]
    assert _triad(row, "pressure-situation") == ["N/A"] * 3
    # Row 104: the only N/A of 579be782… (reflects the company).
    _, row = rows["809dd88e-806c-11eb-81ea-0242ac110003"]
    assert _triad(row, "situation-reflects-company") == ["N/A"] * 3
    _, row = rows["74947732-806c-11eb-81ea-0242ac110003"]  # slider neither moved nor N/A
    assert row["situation-people"] is None
    _, row = rows["8c80eb5a-806c-11eb-81ea-0242ac110003"]  # a test entry: lists unanswered
    assert row["every-day-few-times"] is None and row["gender"] is None
    assert row[EMOTIONS] == ["angry"]  # column e533b24f…_931c7eac… is 1
    # Every N/A the export ticks, and only those: no triad is left blank without N/A.
    for value, counts in (
        ("N/A", [6, 12, 1, 20, 8]),
        (None, [0, 0, 0, 0, 0]),
    ):
        assert [sum(_triad(r, t)[0] == value for _, r in rows.values()) for t in TRIADS] == counts
    dyads = {d: [r[d] for _, r in rows.values()] for d in DYADS}
    assert [v.count("N/A") for v in dyads.values()] == [29, 66, 33]
    assert [v.count(None) for v in dyads.values()] == [2, 2, 3]


def test_a_blank_triad_without_na_is_unanswered(
    definition: SenseMakerDefinition, export_path: Path, tmp_path: Path
) -> None:
    """The same row with its _NA cells cleared: no answer, so None rather than "N/A"."""

    def clear_na(name: str, value: str, row: dict[str, str]) -> str:
        return "" if name.endswith("_NA") else value

    path = tmp_path / "no_na.csv"
    _derive(export_path, path, lambda n: n, clear_na)
    row = _read(definition, path)["f554ea7e-806b-11eb-81ea-0242ac110003"]
    assert _triad(row, "influences-situation") == [None] * 3
    assert row["situation"] is None and row["situation-people"] is None


def test_multi_select_sizes(rows: dict[str, tuple[int, dict]]) -> None:
    sizes = sorted(len(r[EMOTIONS]) for _, r in rows.values())
    assert sizes.count(3) == 63 and sizes.count(2) == 49 and sizes.count(1) == 17


def test_a_plain_framework_finds_the_story_column(
    definition: SenseMakerDefinition, export_path: Path, rows: dict[str, tuple[int, dict]]
) -> None:
    with read_sensemaker_export(definition.framework, export_path) as export:
        assert {row["id"]: (n, row) for n, row in export.rows} == rows


# --- other export layouts -----------------------------------------------------------------------


def _derive(
    source: Path,
    target: Path,
    rename: Callable[[str], str | None],
    change: Callable[[str, str, dict[str, str]], str] = lambda name, value, row: value,
    limit: int = 12,
) -> None:
    """Write the first ``limit`` rows of ``source`` with renamed (None: dropped) columns."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        original = list(csv.DictReader(handle))[:limit]
    names = {old: rename(old) for old in original[0]}
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([new for new in names.values() if new is not None])
        for row in original:
            writer.writerow(
                [change(old, row[old], row) for old, new in names.items() if new is not None]
            )


def _read(definition: SenseMakerDefinition, path: Path) -> dict[str, dict]:
    with read_sensemaker_export(definition, path) as export:
        return {row["id"]: row for _, row in export.rows}


def _assert_same(
    got: dict[str, dict], expected: dict[str, tuple[int, dict]], tolerance: float
) -> None:
    assert len(got) == 12
    for fid, row in got.items():
        for key, value in expected[fid][1].items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, abs=tolerance), (fid, key)
            else:
                assert row[key] == value, (fid, key)


def _r_layout(name: str) -> str | None:
    """The R package's layout: FragmentID, <triad>X/<triad>Y, <dyad>X, no _percentX/Y."""
    if name == "id":
        return "FragmentID"
    for sig in (INFLUENCES, PRESSURE, *SLIDERS):
        if name.startswith(sig + "_percent"):
            return sig + name[len(sig) + len("_percent") :]
    return name


def test_r_layout_with_percent_anchors(
    definition: SenseMakerDefinition, export_path: Path, rows: dict, tmp_path: Path
) -> None:
    def change(name: str, value: str, row: dict[str, str]) -> str:
        if value and name == f"{INFLUENCES}_percentY":  # an equilateral triangle of side 1
            return repr(float(value) * 0.8660254)
        triad_anchor = name.startswith((INFLUENCES, PRESSURE)) and "_percent" not in name
        if value and triad_anchor and not name.endswith("_NA"):
            return repr(float(value) * 100)  # anchors in percent
        return value

    path = tmp_path / "r_layout.csv"
    _derive(export_path, path, _r_layout, change)
    _assert_same(_read(definition, path), rows, 1e-9)


def test_dots_only(
    definition: SenseMakerDefinition, export_path: Path, rows: dict, tmp_path: Path
) -> None:
    """No anchor columns: triads from _percentX/_percentY, XRight/YTop or X/Y."""
    anchors = {
        f"{INFLUENCES}_{c.sensemaker_id}"
        for c in definition.framework.signifier("influences-situation").corners
    }
    anchors |= {
        f"{PRESSURE}_{c.sensemaker_id}"
        for c in definition.framework.signifier("pressure-situation").corners
    }

    def rename(name: str) -> str | None:
        if name in anchors:
            return None
        if name.startswith(PRESSURE + "_percent"):
            return PRESSURE + {"X": "XRight", "Y": "YTop"}[name[-1]]
        return name

    path = tmp_path / "dots.csv"
    _derive(export_path, path, rename)
    _assert_same(_read(definition, path), rows, 1e-9)

    def equilateral(name: str, value: str, row: dict[str, str]) -> str:
        is_y = name in (f"{INFLUENCES}_percentY", f"{PRESSURE}_percentY")
        return repr(float(value) * 0.8660254) if value and is_y else value

    path = tmp_path / "equilateral.csv"
    _derive(export_path, path, lambda n: None if n in anchors else _r_layout(n), equilateral)
    _assert_same(_read(definition, path), rows, 1e-6)


def test_dyads_as_poles_or_percent(
    definition: SenseMakerDefinition, export_path: Path, rows: dict, tmp_path: Path
) -> None:
    first, second, third = SLIDERS

    def rename(name: str) -> str | None:
        if name.startswith((first + "_percentX", second + "_percentX")):
            return None  # only the two pole columns are left
        if name == third + "_percentX":
            return third + "XR"
        return name

    def change(name: str, value: str, row: dict[str, str]) -> str:
        return repr(float(value) * 100) if value and name == third + "_percentX" else value

    path = tmp_path / "poles.csv"
    _derive(export_path, path, rename, change)
    _assert_same(_read(definition, path), rows, 1e-9)


def test_multi_select_as_true_false_or_one_column(
    definition: SenseMakerDefinition, export_path: Path, rows: dict, tmp_path: Path
) -> None:
    def true_false(name: str, value: str, row: dict[str, str]) -> str:
        return ("TRUE" if value == "1" else "FALSE") if name.startswith(EMOTION_ID + "_") else value

    path = tmp_path / "true_false.csv"
    _derive(export_path, path, lambda n: n, true_false)
    _assert_same(_read(definition, path), rows, 1e-12)

    emotions = definition.framework.signifier(EMOTIONS)
    by_uuid = {o.sensemaker_id: o for o in emotions.options}

    def one_column(name: str, value: str, row: dict[str, str]) -> str:
        if name != f"{EMOTION_ID}_{emotions.options[0].sensemaker_id}":
            return value
        picked = [
            k.split("_")[1] for k, v in row.items() if k.startswith(EMOTION_ID + "_") and v == "1"
        ]
        return ";".join(by_uuid[u].label["en"] for u in picked)  # by label, not by uuid

    def rename(name: str) -> str | None:
        if name == f"{EMOTION_ID}_{emotions.options[0].sensemaker_id}":
            return EMOTION_ID
        return None if name.startswith(EMOTION_ID) else name

    path = tmp_path / "one_column.csv"
    _derive(export_path, path, rename, one_column)
    _assert_same(_read(definition, path), rows, 1e-12)


def test_broken_cells_are_problems_not_failures(
    definition: SenseMakerDefinition, tmp_path: Path
) -> None:
    fw = definition.framework
    header = [
        "FragmentID",
        definition.fragment_id,
        f"{INFLUENCES}_percentX",
        f"{INFLUENCES}_percentY",
        SLIDERS[0] + "_percentX",
        "Extra",
    ]
    path = tmp_path / "broken.csv"
    path.write_text(
        "\ufeff" + ",".join(header) + "\n"
        'a,"two\nlines",0.5,0.5,0.25,x\n'
        "b,story,0.5,1.0,1.7,x\n"
        "c,story,0.9,0.9,abc,x\n",
        encoding="utf-8",
    )
    with read_sensemaker_export(definition, path) as export:
        got = list(export.rows)
        assert export.unknown_columns == ["Extra"]
        assert set(export.missing_signifiers) == {s.id for s in fw.signifiers} - {
            "influences-situation",
            "situation",
        }
        assert export.columns == [
            "id",
            "text",
            "influences-situation.quality-demands",
            "influences-situation.schedule-pressures",
            "influences-situation.resource-tensions",
            "situation",
        ]
    assert [n for n, _ in got] == [2, 3, 4]
    assert got[0][1]["text"] == "two\nlines"
    assert got[0][1]["influences-situation.quality-demands"] == pytest.approx(0.5)
    assert got[0][1]["situation"] == 0.25
    assert got[1][1]["influences-situation.quality-demands"] == 1.0
    assert got[1][1]["situation"] is None and got[2][1]["situation"] is None
    assert got[2][1]["influences-situation.quality-demands"] is None
    assert [(n, s) for n, s, _ in export.problems] == [
        (3, "situation"),
        (4, "influences-situation"),
        (4, "situation"),
    ]
    assert "outside the triangle" in export.problems[1][2]


def test_unreadable_exports_raise(definition: SenseMakerDefinition, tmp_path: Path) -> None:
    with (
        pytest.raises(IngestError, match="cannot open"),
        read_sensemaker_export(definition, tmp_path / "none.csv"),
    ):
        pass
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(IngestError, match="empty"), read_sensemaker_export(definition, empty):
        pass
    no_id = tmp_path / "no_id.csv"
    no_id.write_text(f"{definition.fragment_id}\nstory\n", encoding="utf-8")
    with (
        pytest.raises(IngestError, match="no fragment id column"),
        read_sensemaker_export(definition, no_id),
    ):
        pass
    with (
        pytest.raises(IngestError, match="no column 'Story'"),
        read_sensemaker_export(definition, no_id, fragment_column="Story"),
    ):
        pass
