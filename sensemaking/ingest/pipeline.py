"""One import batch: read a file, validate every row, store the valid ones in one transaction.

Identity rules (also in the README):

- A story's *content hash* covers its source id, text, title, language, date, place, round,
  storyteller and answers. A row whose hash is stored already is *unchanged* and adds
  nothing, so re-ingesting a file, or rows of it, adds 0 stories.
- A row whose source id (within the same round) is stored already with other content is
  *changed*. By default (``on_changed: reject``) it is a problem naming the stored row;
  with ``on_changed: update`` the stored story is replaced in place (same story id, new
  text and answers, ``updated_at`` set) and counted as updated.
- Two rows of one file with the same content, or the same source id and round but other
  content, are problems: the file says two things about one story.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, insert, select, update

from sensemaking.framework import Framework
from sensemaking.ingest.validate import MAX_PLACE_DEPTH, Problem, RowValidator, StoryRecord
from sensemaking.store.models import (
    PLACE_LEVELS,
    ChoiceAnswer,
    DyadAnswer,
    ImportBatch,
    Place,
    RawText,
    Round,
    Story,
    Storyteller,
    TextAnswer,
    TriadAnswer,
    utcnow,
)

__all__ = ["IngestReport", "ProgressCallback", "Protect", "ingest_rows"]

#: Called with the number of rows read so far.
ProgressCallback = Callable[[int], None]
#: Applied to every valid record before it is stored.
Protect = Callable[[StoryRecord], StoryRecord]

CHUNK_SIZE = 1000
#: Most storyteller ids kept in memory during one batch.
CACHE_LIMIT = 10_000


@dataclass
class IngestReport:
    """What one ingest did, or would have done.

    ``committed`` is False when the batch was rejected (strict mode with any invalid row):
    then nothing was written and ``added``/``updated`` are 0.
    """

    file: str
    sha256: str
    format: str
    batch_id: int | None = None
    rows_read: int = 0
    rows_valid: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    committed: bool = False
    problems: list[Problem] = field(default_factory=list)
    #: Identifiers replaced in the rows read, per kind (``name``, ``phone`` …): counts only.
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """Problems that make a row invalid."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that did not stop a row."""
        return [p for p in self.problems if p.severity == "warning"]

    def write_problems(self, path: str | Path) -> int:
        """Write every problem to a CSV/XLSX/JSONL file (values escaped for spreadsheets)."""
        from sensemaking.ingest.writers import write_table

        columns = ["file", "row", "column", "value", "reason", "severity"]
        rows = ({c: getattr(p, c) for c in columns} for p in self.problems)
        return write_table(path, columns, rows)

    @property
    def invalid_rows(self) -> list[int]:
        """The row numbers with at least one error, in order."""
        return sorted({p.row for p in self.errors if p.row is not None})


