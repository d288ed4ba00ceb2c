"""Streaming writers for tables: CSV, XLSX, JSON Lines and JSON.

:func:`write_table` is the counterpart of :func:`sensemaking.ingest.readers.open_table`: what
it writes reads back with the same texts. Rows are written as they arrive, into a temporary
file next to the target that replaces it only when everything is written, so a failed export
never leaves half a file behind.

Spreadsheet safety (OWASP "CSV injection"): in CSV and XLSX a text that starts with one of
:data:`~sensemaking.ingest.readers.FORMULA_TRIGGERS` (``= + - @``, tab, CR), possibly after
``'`` characters, gets a leading ``'`` so that Excel shows it as text instead of running it;
the readers remove that ``'`` again. Numbers are never escaped.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from sensemaking.errors import ExportError, IngestError
from sensemaking.ingest.readers import FORMULA_TRIGGERS, Cell, detect_format

__all__ = ["WRITE_FORMATS", "escape_formula", "write_table"]

WRITE_FORMATS = ("csv", "xlsx", "jsonl", "json")
"""The formats :func:`write_table` writes."""

logger = logging.getLogger(__name__)

_NEEDS_GUARD = re.compile(f"'*[{re.escape(FORMULA_TRIGGERS)}]")
_GUARD_FIRST = frozenset(FORMULA_TRIGGERS + "'")
# XML 1.0 cannot hold these; Word's line and page breaks (\x0b, \x0c) become newlines.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_MAX_TEXT = 32_767  # characters Excel keeps in one cell
_LIST_SEPARATOR = ";"


def escape_formula(text: str) -> str:
    """Guard a text against being run as a spreadsheet formula.

    Args:
        text: a cell text.

    Returns:
        ``text`` with a leading ``'`` if it starts (after any ``'`` characters) with one of
        ``= + - @``, tab or CR; otherwise ``text`` itself.

    Example:
        >>> escape_formula("=HYPERLINK(1)"), escape_formula("'+46"), escape_formula("hej")
        ("'=HYPERLINK(1)", "''+46", 'hej')
    """
    if text and text[0] in _GUARD_FIRST and _NEEDS_GUARD.match(text):
        return "'" + text
    return text


def write_table(
    path: str | Path,
    columns: list[str],
    rows: Iterable[Mapping[str, Cell]],
    format: str | None = None,
) -> int:
    """Write rows to a CSV, XLSX, JSON Lines or JSON file, streaming.

    CSV is UTF-8 with a byte order mark (so Excel shows å, ä and ö), ``,``-delimited (tab
    for a ``.tsv`` path), quoted where needed. XLSX has one sheet; texts are always written
    as texts, never as formulas. JSON Lines and JSON are UTF-8 with non-ASCII kept readable.
    Lists of choices are joined with ``;`` in CSV and XLSX and stay lists in JSON. Dates
    are written as ISO 8601 texts. Keys of a row that are not in ``columns`` are ignored;
    missing keys are empty cells. NaN is written as an empty cell.

    Reading the file back with :func:`~sensemaking.ingest.readers.open_table` gives the same
    texts, with two exceptions shared by all readers: empty and whitespace-only texts come
    back as ``None``, and in CSV every value comes back as a string (``"3"``, ``"true"``).

    Args:
        path: the file to write; replaced if it exists.
        columns: the header, in order; names must be unique.
        rows: mappings from column name to value, consumed once.
        format: one of :data:`WRITE_FORMATS`; ``None`` to go by the extension.

    Returns:
        The number of rows written (the header not counted).

    Raises:
        ValueError: ``format`` is unknown, or ``columns`` is empty or has duplicates.
        TypeError: a value is not a :data:`~sensemaking.ingest.readers.Cell`.
        ExportError: a text is longer than an XLSX cell can hold (32,767 characters).

    Example:
        >>> write_table("out.csv", ["id", "text"], [{"id": 1, "text": "Hej"}])  # doctest: +SKIP
        1
    """
    path = Path(path)
    fmt = format
    if fmt is None:
        try:
            fmt = detect_format(path)
        except IngestError:
            raise ValueError(f"cannot tell the format from {path.name!r}; pass format=") from None
    if fmt not in WRITE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(WRITE_FORMATS)}, not {fmt!r}")
    if not columns:
        raise ValueError("columns must name at least one column")
    if len(set(columns)) != len(columns):
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        raise ValueError(f"columns must be unique; repeated: {', '.join(duplicates)}")
    writer = _WRITERS[fmt]
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        count = writer(partial, path, columns, rows)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _text(value: Any, column: str) -> str:
    """Render a value as spreadsheet text (CSV), escaping formula-like texts."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return escape_formula(value)
    if kind is int:
        return str(value)
    if kind is float:
        return "" if math.isnan(value) else repr(value)
    if kind is bool:
        return "true" if value else "false"
    return _text(_plain(value, column), column)


