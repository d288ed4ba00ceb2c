"""Ingest: valid files are stored whole, bad input gives a clear message and writes nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest
from conftest import HEADER, story_row, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sensemaking.errors import IngestError
from sensemaking.ingest.record import StoryRecord
from sensemaking.project import Project
from sensemaking.store.models import Round


def rows(n: int, **overrides: object) -> list[dict[str, object]]:
    return [story_row(i, **overrides) for i in range(1, n + 1)]


def test_a_valid_file_is_stored_with_every_answer(project: Project, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "runda.csv", [*rows(3), story_row(4, varfor="För att det var viktigt")]
    )
    report = project.ingest(path)
    assert report.committed and report.errors == []
    assert (report.rows_read, report.added, report.unchanged) == (4, 4, 0)
    story = next(s for s in project.stories() if s.source_id == "s4")
    assert story.triads["kraft"] == pytest.approx((0.5, 0.3, 0.2))
    assert story.dyads["lyssnad"] == pytest.approx(0.8)
    assert story.choices == {"kansla": ["positiv"], "kanslor": ["glad", "trygg"]}
    assert story.texts == {"varfor": "För att det var viktigt"}
    assert story.place == "Värmland/Säffle/Fritidsgården"
    assert story.round == "2024 vår" and str(story.told_on) == "2024-03-05"
    status = project.status()
    # Region, municipality and site are three places of the hierarchy.
    assert (status.stories, status.places, status.rounds, status.import_batches) == (4, 3, 1, 1)
    with project.engine.connect() as conn:
        (span,) = conn.execute(select(Round.starts_on, Round.ends_on)).all()
    assert [str(d) for d in span] == ["2024-03-02", "2024-03-05"]  # the round spans its stories


def test_reingesting_a_file_adds_nothing(project: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "runda.csv", rows(20))
    assert project.ingest(path).added == 20
    again = project.ingest(path)
    assert (again.added, again.unchanged, again.committed) == (0, 20, True)
    # The same rows in another file, in another order, are still the same stories.
    shuffled = write_csv(tmp_path / "igen.csv", list(reversed(rows(25))))
    third = project.ingest(shuffled)
    assert (third.added, third.unchanged) == (5, 20)
    assert project.count_stories() == 25


def test_a_strict_batch_with_one_bad_row_writes_nothing_and_names_the_row(
    project: Project, tmp_path: Path
) -> None:
    data = rows(10)
    data[6]["lyssnad"] = 1.7  # spreadsheet row 8
    report = project.ingest(write_csv(tmp_path / "runda.csv", data))
    assert not report.committed
    assert report.invalid_rows == [8]
    (problem,) = report.errors
    assert (problem.row, problem.column, problem.value) == (8, "lyssnad", "1.7")
    assert "[0, 1]" in problem.reason
    assert project.count_stories() == 0 and project.status().import_batches == 0
    assert project.status().places == 0  # nothing, not even a place, was written


def test_skip_invalid_stores_the_valid_rows_and_lists_the_others(
    project: Project, tmp_path: Path
) -> None:
    data = rows(10)
    data[2]["text"] = "   "
    report = project.ingest(write_csv(tmp_path / "runda.csv", data), skip_invalid=True)
    assert report.committed and (report.added, report.skipped) == (9, 1)
    assert report.invalid_rows == [4]
    assert project.count_stories() == 9


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("text", "", "the story text is empty"),
        ("text", " \t ", "the story text is empty"),
        ("kraft.vuxna", -0.2, "cannot be negative"),
        ("kraft.vuxna", "NaN", "not a number"),
        ("kraft.vuxna", "mycket", "expected a number"),
        ("lyssnad", -0.01, "must lie in [0, 1]"),
        ("lyssnad", "57", "must lie in [0, 1]"),
        ("kansla", "jättebra", "unknown option"),
        ("kansla", "positiv;negativ", "unknown option"),
        ("kanslor", "glad;arg", "unknown option"),
        ("date", "den tredje mars", "not a date"),
        ("place", "A/B/C/D", "at most 3 levels"),
    ],
)
def test_bad_cells_are_named_with_row_column_and_reason(
    project: Project, tmp_path: Path, column: str, value: object, reason: str
) -> None:
    data = rows(3)
    data[1][column] = value
    report = project.ingest(write_csv(tmp_path / "runda.csv", data))
    assert not report.committed and project.count_stories() == 0
    (problem,) = report.errors
    assert (problem.file, problem.row, problem.column) == ("runda.csv", 3, column)
    assert reason in problem.reason


def test_a_triad_of_all_zeros_is_invalid(project: Project, tmp_path: Path) -> None:
    data = rows(2)
    data[0].update({"kraft.vuxna": 0, "kraft.kompisar": 0, "kraft.jag": 0})
    (problem,) = project.ingest(write_csv(tmp_path / "t.csv", data)).errors
    assert problem.row == 2 and "all zero" in problem.reason


def test_a_partly_answered_triad_is_invalid(project: Project, tmp_path: Path) -> None:
    data = rows(2)
    data[0]["kraft.jag"] = None
    (problem,) = project.ingest(write_csv(tmp_path / "t.csv", data)).errors
    assert problem.column == "kraft.jag" and "partly" in problem.reason


def test_triads_on_any_scale_are_normalised_and_na_is_kept(
    project: Project, tmp_path: Path
) -> None:
    data = [
        story_row(1, **{"kraft.vuxna": 50, "kraft.kompisar": 30, "kraft.jag": 20}),
        story_row(2, **{"kraft.vuxna": "N/A", "kraft.kompisar": "N/A", "kraft.jag": "N/A"}),
        story_row(3, **{"kraft.vuxna": "0,5", "kraft.kompisar": "0,25", "kraft.jag": "0,25"}),
        story_row(4, **{"kraft.vuxna": None, "kraft.kompisar": None, "kraft.jag": None}),
    ]
    assert project.ingest(write_csv(tmp_path / "t.csv", data)).committed
    by_id = {s.source_id: s for s in project.stories()}
    assert by_id["s1"].triads["kraft"] == pytest.approx((0.5, 0.3, 0.2))
    assert by_id["s2"].triads == {"kraft": None}  # N/A stored as N/A
    assert by_id["s3"].triads["kraft"] == pytest.approx((0.5, 0.25, 0.25))
    assert by_id["s4"].triads == {}  # not answered at all


def test_triads_as_xy_coordinates(project: Project, tmp_path: Path) -> None:
    from sensemaking.ingest.geometry import composition_to_xy

    x, y = composition_to_xy(0.6, 0.3, 0.1)
    header = [c for c in HEADER if not c.startswith("kraft.")] + ["kraft.x", "kraft.y"]
    inside = story_row(1, **{"kraft.x": x, "kraft.y": y})
    outside = story_row(2, **{"kraft.x": 0.0, "kraft.y": 1.0})  # left of the top corner
    report = project.ingest(write_csv(tmp_path / "xy.csv", [inside, outside], header=header))
    (problem,) = report.errors
    assert problem.row == 3 and "outside the triangle" in problem.reason
    project.ingest(write_csv(tmp_path / "xy1.csv", [inside], header=header))
    (story,) = project.stories()
    assert story.triads["kraft"] == pytest.approx((0.6, 0.3, 0.1), abs=1e-9)


def test_a_story_over_the_maximum_length_is_invalid(project: Project, tmp_path: Path) -> None:
    project.config.ingest.max_story_length = 100
    report = project.ingest(write_csv(tmp_path / "t.csv", [story_row(1, text="å" * 101)]))
    (problem,) = report.errors
    assert "101 characters" in problem.reason and "at most 100" in problem.reason


def test_a_file_without_a_text_column_is_refused(project: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", rows(2), header=[c for c in HEADER if c != "text"])
    with pytest.raises(IngestError, match="no story text column"):
        project.ingest(path)
    assert project.count_stories() == 0


def test_an_unknown_column_is_a_warning_not_silence(project: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", rows(2, ipadress="10.0.0.1"), header=[*HEADER, "ipadress"])
    report = project.ingest(path)
    assert report.committed and report.added == 2
    (warning,) = report.warnings
    assert warning.column == "ipadress" and "ignored" in warning.reason


def test_duplicated_rows_within_a_file_are_named(project: Project, tmp_path: Path) -> None:
    data = [*rows(3), story_row(2)]
    report = project.ingest(write_csv(tmp_path / "t.csv", data))
    (problem,) = report.errors
    assert problem.row == 5 and "duplicates row 3" in problem.reason
    skipped = project.ingest(write_csv(tmp_path / "t.csv", data), skip_invalid=True)
    assert (skipped.added, skipped.skipped) == (3, 1)


def test_one_id_with_two_contents_in_a_file_is_named(project: Project, tmp_path: Path) -> None:
    data = [*rows(2), story_row(1, text="En helt annan berättelse.")]
    (problem,) = project.ingest(write_csv(tmp_path / "t.csv", data)).errors
    assert (problem.row, problem.column) == (4, "id") and "row 2" in problem.reason


def test_a_changed_row_is_rejected_by_default_and_updated_on_request(
    project: Project, tmp_path: Path
) -> None:
    project.ingest(write_csv(tmp_path / "v1.csv", rows(3)))
    changed = rows(3)
    changed[0]["text"] = "Rättad text: tränaren lyssnade faktiskt."
    report = project.ingest(write_csv(tmp_path / "v2.csv", changed))
    assert not report.committed
    (problem,) = report.errors
    assert problem.column == "id" and "stored already" in problem.reason
    updated = project.ingest(write_csv(tmp_path / "v2.csv", changed), on_changed="update")
    assert (updated.added, updated.updated, updated.unchanged) == (0, 1, 2)
    assert project.count_stories() == 3
    assert any(s.text.startswith("Rättad") for s in project.stories())


def test_the_same_id_in_another_round_is_another_story(project: Project, tmp_path: Path) -> None:
    project.ingest(write_csv(tmp_path / "v.csv", rows(3)))
    report = project.ingest(write_csv(tmp_path / "h.csv", rows(3)), round="2024 höst")
    assert report.added == 3 and project.count_stories() == 6
    assert project.count_stories(round="2024 höst") == 3


def test_place_and_round_options_set_them_for_the_whole_file(
    project: Project, tmp_path: Path
) -> None:
    header = [c for c in HEADER if c not in ("place", "round")]
    project.ingest(
        write_csv(tmp_path / "t.csv", rows(4), header=header),
        place="Örebro län/Ljusnarsberg",
        round="2025 vår",
    )
    assert project.count_stories(place="Örebro län") == 4  # the places below count too
    assert project.count_stories(place="Örebro län/Ljusnarsberg", round="2025 vår") == 4
    assert project.count_stories(place="Ljusnarsberg") == 0


def test_an_unknown_place_is_refused_when_new_places_are_not_allowed(
    project: Project, tmp_path: Path
) -> None:
    project.ingest(write_csv(tmp_path / "a.csv", rows(2)))
    project.config.ingest.allow_new_places = False
    report = project.ingest(
        write_csv(tmp_path / "b.csv", [story_row(9, place="Värmland/Storfors")])
    )
    (problem,) = report.errors
    assert problem.column == "place" and "unknown place" in problem.reason
    ok = project.ingest(write_csv(tmp_path / "c.csv", [story_row(10)]))
    assert ok.added == 1


def test_an_empty_file_is_refused(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "tom.csv"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        project.ingest(path)


def test_a_file_that_is_not_its_claimed_format_is_refused(project: Project, tmp_path: Path) -> None:
    fake = write_csv(tmp_path / "runda.xlsx", rows(2))
    with pytest.raises(IngestError, match="not a valid XLSX"):
        project.ingest(fake)
    not_json = tmp_path / "runda.json"
    not_json.write_text("id,text\n1,hej\n", encoding="utf-8")
    with pytest.raises(IngestError):
        project.ingest(not_json)
    assert project.count_stories() == 0


def test_mixed_encoding_is_refused_and_names_the_row(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "blandat.csv"
    good = write_csv(tmp_path / "ok.csv", rows(3)).read_bytes()
    path.write_bytes(good + "s9,Jag gick till fritidsgården och mådde bra\n".encode("cp1252"))
    with pytest.raises(IngestError) as info:
        project.ingest(path)
    assert info.value.row == 5
    assert project.count_stories() == 0


def test_a_cp1252_semicolon_file_from_swedish_excel(project: Project, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "excel.csv",
        [story_row(1, **{"kraft.vuxna": "0,5", "kraft.kompisar": "0,3", "kraft.jag": "0,2"})],
        delimiter=";",
        encoding="cp1252",
    )
    assert project.ingest(path).added == 1
    (story,) = project.stories()
    assert "fritidsgården" in story.text and story.place.endswith("Fritidsgården")


def test_an_excel_file_with_formulas_or_merged_cells_is_refused(
    project: Project, tmp_path: Path
) -> None:
    def workbook(name: str) -> tuple[openpyxl.Workbook, Path]:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(HEADER)
        for row in rows(3):
            ws.append([row.get(c) for c in HEADER])
        return wb, tmp_path / name

    wb, formulas = workbook("formler.xlsx")
    wb.active["L3"] = "=0.5+0.1"
    wb.save(formulas)
    with pytest.raises(IngestError, match="L3"):
        project.ingest(formulas)
    wb, merged = workbook("sammanslagna.xlsx")
    wb.active.merge_cells("D2:D4")
    wb.save(merged)
    with pytest.raises(IngestError, match="D2:D4"):
        project.ingest(merged)
    assert project.count_stories() == 0


def test_xlsx_json_and_jsonl_files(project: Project, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for row in rows(3):
        wb.active.append([row.get(c) for c in HEADER])
    wb.save(tmp_path / "a.xlsx")
    json_rows = [story_row(i, kanslor=["glad"]) for i in range(4, 7)]
    (tmp_path / "b.json").write_text(
        json.dumps({"stories": json_rows}, ensure_ascii=False), encoding="utf-8"
    )
    (tmp_path / "c.jsonl").write_text(
        "\n".join(json.dumps(story_row(i), ensure_ascii=False) for i in range(7, 10)),
        encoding="utf-8",
    )
    for name in ("a.xlsx", "b.json", "c.jsonl"):
        report = project.ingest(tmp_path / name)
        assert (report.added, report.errors) == (3, []), name
    assert project.count_stories() == 9


def test_a_mapping_renames_columns_and_declares_scales(project: Project, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        """
columns: {Berättelse: text, Skola: place, Vuxna: kraft.vuxna, Kompisar: kraft.kompisar,
          Jag: kraft.jag, Lyssnad: lyssnad, Känsla: kansla}
