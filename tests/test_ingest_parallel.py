"""Parallel ingest: rows prepared in worker processes give exactly what one process gives.

A few rows are enough: the thresholds are lowered so that a small file is prepared in
worker processes, a few rows per task, and written a few records per chunk.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import HEADER, TEST_FRAMEWORK, reset_postgres, story_row, write_csv
from sqlalchemy import select

import sensemaking.ingest.batch_writer as batch_writer
import sensemaking.ingest.parallel as parallel
import sensemaking.ingest.pipeline as pipeline
from sensemaking.errors import ConfigError, IngestError
from sensemaking.ingest.validate import RowValidator
from sensemaking.privacy.keys import SECRET_ENV
from sensemaking.project import Project, create_project
from sensemaking.store.models import (
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
)


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Workers from the 6th row on, 3 rows a task, 7 records a write; yields how many
    times the worker path ran."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", 5)
    monkeypatch.setattr(parallel, "ROWS_PER_TASK", 3)
    monkeypatch.setattr(batch_writer, "CHUNK_SIZE", 7)
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 7)  # progress every 7 rows
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    # One secret for every project of a test: the same pseudonyms and keyed hashes.
    monkeypatch.setenv(SECRET_ENV, "ett-hemligt-test-lösenord-för-båda")
    started: list[int] = []
    in_workers = parallel._prepare_in_workers

    def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        started.append(1)
        return in_workers(*args, **kwargs)

    monkeypatch.setattr(parallel, "_prepare_in_workers", counted)
    return started


def tricky_rows() -> list[dict[str, object]]:
    """Valid rows with identifiers, invalid rows, repeated rows and a reused id."""
    rows = [story_row(n, storyteller=f"elev-{n % 4}") for n in range(1, 41)]
    rows[1]["text"] = "Ring mig på 070-123 45 67 eller mejla lisa.berg@skolan.se, Lisa Berg."
    rows[2]["title"] = "Ahmed och Saga på Kopparbergs skola"
    rows[6]["text"] = "Mitt personnummer är 20120304-1234 och jag bor på Storgatan 12."
    rows[8]["kraft.vuxna"] = -0.5  # invalid: a negative triad value
    rows[11]["kansla"] = "okänd"  # invalid: an unknown option
    rows[12]["date"] = "2024-13-01"  # invalid, together with the next problem
    rows[12]["lyssnad"] = 4
    rows[15] = dict(rows[3])  # the same content as row 5 of the sheet: a duplicate
    rows[19]["id"] = "s11"  # the id of row 12, with other content
    rows[23]["text"] = " "  # invalid: no story text
    rows[29] = dict(rows[27])  # a duplicate in a later chunk
    rows[33]["varfor"] = "Fröken Stina Holm ringde 08-123 456 78 hem."
    rows[37]["consent"] = "nej"
    return rows


def snapshot(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an ingest wrote, in id order (times left out); raw texts unsealed."""
    story_columns = [c for c in Story.__table__.c if c.name not in ("created_at", "updated_at")]
    batch_columns = [
        c for c in ImportBatch.__table__.c if c.name not in ("started_at", "finished_at")
    ]
    queries = {
        "stories": select(*story_columns).order_by(Story.id),
        "storytellers": select(Storyteller.id, Storyteller.pseudonym).order_by(Storyteller.id),
        "places": select(Place.id, Place.path, Place.parent_id).order_by(Place.id),
        "rounds": select(Round.id, Round.name, Round.starts_on, Round.ends_on),
        "batches": select(*batch_columns).order_by(ImportBatch.id),
    }
    for model in (TriadAnswer, DyadAnswer, ChoiceAnswer, TextAnswer):
        columns = [c for c in model.__table__.c]
        queries[model.__tablename__] = select(*columns).order_by(*columns)
    with project.engine.connect() as conn:
        found = {name: [tuple(row) for row in conn.execute(q)] for name, q in queries.items()}
        sealed = conn.execute(select(RawText.story_id, RawText.sealed).order_by(RawText.story_id))
        found["raw_texts"] = [(sid, project.key.unseal(data)) for sid, data in sealed]
    return found


def ingest_fresh(
    folder: Path, database_url: str | None, path: Path, **options: Any
) -> tuple[dict[str, Any], list[int], dict[str, list[tuple[Any, ...]]]]:
    """Ingest ``path`` (twice) into a new project: the report, progress and what is stored."""
    if database_url:
        reset_postgres(database_url)
    with create_project(folder, framework=TEST_FRAMEWORK, database_url=database_url) as project:
        project.config.privacy.keep_raw_text = True
        project.config.privacy.names = ["Kopparbergs skola"]
        progress: list[int] = []
        report = project.ingest(path, progress=progress.append, **options)
        again = project.ingest(path, **options)
        assert again.added == 0 and again.unchanged >= report.added  # nothing twice
        return dataclasses.asdict(report), progress, snapshot(project)