def _plain(value: Any, column: str) -> str | int | float | bool | None:
    """Reduce a less common value (date, list, str or int subclass) to a plain one."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return _LIST_SEPARATOR.join(str(choice) for choice in value if choice is not None) or None
    for plain in (bool, str, int, float):
        if isinstance(value, plain):
            return plain(value)
    raise TypeError(f"column {column!r}: cannot write a {type(value).__name__} value")


def _write_csv(target: Path, path: Path, columns: list[str], rows: Iterable[Mapping]) -> int:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    count = 0
    with target.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow([escape_formula(c) for c in columns])
        for row in rows:
            writer.writerow([_text(row.get(c), c) for c in columns])
            count += 1
    return count


def _write_xlsx(target: Path, path: Path, columns: list[str], rows: Iterable[Mapping]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    repaired = 0

    def cell(value: Any, column: str, number: int) -> Any:
        nonlocal repaired
        if value is None:
            return None
        kind = type(value)
        if kind is int or kind is bool:
            return value
        if kind is float:
            return None if math.isnan(value) else value
        if kind is not str:
            return cell(_plain(value, column), column, number)
        if _XML_ILLEGAL.search(value):
            repaired += 1
            value = _XML_ILLEGAL.sub(lambda m: "\n" if m[0] in "\x0b\x0c" else "", value)
        value = escape_formula(value)
        if len(value) > _XLSX_MAX_TEXT:
            raise ExportError(
                f"{path}:{number} [{column}]: the text is {len(value)} characters long, more "
                f"than an XLSX cell holds ({_XLSX_MAX_TEXT}); write CSV or JSON Lines instead"
            )
        return value

    count = 0
    try:
        sheet.append([cell(c, c, 1) for c in columns])
        for count, row in enumerate(rows, start=1):
            sheet.append([cell(row.get(c), c, count + 1) for c in columns])
    except BaseException:
        # Saving is the only way to make openpyxl close and delete its temporary sheet file;
        # write_table deletes the partial workbook.
        with contextlib.suppress(Exception):
            workbook.save(target)
        raise
    workbook.save(target)
    if repaired:
        logger.warning(
            "%s: removed control characters XLSX cannot hold from %d cells", path, repaired
        )
    return count


def _json_value(value: Any, column: str) -> Any:
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is float:
        return None if math.isnan(value) else value
    if isinstance(value, list | tuple):
        return [_json_value(choice, column) for choice in value]
    return _plain(value, column)


def _json_lines(columns: list[str], rows: Iterable[Mapping]) -> Iterable[str]:
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    for row in rows:
        yield encode({c: _json_value(row.get(c), c) for c in columns})


def _write_jsonl(target: Path, path: Path, columns: list[str], rows: Iterable[Mapping]) -> int:
    count = 0
    with target.open("w", encoding="utf-8", newline="\n") as file:
        for line in _json_lines(columns, rows):
            file.write(line + "\n")
            count += 1
    return count


def _write_json(target: Path, path: Path, columns: list[str], rows: Iterable[Mapping]) -> int:
    count = 0
    with target.open("w", encoding="utf-8", newline="\n") as file:
        file.write("[")
        for count, line in enumerate(_json_lines(columns, rows), start=1):
            file.write(("\n" if count == 1 else ",\n") + line)
        file.write("\n]\n")
    return count


_WRITERS: dict[str, Callable[[Path, Path, list[str], Iterable[Mapping]], int]] = {
    "csv": _write_csv,
    "xlsx": _write_xlsx,
    "jsonl": _write_jsonl,
    "json": _write_json,
}
