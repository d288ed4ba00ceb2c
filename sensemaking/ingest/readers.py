"""Streaming readers for story exports: CSV, XLSX, JSON and JSON Lines.

Every reader yields the same :class:`Table`: header names, and rows as
``(row number, {column: value})`` pairs produced lazily, so memory stays flat however
large the file is. Row numbers are the ones a person sees: the spreadsheet row for CSV and
XLSX (the header is row 1), the 1-based item for a JSON array, the line for JSON Lines.

Cell values are cleaned the same way everywhere: empty and whitespace-only cells become
``None``. In CSV and XLSX a leading ``'`` that guards a formula-like text (see
:data:`FORMULA_TRIGGERS`; written by :func:`sensemaking.ingest.writers.write_table`) is
removed again. Anything wrong with the file as a whole raises
:class:`~sensemaking.errors.IngestError` naming the file and, where known, row and column.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeAlias
from xml.etree import ElementTree

import ijson
import openpyxl
from openpyxl.utils import get_column_letter

from sensemaking.errors import IngestError

__all__ = ["FORMATS", "FORMULA_TRIGGERS", "Cell", "Table", "detect_format", "open_table"]

Cell: TypeAlias = str | int | float | bool | datetime.date | datetime.datetime | list[str] | None

FORMATS = ("csv", "xlsx", "json", "jsonl")
"""The formats :func:`open_table` reads."""

FORMULA_TRIGGERS = "=+-@\t\r"
"""First characters that make a spreadsheet treat a text as a formula (OWASP CSV injection).

