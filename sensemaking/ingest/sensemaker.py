"""Read a SenseMaker CSV export into canonical rows for ingest.

An export names its columns after the uuids of its definition (converted by
:mod:`sensemaking.ingest.sensemaker_definition`): ``<triad>_<anchor>`` (the share of one
corner), ``<triad>_percentX``/``_percentY`` (the dot, see :mod:`sensemaking.ingest.geometry`),
``<signifier>_NA``, ``<dyad>_percentX``, ``<list>`` (the option uuid) or ``<list>_<option>``
(one 0/1 column per option of a multi-select). Older exports say ``FragmentID`` for ``id``,
``<triad>X``/``<triad>Y`` (an equilateral triangle, anchors in 0–100), ``XRight``/``YTop``
and ``<dyad>X``/``<dyad>XR`` (0–1 / 0–100); the alias tables below cover these.

A ticked ``_NA`` column is kept as the string ``"N/A"`` (in all three keys of a triad, in the
key of a dyad), which ingest stores as an explicit N/A; a triad or dyad with neither N/A nor
a value is None, not answered.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from sensemaking.errors import IngestError
from sensemaking.framework import Framework
from sensemaking.ingest.geometry import EQUILATERAL_HEIGHT, xy_to_composition
from sensemaking.ingest.sensemaker_definition import (
    SenseMakerDefinition,
    framework_from_definition,
    read_definition,
)

__all__ = [
    "EDGE_TOLERANCE",
    "SenseMakerDefinition",
    "SenseMakerExport",
    "framework_from_definition",
    "read_definition",
    "read_sensemaker_export",
]

logger = logging.getLogger(__name__)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TITLE_QUESTION = re.compile(r"\b(headline|title|rubrik)\b", re.IGNORECASE)

#: Canonical column -> the names exports give it, in order of preference.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "FragmentID", "fragment_id", "FragmentId"),
    "language": ("language", "meta_selectedLanguage", "meta_selected_language"),
    "date": ("server_upload_time", "ServerEntryDate", "started", "meta_started"),
    "title": ("StoryTitle",),
}
#: A triad's dot: (x suffix, y suffix, the y of the top corner in that layout).
TRIAD_XY_LAYOUTS = (
    ("_percentX", "_percentY", 1.0),
    ("XRight", "YTop", 1.0),
    ("X", "Y", EQUILATERAL_HEIGHT),
)
#: A dyad's value: (suffix, the value at the second pole).
DYAD_LAYOUTS = (("_percentX", 1.0), ("X", 1.0), ("XR", 100.0))
_METADATA = frozenset({"project_id", "version", "definition_version", "responder_id"})
_ALIAS_NAMES = frozenset(n for names in COLUMN_ALIASES.values() for n in names)
#: How far (as a share) a dot may lie outside the triangle and still be moved onto its edge:
#: the ADemo export has one at -0.0009, a pixel beyond the edge.
EDGE_TOLERANCE = 0.01
_TRUE = frozenset({"1", "1.0", "true", "yes", "y", "x"})
_FALSE = frozenset({"", "0", "0.0", "false", "no", "n"})
#: What a triad's or dyad's keys hold when the respondent ticked N/A (ingest reads it as N/A).
_NOT_APPLICABLE = "N/A"


@dataclass
class SenseMakerExport:
    """An open export. ``rows`` yields ``(row number, canonical row)``; the row number is the
    one a spreadsheet shows (header = 1). ``problems`` (row, signifier, message) fills while
    ``rows`` is read: values that cannot be converted are None in the row and listed there.
    """

    source: str
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]
    unknown_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    missing_signifiers: list[str] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)


class _Bad(ValueError):
    """A cell that cannot be converted; becomes a problem and a None."""


def _number(cell: str) -> float | None:
    try:
        return float(cell) if cell.strip() else None
    except ValueError:
        raise _Bad(f"expected a number, got {cell.strip()!r}") from None


def _flag(cell: str) -> bool:
    text = cell.strip().lower()
    if text not in _TRUE and text not in _FALSE:
        raise _Bad(f"expected 1/0 or TRUE/FALSE, got {cell.strip()!r}")
    return text in _TRUE


def _date(cell: str) -> str:
    """Dates as given, except epoch milliseconds (SenseMaker's own), which become ISO 8601."""
    if re.fullmatch(r"\d{12,13}", cell.strip()):
        return dt.datetime.fromtimestamp(int(cell) / 1000, dt.UTC).isoformat(timespec="seconds")
    return cell


_Reader = Callable[[list[str]], dict[str, object]]


def _triad_reader(s: Any, cols: dict[str, int]) -> tuple[_Reader | None, set[str]]:
    keys, na = s.columns(), cols.get("_NA")
    anchors = [cols.get(f"_{c.sensemaker_id}") for c in s.corners]
    layouts = [(x, y, top) for x, y, top in TRIAD_XY_LAYOUTS if x in cols and y in cols]
    if None in anchors and not layouts:
        return None, set()

    def read(cells: list[str]) -> dict[str, object]:
        if na is not None and _flag(cells[na]):
            return dict.fromkeys(keys, _NOT_APPLICABLE)
        parts = [] if None in anchors else [_number(cells[i]) for i in anchors if i is not None]
        if all(p is None for p in parts) and layouts:
            x_col, y_col, top = layouts[0]
            x, y = _number(cells[cols[x_col]]), _number(cells[cols[y_col]])
            if x is None or y is None:
                parts = [] if x is None and y is None else [x, y]
            else:
                try:
                    parts = list(xy_to_composition(x, y / top, tolerance=EDGE_TOLERANCE))
                except ValueError as exc:
                    raise _Bad(str(exc)) from None
        numbers = [p for p in parts if p is not None]
        if not numbers:
            return dict.fromkeys(keys)
        total = sum(numbers)
        whole = abs(total - 1) <= 1e-3 or abs(total - 100) <= 0.1
        if len(numbers) < len(parts) or not whole or min(numbers) < -EDGE_TOLERANCE * total:
            raise _Bad(f"{', '.join(f'{p}' for p in parts)} is not a composition summing to 1")
        clipped = [max(p, 0.0) for p in numbers]
        return {k: p / sum(clipped) for k, p in zip(keys, clipped, strict=True)}

    used = {"_NA", *(f"_{c.sensemaker_id}" for c in s.corners)}
    return read, used | {f for x, y, _ in layouts for f in (x, y)}


def _dyad_reader(s: Any, cols: dict[str, int]) -> tuple[_Reader | None, set[str]]:
    value = next(((cols[f], top) for f, top in DYAD_LAYOUTS if f in cols), None)
    poles = [f for f in cols if f.startswith("_") and f not in ("_NA", "_percentX")]
    poles = ["_left", "_right"] if {"_left", "_right"} <= set(poles) else poles
    if value is None and len(poles) != 2:
        return None, set()
    na = cols.get("_NA")

    def read(cells: list[str]) -> dict[str, object]:
        if na is not None and _flag(cells[na]):
            return {s.id: _NOT_APPLICABLE}
        if value is not None:
            number = _number(cells[value[0]])
            share = None if number is None else number / value[1]
        else:
            left, right = (_number(cells[cols[p]]) for p in poles)
            if left is None and right is None:
                return {s.id: None}
            if left is None or right is None or left + right <= 0:
                raise _Bad(f"the pole values {left}, {right} do not make a position")
            share = right / (left + right)
        if share is not None and not -1e-6 <= share <= 1 + 1e-6:
            raise _Bad(f"the slider value {share:g} lies outside [0, 1]")
        return {s.id: None if share is None else min(max(share, 0.0), 1.0)}

    return read, {"_NA", *(poles if len(poles) == 2 else ()), *(f for f, _ in DYAD_LAYOUTS)}


def _choice_reader(s: Any, cols: dict[str, int]) -> tuple[_Reader | None, set[str]]:
    lookup = {o.id.casefold(): o.id for o in s.options}
    lookup |= {label.casefold(): o.id for o in s.options for label in o.label.values()}
    lookup |= {str(o.sensemaker_id).casefold(): o.id for o in s.options if o.sensemaker_id}
    own = {o.id: cols.get(f"_{o.sensemaker_id}") for o in s.options}
    per_option = {option: i for option, i in own.items() if i is not None}
    whole = cols.get("")
    if whole is None and not per_option:
        return None, set()

    def read(cells: list[str]) -> dict[str, object]:
        chosen = [option for option, i in per_option.items() if _flag(cells[i])]
        items = re.split(r"[;,|]", cells[whole]) if whole is not None and s.multiple else []
        items = items or ([cells[whole]] if whole is not None else [])
        for item in (i.strip() for i in items if i.strip()):
            if item.casefold() not in lookup:
                raise _Bad(f"{item!r} is not an option of {s.id!r}")
            chosen.append(lookup[item.casefold()])
        chosen = list(dict.fromkeys(chosen))
        if len(chosen) > 1 and not s.multiple:
            raise _Bad(f"{s.id!r} takes one answer, got {len(chosen)}")
        return {s.id: (chosen if s.multiple else chosen[0]) if chosen else None}

    return read, {"", *(f"_{o.sensemaker_id}" for o in s.options)}


def _text_reader(s: Any, cols: dict[str, int]) -> tuple[_Reader | None, set[str]]:
    i = cols.get("")
    if i is None:
        return None, set()
    return (lambda cells: {s.id: cells[i] if cells[i].strip() else None}), {""}


_READERS = {"triad": _triad_reader, "dyad": _dyad_reader}
_READERS |= {"choice": _choice_reader, "text": _text_reader}


def _asks_for_title(s: Any) -> bool:
    return any(_TITLE_QUESTION.search(q) for q in s.question.values())


def _story_column(candidates: list[int], sample: list[list[str]]) -> int | None:
    """The candidate column with the longest texts (a column of uuids is not a story)."""
    best, best_length = None, 0.0
    for i in candidates:
        values = [r[i] for r in sample if i < len(r) and r[i].strip()]
        if values and not all(_UUID.match(v.strip()) for v in values):
            length = sum(map(len, values)) / len(values)
            if length > best_length:
                best, best_length = i, length
    return best


@contextmanager
def read_sensemaker_export(
    definition: Framework | SenseMakerDefinition,
    path: str | Path,
    *,
    fragment_column: str | None = None,
) -> Iterator[SenseMakerExport]:
    """Open a SenseMaker CSV export and stream its rows keyed the way ingest expects.

    Rows carry ``id``, ``text``, ``title`` (the headline question, if the framework has one),
    ``language``, ``date`` and one key per framework column: ``T.a``/``T.b``/``T.c`` (floats
    summing to 1), a dyad's float in [0, 1], a choice's option id (a list of ids for
    multi-select), a free text. A triad or dyad ticked N/A holds ``"N/A"`` (in all three keys
    of a triad); one with no answer holds None. Columns that fit nowhere are listed in
    ``unknown_columns``.

    Args:
        definition: the framework (or the :class:`SenseMakerDefinition`) the export belongs to.
        path: the CSV file (UTF-8, with or without BOM).
        fragment_column: the story column; by default the definition's fragment, else found
            as the uuid-named column that is no signifier and holds the longest texts.

    Raises:
        IngestError: the file cannot be read, or has no id or story column.
    """
    source = str(path)
    framework = definition.framework if isinstance(definition, SenseMakerDefinition) else definition
    explicit = fragment_column is not None
    fragment_column = fragment_column or getattr(definition, "fragment_id", None)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise IngestError(f"cannot open the export: {exc.strerror}", file=source) from None
    with handle:
        records = csv.reader(handle)
        try:
            header = [h.strip() for h in next(records)]
            sample = list(islice(records, 100))
        except StopIteration:
            raise IngestError("the export is empty", file=source) from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise IngestError(f"not a readable UTF-8 CSV file: {exc}", file=source) from None
        export = SenseMakerExport(source, [], iter(()))
        canonical: dict[str, int] = {}
        for key, names in COLUMN_ALIASES.items():
            found = next((n for n in names if n in header), None)
            if found is not None:
                canonical[key] = header.index(found)
        by_prefix: dict[str, dict[str, int]] = {}
        ids = sorted((s.sensemaker_id for s in framework.signifiers if s.sensemaker_id), key=len)
        leftovers: list[int] = []
        for i, name in enumerate(header):
            prefix = next((p for p in reversed(ids) if name.startswith(p)), None)
            if prefix is not None:
                by_prefix.setdefault(prefix, {})[name[len(prefix) :]] = i
            elif name == fragment_column or i in canonical.values():
                continue
            elif name in _METADATA or name.startswith("meta_") or name in _ALIAS_NAMES:
                export.ignored_columns.append(name)
            else:
                leftovers.append(i)
        if fragment_column in header:
            canonical["text"] = header.index(fragment_column)
        elif explicit:
            raise IngestError(f"the export has no column {fragment_column!r}", file=source)
        else:
            story = _story_column([i for i in leftovers if _UUID.match(header[i])], sample)
            if story is None:
                raise IngestError("no story column found (pass fragment_column=)", file=source)
            logger.info("%s: the story column is %s", source, header[story])
            canonical["text"], leftovers = story, [i for i in leftovers if i != story]
        if "id" not in canonical:
            raise IngestError("no fragment id column (id or FragmentID)", file=source)
        export.unknown_columns = [header[i] for i in leftovers]
        readers: list[tuple[str, list[str], _Reader]] = []
        title = next((s for s in framework.of_type("text") if _asks_for_title(s)), None)
        for s in framework.signifiers:
            cols = by_prefix.get(s.sensemaker_id or "", {})
            reader, used = _READERS[s.type](s, cols)
            export.unknown_columns += [s.sensemaker_id + f for f in cols if f not in used]
            if reader is None:
                export.missing_signifiers.append(s.id)
                continue
            readers.append((s.id, s.columns(), reader))
            export.columns += s.columns()
            if s is title:
                canonical["title"] = cols[""]
        export.columns[:0] = [
            k for k in ("id", "text", "title", "language", "date") if k in canonical
        ]
        export.rows = _rows(export, canonical, readers, chain(sample, records), len(header))
        yield export


def _rows(
    export: SenseMakerExport,
    canonical: dict[str, int],
    readers: list[tuple[str, list[str], _Reader]],
    records: Iterator[list[str]],
    width: int,
) -> Iterator[tuple[int, dict[str, object]]]:
    number = 1
    try:
        for number, cells in enumerate(records, start=2):
            if not cells:
                continue  # a blank line is a row in a spreadsheet too, but holds no story
            if len(cells) != width:
                problem = f"the row has {len(cells)} cells, the header {width}"
                export.problems.append((number, "", problem))
                cells = (cells + [""] * width)[:width]
            row: dict[str, object] = {}
            for key, i in canonical.items():
                value = _date(cells[i]) if key == "date" else cells[i]
                row[key] = value if value and value.strip() else None
            for sid, keys, reader in readers:
                try:
                    row |= reader(cells)
                except _Bad as exc:
                    export.problems.append((number, sid, str(exc)))
                    row |= dict.fromkeys(keys)
            yield number, row
    except (UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(
            f"not a readable UTF-8 CSV file: {exc}", file=export.source, row=number + 1
        ) from None