dyads: {lyssnad: {scale: [1, 5]}}
choices: {kansla: {values: {"Jättebra": positiv, "Sådär": blandad}}}
ignore: [Starttid]
""",
        encoding="utf-8",
    )
    header = ["Berättelse", "Skola", "Vuxna", "Kompisar", "Jag", "Lyssnad", "Känsla", "Starttid"]
    data = [
        {
            "Berättelse": "Tränaren lyssnade.",
            "Skola": "Säffle",
            "Vuxna": 6,
            "Kompisar": 3,
            "Jag": 1,
            "Lyssnad": 4,
            "Känsla": "Jättebra",
            "Starttid": "08:00",
        },
        {
            "Berättelse": "Det var okej.",
            "Skola": "Säffle",
            "Vuxna": 1,
            "Kompisar": 1,
            "Jag": 2,
            "Lyssnad": 1,
            "Känsla": "bra",
            "Starttid": "08:05",
        },
    ]
    report = project.ingest(write_csv(tmp_path / "enkat.csv", data, header=header), mapping=mapping)
    assert report.committed and report.problems == []
    first, second = project.stories()
    assert first.dyads["lyssnad"] == pytest.approx(0.75) and second.dyads["lyssnad"] == 0.0
    assert first.choices["kansla"] == ["positiv"] and second.choices["kansla"] == ["positiv"]
    assert math.isclose(sum(first.triads["kraft"]), 1.0)


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "jsonl"])
def test_an_export_round_trips_through_ingest(
    project: Project, tmp_path: Path, suffix: str
) -> None:
    data = rows(6)
    data[0]["text"] = '=HYPERLINK("http://x") - lurigt'
    data[1]["text"] = "-Jag började med ett bindestreck"
    data[2].update(
        {"kraft.vuxna": "N/A", "kraft.kompisar": "N/A", "kraft.jag": "N/A", "lyssnad": "N/A"}
    )
    data[3].update(
        {"kraft.vuxna": 1, "kraft.kompisar": 1, "kraft.jag": 1}
    )  # thirds: not exact in binary
    project.ingest(write_csv(tmp_path / "in.csv", data))
    out = tmp_path / f"export.{suffix}"
    assert project.export(out) == 6
    again = project.ingest(out)
    assert (again.added, again.unchanged, again.errors) == (0, 6, [])


def test_an_export_escapes_spreadsheet_formulas(project: Project, tmp_path: Path) -> None:
    project.ingest(write_csv(tmp_path / "in.csv", [story_row(1, text="=1+1 och @allihop")]))
    project.export(tmp_path / "ut.csv")
    content = (tmp_path / "ut.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1 och @allihop" in content


_TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)  # quotes, \u2028, NUL...
_NUMBERS = st.floats(allow_nan=True, allow_infinity=True, width=64)
_NAMES = st.text(alphabet="abcdefåäö_", min_size=1, max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    head=st.lists(st.none() | _TEXTS, min_size=7, max_size=7),
    told_on=st.none() | st.dates(),
    triads=st.dictionaries(_NAMES, st.none() | st.tuples(_NUMBERS, _NUMBERS, _NUMBERS)),
    dyads=st.dictionaries(_NAMES, st.none() | _NUMBERS),
    choices=st.dictionaries(_NAMES, st.lists(_TEXTS, max_size=3)),
    texts=st.dictionaries(_NAMES, _TEXTS),
    pinned=st.booleans(),
)
def test_the_written_payload_is_the_canonical_json(
    head, told_on, triads, dyads, choices, texts, pinned
) -> None:
    # The content and raw hashes are taken of payload(), which writes its JSON by hand for
    # speed: it must stay byte for byte what the general encoder writes, or the same row
    # would get another hash after a change and be stored twice.
    source_id, title, language, place, round_, storyteller, sharing = head
    record = StoryRecord(
        row=1, text=title or "", source_id=source_id, title=title, language=language,
        told_on=told_on, place=place, round=round_, storyteller=storyteller, sharing=sharing,
        triads=triads, dyads=dyads, choices=choices, texts=texts,
    )  # fmt: skip
    expected = json.dumps(record._payload_values(), ensure_ascii=False, separators=(",", ":"))
    if pinned:
        record.pin_answers()
    assert record.payload() == expected