Writers put a ``'`` before a text that starts with one of these (or with ``'`` characters
followed by one); readers of CSV and XLSX remove exactly one such ``'``, so texts survive a
round trip unchanged.
"""

_EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
_UNSUPPORTED = {
    ".xls": "old Excel .xls files cannot be read; save it as .xlsx",
    ".ods": "OpenDocument spreadsheets cannot be read; save it as .xlsx or CSV",
    ".numbers": "Numbers files cannot be read; export it as .xlsx or CSV",
}
_LOOKS_LIKE = {
    "text": "CSV text", "json": "JSON", "xlsx": "an XLSX workbook", "zip": "a ZIP archive",
    "bad zip": "a damaged or incomplete ZIP file", "ods": "an OpenDocument spreadsheet",
    "ole2": "an old .xls or password-protected workbook",
    "pdf": "a PDF document", "html": "an HTML page", "binary": "binary data, not text",
}  # fmt: skip
_ACCEPTED_KINDS = {"csv": "text", "xlsx": "xlsx", "json": "json", "jsonl": "json"}
_SAMPLE_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_ESCAPED_FORMULA = re.compile(f"'+[{re.escape(FORMULA_TRIGGERS)}]")
_MAX_LISTED = 10
_FORMULA_OR_MERGE_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:f|mergeCell)[\s/>]")


@dataclass
class Table:
    """An open table: header names and a one-pass iterator over its rows.

    Attributes:
        path: the file read.
        format: ``"csv"``, ``"xlsx"``, ``"json"`` or ``"jsonl"``.
        columns: header names, stripped, in file order. For JSON the keys of the first
            object; later objects may carry more keys.
        rows: ``(row number, {column: value})`` pairs, read lazily while the table is open.
            Blank rows of CSV and XLSX are skipped (they still count in the row numbers).
            CSV values are always strings (or ``None``); XLSX and JSON keep numbers, booleans
            and (XLSX) datetimes; JSON lists of choices come as ``list[str]``.
        encoding: CSV only: the text encoding; it can change from ``"utf-8"`` to
            ``"cp1252"`` while rows are read if the file's first non-ASCII text is cp1252.
        delimiter: CSV only: the delimiter found.
        warnings: problems the reader worked around, e.g. formulas replaced by their values.
    """

    path: Path
    format: str
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, Cell]]]
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)


def detect_format(path: str | Path) -> str:
    """Tell a file's format from its extension.

    Args:
        path: the file; it is not opened.

    Returns:
        One of :data:`FORMATS`.

    Raises:
        IngestError: the extension is unknown or names a format that cannot be read.

    Example:
        >>> detect_format("berattelser.ndjson")
        'jsonl'
    """
    suffix = Path(path).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    problem = _UNSUPPORTED.get(
        suffix, f"cannot tell the format from the extension {suffix or '(none)'!r}"
    )
    raise IngestError(
        f"{problem} (readable: .csv, .tsv, .txt, .xlsx, .json, .jsonl)", file=str(path)
    )


def open_table(
    path: str | Path, format: str | None = None, *, sheet: str | None = None
) -> contextlib.AbstractContextManager[Table]:
    """Open a story export for streaming.

    The format comes from the extension unless ``format`` is given; either way the content
    is checked against it first, so a CSV renamed to ``.xlsx`` fails with a clear message.

    Args:
        path: the file to read.
        format: one of :data:`FORMATS`; ``None`` to use :func:`detect_format`.
        sheet: XLSX only: the worksheet to read; the first one if ``None``.

    Returns:
        A context manager giving a :class:`Table`; its rows can be read only inside the
        ``with`` block, and only once.

    Raises:
        IngestError: the file cannot be read as a table of that format.
        ValueError: ``format`` is not one of :data:`FORMATS`, or ``sheet`` is given for a
            format other than XLSX.

    Example:
        >>> with open_table("export.csv") as table:  # doctest: +SKIP
        ...     for number, row in table.rows:
        ...         print(number, row["text"])
    """
    path = Path(path)
    fmt = detect_format(path) if format is None else format
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if sheet is not None and fmt != "xlsx":
        raise ValueError(f"sheet is only valid for xlsx files, not {fmt}")
    head = _read_head(path)
    kind = _sniff_kind(path, head)
    looks_like = _LOOKS_LIKE[kind] if kind != _ACCEPTED_KINDS[fmt] else None
    if fmt == "jsonl" and head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"["):
        looks_like = "a JSON array; name the file .json"
    if looks_like:
        raise IngestError(
            f"not a valid {fmt.upper()} file (it looks like {looks_like})", file=str(path)
        )
    if fmt == "csv":
        return _open_csv(path, head)
    if fmt == "xlsx":
        return _open_xlsx(path, sheet)
    return _open_json(path, head, lines=fmt == "jsonl")


# --- content checks -------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as raw:
            head = raw.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise IngestError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise IngestError("this is a folder, not a file", file=str(path)) from None
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    if not head:
        raise IngestError("the file is empty (0 bytes)", file=str(path))
    return head


def _sniff_kind(path: Path, head: bytes) -> str:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                    return "ods"
        except (zipfile.BadZipFile, OSError):
            return "bad zip"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text"
    if b"\x00" in head:
        return "binary"
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if start[:1] in (b"[", b"{"):
        return "json"
    if start[:14].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


# --- cell cleaning --------------------------------------------------------------------


def _unescape(text: str) -> str | None:
    """Undo the formula guard of a text starting with ``'``; blank results become None."""
    if _ESCAPED_FORMULA.match(text):
        text = text[1:]
    return None if text.isspace() else text


def _clean_texts(values: Iterable[str]) -> list[str | None]:
    # One comprehension instead of a call per cell: this is the hot loop of CSV reading.
    return [None if not v or v.isspace() else (_unescape(v) if v[0] == "'" else v) for v in values]


def _clean_value(value: Any) -> Cell:
    """Clean one XLSX value (a string, number, bool, datetime, time or timedelta)."""
    if isinstance(value, str):
        return (
            None
            if not value or value.isspace()
            else (_unescape(value) if value[0] == "'" else value)
        )
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value