def test_parallel_ingest_stores_exactly_what_serial_ingest_stores(
    tmp_path: Path,
    database_url: str | None,
    small_tasks: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(tmp_path / "runda.csv", tricky_rows(), header=[*HEADER, "consent"])
    monkeypatch.setenv(parallel.WORKERS_ENV, "0")
    serial = ingest_fresh(tmp_path / "serial", database_url, path, skip_invalid=True)
    assert small_tasks == []
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    in_workers = ingest_fresh(tmp_path / "parallel", database_url, path, skip_invalid=True)
    assert small_tasks  # the rows after the 5th were prepared in worker processes

    report, progress, stored = in_workers
    assert report == serial[0]
    assert progress == serial[1] == [7, 14, 21, 28, 35, 40]
    assert stored == serial[2]
    # What the file holds shows in the result: problems, redactions, stored rows.
    assert report["committed"] and (report["rows_read"], report["added"]) == (40, 33)
    assert [p["row"] for p in report["problems"] if p["severity"] == "error"] == [
        10, 13, 14, 14, 17, 21, 25, 31,
    ]  # fmt: skip
    reasons = " | ".join(p["reason"] for p in report["problems"])
    assert "duplicates row 5 of this file" in reasons
    assert "the id is used by row 12 too" in reasons
    assert set(report["redactions"]) == {"address", "email", "name", "personnummer", "phone"}
    texts = " ".join(str(row[2]) + " " + str(row[3]) for row in stored["stories"])
    for identifier in ("070-123", "lisa.berg@", "Lisa Berg", "20120304", "Kopparbergs", "Stina"):
        assert identifier not in texts
    assert not any("Stina" in row[-1] for row in stored["text_answers"])
    assert len(stored["raw_texts"]) == 33 and "Lisa Berg" in stored["raw_texts"][1][1]
    assert all(p.startswith("ps_") for _, p in stored["storytellers"])


def test_worker_warnings_are_merged_in_file_order(
    tmp_path: Path,
    database_url: str | None,
    small_tasks: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # JSON Lines rows may bring keys of their own, first seen by different workers.
    rows: list[dict[str, object]] = [story_row(n) for n in range(1, 31)]
    for n, extra in ((3, "a"), (8, "b"), (9, "a"), (14, "c"), (15, "b"), (22, "d"), (29, "c")):
        rows[n - 1][f"okänd_{extra}"] = "x"
    path = tmp_path / "runda.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    monkeypatch.setenv(parallel.WORKERS_ENV, "0")
    serial = ingest_fresh(tmp_path / "serial", database_url, path)
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    in_workers = ingest_fresh(tmp_path / "parallel", database_url, path)
    assert small_tasks
    assert in_workers == serial
    warned = [p["column"] for p in in_workers[0]["problems"] if p["severity"] == "warning"]
    assert warned == ["okänd_a", "okänd_b", "okänd_c", "okänd_d"]


def test_a_strict_file_with_a_late_invalid_row_writes_nothing(
    project: Project, tmp_path: Path, small_tasks: list[int]
) -> None:
    rows = [story_row(n) for n in range(1, 31)]
    rows[27]["lyssnad"] = 1.7
    progress: list[int] = []
    report = project.ingest(write_csv(tmp_path / "runda.csv", rows), progress=progress.append)
    assert small_tasks
    assert not report.committed and report.invalid_rows == [29]
    assert progress == [7, 14, 21, 28, 30]
    assert project.count_stories() == 0 and project.status().import_batches == 0


def test_an_error_in_a_worker_is_raised_as_in_one_process(
    project: Project, tmp_path: Path, small_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    validate = RowValidator.validate

    def failing(self: RowValidator, row: int, raw: Any) -> Any:
        if row == 20:
            raise ZeroDivisionError(f"row {row} is cursed")
        return validate(self, row, raw)

    monkeypatch.setattr(RowValidator, "validate", failing)  # in the workers too (fork)
    path = write_csv(tmp_path / "runda.csv", [story_row(n) for n in range(1, 31)])
    progress: list[int] = []
    with pytest.raises(ZeroDivisionError, match="row 20 is cursed"):
        project.ingest(path, progress=progress.append)
    assert small_tasks
    assert progress == [7, 14]  # as far as one process gets before row 20
    assert project.count_stories() == 0 and project.status().import_batches == 0


def test_a_reader_error_comes_after_the_rows_read_before_it(
    project: Project, tmp_path: Path, small_tasks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "runda.csv", [story_row(n) for n in range(1, 31)])
    # A Windows-1252 line after UTF-8 text: the reader stops at row 27.
    lines = path.read_bytes().split(b"\n")
    lines[26] = lines[26].replace("Berättelse".encode(), "Berättelse".encode("cp1252"))
    path.write_bytes(b"\n".join(lines))
    messages = []
    for workers in ("0", "2"):
        monkeypatch.setenv(parallel.WORKERS_ENV, workers)
        progress: list[int] = []
        with pytest.raises(IngestError) as raised:
            project.ingest(path, progress=progress.append)
        messages.append((str(raised.value), progress))
    assert small_tasks
    assert messages[0] == messages[1]
    assert ":27" in messages[0][0] and messages[0][1] == [7, 14, 21]
    assert project.count_stories() == 0


def test_worker_count_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.worker_count() == 3
    monkeypatch.setenv(parallel.WORKERS_ENV, "0")
    assert parallel.worker_count() == 0
    monkeypatch.setenv(parallel.WORKERS_ENV, "many")
    with pytest.raises(ConfigError, match="whole number"):
        parallel.worker_count()
