"""The JSON and JSON Lines reader behind :func:`sensemaking.ingest.readers.open_table`.

A JSON file holds a list of story objects, or an object with a ``"stories"`` list; it is
streamed with ijson. JSON Lines holds one story object a line. Lists of choices become
``list[str]``; nested objects are refused.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from sensemaking.errors import IngestError
from sensemaking.ingest._cells import Cell, Table

__all__ = ["open_json"]

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
def open_json(path: Path, head: bytes, lines: bool) -> Iterator[Table]:
    """Open a JSON file (JSON Lines if ``lines``); rows are read inside the block."""
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
