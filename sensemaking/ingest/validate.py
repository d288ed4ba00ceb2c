"""Row validation: a file's raw row becomes a :class:`StoryRecord` or a list of problems.

A :class:`RowValidator` is compiled once per file from the framework, the column mapping
and the file's header, so that checking a row is a few dictionary look-ups.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from sensemaking.config import IngestSettings
from sensemaking.errors import IngestError
from sensemaking.framework import Framework
from sensemaking.ingest.mapping import ColumnMapping
from sensemaking.ingest.record import StoryRecord

__all__ = ["Problem", "RowValidator", "StoryRecord", "normalize_text"]

_NA_WORDS = frozenset({"na", "n/a", "n.a.", "ej tillämpligt", "vet ej"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
#: Deepest place path: region › municipality › site.
MAX_PLACE_DEPTH = 3
_MEMO_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, row or cell.

    ``severity`` is ``"error"`` (the row cannot be stored) or ``"warning"`` (stored, but
    look). ``row`` is the row number a spreadsheet shows (the header is row 1).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row is not None else "")
        col = f" [{self.column}]" if self.column else ""
        val = f" {self.value!r}" if self.value is not None else ""
        return f"{where}{col}{val}: {self.reason}"


#: Answers of the ``consent`` column meaning "may be quoted", after casefolding.
CONSENT_QUOTE = frozenset({"quote", "ja", "j", "yes", "y", "true", "1", "x", "citat",
                           "får citeras", "may be quoted"})  # fmt: skip
#: Answers meaning "count only": the story is counted but never quoted.
CONSENT_COUNT = frozenset({"count", "nej", "n", "no", "false", "0", "count only", "endast antal",
                           "bara antal", "räknas bara", "får inte citeras"})  # fmt: skip


def normalize_text(value: str) -> str:
    """NFC-normalise, turn Windows/Mac line ends into ``\\n`` and strip outer white space."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value).strip()


class _RowError(Exception):
    def __init__(self, column: str | None, value: Any, reason: str) -> None:
        self.column = column
        self.value = value
        self.reason = reason


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = (
        value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    )
    return text if len(text) <= 80 else text[:77] + "..."


