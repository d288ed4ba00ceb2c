"""What every story reader shares: the :data:`Cell` and :class:`Table` types and the cleaning
of cells, header rows and spreadsheet rows.

Public through :mod:`sensemaking.ingest.readers`; the per-format readers import from here so
that :mod:`~sensemaking.ingest.readers` can import them without a cycle.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from openpyxl.utils import get_column_letter

from sensemaking.errors import IngestError

__all__ = [
    "FORMULA_TRIGGERS",
    "SAMPLE_BYTES",
    "Cell",
    "Table",
    "clean_texts",
    "fit_row",
    "header",
    "unescape",
]

Cell: TypeAlias = str | int | float | bool | datetime.date | datetime.datetime | list[str] | None

FORMULA_TRIGGERS = "=+-@\t\r"
"""First characters that make a spreadsheet treat a text as a formula (OWASP CSV injection).

Writers put a ``'`` before a text that starts with one of these (or with ``'`` characters
followed by one); readers of CSV and XLSX remove exactly one such ``'``, so texts survive a
round trip unchanged.
"""

SAMPLE_BYTES = 64 * 1024
"""How much of a file is read first to check its content (and, for CSV, find the delimiter)."""

_ESCAPED_FORMULA = re.compile(f"'+[{re.escape(FORMULA_TRIGGERS)}]")


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


def unescape(text: str) -> str | None:
    """Undo the formula guard of a text starting with ``'``; blank results become None."""
    if _ESCAPED_FORMULA.match(text):
        text = text[1:]
    return None if text.isspace() else text


def clean_texts(values: Iterable[str]) -> list[str | None]:
    """Clean spreadsheet texts: blanks become None, formula guards are removed."""
    # One comprehension instead of a call per cell: this is the hot loop of CSV reading.
    return [None if not v or v.isspace() else (unescape(v) if v[0] == "'" else v) for v in values]


def header(names: list[Cell], path: Path, row: int) -> tuple[list[str], list[int], list[int]]:
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


def fit_row(
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
