"""Row validation: a file's raw row becomes a :class:`StoryRecord` or a list of problems.

A :class:`RowValidator` is compiled once per file from the framework, the column mapping
and the file's header, so that checking a row is a few dictionary look-ups.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sensemaking.config import IngestSettings
from sensemaking.errors import IngestError
from sensemaking.framework import Framework
from sensemaking.ingest.mapping import ColumnMapping

__all__ = ["Problem", "RowValidator", "StoryRecord", "normalize_text"]

_NA_WORDS = frozenset({"na", "n/a", "n.a.", "ej tillämpligt", "vet ej"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
#: Deepest place path: region › municipality › site.
MAX_PLACE_DEPTH = 3


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


@dataclass(slots=True)
class StoryRecord:
    """A valid story with its answers, ready to store."""

    row: int
    text: str
    source_id: str | None = None
    title: str | None = None
    language: str | None = None
    told_on: dt.date | None = None
    place: str | None = None
    round: str | None = None
    storyteller: str | None = None
    sharing: str | None = None
    triads: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)
    dyads: dict[str, float | None] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    #: Set by the privacy step: a keyed hash of the row as read, and the sealed raw text.
    raw_hash: str | None = None
    sealed: bytes | None = None

    def content_hash(self) -> str:
        """A digest of everything the story says, so the same row is never stored twice.

        Floats enter with 9 decimals: re-reading an exported file gives the same hash.
        """
        return hashlib.sha256(self.payload().encode("utf-8")).hexdigest()

    def payload(self) -> str:
        """Everything the story says, as canonical JSON (what the hashes are taken of)."""
        payload = [
            self.source_id,
            self.text,
            self.title,
            self.language,
            self.told_on.isoformat() if self.told_on else None,
            self.place,
            self.round,
            self.storyteller,
            sorted(
                (k, None if v is None else [f"{x:.9f}" for x in v]) for k, v in self.triads.items()
            ),
            sorted((k, None if v is None else f"{v:.9f}") for k, v in self.dyads.items()),
            sorted((k, sorted(v)) for k, v in self.choices.items()),
            sorted(self.texts.items()),
        ]
        if self.sharing is not None:
            payload.append(self.sharing)
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

    def text_hash(self) -> str:
        """A digest of the story text alone (what embeddings are cached by)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


#: Answers of the ``consent`` column meaning "may be quoted", after casefolding.
CONSENT_QUOTE = frozenset({"quote", "ja", "j", "yes", "y", "true", "1", "x", "citat",
                           "får citeras", "may be quoted"})  # fmt: skip
#: Answers meaning "count only": the story is counted but never quoted.
CONSENT_COUNT = frozenset({"count", "nej", "n", "no", "false", "0", "count only", "endast antal",
                           "bara antal", "räknas bara", "får inte citeras"})  # fmt: skip


def normalize_text(value: str) -> str:
    """NFC-normalise, turn Windows/Mac line ends into ``\\n`` and strip outer white space."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


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


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_na(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _NA_WORDS


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

    # --- one row --------------------------------------------------------------------------

    def validate(self, row: int, raw: Mapping[str, Any]) -> StoryRecord | list[Problem]:
        """The row as a record, or every problem found in it."""
        values: dict[str, Any] = {}
        for column, value in raw.items():
            target = self._canonical(column)
            if target is not None and not _is_empty(value):
                values[target] = value
        problems: list[Problem] = []
        check = self._checker(row, problems)
        text = check(self._text, values.get("text"))
        record = StoryRecord(row=row, text=text or "")
        record.source_id = check(self._short, "id", values.get("id"), 200)
        record.title = check(self._short, "title", values.get("title"), 500)
        record.language = check(self._short, "language", values.get("language"), 20)
        if record.language is None:
            record.language = self.settings.default_language
        record.told_on = check(self._date, values.get("date"))
        record.place = self.place or check(self._place, values.get("place"))
        record.round = self.round or check(self._short, "round", values.get("round"), 200)
        record.storyteller = check(self._short, "storyteller", values.get("storyteller"), 200)
        record.sharing = check(self._consent, values.get("consent"))
        for s in self._triads:
            present, answer = check(self._triad, s, values) or (False, None)
            if present:
                record.triads[s.id] = answer
        for sid in self._dyads:
            if sid in values:
                record.dyads[sid] = check(self._dyad, sid, values[sid])
        for s in self._choices:
            if s.id in values:
                chosen = check(self._choice, s, values[s.id])
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
