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

This module tells the format and checks the content; the readers of each format live in
``_csv_reader``, ``_xlsx_reader`` and ``_json_reader``, and what they share in ``_cells``.
"""

from __future__ import annotations

import codecs
import contextlib
import zipfile
from pathlib import Path

from sensemaking.errors import IngestError
from sensemaking.ingest._cells import FORMULA_TRIGGERS, SAMPLE_BYTES, Cell, Table
from sensemaking.ingest._csv_reader import open_csv
from sensemaking.ingest._json_reader import open_json
from sensemaking.ingest._xlsx_reader import open_xlsx

__all__ = ["FORMATS", "FORMULA_TRIGGERS", "Cell", "Table", "detect_format", "open_table"]

FORMATS = ("csv", "xlsx", "json", "jsonl")
"""The formats :func:`open_table` reads."""

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
        return open_csv(path, head)
    if fmt == "xlsx":
        return open_xlsx(path, sheet)
    return open_json(path, head, lines=fmt == "jsonl")


# --- content checks -------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as raw:
            head = raw.read(SAMPLE_BYTES)
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
