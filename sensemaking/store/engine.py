"""Engines and sessions: one place that knows how to connect to the project database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from sensemaking.errors import StoreError

__all__ = ["GrowthWatch", "make_engine", "refresh_statistics", "session_scope"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # foreign_keys: SQLite ignores FOREIGN KEY clauses without it.
    # WAL: readers (reports, status) do not block the writer (ingest, worker).
    # secure_delete: erased stories are overwritten with zeros, not left in free pages.
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN; emitting it ourselves makes every
    # SQLAlchemy transaction a real SQLite transaction (and lets savepoints work). A
    # connection with the execution option ``immediate`` takes the write lock at once
    # (BEGIN IMMEDIATE): how workers claim work without two of them reading the same row.
    immediate = conn.get_execution_options().get("immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings `sensemaking` relies on.

    Raises:
        StoreError: the URL is malformed or names a database driver that is not installed.
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {redact_url(url)!r}: {exc}") from None


def redact_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is one transaction: committed on success, rolled back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def refresh_statistics(engine: Engine, *tables: str) -> None:
    """Let PostgreSQL's planner see the tables as they are now (``ANALYZE``); nothing on SQLite.

    A bulk write (an ingest, an embedding run) changes a table's size far faster than
    autovacuum notices, when it runs at all. Plans made on the old statistics can turn a walk
    along an index into a sort of the whole table for every chunk: embedding a million texts
    on PostgreSQL went from minutes to hours that way. SQLite plans from its indexes alone.
    """
    if engine.dialect.name != "postgresql" or not tables:
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE " + ", ".join(tables))


class GrowthWatch:
    """Refreshes a table's statistics each time a writer has added as many rows again as at
    the previous refresh (the first after ``first`` rows): a handful of ``ANALYZE`` runs while
    a table grows a thousandfold, so that the planner's idea of it is never far off.

    Args:
        engine: the database (nothing is done on SQLite).
        table: the table written to.
        first: rows added before the first refresh.
    """

    def __init__(self, engine: Engine, table: str, first: int = 10_000) -> None:
        self.engine = engine
        self.table = table
        self.added = 0
        self.next = first

    def grew(self, rows: int) -> None:
        """Count ``rows`` more rows written (and committed) to the table."""
        self.added += rows
        if self.added >= self.next:
            refresh_statistics(self.engine, self.table)
            self.next = 2 * self.added