def _header(names: list[Cell], path: Path, row: int) -> tuple[list[str], list[int], list[int]]:
    """Return the named columns, their positions and the positions of unnamed ones."""
    columns: list[str] = []
    named: list[int] = []
    unnamed: list[int] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(names):
        if isinstance(raw, datetime.date):
            raw = raw.isoformat()
        name = "" if raw is None else str(raw).strip()
        if not name:
            unnamed.append(position)
            continue
        if name in seen:
            raise IngestError(
                f"duplicate column name {name!r} (columns {_column_label(seen[name])} and "
                f"{_column_label(position)}); rename one of them",
                file=str(path),
                row=row,
                column=name,
            )
        seen[name] = position
        columns.append(name)
        named.append(position)
    return columns, named, unnamed


def _column_label(position: int) -> str:
    return f"{get_column_letter(position + 1)} (no. {position + 1})"


def _fit_row(
    values: list[Any], table: Table, number: int, named: list[int], unnamed: list[int]
) -> dict[str, Cell] | None:
    """Return the row dict for a spreadsheet row, or None for a blank row."""
    width = len(named) + len(unnamed)
    if len(values) < width:
        values.extend([None] * (width - len(values)))
    stray = None
    if unnamed or len(values) > width:
        stray = [i for i in unnamed if values[i] is not None]
        stray += [i for i in range(width, len(values)) if values[i] is not None]
    if stray:
        raise IngestError(
            f"column {_column_label(stray[0])} holds a value but has no header name; "
            "name the column or remove the value",
            file=str(table.path), row=number,
        )  # fmt: skip
    if values.count(None) == len(values):
        return None
    if not unnamed:
        return dict(zip(table.columns, values, strict=False))
    return {name: values[i] for name, i in zip(table.columns, named, strict=True)}


# --- CSV ------------------------------------------------------------------------------


class _EncodingProblem(Exception):
    """Raised inside the line decoder; the CSV loop adds the row number."""


def _decoded_lines(lines: Iterable[bytes], table: Table) -> Iterator[str]:
    """Decode lines as UTF-8 until the first line that is not, then as cp1252.

    Mixing is an error: a non-UTF-8 line after UTF-8 text (or in a file with a UTF-8 BOM),
    or a UTF-8 line with non-ASCII text once the file has turned out to be cp1252 (it would
    become mojibake such as "Ã¥").
    """
    cp1252 = False
    utf8_text_seen = table.encoding == "utf-8-sig"
    for line in lines:
        if not cp1252:
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                if utf8_text_seen:
                    bad = line[exc.start : exc.start + 1].hex().upper()
                    raise _EncodingProblem(
                        f"byte 0x{bad} is not UTF-8 although earlier text is: the file mixes "
                        "encodings; save it again as UTF-8"
                    ) from None
                cp1252, table.encoding = True, "cp1252"
            else:
                if not utf8_text_seen and not text.isascii():
                    utf8_text_seen = True
                yield text
                continue
        if not line.isascii() and _is_utf8(line):
            raise _EncodingProblem(
                "this row is UTF-8 but earlier text is Windows-1252 (cp1252): the file "
                "mixes encodings (å would read as 'Ã¥'); save it again as UTF-8"
            )
        try:
            yield line.decode("cp1252")
        except UnicodeDecodeError as exc:
            bad = line[exc.start : exc.start + 1].hex().upper()
            raise _EncodingProblem(
                f"byte 0x{bad} is neither UTF-8 nor Windows-1252; save the file as UTF-8"
            ) from None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _split_cr(raw: BinaryIO) -> Iterator[bytes]:
    """Split a file with old Mac line ends (CR only) into lines."""
    rest = b""
    while chunk := raw.read(_SAMPLE_BYTES):
        *lines, rest = (rest + chunk).split(b"\r")
        yield from (line + b"\r" for line in lines)
    if rest:
        yield rest


