"""What a worker does: take jobs, run them as idempotent steps, help embed, watch the inbox.

Each job kind is a step that brings the database up to date:

- ``ingest`` (``args.path``, optional ``place``, ``round``, ``mapping``, ``skip_invalid``):
  ingest one file; then add an ``embed`` job (a ``run`` job for a file from the inbox, so
  themes and reports follow). Ingesting a file again adds nothing, so a rerun is harmless.
- ``embed``: embed every story text that has no vector, in chunks of ``worker.embed_chunk``
  that any worker may lease (:func:`sensemaking.vectors.claim_texts`), and wait until the
  chunks other workers hold are stored too.
- ``themes``: a new theme run, if the newest one no longer matches the stories.
- ``report``: rebuild the report in ``reports/``.
- ``run``: ``embed``, then ``themes``, then ``report``.

A worker with no job to take helps with any embedding left (its chunks are leased like
everyone's), so several workers embed one large batch in parallel.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sensemaking.worker.jobs import (
    JobView,
    add_job,
    claim_job,
    fail_job,
    finish_job,
    new_owner,
    renew,
    sweep,
)

if TYPE_CHECKING:
    from sensemaking.project import Project

__all__ = ["INBOX_DONE", "INBOX_FAILED", "INBOX_TAKEN", "TRACE_ENV", "Worker", "register_inbox"]

logger = logging.getLogger(__name__)

#: A folder where workers trace the chunks they embedded (see :func:`_trace`).
TRACE_ENV = "SENSEMAKING_WORKER_TRACE"
#: Subfolders of ``inbox/``: files being ingested, and where they go afterwards.
INBOX_TAKEN, INBOX_DONE, INBOX_FAILED = "processing", "done", "failed"
_POLL = 0.5


class _Heartbeat:
    """Renews the worker's leases every third of their length while a step runs."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        every = self.worker.settings.lease_seconds / 3
        while not self.stopped.wait(every):
            try:
                renew(self.worker.engine, self.worker.owner, self.worker.settings.lease_seconds)
            except Exception:  # the next beat tries again; the lease is long enough
                logger.warning("could not renew the leases of %s", self.worker.owner)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()