class _BatchWriter:
    """Buffers valid records and writes them chunk by chunk inside the batch's transaction."""

    def __init__(
        self,
        conn: Connection,
        framework: Framework,
        batch_id: int,
        file: str,
        *,
        on_changed: Literal["reject", "update"],
        allow_new_places: bool,
    ) -> None:
        self.conn = conn
        self.framework = framework
        self.batch_id = batch_id
        self.file = file
        self.on_changed = on_changed
        self.allow_new_places = allow_new_places
        self.pending: list[StoryRecord] = []
        self.problems: list[Problem] = []
        self.added = self.updated = self.unchanged = 0
        self.bad_rows: set[int] = set()
        self._places: dict[str, int] = {}
        self._rounds: dict[str, int] = {}
        self._tellers: dict[str, int] = {}
        self._triads = {s.id for s in framework.of_type("triad")}

    def round_ids(self) -> set[int]:
        """The rounds this batch's stories belong to."""
        return set(self._rounds.values())

    def add(self, record: StoryRecord) -> None:
        self.pending.append(record)
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def _problem(self, record: StoryRecord, column: str | None, value: Any, reason: str) -> None:
        self.problems.append(Problem(self.file, record.row, column, value, reason))
        self.bad_rows.add(record.row)

    def flush(self) -> None:
        records, self.pending = self.pending, []
        if not records:
            return
        hashes = {id(r): r.content_hash() for r in records}
        records = self._drop_known(records, hashes)
        records = self._resolve_references(records)
        self._resolve(Round, Round.name, {r.round for r in records if r.round}, self._rounds)
        self._resolve(
            Storyteller,
            Storyteller.pseudonym,
            {r.storyteller for r in records if r.storyteller},
            self._tellers,
        )
        inserts, updates = self._split_changed(records, hashes)
        self._insert(inserts, hashes)
        self._update(updates, hashes)

    def _drop_known(self, records: list[StoryRecord], hashes: dict[int, str]) -> list[StoryRecord]:
        """Leave out rows stored already: the same content as stored, or the same row as read
        (its raw hash) even if the redaction rules have changed since."""
        raw = {r.raw_hash for r in records if r.raw_hash is not None}
        query = select(Story.content_hash, Story.raw_hash, Story.batch_id, Story.source_row).where(
            Story.content_hash.in_(set(hashes.values())) | Story.raw_hash.in_(raw)
        )
        stored: dict[str, tuple[int, int | None]] = {}
        for content, raw_hash, batch, row in self.conn.execute(query):
            stored[content] = (batch, row)
            if raw_hash is not None:
                stored[raw_hash] = (batch, row)
        fresh: list[StoryRecord] = []
        first_row: dict[str, int] = {}
        for r in records:
            h = hashes[id(r)]
            known = stored.get(h) or (stored.get(r.raw_hash) if r.raw_hash else None)
            if known is not None and known[0] != self.batch_id:
                self.unchanged += 1
            elif known is not None or h in first_row:
                earlier = known[1] if known is not None else first_row[h]
                self._problem(r, None, None, f"duplicates row {earlier} of this file")
            else:
                first_row[h] = r.row
                fresh.append(r)
        return fresh

    def _resolve_references(self, records: list[StoryRecord]) -> list[StoryRecord]:
        kept = []
        for r in records:
            if r.place is not None and self._place_id(r.place) is None:
                self._problem(
                    r,
                    "place",
                    r.place,
                    "unknown place, and the project does not allow new places "
                    "(ingest.allow_new_places: false)",
                )
                continue
            kept.append(r)
        return kept

    def _split_changed(
        self, records: list[StoryRecord], hashes: dict[int, str]
    ) -> tuple[list[StoryRecord], list[tuple[int, StoryRecord]]]:
        with_id = [r for r in records if r.source_id is not None]
        if not with_id:
            return records, []
        known: dict[tuple[str, int | None], tuple[int, int, int | None]] = {}
        query = select(
            Story.id, Story.source_id, Story.round_id, Story.batch_id, Story.source_row
        ).where(Story.source_id.in_({r.source_id for r in with_id}))
        for sid, source_id, round_id, batch, row in self.conn.execute(query):
            known[(source_id, round_id)] = (sid, batch, row)
        inserts: list[StoryRecord] = []
        updates: list[tuple[int, StoryRecord]] = []
        seen: dict[tuple[str, int | None], int] = {}
        for r in records:
            if r.source_id is None:
                inserts.append(r)
                continue
            key = (r.source_id, self._round_id(r.round))
            if key in seen or (key in known and known[key][1] == self.batch_id):
                earlier = seen.get(key) or known[key][2]
                self._problem(
                    r, "id", r.source_id, f"the id is used by row {earlier} too, with other content"
                )
            elif key in known:
                story_id, batch, row = known[key]
                if self.on_changed == "update":
                    updates.append((story_id, r))
                else:
                    self._problem(
                        r,
                        "id",
                        r.source_id,
                        f"a story with this id is stored already (batch {batch}, row {row}) "
                        "with other content; ingest with on_changed=update to replace it",
                    )
            else:
                inserts.append(r)
            seen[key] = r.row
        return inserts, updates

    # --- references ----------------------------------------------------------------------

    def _place_id(self, path: str) -> int | None:
        if path in self._places:
            return self._places[path]
        found = self.conn.execute(select(Place.id).where(Place.path == path)).scalar()
        if found is None:
            if not self.allow_new_places:
                return None
            parts = path.split("/")
            levels = (
                PLACE_LEVELS[MAX_PLACE_DEPTH - len(parts) :]
                if len(parts) > 1
                else ("municipality",)
            )
            parent = self._place_id("/".join(parts[:-1])) if len(parts) > 1 else None
            found = self.conn.execute(
                insert(Place)
                .values(name=parts[-1], level=levels[-1], path=path, parent_id=parent)
                .returning(Place.id)
            ).scalar_one()
        self._places[path] = found
        return found

    def _round_id(self, name: str | None) -> int | None:
        return None if name is None else self._rounds[name]

    def _teller_id(self, pseudonym: str | None) -> int | None:
        return None if pseudonym is None else self._tellers[pseudonym]

    def _resolve(self, model: Any, column: Any, keys: set[str], cache: dict[str, int]) -> None:
        """Fill ``cache`` with the ids of ``keys``, inserting the ones not stored yet."""
        missing = keys - cache.keys()
        if not missing:
            return
        if len(cache) > CACHE_LIMIT:
            cache.clear()  # memory stays flat however many storytellers a file names
            missing = keys
        for found_id, key in self.conn.execute(select(model.id, column).where(column.in_(missing))):
            cache[key] = found_id
        new = missing - cache.keys()
        if new:
            # Plain executemany, then read the ids back: RETURNING with a guaranteed row
            # order makes SQLAlchemy insert one row per statement on SQLite.
            self.conn.execute(insert(model), [{column.key: key} for key in new])
            query = select(model.id, column).where(column.in_(new))
            cache.update((key, found_id) for found_id, key in self.conn.execute(query))

    # --- writing -------------------------------------------------------------------------

    def _story_values(self, r: StoryRecord, h: str) -> dict[str, Any]:
        return {
            "source_id": r.source_id,
            "text": r.text,
            "title": r.title,
            "language": r.language,
            "told_on": r.told_on,
            "place_id": None if r.place is None else self._places[r.place],
            "round_id": self._round_id(r.round),
            "storyteller_id": self._teller_id(r.storyteller),
            "sharing": r.sharing,
            "raw_hash": r.raw_hash,
            "content_hash": h,
            "text_hash": r.text_hash(),
            "batch_id": self.batch_id,
            "source_row": r.row,
        }

    def _insert(self, records: list[StoryRecord], hashes: dict[int, str]) -> None:
        if not records:
            return
        now = utcnow()
        rows = [self._story_values(r, hashes[id(r)]) | {"created_at": now} for r in records]
        self.conn.execute(insert(Story), rows)
        query = select(Story.content_hash, Story.id).where(
            Story.content_hash.in_([row["content_hash"] for row in rows])
        )
        stored = dict(self.conn.execute(query).all())
        ids = [stored[row["content_hash"]] for row in rows]
        self._insert_answers(zip(ids, records, strict=True))
        self._insert_sealed(zip(ids, records, strict=True))
        self.added += len(records)

    def _update(self, updates: list[tuple[int, StoryRecord]], hashes: dict[int, str]) -> None:
        if not updates:
            return
        ids = [sid for sid, _ in updates]
        for model in (TriadAnswer, DyadAnswer, ChoiceAnswer, TextAnswer, RawText):
            self.conn.execute(delete(model).where(model.story_id.in_(ids)))
        now = utcnow()
        for sid, r in updates:
            values = self._story_values(r, hashes[id(r)]) | {"updated_at": now}
            self.conn.execute(update(Story).where(Story.id == sid).values(**values))
        self._insert_answers(updates)
        self._insert_sealed(updates)
        self.updated += len(updates)

    def _insert_sealed(self, pairs: Iterable[tuple[int, StoryRecord]]) -> None:
        rows = [{"story_id": sid, "sealed": r.sealed} for sid, r in pairs if r.sealed is not None]
        if rows:
            self.conn.execute(insert(RawText), rows)

    def _insert_answers(self, pairs: Iterable[tuple[int, StoryRecord]]) -> None:
        triads: list[tuple[Any, ...]] = []
        dyads: list[tuple[Any, ...]] = []
        choices: list[tuple[Any, ...]] = []
        texts: list[tuple[Any, ...]] = []
        for sid, r in pairs:
            for tid, comp in r.triads.items():
                triads.append((sid, tid, *(comp if comp is not None else (None, None, None))))
            dyads.extend((sid, k, v) for k, v in r.dyads.items())
            for cid, options in r.choices.items():
                choices.extend((sid, cid, o) for o in options)
            texts.extend((sid, k, v) for k, v in r.texts.items())
        for table, columns, rows in (
            ("triad_answers", ("story_id", "signifier_id", "a", "b", "c"), triads),
            ("dyad_answers", ("story_id", "signifier_id", "value"), dyads),
            ("choice_answers", ("story_id", "signifier_id", "option_id"), choices),
            ("text_answers", ("story_id", "signifier_id", "text"), texts),
        ):
            if rows:
                self._executemany(table, columns, rows)

    def _executemany(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert plain tuples with the driver's own bulk path.

        Answers are most of what a batch writes (ten or more rows per story); handing them
        to the driver directly skips SQLAlchemy's per-row parameter processing, which
        otherwise costs as much as SQLite's own work. On PostgreSQL (psycopg) they go in
        with COPY, in the same transaction. The values are plain ints, floats and
        strings, so there is nothing for SQLAlchemy to convert.
        """
        names = ", ".join(columns)
        if self.conn.dialect.driver == "psycopg":
            dbapi = self.conn.connection.dbapi_connection
            with (
                dbapi.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marker = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        markers = ", ".join([marker] * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({markers})", rows)


def _update_round_dates(conn: Connection, round_ids: set[int]) -> None:
    """A round spans the dates of its stories (it has none until its stories have dates)."""
    if not round_ids:
        return
    first = select(func.min(Story.told_on)).where(Story.round_id == Round.id).scalar_subquery()
    last = select(func.max(Story.told_on)).where(Story.round_id == Round.id).scalar_subquery()
    conn.execute(update(Round).where(Round.id.in_(round_ids)).values(starts_on=first, ends_on=last))


def ingest_rows(
    conn: Connection,
    framework: Framework,
    rows: Iterator[tuple[int, dict[str, Any]]],
    validator: RowValidator,
    report: IngestReport,
    *,
    skip_invalid: bool = False,
    on_changed: Literal["reject", "update"] = "reject",
    allow_new_places: bool = True,
    options: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
    reader_warnings: Callable[[], list[Problem]] | None = None,
    protect: Protect | None = None,
) -> IngestReport:
    """Validate and store ``rows`` as one import batch inside the caller's transaction.

    The caller commits when ``report.committed`` is True and rolls back otherwise.
    ``reader_warnings`` gives what the file's reader noticed, once every row is read.
    ``protect`` is applied to every valid record before it is stored (redaction and
    pseudonyms, see :class:`sensemaking.privacy.protect.Protector`); its ``redactions``
    counts, if it has them, become the report's and the batch's.
    """
    batch_id = conn.execute(
        insert(ImportBatch)
        .values(
            file_name=report.file,
            sha256=report.sha256,
            format=report.format,
            status="running",
            options=options or {},
        )
        .returning(ImportBatch.id)
    ).scalar_one()
    writer = _BatchWriter(
        conn,
        framework,
        batch_id,
        report.file,
        on_changed=on_changed,
        allow_new_places=allow_new_places,
    )
    row_problems: list[Problem] = []
    invalid: set[int] = set()
    for number, raw in rows:
        report.rows_read += 1
        result = validator.validate(number, raw)
        if isinstance(result, list):
            row_problems.extend(result)
            invalid.add(number)
        else:
            writer.add(protect(result) if protect is not None else result)
        if progress is not None and report.rows_read % CHUNK_SIZE == 0:
            progress(report.rows_read)
    writer.flush()
    if progress is not None:
        progress(report.rows_read)
    invalid |= writer.bad_rows
    report.problems = sorted(
        [
            *(reader_warnings() if reader_warnings else []),
            *validator.warnings,
            *row_problems,
            *writer.problems,
        ],
        key=lambda p: (p.row is not None, p.row or 0),
    )
    report.skipped = len(invalid)
    report.rows_valid = report.rows_read - report.skipped
    report.unchanged = writer.unchanged
    report.redactions = dict(sorted(getattr(protect, "redactions", {}).items()))
    if invalid and not skip_invalid:
        report.committed = False
        return report
    report.added, report.updated = writer.added, writer.updated
    _update_round_dates(conn, writer.round_ids())
    conn.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(
            status="committed",
            rows_read=report.rows_read,
            stories_added=report.added,
            stories_updated=report.updated,
            stories_unchanged=report.unchanged,
            rows_skipped=report.skipped,
            redactions=report.redactions,
            finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    )
    report.batch_id = batch_id
    report.committed = True
    return report