def _sniff_delimiter(sample: str, truncated: bool) -> str:
    """Pick the delimiter that gives the widest header with the most rows of equal width."""
    best, best_score = ",", (0.0, 1)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            records = [record for record in reader if record]
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records.pop()  # probably cut off by the sample
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(len(r) == width for r in records) / len(records), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@contextlib.contextmanager
def _open_csv(path: Path, head: bytes) -> Iterator[Table]:
    with path.open("rb") as raw:
        table = Table(path=path, format="csv", columns=[], rows=iter(()))
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            table.encoding = "utf-16"
            sample = head.decode("utf-16", errors="replace")
            lines: Iterable[str] = io.TextIOWrapper(raw, encoding="utf-16", newline="")
        else:
            if head.startswith(codecs.BOM_UTF8):
                table.encoding = "utf-8-sig"
                raw.seek(len(codecs.BOM_UTF8))
            else:
                try:
                    codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
                    table.encoding = "utf-8"
                except UnicodeDecodeError:
                    table.encoding = "cp1252"
            cr_only = b"\r" in head and b"\n" not in head
            sample = head.decode(table.encoding, errors="replace")
            lines = _decoded_lines(_split_cr(raw) if cr_only else raw, table)
        truncated = len(head) == _SAMPLE_BYTES
        if truncated:
            sample = sample[: max(sample.rfind("\n"), sample.rfind("\r")) + 1] or sample
        sample = sample.removeprefix("\ufeff")
        lines = iter(lines)
        first_line = sample.partition("\n")[0].rstrip("\r")
        if re.fullmatch(r"sep=.", first_line):  # Excel's hint line; Excel does not show it
            table.delimiter = first_line[-1]
            next(lines, None)
        else:
            table.delimiter = _sniff_delimiter(sample, truncated)
        records = csv.reader(lines, delimiter=table.delimiter, strict=True)
        number = 0
        try:
            for record in records:
                number += 1
                if any(cell.strip() for cell in record):
                    break
            else:
                raise IngestError("the file has no header row (only blank lines)", file=str(path))
        except (_EncodingProblem, csv.Error, UnicodeDecodeError) as exc:
            raise _csv_error(exc, path, number + 1) from None
        table.columns, named, unnamed = _header(_clean_texts(record), path, number)
        table.rows = _csv_rows(records, table, number, named, unnamed)
        yield table


def _csv_rows(
    records: Iterator[list[str]], table: Table, number: int, named: list[int], unnamed: list[int]
) -> Iterator[tuple[int, dict[str, Cell]]]:
    try:
        for record in records:
            number += 1
            row = _fit_row(_clean_texts(record), table, number, named, unnamed)
            if row is not None:
                yield number, row
    except (_EncodingProblem, csv.Error, UnicodeDecodeError) as exc:
        raise _csv_error(exc, table.path, number + 1) from None


def _csv_error(exc: Exception, path: Path, number: int) -> IngestError:
    message = str(exc) if isinstance(exc, _EncodingProblem) else f"malformed CSV: {exc}"
    if isinstance(exc, UnicodeDecodeError):
        message = f"the text is not valid {exc.encoding}"
    elif "unexpected end of data" in message:
        message = "a quoted cell starting in this row is never closed (a missing '\"')"
    elif "field larger than field limit" in message:
        message = f"a cell is longer than {csv.field_size_limit()} characters (a missing '\"'?)"
    return IngestError(message, file=str(path), row=number)


# --- XLSX -----------------------------------------------------------------------------


