"""Tests for sensemaking.ingest.readers: formats, encodings, row numbers and bad files."""

from __future__ import annotations

import datetime
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sensemaking.errors import IngestError
from sensemaking.ingest import readers
from sensemaking.ingest.readers import Table, detect_format, open_table


def read(path: Path, **kwargs) -> tuple[Table, list[tuple[int, dict]]]:
    with open_table(path, **kwargs) as table:
        return table, list(table.rows)


def write(tmp_path: Path, name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def save_xlsx(path: Path, rows: list[list], merge: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def test_module_exports_what_it_declares():
    assert sorted(readers.__all__) == sorted(
        ["FORMATS", "FORMULA_TRIGGERS", "Cell", "Table", "detect_format", "open_table"]
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.csv", "csv"),
        ("a.TSV", "csv"),
        ("a.txt", "csv"),
        ("a.xlsx", "xlsx"),
        ("a.json", "json"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
    ],
)
def test_detect_format_by_extension(name, expected):
    assert detect_format(name) == expected


@pytest.mark.parametrize(("name", "message"), [("a.xls", "save it as .xlsx"), ("a.doc", "'.doc'")])
def test_detect_format_rejects_unknown_extensions(name, message):
    with pytest.raises(IngestError, match=re.escape(message)):
        detect_format(name)


# --- CSV ------------------------------------------------------------------------------


def test_semicolon_cp1252_csv_with_swedish_letters(tmp_path):
    text = "id;namn;berättelse\r\n1;Åsa;Jag är glad, säger hon\r\n2;Örjan;Sött 3,5\r\n"
    table, rows = read(write(tmp_path, "s.csv", text, "cp1252"))
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.columns == ["id", "namn", "berättelse"]
    assert rows == [
        (2, {"id": "1", "namn": "Åsa", "berättelse": "Jag är glad, säger hon"}),
        (3, {"id": "2", "namn": "Örjan", "berättelse": "Sött 3,5"}),
    ]


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path):
    table, rows = read(write(tmp_path, "s.csv", "\ufeffid,text\n1,blåbär\n"))
    assert table.encoding == "utf-8-sig"
    assert table.columns == ["id", "text"]
    assert rows == [(2, {"id": "1", "text": "blåbär"})]


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "s.tsv"), ("|", "s.csv"), (",", "s.csv")])
def test_delimiter_is_sniffed(tmp_path, delimiter, name):
    others = "".join(d for d in ",;\t|" if d != delimiter)
    text = delimiter.join(["id", "text", "age"]) + "\n" + delimiter.join(["1", others, "9"])
    table, rows = read(write(tmp_path, name, text + "\n"))
    assert table.delimiter == delimiter
    assert rows == [(2, {"id": "1", "text": others, "age": "9"})]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path, delimiter):
    text = f"sep={delimiter}\r\nid{delimiter}text\r\n1{delimiter}a,b\r\n"
    table, rows = read(write(tmp_path, "s.csv", text))
    assert table.delimiter == delimiter
    assert rows == [(2, {"id": "1", "text": "a,b"})]


def test_multiline_quoted_cell_is_one_row(tmp_path):
    text = 'id,text\r\n1,"rad ett\r\nrad två"\r\n2,sist\r\n'
    _, rows = read(write(tmp_path, "s.csv", text))
    assert rows == [
        (2, {"id": "1", "text": "rad ett\r\nrad två"}),
        (3, {"id": "2", "text": "sist"}),
    ]


def test_old_mac_line_ends(tmp_path):
    _, rows = read(write(tmp_path, "s.csv", "id,text\r1,a\r2,b\r"))
    assert rows == [(2, {"id": "1", "text": "a"}), (3, {"id": "2", "text": "b"})]


def test_blank_and_whitespace_cells_are_none_and_blank_rows_are_skipped(tmp_path):
    text = "id,text,note\n1,  ,\n\n,,\n2,x\n"
    _, rows = read(write(tmp_path, "s.csv", text))
    assert rows == [
        (2, {"id": "1", "text": None, "note": None}),
        (5, {"id": "2", "text": "x", "note": None}),
    ]


