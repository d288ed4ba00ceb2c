"""Background work: jobs that are never lost or done twice, whatever is killed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import story_row, write_csv
from sqlalchemy import func, select

from cli.main import cli
from sensemaking.config import load_config, save_config
from sensemaking.demo.embedder import TOPICS, TopicEmbedder
from sensemaking.project import Project, create_project, open_project
from sensemaking.store.models import Embedding, Story
from sensemaking.vectors import claim_texts, count_missing, use_model
from sensemaking.worker.jobs import claim_job, fail_job, finish_job, sweep
from sensemaking.worker.steps import register_inbox

REDIS_URL = os.environ.get("SENSEMAKING_TEST_REDIS_URL")


def rows(start: int, n: int, **values: object) -> list[dict[str, object]]:
    """Stories about the demo embedder's topics in turn, so that themes can be found."""
    return [story_row(i, text=f"Berättelse {i}: det handlar om {' och '.join(TOPICS[i % 3])}.",
                      **values) for i in range(start, start + n)]  # fmt: skip


def embedded_once(project: Project) -> tuple[int, int, int]:
    """(stories, distinct texts, vectors): every text embedded exactly once when equal."""
    with project.engine.connect() as conn:
        stories = conn.execute(select(func.count(Story.id))).scalar_one()
        texts = conn.execute(select(func.count(func.distinct(Story.text_hash)))).scalar_one()
        vectors = conn.execute(select(func.count()).select_from(Embedding)).scalar_one()
    return stories, texts, vectors


def test_an_ingest_queued_before_or_after_an_embed_ends_embedded(project: Project,
                                                                 tmp_path: Path):  # fmt: skip
    project.enqueue("embed")
    project.enqueue("ingest", write_csv(tmp_path / "a.csv", rows(1, 30)))
    assert project.work(embedder=TopicEmbedder()) >= 3  # embed, ingest, the embed it added
    project.enqueue("ingest", write_csv(tmp_path / "b.csv", rows(31, 20)))
    project.enqueue("embed")  # the same job waiting already: not added twice
    project.work(embedder=TopicEmbedder())
    assert embedded_once(project) == (50, 50, 50)
    status = project.status()
    assert (status.pending_jobs, status.failed_jobs) == (0, 0)
    assert {j.status for j in project.jobs()} == {"done"}


def test_a_failing_job_is_retried_then_failed_with_its_error(project: Project, tmp_path: Path):
    project.config.worker.max_attempts = 2
    project.config.worker.retry_seconds = 0.5
    path = write_csv(tmp_path / "a.csv", rows(1, 3))
    project.enqueue("ingest", path)
    path.write_bytes(b"\xff\xfe not a csv")  # the file goes bad after it was queued
    project.work()
    (job,) = project.jobs()
    assert job.status == "pending" and job.failures == 1  # waits for its retry
    time.sleep(0.6)
    project.work()
    (job,) = project.jobs()
    assert (job.status, job.failures) == ("failed", 2) and "a.csv" in job.error
    assert project.status().failed_jobs == 1
    shown = CliRunner().invoke(cli, ["--project", str(project.path), "jobs"]).output
    assert "failed" in shown and "a.csv" in shown


def test_two_workers_never_lease_the_same_text_and_a_dead_ones_lease_is_freed(
    project: Project, tmp_path: Path
) -> None:
    project.ingest(write_csv(tmp_path / "a.csv", rows(1, 40)))
    model = use_model(project.engine, "demo-topic-embedder", TopicEmbedder())
    first = claim_texts(project.engine, model, "x:1:a", 60, 25)
    second = claim_texts(project.engine, model, "x:2:b", 60, 25)
    assert len(first) == 25 and len(second) == 15
    assert not {h for h, _ in first} & {h for h, _ in second}
    assert claim_texts(project.engine, model, "x:3:c", 60, 25) == []
    # a worker of this machine that no longer runs: its leases are free at the next sweep
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    mine = claim_texts(project.engine, model, "x:4:d", 60, 5)
    assert mine == []
    host_dead = f"{socket.gethostname()}:{dead.pid}:zz"
    from sqlalchemy import update

    from sensemaking.store.models import EmbedLease

    with project.engine.begin() as conn:
        conn.execute(update(EmbedLease).where(EmbedLease.owner == "x:1:a")
                     .values(owner=host_dead))  # fmt: skip
    sweep(project.engine, max_attempts=5)
    again = claim_texts(project.engine, model, "x:5:e", 60, 100)
    assert {h for h, _ in again} == {h for h, _ in first}
    assert count_missing(project.engine, model) == 40


def test_a_job_of_a_killed_worker_is_taken_up_again(project: Project, tmp_path: Path) -> None:
    import socket

    project.enqueue("ingest", write_csv(tmp_path / "a.csv", rows(1, 5)))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = claim_job(project.engine, f"{socket.gethostname()}:{dead.pid}:zz", 3600)
    assert job is not None and claim_job(project.engine, "other:1:x", 60) is None
    project.work(embedder=TopicEmbedder())  # sweeps first: the dead worker's job is free
    done = {j.id: j for j in project.jobs()}[job.id]
    assert (done.status, done.runs, done.failures) == ("done", 2, 0)
    assert project.count_stories() == 5


