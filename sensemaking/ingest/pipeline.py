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
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, func, insert, select, update

from sensemaking.ingest.batch_writer import CHUNK_SIZE, BatchWriter
from sensemaking.ingest.parallel import Protect, prepare_rows
from sensemaking.ingest.validate import Problem, RowValidator
from sensemaking.store.models import ImportBatch, Round, Story

__all__ = ["IngestReport", "ProgressCallback", "Protect", "ingest_rows"]

#: Called with the number of rows read so far.
ProgressCallback = Callable[[int], None]

#: SQLite's page cache while a batch is written, in KiB (see ``_sqlite_cache``).
SQLITE_CACHE_KIB = 256 * 1024


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


@contextmanager
def _sqlite_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache while a batch is written, the usual one again after.

    New stories put their content, raw and text hashes all over those indexes; with the
    default cache (2 MB) SQLite writes pages out and reads them back many times within the
    one transaction. The cache only holds pages: what is written and when it is committed
    stay the same.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    before = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size={before}")


def _update_round_dates(conn: Connection, round_ids: set[int]) -> None:
    """A round spans the dates of its stories (it has none until its stories have dates)."""
    if not round_ids:
        return
    first = select(func.min(Story.told_on)).where(Story.round_id == Round.id).scalar_subquery()
    last = select(func.max(Story.told_on)).where(Story.round_id == Round.id).scalar_subquery()
    conn.execute(update(Round).where(Round.id.in_(round_ids)).values(starts_on=first, ends_on=last))


def ingest_rows(
    conn: Connection,
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
    workers: int | None = None,
) -> IngestReport:
    """Validate and store ``rows`` as one import batch inside the caller's transaction.

    The caller commits when ``report.committed`` is True and rolls back otherwise.
    ``reader_warnings`` gives what the file's reader noticed, once every row is read.
    ``protect`` is applied to every valid record before it is stored (redaction and
    pseudonyms, see :class:`sensemaking.privacy.protect.Protector`); its ``redactions``
    counts, if it has them, become the report's and the batch's.

    Rows are validated and protected in worker processes once a file turns out to be
    large (``workers``: how many, see :func:`sensemaking.ingest.parallel.prepare_rows`);
    this process reads the file and writes to the database, and the result is the same.
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
    writer = BatchWriter(
        conn,
        batch_id,
        report.file,
        on_changed=on_changed,
        allow_new_places=allow_new_places,
    )
    row_problems: list[Problem] = []
    invalid: set[int] = set()
    prepared = prepare_rows(rows, validator, protect, workers=workers)
    with _sqlite_cache(conn), closing(prepared):
        for number, result in prepared:
            report.rows_read += 1
            if isinstance(result, list):
                row_problems.extend(result)
                invalid.add(number)
            else:
                writer.add(*result)
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