def test_header_without_rows_gives_no_rows(tmp_path):
    table, rows = read(write(tmp_path, "s.csv", "id;text\n"))
    assert table.columns == ["id", "text"]
    assert rows == []


def test_utf16_excel_unicode_text(tmp_path):
    table, rows = read(write(tmp_path, "s.txt", "id\ttext\r\n1\tälg\r\n", "utf-16"))
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert rows == [(2, {"id": "1", "text": "älg"})]


def test_cp1252_after_an_ascii_sample_switches_encoding(tmp_path):
    ascii_rows = "".join(f"{i},plain text\n" for i in range(2, 8000))
    path = write(tmp_path, "s.csv", ("id,text\n" + ascii_rows + "9,smörgås\n").encode("cp1252"))
    with open_table(path) as table:
        assert table.encoding == "utf-8"
        rows = list(table.rows)
        assert table.encoding == "cp1252"
    assert rows[-1] == (8000, {"id": "9", "text": "smörgås"})


def test_cp1252_row_after_utf8_text_names_the_row(tmp_path):
    content = "id,text\n1,blåbär\n2,ok\n".encode() + "3,smörgås\n".encode("cp1252")
    with pytest.raises(IngestError, match="mixes encodings") as caught:
        read(write(tmp_path, "s.csv", content))
    assert caught.value.row == 4


def test_utf8_row_in_cp1252_file_names_the_row(tmp_path):
    content = "id,text\n1,smörgås\n".encode("cp1252") + "2,blåbär\n".encode()
    with pytest.raises(IngestError, match="Ã¥") as caught:
        read(write(tmp_path, "s.csv", content))
    assert caught.value.row == 3


def test_non_utf8_byte_in_a_file_with_bom_names_the_multiline_row(tmp_path):
    content = '\ufeffid,text\n1,"två\nrader"\n'.encode() + '2,"ok\nsmörgås"\n'.encode("cp1252")
    with pytest.raises(IngestError, match="byte 0xF6") as caught:
        read(write(tmp_path, "s.csv", content))
    assert caught.value.row == 3


def test_unclosed_quote_names_the_row_where_it_starts(tmp_path):
    text = 'id,text\n1,ok\n2,"never closed\n3,x\n'
    with pytest.raises(IngestError, match="never closed") as caught:
        read(write(tmp_path, "s.csv", text))
    assert caught.value.row == 3


def test_duplicate_header_names_are_an_error(tmp_path):
    with pytest.raises(IngestError, match="duplicate column name 'text'") as caught:
        read(write(tmp_path, "s.csv", "id,text, text \n1,a,b\n"))
    assert caught.value.row == 1


def test_unnamed_empty_column_is_ignored(tmp_path):
    table, rows = read(write(tmp_path, "s.csv", "id;;text;\n1;;a;\n"))
    assert table.columns == ["id", "text"]
    assert rows == [(2, {"id": "1", "text": "a"})]


@pytest.mark.parametrize("text", ["id,,text\n1,x,a\n", "id,text\n1,a\n2,b,extra\n"])
def test_values_without_a_header_name_are_an_error(tmp_path, text):
    with pytest.raises(IngestError, match="no header name") as caught:
        read(write(tmp_path, "s.csv", text))
    assert caught.value.row == text.count("\n")


def test_short_rows_are_padded(tmp_path):
    _, rows = read(write(tmp_path, "s.csv", "id,text,note\n1,a\n"))
    assert rows == [(2, {"id": "1", "text": "a", "note": None})]


def test_formula_guard_is_removed_once(tmp_path):
    text = "a,b,c,d\n'=1+1,''-x,'hej,'@\n"
    _, rows = read(write(tmp_path, "s.csv", text))
    assert rows == [(2, {"a": "=1+1", "b": "'-x", "c": "'hej", "d": "@"})]


# --- wrong content --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["e.csv", "e.xlsx", "e.json", "e.jsonl"])
def test_empty_file(tmp_path, name):
    with pytest.raises(IngestError, match=re.escape("the file is empty (0 bytes)")):
        open_table(write(tmp_path, name, b""))


