"""The database side of one import batch: valid records written chunk by chunk.

:class:`BatchWriter` decides, per chunk of records, which are stored already (unchanged),
which repeat a row of the same file, which change a stored story and which are new, and
writes the new and changed ones inside the caller's transaction. The identity rules are in
:mod:`sensemaking.ingest.pipeline`.

Stories and their answers are most of what an ingest costs once rows are validated, so the
bulk writes skip SQLAlchemy's per-row parameter handling and use the driver's own bulk path
(``executemany`` on SQLite, ``COPY`` on PostgreSQL with psycopg), and look-ups by many keys
pass one array on PostgreSQL instead of an ``IN`` list of a thousand parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, Literal

from sqlalchemy import Connection, delete, insert, select, text, update

from sensemaking.ingest.validate import MAX_PLACE_DEPTH, Problem, StoryRecord
from sensemaking.store.models import (
    PLACE_LEVELS,
    ChoiceAnswer,
    DyadAnswer,
    Place,
    RawText,
    Round,
    Story,
    Storyteller,
    TextAnswer,
    TriadAnswer,
    utcnow,
)

__all__ = ["CACHE_LIMIT", "CHUNK_SIZE", "BatchWriter"]

#: Valid records written together (one round of look-ups and bulk inserts).
CHUNK_SIZE = 1000
#: Most storyteller ids kept in memory during one batch.
CACHE_LIMIT = 10_000

#: The columns of a new story, in the order of ``BatchWriter._story_row`` (the time last).
_STORY_COLUMNS = (
    "id", "source_id", "text", "title", "language", "told_on", "place_id", "round_id",
    "storyteller_id", "sharing", "raw_hash", "content_hash", "text_hash", "batch_id",
    "source_row", "created_at",
)  # fmt: skip
_ANSWER_TABLES = {
    "triad_answers": ("story_id", "signifier_id", "a", "b", "c"),
    "dyad_answers": ("story_id", "signifier_id", "value"),
    "choice_answers": ("story_id", "signifier_id", "option_id"),
    "text_answers": ("story_id", "signifier_id", "text"),
}


class BatchWriter:
    """Buffers valid records and writes them chunk by chunk inside the batch's transaction.

    Args:
        conn: the connection whose transaction holds the batch.
        framework: the project's framework.
        batch_id: the import batch the stories belong to.
        file: the file name used in problems.
        on_changed: what a row whose source id is stored with other content does.
        allow_new_places: whether places not stored yet are created.
    """

    def __init__(
        self,
        conn: Connection,
        batch_id: int,
        file: str,
        *,
        on_changed: Literal["reject", "update"],
        allow_new_places: bool,
    ) -> None:
        self.conn = conn
        self.batch_id = batch_id
        self.file = file
        self.on_changed = on_changed
        self.allow_new_places = allow_new_places
        self.pending: list[tuple[StoryRecord, str]] = []
        self.problems: list[Problem] = []
        self.added = self.updated = self.unchanged = 0
        self.bad_rows: set[int] = set()
        self._places: dict[str, int] = {}
        self._rounds: dict[str, int] = {}
        self._tellers: dict[str, int] = {}
        self._copy = conn.dialect.driver == "psycopg"
        self._copy_types: dict[str, list[str] | None] = {}
        self._sequences: dict[str, str] = {}
        # SQLite stores dates and times as texts in SQLAlchemy's format: the same conversion
        # SQLAlchemy would apply, looked up once (COPY takes the Python values as they are).
        processors = [
            Story.__table__.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            for name in _STORY_COLUMNS
        ]
        if self._copy:
            processors = [None] * len(processors)
        self._created_at = processors[-1] or (lambda value: value)  # one time per chunk
        self._story_processors = [(i, fn) for i, fn in enumerate(processors[:-1]) if fn is not None]

    def round_ids(self) -> set[int]:
        """The rounds this batch's stories belong to."""
        return set(self._rounds.values())

    def add(self, record: StoryRecord, content_hash: str) -> None:
        """Queue a valid record with its :meth:`~StoryRecord.content_hash`."""
        self.pending.append((record, content_hash))
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def _problem(self, record: StoryRecord, column: str | None, value: Any, reason: str) -> None:
        self.problems.append(Problem(self.file, record.row, column, value, reason))
        self.bad_rows.add(record.row)

    def flush(self) -> None:
        """Write the queued records."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        hashes = {id(r): h for r, h in pending}
        records = self._drop_known([r for r, _ in pending], hashes)
        records = self._resolve_references(records)
        self._resolve(Round, "name", {r.round for r in records if r.round}, self._rounds)
        self._resolve(
            Storyteller,
            "pseudonym",
            {r.storyteller for r in records if r.storyteller},
            self._tellers,
        )
        inserts, updates = self._split_changed(records)
        self._insert(inserts, hashes)
        self._update(updates, hashes)

    def _select_among(
        self, table: str, columns: tuple[str, ...], key: str, values: Collection[str]
    ) -> list[Any]:
        """``SELECT columns FROM table WHERE key IN (values)``, written for the driver.

        SQLAlchemy's expanding ``IN`` handles each of the thousand values of a chunk on
        its own and costs more than the look-up. PostgreSQL gets the values as one array
        and looks each one up in the key's index (``LATERAL``, kept apart by ``OFFSET
        0``): in a table without statistics yet, as one being filled is, the planner
        otherwise reads the whole table for every chunk (or, once psycopg has prepared
        the statement, compares every row with every value).
        """
        if not values:
            return []
        names = ", ".join(columns)
        if self._copy:
            # One text, split by the server: psycopg writes a list parameter value by value.
            # Keys are single lines (ids, names, hashes), so a newline parts them.
            keys: Any = "\n".join(values)
            wanted = "string_to_array(%s, E'\\n')"
            if keys.count("\n") != len(values) - 1:
                keys, wanted = list(values), "%s::text[]"
            sql = (
                f"SELECT found.* FROM unnest({wanted}) AS wanted(key), LATERAL "
                f"(SELECT {names} FROM {table} WHERE {key} = wanted.key OFFSET 0) AS found"
            )
            return self.conn.exec_driver_sql(sql, (keys,)).all()
        marker = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        markers = ", ".join([marker] * len(values))
        sql = f"SELECT {names} FROM {table} WHERE {key} IN ({markers})"
        return self.conn.exec_driver_sql(sql, tuple(values)).all()

    def _drop_known(self, records: list[StoryRecord], hashes: dict[int, str]) -> list[StoryRecord]:
        """Leave out rows stored already: the same content as stored, or the same row as read
        (its raw hash) even if the redaction rules have changed since."""
        raw = {r.raw_hash for r in records if r.raw_hash is not None}
        columns = ("content_hash", "raw_hash", "batch_id", "source_row")
        found = self._select_among("stories", columns, "content_hash", set(hashes.values()))
        found += self._select_among("stories", columns, "raw_hash", raw)
        stored: dict[str, tuple[int, int | None]] = {}
        for content, raw_hash, batch, row in found:
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
        self, records: list[StoryRecord]
    ) -> tuple[list[StoryRecord], list[tuple[int, StoryRecord]]]:
        with_id = [r for r in records if r.source_id is not None]
        if not with_id:
            return records, []
        known: dict[tuple[str, int | None], tuple[int, int, int | None]] = {}
        found = self._select_among(
            "stories",
            ("id", "source_id", "round_id", "batch_id", "source_row"),
            "source_id",
            {r.source_id for r in with_id},
        )
        for sid, source_id, round_id, batch, row in found:
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

    def _resolve(self, model: Any, column_name: str, keys: set[str], cache: dict[str, int]) -> None:
        """Fill ``cache`` with the ids of ``keys``, inserting the ones not stored yet."""
        missing = keys - cache.keys()
        if not missing:
            return
        if len(cache) > CACHE_LIMIT:
            cache.clear()  # memory stays flat however many storytellers a file names
            missing = keys
        table = model.__tablename__
        columns = ("id", column_name)
        for found_id, key in self._select_among(table, columns, column_name, missing):
            cache[key] = found_id
        new = list(missing - cache.keys())
        if new:
            ids = self._new_ids(table, len(new))
            self._executemany(table, columns, list(zip(ids, new, strict=True)))
            cache.update(zip(new, ids, strict=True))

    def _new_ids(self, table: str, count: int) -> list[int]:
        """The ids the next ``count`` rows of ``table`` get, in order.

        Given to the rows when they are written, so that no look-up has to find them
        again: on PostgreSQL taken from the id column's sequence, as its default would;
        on SQLite one more than the largest id, as SQLite itself does (the batch holds
        the database's write lock from its first statement on).
        """
        if self.conn.dialect.name == "postgresql":
            if table not in self._sequences:
                self._sequences[table] = self.conn.execute(
                    text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
                ).scalar_one()
            query = text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :n)")
            found = self.conn.execute(query, {"sequence": self._sequences[table], "n": count})
            return sorted(found.scalars())
        last = self.conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0
        return list(range(last + 1, last + 1 + count))

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

    def _story_row(self, sid: int, r: StoryRecord, h: str, now: Any) -> tuple[Any, ...]:
        """A new story's values in the order of ``_STORY_COLUMNS``, as the driver takes them."""
        row = [
            sid, r.source_id, r.text, r.title, r.language, r.told_on,
            None if r.place is None else self._places[r.place],
            None if r.round is None else self._rounds[r.round],
            None if r.storyteller is None else self._tellers[r.storyteller],
            r.sharing, r.raw_hash, h, r.text_hash(), self.batch_id, r.row, now,
        ]  # fmt: skip
        for i, convert in self._story_processors:
            row[i] = convert(row[i])
        return tuple(row)

    def _insert(self, records: list[StoryRecord], hashes: dict[int, str]) -> None:
        if not records:
            return
        now = self._created_at(utcnow())
        ids = self._new_ids("stories", len(records))
        rows = [
            self._story_row(sid, r, hashes[id(r)], now) for sid, r in zip(ids, records, strict=True)
        ]
        self._executemany("stories", _STORY_COLUMNS, rows, binary=True)
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
        for table, rows in (
            ("triad_answers", triads),
            ("dyad_answers", dyads),
            ("choice_answers", choices),
            ("text_answers", texts),
        ):
            if rows:
                self._executemany(table, _ANSWER_TABLES[table], rows, binary=True)

    def _executemany(
        self,
        table: str,
        columns: tuple[str, ...],
        rows: Sequence[Sequence[Any]],
        *,
        binary: bool = False,
    ) -> None:
        """Insert plain rows with the driver's own bulk path.

        Handing rows to the driver directly skips SQLAlchemy's per-row parameter
        processing, which otherwise costs as much as the database's own work; the values
        must be what the driver stores as they are (see ``_story_processors``). On
        PostgreSQL (psycopg) they go in with COPY, in the same transaction; ``binary``
        sends them in COPY's binary format (no number parsing on the server), typed after
        the table's own columns.
        """
        names = ", ".join(columns)
        if self._copy:
            dbapi = self.conn.connection.dbapi_connection
            types = self._column_types(table, columns) if binary else None
            options = " (FORMAT BINARY)" if types else ""
            with (
                dbapi.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN{options}") as copy,
            ):
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marker = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        markers = ", ".join([marker] * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({markers})", rows)

    def _column_types(self, table: str, columns: tuple[str, ...]) -> list[str] | None:
        """The PostgreSQL types of ``columns`` of ``table``, as the database has them; None
        if psycopg does not know one of them (then COPY goes as text)."""
        key = f"{table}({','.join(columns)})"
        if key not in self._copy_types:
            found = dict(
                self.conn.exec_driver_sql(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %(table)s",
                    {"table": table},
                ).all()
            )
            known = self.conn.connection.dbapi_connection.adapters.types
            types = [found.get(c) for c in columns]
            self._copy_types[key] = (
                types if all(t is not None and known.get(t) is not None for t in types) else None
            )
        return self._copy_types[key]