def _is_na(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _NA_WORDS


def _memoized(parse: Callable[[Any], Any], *, copy: bool = False) -> Callable[[Any], Any]:
    """``parse`` remembering its result per value (and type: 1, 1.0 and True differ).

    A value it rejects is not remembered (the next row gets the same error); values that
    cannot be dictionary keys (a JSON list) are parsed every time. With ``copy`` a list
    result is copied, so that records never share one.
    """
    cache: dict[tuple[type, Any], Any] = {}

    def parse_once(value: Any) -> Any:
        key = (value.__class__, value)
        try:
            found = cache[key]
        except KeyError:
            found = parse(value)
            if len(cache) >= _MEMO_LIMIT:
                cache.clear()
            cache[key] = found
        except TypeError:
            return parse(value)
        return list(found) if copy else found

    return parse_once


def _number(column: str, value: Any) -> float:
    kind = type(value)
    if kind is float or kind is int:
        number = float(value)
    elif kind is str and "_" not in value:  # float() would accept "1_000"
        try:
            number = float(value)
        except ValueError:
            text = value.strip()
            if not _DECIMAL_COMMA.match(text):
                raise _RowError(column, value, "expected a number") from None
            number = float(text.replace(",", "."))
    elif kind is bool:
        raise _RowError(column, value, "expected a number, got a true/false value")
    else:
        raise _RowError(column, value, "expected a number")
    if not math.isfinite(number):
        raise _RowError(column, value, "not a number (NaN or infinity)")
    return number


class RowValidator:
    """Checks the rows of one file against a framework.

    Args:
        framework: the project's framework.
        columns: the file's header.
        file: the file name used in problems.
        mapping: how the file's columns map onto the framework (None: names match).
        settings: the project's ingest settings.
        place: a place for every row (overrides the file's column).
        round: a round for every row (overrides the file's column).

    Raises:
        IngestError: the file has no story text column at all.
    """

    def __init__(
        self,
        framework: Framework,
        columns: list[str],
        file: str,
        *,
        mapping: ColumnMapping | None = None,
        settings: IngestSettings | None = None,
        place: str | None = None,
        round: str | None = None,
    ) -> None:
        self.framework = framework
        self.file = file
        self.mapping = mapping or ColumnMapping()
        self.settings = settings or IngestSettings()
        self.place = normalize_text(place) if place else None
        self.round = normalize_text(round) if round else None
        self.warnings: list[Problem] = []
        self._known = set(framework.columns())
        self._lower = {c.lower(): c for c in self._known}
        self._xy_sources = {
            src: (tid, axis)
            for tid, tm in self.mapping.triads.items()
            for axis, src in (("x", tm.x), ("y", tm.y))
        }
        self._rename: dict[str, str | None] = {}
        self._choice_lookup = {s.id: self._option_lookup(s) for s in framework.of_type("choice")}
        self._triads = framework.of_type("triad")
        self._triad_cols = {t.id: (t.columns(), f"{t.id}.x", f"{t.id}.y") for t in self._triads}
        self._dyads = [s.id for s in framework.of_type("dyad")]
        self._choices = framework.of_type("choice")
        self._texts = [s.id for s in framework.of_type("text")]
        # Columns with few distinct values (languages, dates, places, rounds, consent, the
        # options of a choice) are parsed once per value: most rows repeat them.
        self._parse_language = _memoized(lambda value: self._short("language", value, 20))
        self._parse_date = _memoized(self._date)
        self._parse_place = _memoized(self._place)
        self._parse_round = _memoized(lambda value: self._short("round", value, 200))
        self._parse_consent = _memoized(self._consent)
        self._parse_choice = {
            s.id: _memoized(partial(self._choice, s), copy=True) for s in self._choices
        }
        for column in columns:
            self._canonical(column)
        targets = {self._rename.get(c) for c in columns}
        if "text" not in targets:
            shown = ", ".join(columns[:12]) + (" ..." if len(columns) > 12 else "")
            raise IngestError(
                f"no story text column: the file has the columns {shown}; name the story "
                "column 'text' or map it with --mapping",
                file=file,
                column="text",
            )
        for name, given in (("place", place), ("round", round)):
            if given and name in targets:
                self._warn(None, name, None, f"the file's {name} column is overridden by --{name}")

    # --- compiling the header ------------------------------------------------------------

    def _warn(self, row: int | None, column: str | None, value: Any, reason: str) -> None:
        self.warnings.append(Problem(self.file, row, column, _shown(value), reason, "warning"))

    def _canonical(self, column: str) -> str | None:
        """The framework column a file column feeds (None: ignored), warning once if unknown."""
        if column in self._rename:
            return self._rename[column]
        target: str | None
        if column in self.mapping.columns:
            target = self.mapping.columns[column]
        elif column in self._xy_sources:
            tid, axis = self._xy_sources[column]
            target = f"{tid}.{axis}"
        elif column in self._known or column.lower() in self._lower:
            target = self._lower.get(column.lower(), column)
        elif self._is_xy_column(column):
            target = column
        elif column in self.mapping.ignore:
            target = None
        else:
            target = None
            self._warn(
                None,
                column,
                None,
                "column is not in the framework or the mapping and is ignored "
                "(list it under 'ignore:' in a mapping to silence this)",
            )
        self._rename[column] = target
        return target

    def _is_xy_column(self, column: str) -> bool:
        tid, _, axis = column.rpartition(".")
        return axis in ("x", "y") and tid in {s.id for s in self.framework.of_type("triad")}

    @staticmethod
    def _option_lookup(signifier: Any) -> dict[str, str]:
        lookup: dict[str, str] = {}
        for option in signifier.options:
            for label in option.label.values():
                lookup.setdefault(normalize_text(label).casefold(), option.id)
            lookup[option.id.casefold()] = option.id
        return lookup

    def adopt_warnings(self, warnings: list[Problem]) -> None:
        """Take over what a copy of this validator warned about (one in a worker process).

        Given every copy's new warnings in file order, this validator ends with the
        warnings it would have found reading all the rows itself, each once.
        """
        for problem in warnings:
            if problem.column is not None and problem.column not in self._rename:
                self._canonical(problem.column)

    # --- one row --------------------------------------------------------------------------

    def validate(self, row: int, raw: Mapping[str, Any]) -> StoryRecord | list[Problem]:
        """The row as a record, or every problem found in it."""
        # The hot loop of ingest: a parser is only called for a value that is there (each
        # returns None for a missing one), and the column look-up is inlined.
        rename = self._rename
        values: dict[str, Any] = {}
        for column, value in raw.items():
            target = rename[column] if column in rename else self._canonical(column)
            if target is None or value is None:
                continue
            if isinstance(value, str) and (not value or value.isspace()):
                continue
            values[target] = value
        problems: list[Problem] = []
        check = self._checker(row, problems)
        get = values.get
        text = check(self._text, get("text"))
        record = StoryRecord(row=row, text=text or "")
        if (value := get("id")) is not None:
            record.source_id = check(self._short, "id", value, 200)
        if (value := get("title")) is not None:
            record.title = check(self._short, "title", value, 500)
        if (value := get("language")) is not None:
            record.language = check(self._parse_language, value)
        if record.language is None:
            record.language = self.settings.default_language
        if (value := get("date")) is not None:
            record.told_on = check(self._parse_date, value)
        if self.place:
            record.place = self.place
        elif (value := get("place")) is not None:
            record.place = check(self._parse_place, value)
        if self.round:
            record.round = self.round
        elif (value := get("round")) is not None:
            record.round = check(self._parse_round, value)
        if (value := get("storyteller")) is not None:
            record.storyteller = check(self._short, "storyteller", value, 200)
        if (value := get("consent")) is not None:
            record.sharing = check(self._parse_consent, value)
        for s in self._triads:
            present, answer = check(self._triad, s, values) or (False, None)
            if present:
                record.triads[s.id] = answer
        for sid in self._dyads:
            if sid in values:
                record.dyads[sid] = check(self._dyad, sid, values[sid])
        for s in self._choices:
            if s.id in values:
                chosen = check(self._parse_choice[s.id], values[s.id])
                if chosen:
                    record.choices[s.id] = chosen
        for sid in self._texts:
            if sid in values:
                record.texts[sid] = normalize_text(str(values[sid]))
        return problems or record

    def _checker(self, row: int, problems: list[Problem]) -> Any:
        """Calls a parser, turning its _RowError into a problem of ``row`` and a None."""

        def check(fn: Any, *args: Any) -> Any:
            try:
                return fn(*args)
            except _RowError as err:
                problems.append(Problem(self.file, row, err.column, _shown(err.value), err.reason))
                return None

        return check

    def _text(self, value: Any) -> str:
        if value is None:
            raise _RowError("text", None, "the story text is empty")
        text = normalize_text(str(value))
        if not text:
            raise _RowError("text", value, "the story text is empty")
        limit = self.settings.max_story_length
        if len(text) > limit:
            raise _RowError(
                "text",
                text[:40] + "...",
                f"the story is {len(text)} characters long; "
                f"the project allows at most {limit} (ingest.max_story_length)",
            )
        return text

    @staticmethod
    def _short(column: str, value: Any, limit: int) -> str | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # an id typed as 17 in a spreadsheet arrives as 17.0
        text = normalize_text(str(value))
        if len(text) > limit:
            raise _RowError(column, value, f"longer than {limit} characters")
        if "\n" in text:
            raise _RowError(column, value, "must be a single line")
        return text or None

    @staticmethod
    def _consent(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "quote" if value else "count"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        answer = normalize_text(str(value)).casefold().rstrip(".")
        if answer in CONSENT_QUOTE:
            return "quote"
        if answer in CONSENT_COUNT:
            return "count"
        raise _RowError(
            "consent", value,
            "unknown consent: write 'ja'/'quote' (may be quoted) or 'nej'/'count' (count only)",
        )  # fmt: skip

    def _place(self, value: Any) -> str | None:
        text = self._short("place", value, 700)
        if text is None:
            return None
        parts = [p.strip() for p in text.split("/")]
        if any(not p for p in parts):
            raise _RowError(
                "place", value, "a place path has an empty part (write 'Region/Kommun/Plats')"
            )
        if len(parts) > MAX_PLACE_DEPTH:
            raise _RowError(
                "place", value, "a place has at most 3 levels: region/municipality/site"
            )
        return "/".join(parts)

    def _date(self, value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        fmt = self.mapping.date_format
        try:
            if fmt:
                return dt.datetime.strptime(text, fmt).date()
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            expected = fmt or "YYYY-MM-DD (or set date_format in a mapping)"
            raise _RowError("date", value, f"not a date in the form {expected}") from None

    def _triad(
        self, s: Any, values: Mapping[str, Any]
    ) -> tuple[bool, tuple[float, float, float] | None]:
        cols, x_col, y_col = self._triad_cols[s.id]
        parts = [values.get(c) for c in cols]
        present = [p for p in parts if p is not None]
        if not present:
            if x_col in values or y_col in values:
                return (True, self._triad_xy(s, [values.get(x_col), values.get(y_col)]))
            return (False, None)
        if _is_na(present[0]) and all(_is_na(p) for p in present):
            return (True, None)  # "N/A" in one, two or all three corner columns
        if len(present) < 3:
            missing = cols[parts.index(None)]
            raise _RowError(missing, None, f"triad {s.id!r} is only partly answered")
        numbers = [_number(c, p) for c, p in zip(cols, parts, strict=True)]
        for c, n, p in zip(cols, numbers, parts, strict=True):
            if n < 0:
                raise _RowError(c, p, "a triad value cannot be negative")
        total = numbers[0] + numbers[1] + numbers[2]
        if total <= 0:
            raise _RowError(cols[0], "0, 0, 0", f"triad {s.id!r} values are all zero")
        if abs(total - 1.0) <= 1e-9:
            return (True, (numbers[0], numbers[1], numbers[2]))
        return (True, (numbers[0] / total, numbers[1] / total, numbers[2] / total))

    def _triad_xy(self, s: Any, xy: list[Any]) -> tuple[float, float, float] | None:
        from sensemaking.ingest.geometry import xy_to_composition

        cx, cy = f"{s.id}.x", f"{s.id}.y"
        if all(v is not None and _is_na(v) for v in xy):
            return None
        if xy[0] is None or xy[1] is None:
            raise _RowError(
                cx if xy[0] is None else cy, None, f"triad {s.id!r} has only one coordinate"
            )
        x, y = _number(cx, xy[0]), _number(cy, xy[1])
        tm = self.mapping.triads.get(s.id)
        if tm is not None and tm.scale == "percent":
            x, y = x / 100.0, y / 100.0
        try:
            return xy_to_composition(x, y)
        except ValueError as exc:
            raise _RowError(cx, f"x={x}, y={y}", str(exc)) from None

    def _dyad(self, sid: str, value: Any) -> float | None:
        if _is_na(value):
            return None
        number = _number(sid, value)
        dm = self.mapping.dyads.get(sid)
        low, high = dm.bounds() if dm else (0.0, 1.0)
        if not low <= number <= high:
            hint = (
                ""
                if dm
                else " (for 0–100 or a Likert scale, declare it under 'dyads:' in a mapping)"
            )
            raise _RowError(sid, value, f"a dyad value must lie in [{low:g}, {high:g}]{hint}")
        unit = (number - low) / (high - low)
        return 1.0 - unit if dm and dm.reverse else unit

    def _choice(self, s: Any, value: Any) -> list[str]:
        cm = self.mapping.choices.get(s.id)
        if isinstance(value, list):
            items = [str(v) for v in value]
        else:
            text = str(value)
            separator = cm.separator if cm else ";"
            items = text.split(separator) if s.multiple else [text]
        lookup = self._choice_lookup[s.id]
        chosen: list[str] = []
        for item in items:
            key = normalize_text(item)
            if not key or _is_na(key):
                continue
            option = (cm.values.get(key) if cm else None) or lookup.get(key.casefold())
            if option is None:
                known = ", ".join(o.id for o in s.options)
                raise _RowError(s.id, item, f"unknown option of {s.id!r} (known: {known})")
            if option not in chosen:
                chosen.append(option)
        if len(chosen) > 1 and not s.multiple:
            raise _RowError(s.id, value, f"{s.id!r} takes one answer, got {len(chosen)}")
        return chosen