def test_missing_file(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        open_table(tmp_path / "nothing.csv")


def test_xlsx_that_is_really_csv(tmp_path):
    path = write(tmp_path, "s.xlsx", "id;text\n1;a\n")
    with pytest.raises(IngestError, match=re.escape("not a valid XLSX file (it looks like CSV")):
        open_table(path)


def test_csv_that_is_really_xlsx(tmp_path):
    path = save_xlsx(tmp_path / "s.csv", [["id", "text"]])
    with pytest.raises(IngestError, match=r"not a valid CSV file .*an XLSX workbook"):
        open_table(path)


def test_csv_that_is_a_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "s.csv", "w") as archive:
        archive.writestr("stories.csv", "id,text\n")
    with pytest.raises(IngestError, match="it looks like a ZIP archive"):
        open_table(tmp_path / "s.csv")


def test_csv_with_nul_bytes_is_binary(tmp_path):
    with pytest.raises(IngestError, match="binary data"):
        open_table(write(tmp_path, "s.csv", b"id,text\n1,\x00\x01\x02\n"))


def test_json_that_is_not_json(tmp_path):
    with pytest.raises(IngestError, match=re.escape("not a valid JSON file (it looks like CSV")):
        open_table(write(tmp_path, "s.json", "id,text\n1,a\n"))


def test_json_broken_midway_names_the_item(tmp_path):
    with pytest.raises(IngestError, match="not valid JSON") as caught:
        read(write(tmp_path, "s.json", '[{"text": "a"}, {"text": '))
    assert caught.value.row == 2


def test_format_argument_overrides_the_extension(tmp_path):
    table, rows = read(write(tmp_path, "s.dat", '{"text": "a"}\n'), format="jsonl")
    assert table.format == "jsonl"
    assert rows == [(1, {"text": "a"})]


def test_unknown_format_argument(tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        open_table(write(tmp_path, "s.csv", "a\n"), format="xls")


# --- XLSX -----------------------------------------------------------------------------


def test_xlsx_types_and_row_numbers(tmp_path):
    when = datetime.datetime(2024, 5, 17, 10, 30)
    path = save_xlsx(
        tmp_path / "s.xlsx",
        [
            [],
            [None, None],
            ["id", "text", "score", "when"],
            [1, "Hej", 2.5, when],
            [],
            [2, "  ", None, None],
            [3, "'=1+2"],
        ],
    )
    table, rows = read(path)
    assert table.columns == ["id", "text", "score", "when"]
    assert rows == [
        (4, {"id": 1, "text": "Hej", "score": 2.5, "when": when}),
        (6, {"id": 2, "text": None, "score": None, "when": None}),
        (7, {"id": 3, "text": "=1+2", "score": None, "when": None}),
    ]


def test_xlsx_named_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["other"])
    workbook.create_sheet("Berättelser").append(["text"])
    workbook["Berättelser"].append(["a"])
    workbook.save(tmp_path / "s.xlsx")
    _, rows = read(tmp_path / "s.xlsx", sheet="Berättelser")
    assert rows == [(2, {"text": "a"})]
    with pytest.raises(IngestError, match="no sheet named 'X'"):
        read(tmp_path / "s.xlsx", sheet="X")


def test_xlsx_formula_without_cached_value(tmp_path):
    path = save_xlsx(tmp_path / "s.xlsx", [["a", "b", "c"], [1, 2, "=A2+1"]])
    with pytest.raises(IngestError, match=re.escape("cell C2 holds a formula (=A2+1) with no")):
        open_table(path).__enter__()


def test_xlsx_formula_with_cached_value_is_used_with_a_warning(tmp_path):
    source = save_xlsx(tmp_path / "raw.xlsx", [["a", "b", "c"], [1, 2, "=A2+1"]])
    path = tmp_path / "cached.xlsx"
    # openpyxl cannot compute formulas, so put in the value Excel would have cached.
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"(<f>A2\+1</f>)<v\s*/>", rb"\1<v>3</v>", data)
            new.writestr(item, data)
    table, rows = read(path)
    assert rows == [(2, {"a": 1, "b": 2, "c": 3})]
    assert len(table.warnings) == 1 and "C2" in table.warnings[0]


