"""One way in for every kind of input: a plain export or a SenseMaker export.

:func:`open_source` gives the ingest pipeline a table whatever the file: header, rows, and
the warnings the reader found on its way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sensemaking.errors import IngestError
from sensemaking.framework import Framework
from sensemaking.ingest.validate import Problem

__all__ = ["Source", "open_source"]


@dataclass
class Source:
    """An open input: its format, header and rows; ``warnings()`` is complete once read."""

    file: str
    format: str
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    _warnings: list[Problem] = field(default_factory=list)
    _pending: Any = None

    def warnings(self) -> list[Problem]:
        """What the reader noticed that did not stop it (call after reading the rows)."""
        if self._pending is not None:
            self._warnings.extend(self._pending())
            self._pending = None
        return self._warnings


@contextmanager
def open_source(
    framework: Framework,
    path: Path,
    *,
    format: str | None = None,
    sensemaker_definition: str | Path | None = None,
) -> Iterator[Source]:
    """Open ``path`` as rows named after ``framework``.

    Raises:
        IngestError: the file cannot be read, or (SenseMaker) the project's framework lacks
            signifiers of the definition.
    """
    if sensemaker_definition is None:
        from sensemaking.ingest.readers import open_table

        with open_table(path, format) as table:
            warnings = [Problem(path.name, None, None, None, w, "warning") for w in table.warnings]
            yield Source(path.name, table.format, table.columns, table.rows, warnings)
        return
    with _sensemaker_source(framework, path, Path(sensemaker_definition)) as source:
        yield source


def _translation(
    framework: Framework, definition: Framework, definition_path: Path
) -> dict[str, Any]:
    """Definition column -> project column, and option id -> project option id, by uuid."""
    by_uuid = {s.sensemaker_id: s for s in framework.signifiers if s.sensemaker_id}
    missing = [s.id for s in definition.signifiers if s.sensemaker_id not in by_uuid]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise IngestError(
            f"the project's framework {framework.id!r} lacks {len(missing)} signifiers of the "
            f"SenseMaker definition ({shown}); create the project from the definition: "
            f"`sensemaking init DIR --framework {definition_path}`",
            file=str(definition_path),
        )
    columns: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    signifiers: dict[str, str] = {}
    for s in definition.signifiers:
        target = by_uuid[s.sensemaker_id]
        signifiers[s.id] = target.id
        if target.type != s.type:
            raise IngestError(
                f"signifier {s.id!r} is a {s.type} in the definition but {target.id!r} is a "
                f"{target.type} in the project's framework",
                file=str(definition_path),
            )
        if s.type == "triad":
            corners = {c.sensemaker_id: c.id for c in target.corners}
            for corner in s.corners:
                columns[f"{s.id}.{corner.id}"] = (
                    f"{target.id}.{corners.get(corner.sensemaker_id, corner.id)}"
                )
        else:
            columns[s.id] = target.id
        if s.type == "choice":
            ids = {o.sensemaker_id: o.id for o in target.options}
            options[target.id] = {o.id: ids.get(o.sensemaker_id, o.id) for o in s.options}
    return {"columns": columns, "options": options, "signifiers": signifiers}


@contextmanager
def _sensemaker_source(framework: Framework, path: Path, definition_path: Path) -> Iterator[Source]:
    from sensemaking.ingest.sensemaker import read_definition, read_sensemaker_export

    definition = read_definition(definition_path)
    plan = _translation(framework, definition.framework, definition_path)
    columns, options, signifiers = plan["columns"], plan["options"], plan["signifiers"]

    def rename(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            target = columns.get(key, key)
            if target in options and value is not None:
                table = options[target]
                value = (
                    [table.get(v, v) for v in value]
                    if isinstance(value, list)
                    else table.get(value, value)
                )
            out[target] = value
        return out

    with read_sensemaker_export(definition, path) as export:
        rows = ((number, rename(row)) for number, row in export.rows)

        def pending() -> list[Problem]:
            found = [
                Problem(
                    path.name,
                    None,
                    column,
                    None,
                    "column of no signifier in the definition; ignored",
                    "warning",
                )
                for column in export.unknown_columns
            ]
            found += [
                Problem(
                    path.name,
                    row,
                    signifiers.get(sid, sid) or None,
                    None,
                    f"{reason}; the answer is left out",
                    "warning",
                )
                for row, sid, reason in export.problems
            ]
            return found

        yield Source(
            path.name,
            "sensemaker",
            [columns.get(c, c) for c in export.columns],
            rows,
            _pending=pending,
        )
