"""Shared fixtures: a project on SQLite, or on PostgreSQL when SENSEMAKING_TEST_PG_URL is set."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sensemaking.project import Project, create_project

DATA = Path(__file__).parent / "data"
TEST_FRAMEWORK = DATA / "framework.yaml"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PG_URL = os.environ.get("SENSEMAKING_TEST_PG_URL")


def reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url() -> str | None:
    """The database the test's project uses: PostgreSQL when configured, else None (SQLite)."""
    if PG_URL:
        reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def project(tmp_path: Path, database_url: str | None) -> Iterator[Project]:
    """A fresh project with the small test framework."""
    with create_project(
        tmp_path / "projekt", framework=TEST_FRAMEWORK, database_url=database_url
    ) as p:
        yield p


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, object]]:
    """The shipped demo stories, embedded by the fast topic embedder, themed and reported
    (on SQLite: the report reads what the patterns read, tested on both databases there)."""
    from test_themes import TopicEmbedder

    from sensemaking.demo import demo_csv_path

    project = create_project(tmp_path_factory.mktemp("demo-report") / "p", name="demo")
    assert project.ingest(demo_csv_path()).added == 832
    result = project.run(embedder=TopicEmbedder())
    yield project, result
    project.close()


HEADER = [
    "id",
    "text",
    "title",
    "place",
    "round",
    "date",
    "storyteller",
    "language",
    "kraft.vuxna",
    "kraft.kompisar",
    "kraft.jag",
    "lyssnad",
    "kansla",
    "kanslor",
    "varfor",
]


def story_row(n: int, **values: object) -> dict[str, object]:
    """A valid row for the test framework; keyword arguments override columns."""
    row: dict[str, object] = {
        "id": f"s{n}",
        "text": f"Berättelse nummer {n}: på fritidsgården lyssnade en vuxen på mig.",
        "title": f"Rubrik {n}",
        "place": "Värmland/Säffle/Fritidsgården",
        "round": "2024 vår",
        "date": f"2024-03-0{1 + n % 9}",
        "storyteller": f"p{n % 7}",
        "language": "sv",
        "kraft.vuxna": 0.5,
        "kraft.kompisar": 0.3,
        "kraft.jag": 0.2,
        "lyssnad": 0.8,
        "kansla": "positiv",
        "kanslor": "glad;trygg",
        "varfor": "",
    }
    row.update(values)
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, object]],
    *,
    header: list[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """Write rows as CSV (missing keys as empty cells)."""
    header = header or HEADER
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in header])
    return path