def test_xlsx_merged_cells_are_an_error(tmp_path):
    path = save_xlsx(tmp_path / "s.xlsx", [["id", "text"], [1, "a"], [2, None]], merge="B2:B3")
    with pytest.raises(IngestError, match="merged cells B2:B3 — unmerge them"):
        open_table(path).__enter__()


def test_xlsx_empty_sheet(tmp_path):
    with pytest.raises(IngestError, match="the sheet is empty"):
        open_table(save_xlsx(tmp_path / "s.xlsx", [])).__enter__()


# --- JSON and JSON Lines --------------------------------------------------------------


def test_json_array(tmp_path):
    items = [{"id": 1, "text": "Hej", "val": ["a", "b"], "w": 0.5, "ok": True}, {"text": " "}]
    table, rows = read(write(tmp_path, "s.json", json.dumps(items)))
    assert table.columns == ["id", "text", "val", "w", "ok"]
    assert rows == [
        (1, {"id": 1, "text": "Hej", "val": ["a", "b"], "w": 0.5, "ok": True}),
        (2, {"text": None}),
    ]


def test_json_object_with_stories(tmp_path):
    content = {"meta": {"n": 2}, "stories": [{"text": "a"}, {"text": "b", "extra": [1, 2]}]}
    table, rows = read(write(tmp_path, "s.json", "\ufeff" + json.dumps(content)))
    assert table.columns == ["text"]
    assert rows == [(1, {"text": "a"}), (2, {"text": "b", "extra": ["1", "2"]})]


def test_json_with_empty_stories_list(tmp_path):
    table, rows = read(write(tmp_path, "s.json", '{"meta": 1, "stories": []}'))
    assert (table.columns, rows) == ([], [])


@pytest.mark.parametrize("content", ['{"items": []}', '{"stories": {"a": 1}}'])
def test_json_object_without_a_stories_list(tmp_path, content):
    with pytest.raises(IngestError, match='"stories"'):
        read(write(tmp_path, "s.json", content))


def test_json_lines_in_a_json_file_hints_at_jsonl(tmp_path):
    with pytest.raises(IngestError, match="jsonl"):
        read(write(tmp_path, "s.json", '[{"a": 1}]\n[{"a": 2}]\n'))


def test_jsonl_line_numbers_skip_blank_lines(tmp_path):
    content = '{"text": "a"}\n\n  \n{"text": "b", "n": 2}\n'
    table, rows = read(write(tmp_path, "s.jsonl", content))
    assert table.columns == ["text"]
    assert rows == [(1, {"text": "a"}), (4, {"text": "b", "n": 2})]


def test_jsonl_bad_line(tmp_path):
    with pytest.raises(IngestError, match="not valid JSON") as caught:
        read(write(tmp_path, "s.jsonl", '{"text": "a"}\n{"text": \n'))
    assert caught.value.row == 2


def test_jsonl_that_is_a_json_array(tmp_path):
    with pytest.raises(IngestError, match=r"name the file \.json"):
        open_table(write(tmp_path, "s.jsonl", '[{"text": "a"}]'))


@pytest.mark.parametrize("name", ["s.json", "s.jsonl"])
def test_nested_object_names_row_and_key(tmp_path, name):
    items = [{"text": "a"}, {"text": "b", "answers": {"q1": 3}}]
    content = json.dumps(items) if name == "s.json" else "\n".join(map(json.dumps, items))
    with pytest.raises(IngestError, match="nested object") as caught:
        read(write(tmp_path, name, content))
    assert (caught.value.row, caught.value.column) == (2, "answers")


def test_json_item_that_is_not_an_object(tmp_path):
    with pytest.raises(IngestError, match="found a text") as caught:
        read(write(tmp_path, "s.json", '[{"text": "a"}, "b"]'))
    assert caught.value.row == 2


def test_truncated_xlsx(tmp_path):
    data = save_xlsx(tmp_path / "good.xlsx", [["id"], [1]]).read_bytes()
    with pytest.raises(IngestError, match="damaged or incomplete ZIP"):
        open_table(write(tmp_path, "s.xlsx", data[: len(data) // 2]))