def test_a_worker_that_lost_its_job_changes_nothing(project: Project, tmp_path: Path) -> None:
    # Its lease ran out and the sweep gave the job to another worker: only that one's
    # outcome counts, however the first one's run ended.
    project.enqueue("ingest", write_csv(tmp_path / "a.csv", rows(1, 5)))
    slow = claim_job(project.engine, "host:1:slow", 0)  # the lease runs out at once
    assert slow is not None
    sweep(project.engine, max_attempts=5)
    taken = claim_job(project.engine, "host:2:new", 3600)
    assert taken is not None and taken.id == slow.id
    assert fail_job(project.engine, slow.id, "host:1:slow", "boom", max_attempts=1,
                    retry_seconds=0) is None  # fmt: skip
    assert not finish_job(project.engine, slow.id, "host:1:slow", {})
    (job,) = project.jobs()
    assert (job.status, job.failures, job.error) == ("running", 0, None)
    assert finish_job(project.engine, taken.id, "host:2:new", {"added": 5})
    assert project.jobs()[0].status == "done"


def test_files_dropped_into_the_inbox_are_ingested_and_filed(tmp_path: Path) -> None:
    from sensemaking.demo import write_demo_csv

    project = create_project(tmp_path / "p")
    inbox = project.path / "inbox"
    write_demo_csv(inbox / "var.csv", n=200)
    (inbox / "trasig.csv").write_text("text,kraft.vuxna\nEn berättelse,mycket\n")
    (inbox / ".tmp-upload").write_text("half a file")
    assert len(register_inbox(project, settle_seconds=0)) == 2
    assert register_inbox(project, settle_seconds=0) == []  # taken once
    project.work(embedder=TopicEmbedder())
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["var.csv"]
    failed = sorted(p.name for p in (inbox / "failed").iterdir())
    assert failed == ["trasig.csv", "trasig.csv.problems.csv"]
    assert "only partly answered" in (inbox / "failed" / "trasig.csv.problems.csv").read_text()
    assert project.count_stories() == 200 and (inbox / ".tmp-upload").exists()
    assert (project.path / "reports" / "index.html").is_file()  # an inbox file runs it all
    erased = project.forget(story=next(project.stories()).source_id, rebuild_reports=False)
    assert erased.input_files == ["inbox/done/var.csv", "inbox/failed/trasig.csv"]
    project.close()


# --- the worker process, killed ---------------------------------------------------------------


def _start_worker(folder: Path, log: Path, workers: int = 1,
                  env: dict[str, str] | None = None) -> subprocess.Popen:  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "--project", str(folder), "worker", "-w",
         str(workers)],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "SENSEMAKING_EMBEDDING_MODEL": "demo-topics", **(env or {})},
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip


def _kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_idle(project: Project, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = project.status()
        if status.pending_jobs == 0 and project.count_stories() and status.embedded == (
            project.count_stories()
        ):  # fmt: skip
            return
        time.sleep(0.3)
    raise AssertionError(f"the worker did not finish: {project.status()}")


def _fast_worker_config(folder: Path, chunk: int = 50) -> None:
    config = load_config(folder)
    config.worker.sweep_seconds = 0.3
    config.worker.inbox_settle_seconds = 0
    config.worker.embed_chunk = chunk
    config.worker.retry_seconds = 0.1
    save_config(folder, config)


def test_killed_at_random_moments_every_story_is_stored_and_embedded_once(tmp_path: Path):
    rng = random.Random(7)
    folder = tmp_path / "p"
    create_project(folder).close()
    _fast_worker_config(folder)
    files = [write_csv(tmp_path / f"f{k}.csv", rows(1 + 300 * k, 300, round=f"r{k % 2}"))
             for k in range(6)]  # fmt: skip
    log = tmp_path / "worker.log"
    with open_project(folder) as project:
        for k, path in enumerate(files):
            project.enqueue("ingest", path)
            if k == 2:
                project.enqueue("embed")
        worker = _start_worker(folder, log)
        for _ in range(6):
            time.sleep(rng.uniform(0.3, 1.5))
            _kill(worker)
            worker = _start_worker(folder, log)
        try:
            _wait_idle(project, timeout=120)
        finally:
            _kill(worker)
        assert embedded_once(project) == (1800, 1800, 1800)
        status = project.status()
        assert (status.pending_jobs, status.failed_jobs) == (0, 0), log.read_text()[-2000:]
        with project.engine.connect() as conn:
            ids = conn.execute(select(Story.source_id)).scalars().all()
        assert len(ids) == len(set(ids)) == 1800


@pytest.mark.skipif(
    not REDIS_URL or not os.environ.get("SENSEMAKING_TEST_PG_URL"),
    reason="needs SENSEMAKING_TEST_REDIS_URL and SENSEMAKING_TEST_PG_URL",
)
def test_two_workers_on_redis_and_postgres_share_one_embedding_job(
    tmp_path: Path, database_url: str | None
) -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    folder = tmp_path / "p"
    create_project(folder, database_url=database_url, name=f"t{os.getpid()}").close()
    # Small chunks: with fresh statistics a PostgreSQL claim takes milliseconds, and 150
    # chunks of 20 were sometimes all done before the second worker had woken up.
    _fast_worker_config(folder, chunk=5)
    log = tmp_path / "worker.log"
    env = {"SENSEMAKING_QUEUE_URL": REDIS_URL, "SENSEMAKING_WORKER_TRACE": str(tmp_path)}
    with open_project(folder) as project:
        project.ingest(write_csv(tmp_path / "a.csv", rows(1, 3000)))
        workers = [_start_worker(folder, log, env=env) for _ in range(2)]
        try:
            project.enqueue("embed")
            _wait_idle(project, timeout=120)
        finally:
            for worker in workers:
                _kill(worker)
        assert embedded_once(project) == (3000, 3000, 3000)
    traces = [json.loads(line) for path in tmp_path.glob("trace-*.jsonl")
              for line in path.read_text().splitlines()]  # fmt: skip
    done = [h for trace in traces for h in trace["hashes"]]
    assert len(done) == len(set(done)) == 3000  # no text embedded twice
    assert len({trace["owner"] for trace in traces}) == 2  # both workers took chunks
