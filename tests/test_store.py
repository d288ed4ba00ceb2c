"""The store: migrations own the schema, and the database itself enforces the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import story_row, write_csv
from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from sensemaking.project import Project
from sensemaking.store import GrowthWatch
from sensemaking.store.models import Base, ChoiceAnswer, DyadAnswer, Story, TriadAnswer


def test_the_migrations_create_exactly_the_models_schema(project: Project) -> None:
    with project.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_connections_enforce_keys_use_wal_and_secure_delete(project: Project) -> None:
    if project.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with project.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1


@pytest.fixture
def stored(project: Project, tmp_path: Path) -> int:
    project.ingest(write_csv(tmp_path / "t.csv", [story_row(1)]))
    with project.engine.connect() as conn:
        return conn.execute(select(Story.id)).scalar_one()


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (TriadAnswer, {"a": 0.5, "b": 0.5, "c": 0.5}),  # does not sum to 1
        (TriadAnswer, {"a": -0.5, "b": 1.0, "c": 0.5}),  # negative
        (TriadAnswer, {"a": 0.5, "b": None, "c": 0.5}),  # half N/A
        (DyadAnswer, {"value": 1.5}),
    ],
)
def test_the_database_rejects_impossible_answers(
    project: Project, stored: int, model: type, values: dict
) -> None:
    signifier = "kraft" if model is TriadAnswer else "lyssnad"
    with project.engine.connect() as conn:
        conn.execute(delete(model).where(model.story_id == stored))
        with pytest.raises(IntegrityError):
            conn.execute(insert(model).values(story_id=stored, signifier_id=signifier, **values))
        conn.rollback()


def test_the_database_rejects_unknown_options_and_signifiers(project: Project, stored: int) -> None:
    with project.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(
            insert(ChoiceAnswer).values(story_id=stored, signifier_id="kansla", option_id="arg")
        )
    with project.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(
            insert(DyadAnswer).values(story_id=stored, signifier_id="finns-inte", value=0.5)
        )


def test_deleting_a_story_deletes_its_answers(project: Project, stored: int) -> None:
    with project.engine.begin() as conn:
        conn.execute(delete(Story).where(Story.id == stored))
    with project.engine.connect() as conn:
        for model in (TriadAnswer, DyadAnswer, ChoiceAnswer):
            assert conn.execute(select(func.count()).select_from(model)).scalar() == 0


def test_a_database_with_stories_upgrades_from_the_first_release(tmp_path: Path) -> None:
    """Later migrations copy tables that others reference (SQLite batch mode): stories made
    under revision 0003 survive the upgrade with their answers and keys intact."""
    from sensemaking.store import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'gammal.db'}")
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO import_batches (id, file_name, sha256, format, status, rows_read, "
            "stories_added, stories_updated, stories_unchanged, rows_skipped, options, "
            "started_at) VALUES (1, 'a.csv', 'x', 'csv', 'committed', 1, 1, 0, 0, 0, '{}', "
            "'2024-01-01')"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO stories (id, text, content_hash, text_hash, batch_id, created_at) "
            "VALUES (1, 'En berättelse', 'c', 't', 1, '2024-01-01')"
        ))  # fmt: skip
    assert upgrade(engine) == "0005"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text, sharing FROM stories")).one() == (
            "En berättelse", None
        )  # fmt: skip
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_bulk_writes_refresh_postgres_statistics(project: Project, tmp_path: Path) -> None:
    # An ingest must leave the planner knowing the tables' size: on stale statistics
    # PostgreSQL embedded a million texts by sorting every vector for each chunk.
    ran: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        if statement.startswith("ANALYZE"):
            ran.append(statement)

    event.listen(project.engine, "before_cursor_execute", seen)
    project.ingest(write_csv(tmp_path / "t.csv", [story_row(n) for n in range(1, 8)]))
    postgres = project.engine.dialect.name == "postgresql"
    assert len(ran) == int(postgres) and (not ran or "stories" in ran[0])
    if postgres:
        with project.engine.connect() as conn:
            reltuples = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'stories'")
            ).scalar_one()
        assert reltuples == 7

    # A table that grows while it is written (embeddings) is refreshed each time it doubles.
    ran.clear()
    watch = GrowthWatch(project.engine, "embeddings", first=10_000)
    for rows in (4000, 6000, 9000, 1000, 19_000, 1000):  # 4k 10k 19k 20k 39k 40k
        watch.grew(rows)
    assert len(ran) == (3 if postgres else 0)