def _mentions_formulas_or_merges(archive: zipfile.ZipFile, member: str) -> bool:
    """Search the raw XML for <f> and <mergeCell> tags: far faster than parsing it."""
    tail = b""
    with archive.open(member) as source:
        while chunk := source.read(1 << 20):
            if _FORMULA_OR_MERGE_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _scan_sheet_xml(member: str, table: Table) -> None:
    """Check a worksheet's XML for merged cells and formulas, which read-only mode hides."""
    merged: list[str] = []
    cached: list[str] = []  # the first few only, for the warning
    cached_count = 0
    sheet_data = None
    with zipfile.ZipFile(table.path) as archive:
        if not _mentions_formulas_or_merges(archive, member):
            return
        with archive.open(member) as source:
            for event, element in ElementTree.iterparse(source, events=("start", "end")):
                if event == "start":
                    if sheet_data is None and element.tag.endswith("}sheetData"):
                        sheet_data = element
                    continue
                tag = element.tag.rpartition("}")[2]
                if tag == "c":
                    formula = next((e for e in element if e.tag.endswith("}f")), None)
                    if formula is None:
                        continue
                    ref = element.get("r", "?")
                    value = next((e for e in element if e.tag.endswith("}v")), None)
                    if value is None or not (value.text or element.get("t") == "str"):
                        shown = f" (={formula.text})" if formula.text else ""
                        raise IngestError(
                            f"cell {ref} holds a formula{shown} with no computed value; "
                            "save the sheet with values (open and save it in Excel)",
                            file=str(table.path),
                        )
                    cached_count += 1
                    if len(cached) < _MAX_LISTED:
                        cached.append(ref)
                elif tag == "row" and sheet_data is not None:
                    sheet_data.clear()  # keeps memory flat: finished rows are not needed
                elif tag == "mergeCell":
                    merged.append(element.get("ref", "?"))
    if merged:
        listed = ", ".join(merged[:_MAX_LISTED]) + (", …" if len(merged) > _MAX_LISTED else "")
        raise IngestError(
            f"merged cells {listed} — unmerge them and fill every cell", file=str(table.path)
        )
    if cached:
        listed = ", ".join(cached) + (", …" if cached_count > len(cached) else "")
        table.warnings.append(
            f"{cached_count} cell(s) hold formulas; their last computed values were used: {listed}"
        )


@contextlib.contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise IngestError(f"not a readable XLSX workbook ({exc})", file=str(path)) from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            names = ", ".join(repr(n) for n in workbook.sheetnames)
            raise IngestError(f"no sheet named {sheet!r} (sheets: {names})", file=str(path))
        table = Table(path=path, format="xlsx", columns=[], rows=iter(()))
        # Read-only worksheets expose neither merged ranges nor formulas next to their cached
        # values, so the sheet XML is scanned once on its own (_worksheet_path is openpyxl's).
        _scan_sheet_xml(worksheet._worksheet_path, table)
        worksheet.reset_dimensions()  # some writers store wrong dimensions; never trust them
        rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        for number, values in rows:
            if any(_clean_value(v) is not None for v in values):
                table.columns, named, unnamed = _header(
                    [_clean_value(v) for v in values], path, number
                )
                table.rows = _xlsx_rows(rows, table, named, unnamed)
                break
        else:
            raise IngestError("the sheet is empty", file=str(path))
        yield table
    finally:
        workbook.close()


def _xlsx_rows(
    rows: Iterator[tuple[int, tuple[Any, ...]]], table: Table, named: list[int], unnamed: list[int]
) -> Iterator[tuple[int, dict[str, Cell]]]:
    for number, values in rows:
        row = _fit_row([_clean_value(v) for v in values], table, number, named, unnamed)
        if row is not None:
            yield number, row


# --- JSON and JSON Lines --------------------------------------------------------------


_JSON_TYPES = {list: "list", str: "text", int: "number", float: "number", bool: "true/false"}


