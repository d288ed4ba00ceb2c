"""Tests for sensemaking.ingest.writers: formats, formula guards and round trips."""

from __future__ import annotations

import datetime
import json
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensemaking.errors import ExportError
from sensemaking.ingest import writers
from sensemaking.ingest.readers import open_table
from sensemaking.ingest.writers import escape_formula, write_table

RISKY_TEXTS = ['=HYPERLINK("http://x","klicka")', "-nej", "@x", "+46 70 123", "\tflik", "'=a"]


def read_back(path: Path) -> list[dict]:
    with open_table(path) as table:
        return [row for _, row in table.rows]


def test_module_exports_what_it_declares():
    assert sorted(writers.__all__) == ["WRITE_FORMATS", "escape_formula", "write_table"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1", "'=1"),
        ("-nej", "'-nej"),
        ("@x", "'@x"),
        ("+46", "'+46"),
        ("\rx", "'\rx"),
        ("'=1", "''=1"),
        ("''-x", "'''-x"),
        ("'hej", "'hej"),
        ("hej=1", "hej=1"),
        ("", ""),
    ],
)
def test_escape_formula(text, expected):
    assert escape_formula(text) == expected


def test_csv_is_excel_friendly(tmp_path):
    path = tmp_path / "out.csv"
    rows = [{"id": 1, "text": "Hej, på dig", "val": ["a", "b"], "day": datetime.date(2024, 5, 1)}]
    assert write_table(path, ["id", "text", "val", "day"], rows) == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == 'id,text,val,day\r\n1,"Hej, på dig",a;b,2024-05-01\r\n'


def test_csv_numbers_are_not_escaped_but_texts_are(tmp_path):
    path = tmp_path / "out.csv"
    write_table(path, ["n", "t", "f", "b"], [{"n": -5, "t": "-5", "f": -0.5, "b": False}])
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "-5,'-5,-0.5,false"
    assert read_back(path) == [{"n": "-5", "t": "-5", "f": "-0.5", "b": "false"}]


def test_tsv_uses_tabs(tmp_path):
    path = tmp_path / "out.tsv"
    write_table(path, ["a", "b"], [{"a": "x,y", "b": "z"}])
    assert path.read_bytes().decode("utf-8-sig") == "a\tb\r\nx,y\tz\r\n"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_formula_injection_round_trip(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    rows = [{"id": i, "text": text} for i, text in enumerate(RISKY_TEXTS)]
    write_table(path, ["id", "text"], rows)
    assert [row["text"] for row in read_back(path)] == RISKY_TEXTS


def test_xlsx_texts_are_never_formulas(tmp_path):
    path = tmp_path / "out.xlsx"
    write_table(path, ["=header", "text"], [{"=header": t, "text": t} for t in RISKY_TEXTS])
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    sheet = openpyxl.load_workbook(path).active
    assert {cell.data_type for row in sheet.iter_rows() for cell in row} == {"s"}
    assert sheet["A1"].value == "'=header"


def test_xlsx_keeps_types(tmp_path):
    path = tmp_path / "out.xlsx"
    row = {"n": 3, "f": 2.5, "b": True, "nan": float("nan"), "l": ["ja", "nej"], "none": None}
    row["when"] = datetime.datetime(2024, 5, 1, 8, 30)
    assert write_table(path, list(row), [row]) == 1
    assert read_back(path) == [
        {"n": 3, "f": 2.5, "b": True, "nan": None, "l": "ja;nej", "none": None}
        | {"when": "2024-05-01T08:30:00"}
    ]


def test_xlsx_control_characters_are_repaired(tmp_path, caplog):
    path = tmp_path / "out.xlsx"
    write_table(path, ["text"], [{"text": "rad\x0bny\x01"}])
    assert read_back(path) == [{"text": "rad\nny"}]
    assert "control characters" in caplog.text


def test_xlsx_text_too_long_for_a_cell(tmp_path):
    path = tmp_path / "out.xlsx"
    with pytest.raises(ExportError, match="than an XLSX cell holds") as caught:
        write_table(path, ["text"], [{"text": "a"}, {"text": "x" * 40_000}])
    assert str(caught.value).startswith(f"{path}:3 [text]: the text is 40000 characters")
    assert list(tmp_path.iterdir()) == []


def test_jsonl_is_readable_utf8(tmp_path):
    path = tmp_path / "out.jsonl"
    rows = [{"id": 1, "text": "Åh nej", "val": ["a"], "day": datetime.date(2024, 5, 1), "x": 9}]
    assert write_table(path, ["id", "text", "val", "day"], rows) == 1
    line = '{"id": 1, "text": "Åh nej", "val": ["a"], "day": "2024-05-01"}\n'
    assert path.read_text(encoding="utf-8") == line


def test_json_array_round_trip(tmp_path):
    path = tmp_path / "out.json"
    rows = [{"id": 1, "text": "=a"}, {"id": 2, "text": None}]
    assert write_table(path, ["id", "text"], rows) == 2
    assert json.loads(path.read_text(encoding="utf-8")) == rows
    assert read_back(path) == rows


def test_no_rows_writes_a_header(tmp_path):
    path = tmp_path / "out.csv"
    assert write_table(path, ["id", "text"], iter([])) == 0
    with open_table(path) as table:
        assert (table.columns, list(table.rows)) == (["id", "text"], [])


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")

    def rows():
        yield {"id": 1}
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        write_table(path, ["id"], rows())
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    ("columns", "rows", "error"),
    [
        (["a", "a"], [], ValueError),
        ([], [], ValueError),
        (["a"], [{"a": object()}], TypeError),
        (["a"], [{"a": {"nested": 1}}], TypeError),
    ],
)
def test_bad_input(tmp_path, columns, rows, error):
    with pytest.raises(error):
        write_table(tmp_path / "out.csv", columns, rows)


def test_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="pass format="):
        write_table(tmp_path / "out.doc", ["a"], [])
    with pytest.raises(ValueError, match="format must be one of"):
        write_table(tmp_path / "out.csv", ["a"], [], format="xls")


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(values=st.lists(st.tuples(texts, texts), min_size=1, max_size=5))
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_round_trip_of_any_text(suffix, values):
    # hypothesis and function-scoped tmp_path do not mix; each example gets its own folder.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"out{suffix}"
        rows = [{"id": str(i), "text": a, "note": b} for i, (a, b) in enumerate(values)]
        write_table(path, ["id", "text", "note"], rows)
        expected = [{k: None if not v.strip() else v for k, v in row.items()} for row in rows]
        assert read_back(path) == expected