class Worker:
    """One worker process working on one project's database.

    Args:
        project: the open project.
        embedder: use this embedder instead of the configured model (tests, benchmarks).
        owner: the name its leases carry (default: ``host:pid:random``).
    """

    def __init__(self, project: Project, *, embedder: Any = None, owner: str | None = None):
        self.project = project
        self.engine = project.engine
        self.settings = project.config.worker
        self.owner = owner or new_owner()
        self._embedder = embedder
        self._requested = embedder.name if embedder is not None else None

    # --- the loop ----------------------------------------------------------------------

    def work(self) -> int:
        """Run due jobs (and help embed) until there is nothing left to do; how many jobs."""
        done = 0
        while True:
            sweep(self.engine, max_attempts=self.settings.max_attempts)
            job = claim_job(self.engine, self.owner, self.settings.lease_seconds)
            if job is None:
                if self._help_embed() == 0:
                    return done
                continue
            self.run_job(job)
            done += 1

    def run_job(self, job: JobView) -> str | None:
        """Run one claimed job; returns its new status, or ``None`` when this worker had
        lost the job meanwhile (another one holds it now, and its outcome counts)."""
        try:
            with _Heartbeat(self):
                result = getattr(self, "_" + job.kind)(**job.args)
        except Exception as exc:
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            status = fail_job(self.engine, job.id, self.owner, error,
                              max_attempts=self.settings.max_attempts,
                              retry_seconds=self.settings.retry_seconds)  # fmt: skip
            logger.warning("job %d (%s) failed: %s", job.id, job.kind, error)
            if status == "failed" and job.kind == "ingest" and job.args.get("inbox"):
                _file_away(Path(job.args["path"]), INBOX_FAILED, error=error)
            return status
        return "done" if finish_job(self.engine, job.id, self.owner, result) else None

    # --- steps -------------------------------------------------------------------------

    def _ingest(self, path: str, inbox: bool = False, place: str | None = None,
                round: str | None = None, mapping: str | None = None,
                skip_invalid: bool = False) -> dict[str, Any]:  # fmt: skip
        file = Path(path)
        report = self.project.ingest(file, place=place, round=round, mapping=mapping,
                                     skip_invalid=skip_invalid)  # fmt: skip
        with self.engine.begin() as conn:
            add_job(conn, "run" if inbox else "embed")
        if inbox:
            _file_away(file, INBOX_DONE if report.committed else INBOX_FAILED,
                       report=report if report.problems else None)  # fmt: skip
        return {"file": report.file, "committed": report.committed, "added": report.added,
                "unchanged": report.unchanged, "invalid": report.skipped,
                "redactions": report.redactions}  # fmt: skip

    def _embed(self) -> dict[str, Any]:
        from sensemaking.vectors import any_missing, count_missing
        from sensemaking.worker.queue import wake

        embedder, model_id = self._model()
        # call for helpers: a wake-up per chunk beyond this worker's first, up to 16
        chunks = count_missing(self.engine, model_id) // self.settings.embed_chunk
        if chunks > 0:
            wake(self.project.path, self.project.config.name, min(16, chunks))
        new = 0
        while True:
            new += self._embed_chunks(embedder, model_id)
            if not any_missing(self.engine, model_id):
                return {"new": new, "model": embedder.key}
            time.sleep(_POLL)  # others hold the rest: wait for them, or for their leases
            sweep(self.engine, max_attempts=self.settings.max_attempts)

    def _themes(self) -> dict[str, Any]:
        from sensemaking.errors import ThemeError
        from sensemaking.themes import theme_run_stale

        if not theme_run_stale(self.project.engine, self.project.config.themes):
            return {"run": None, "skipped": "the newest theme run is up to date"}
        try:
            run = self.project.find_themes()
        except ThemeError as exc:  # too few stories yet: not a failure of the job
            return {"run": None, "skipped": str(exc)}
        return {"run": run.run_id, "themes": len(run.themes)}

    def _report(self) -> dict[str, Any]:
        result = self.project.report()
        return {"pages": len(result.pages), "bytes": result.bytes}

    def _run(self) -> dict[str, Any]:
        return {"embed": self._embed(), "themes": self._themes(), "report": self._report()}

    # --- embedding in leased chunks ------------------------------------------------------

    def _model(self) -> tuple[Any, int]:
        from sensemaking.vectors import use_model

        if self._embedder is None:
            self._embedder = self.project.load_embedder()
            self._requested = self.project.config.resolved_embedding_model()
        assert self._requested is not None
        return self._embedder, use_model(self.engine, self._requested, self._embedder)

    def _embed_chunks(self, embedder: Any, model_id: int) -> int:
        from sensemaking.store.engine import GrowthWatch
        from sensemaking.store.models import Embedding
        from sensemaking.vectors import claim_texts, store_vectors

        new, after = 0, ""
        growth = GrowthWatch(self.engine, Embedding.__tablename__)
        while True:
            lease, chunk = self.settings.lease_seconds, self.settings.embed_chunk
            claimed = claim_texts(self.engine, model_id, self.owner, lease, chunk, after)
            if not claimed:
                return new
            after = claimed[-1][0]
            vectors = embedder.encode([text for _, text in claimed])
            hashes = [h for h, _ in claimed]
            stored = store_vectors(self.engine, model_id, self.owner, hashes, vectors)
            new += stored
            growth.grew(stored)
            _trace(self.owner, hashes)

    def _help_embed(self) -> int:
        """Embed chunks of a running embed job, if there is one; how many texts."""
        from sqlalchemy import select

        from sensemaking.store.models import Job

        with self.engine.connect() as conn:
            busy = conn.execute(select(Job.id).where(
                Job.status == "running", Job.kind.in_(("embed", "run"))
            ).limit(1)).scalar()  # fmt: skip
        if busy is None:
            return 0
        embedder, model_id = self._model()
        with _Heartbeat(self):
            return self._embed_chunks(embedder, model_id)


def _trace(owner: str, hashes: list[str]) -> None:
    """With ``SENSEMAKING_WORKER_TRACE=DIR``, append the text hashes of each embedded chunk to
    ``DIR/trace-<pid>.jsonl``: how a test or benchmark checks that no chunk was done twice."""
    folder = os.environ.get(TRACE_ENV)
    if folder:
        line = json.dumps({"owner": owner, "hashes": hashes}) + "\n"
        with (Path(folder) / f"trace-{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
            out.write(line)


def register_inbox(project: Project, settle_seconds: float) -> list[int]:
    """Take the files dropped into ``inbox/`` (unchanged for ``settle_seconds``): move each
    to ``inbox/processing/`` and add an ingest job for it. Returns the jobs' ids."""
    inbox = project.path / "inbox"
    if not inbox.is_dir():
        return []
    taken = inbox / INBOX_TAKEN
    now = time.time()
    jobs = []
    for file in sorted(inbox.iterdir()):
        if not file.is_file() or file.name.startswith("."):
            continue
        if now - file.stat().st_mtime < settle_seconds:
            continue  # perhaps still being copied
        taken.mkdir(exist_ok=True)
        target = _free_name(taken / file.name)
        file.rename(target)
        with project.engine.begin() as conn:
            job_id, _ = add_job(conn, "ingest", {"path": str(target), "inbox": True})
        jobs.append(job_id)
    return jobs


def _free_name(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext`` … if it exists."""
    if not path.exists():
        return path
    for k in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


def _file_away(file: Path, folder: str, *, report: Any = None, error: str | None = None) -> None:
    """Move an inbox file to ``inbox/done`` or ``inbox/failed``, its problems beside it."""
    if not file.exists():
        return  # moved already, by a run of this job that did not get to say so
    target_dir = file.parent.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = _free_name(target_dir / file.name)
    if report is not None:
        report.write_problems(target.with_name(target.name + ".problems.csv"))
    if error is not None:
        target.with_name(target.name + ".error.txt").write_text(error + "\n", encoding="utf-8")
    file.rename(target)