def _json_row(item: Any, number: int, path: Path, names: dict[str, str]) -> dict[str, Cell]:
    """Check and clean one story object; ``names`` caches stripped keys."""
    if not isinstance(item, dict):
        kind = _JSON_TYPES.get(type(item), type(item).__name__)
        raise IngestError(
            f"expected an object (one story), found a {kind}", file=str(path), row=number
        )
    row: dict[str, Cell] = {}
    for key, value in item.items():
        name = names.get(key)
        if name is None:
            name = names[key] = key.strip()
        if isinstance(value, str):
            value = None if not value or value.isspace() else value
        elif isinstance(value, list):
            value = _json_list(value, number, path, name)
        elif isinstance(value, dict):
            raise IngestError(
                "holds a nested object; flatten it into separate keys",
                file=str(path),
                row=number,
                column=name,
            )
        if not name:
            if value is None:
                continue
            raise IngestError("a key with an empty name holds a value", file=str(path), row=number)
        if name in row:
            raise IngestError("duplicate key", file=str(path), row=number, column=name)
        row[name] = value
    return row


def _json_list(values: list[Any], number: int, path: Path, name: str) -> list[str] | None:
    """Keep a multi-choice answer as strings (numbers become strings, blanks are dropped)."""
    choices: list[str] = []
    for value in values:
        if isinstance(value, str):
            if value and not value.isspace():
                choices.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            choices.append(str(value))
        elif value is not None:
            raise IngestError(
                "a list may hold only texts or numbers (the choices of a multi-choice answer)",
                file=str(path),
                row=number,
                column=name,
            )
    return choices or None


def _skip_bom(raw: BinaryIO, head: bytes) -> None:
    if head.startswith(codecs.BOM_UTF8):
        raw.seek(len(codecs.BOM_UTF8))


@contextlib.contextmanager
def _open_json(path: Path, head: bytes, lines: bool) -> Iterator[Table]:
    in_object = not lines and head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{")
    with path.open("rb") as raw:
        _skip_bom(raw, head)
        if lines:
            rows = _jsonl_rows(raw, path)
        else:
            prefix = "stories.item" if in_object else "item"
            rows = _json_rows(ijson.items(raw, prefix, use_float=True), path)
        first = next(rows, None)  # JSON has no header: the first story's keys stand for it
        if first is None and in_object:
            _check_stories_key(path, head)
        table = Table(path=path, format="jsonl" if lines else "json", columns=[], rows=rows)
        if first is not None:
            table.columns = list(first[1])
            table.rows = itertools.chain([first], rows)
        yield table


def _json_rows(items: Iterator[Any], path: Path) -> Iterator[tuple[int, dict[str, Cell]]]:
    names: dict[str, str] = {}
    number = 0
    try:
        for number, item in enumerate(items, start=1):
            yield number, _json_row(item, number, path, names)
    except ijson.JSONError as exc:
        hint = ""
        if "trailing garbage" in str(exc):
            hint = " (JSON Lines? name the file .jsonl)"
        elif "integer overflow" in str(exc):  # the fast C parser stops at 64-bit integers
            hint = " (a whole number longer than 18 digits: write it as a text)"
        raise IngestError(f"not valid JSON: {exc}{hint}", file=str(path), row=number + 1) from None


def _check_stories_key(path: Path, head: bytes) -> None:
    """Explain why a top-level JSON object gave no stories (an empty list is fine)."""
    with path.open("rb") as raw:
        _skip_bom(raw, head)
        events = ijson.parse(raw)
        try:
            for prefix, event, value in events:
                if prefix == "" and event == "map_key" and value == "stories":
                    if next(events)[1] == "start_array":
                        return
                    raise IngestError('"stories" must be a list of story objects', file=str(path))
        except ijson.JSONError as exc:
            raise IngestError(f"not valid JSON: {exc}", file=str(path)) from None
    raise IngestError(
        'expected a list of story objects or an object with a "stories" list', file=str(path)
    )


def _jsonl_rows(lines: Iterable[bytes], path: Path) -> Iterator[tuple[int, dict[str, Cell]]]:
    names: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if line.isspace():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"not valid JSON: {exc.msg} (column {exc.colno})"
            raise IngestError(message, file=str(path), row=number) from None
        except UnicodeDecodeError:
            raise IngestError("the line is not valid UTF-8", file=str(path), row=number) from None
        yield number, _json_row(item, number, path, names)
