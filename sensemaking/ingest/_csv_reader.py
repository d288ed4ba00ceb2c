"""The CSV reader behind :func:`sensemaking.ingest.readers.open_table`.

Finds the encoding (UTF-8, UTF-8 with BOM, UTF-16 or Windows-1252, switching from UTF-8 to
cp1252 at the first line that needs it), old Mac line ends, Excel's ``sep=`` hint line and
the delimiter, then streams the rows.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from sensemaking.errors import IngestError
from sensemaking.ingest._cells import SAMPLE_BYTES, Cell, Table, clean_texts, fit_row, header

__all__ = ["open_csv"]

_DELIMITERS = ",;\t|"


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
    while chunk := raw.read(SAMPLE_BYTES):
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
def open_csv(path: Path, head: bytes) -> Iterator[Table]:
    """Open a CSV file whose first bytes are ``head``; rows are read inside the block."""
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
        truncated = len(head) == SAMPLE_BYTES
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
        table.columns, named, unnamed = header(clean_texts(record), path, number)
        table.rows = _csv_rows(records, table, number, named, unnamed)
        yield table


def _csv_rows(
    records: Iterator[list[str]], table: Table, number: int, named: list[int], unnamed: list[int]
) -> Iterator[tuple[int, dict[str, Cell]]]:
    try:
        for record in records:
            number += 1
            row = fit_row(clean_texts(record), table, number, named, unnamed)
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
