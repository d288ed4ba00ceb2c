"""The XLSX reader behind :func:`sensemaking.ingest.readers.open_table`.

Reads one worksheet in openpyxl's read-only mode, after scanning its XML for merged cells
(refused) and formulas (their cached values are used, with a warning; none cached is an error).
"""

from __future__ import annotations

import contextlib
import datetime
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl

from sensemaking.errors import IngestError
from sensemaking.ingest._cells import Cell, Table, fit_row, header, unescape

__all__ = ["open_xlsx"]

_MAX_LISTED = 10
_FORMULA_OR_MERGE_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:f|mergeCell)[\s/>]")


def _clean_value(value: Any) -> Cell:
    """Clean one XLSX value (a string, number, bool, datetime, time or timedelta)."""
    if isinstance(value, str):
        return (
            None
            if not value or value.isspace()
            else (unescape(value) if value[0] == "'" else value)
        )
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value


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
def open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    """Open a worksheet (the first if ``sheet`` is None); rows are read inside the block."""
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
                table.columns, named, unnamed = header(
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
        row = fit_row([_clean_value(v) for v in values], table, number, named, unnamed)
        if row is not None:
            yield number, row
