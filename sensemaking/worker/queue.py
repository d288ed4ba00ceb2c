"""The queue: huey carries wake-up calls; the database says what to do.

A message on the queue means only "look for work". Its storage is SQLite in the project
folder (``queue.db``; no server to run), or Redis when ``SENSEMAKING_QUEUE_URL`` is a
``redis://`` URL (many workers on many machines, with PostgreSQL as the database). Losing a
message loses nothing: every worker also sweeps the database every ``worker.sweep_seconds``
(leases of dead workers, files in the inbox, jobs whose retry time has come).

:func:`serve` is what ``sensemaking worker`` runs: a huey consumer with ``workers``
processes (threads for one), and a sweeper thread beside it.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["QUEUE_ENV", "make_queue", "serve", "wake"]

logger = logging.getLogger(__name__)

#: Set to ``redis://host:port/db`` to share one queue between machines.
QUEUE_ENV = "SENSEMAKING_QUEUE_URL"
_QUEUE_FILE = "queue.db"


@cache
def make_queue(folder: str, name: str) -> Any:
    """The huey instance of the project in ``folder`` (named after the project), with its
    one task, ``wake``, registered."""
    from huey import RedisHuey, SqliteHuey

    url = os.environ.get(QUEUE_ENV)
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(f"sensemaking-{name}", url=url, results=False)
    else:
        huey = SqliteHuey(f"sensemaking-{name}", filename=str(Path(folder) / _QUEUE_FILE),
                          results=False)  # fmt: skip

    @huey.task(name="wake")
    def wake_task() -> int:
        return _work(folder)

    huey.wake_task = wake_task  # type: ignore[attr-defined]
    return huey


_workers: dict[str, Any] = {}


def _work(folder: str) -> int:
    """Run in a consumer: do whatever the database says is due."""
    from sensemaking.project import open_project
    from sensemaking.worker.steps import Worker

    worker = _workers.get(folder)
    if worker is None or worker.owner.split(":")[1] != str(os.getpid()):
        worker = _workers[folder] = Worker(open_project(folder))
    return worker.work()


def wake(folder: Path, name: str, times: int = 1) -> None:
    """Put ``times`` wake-up calls on the project's queue (fewer if enough are waiting)."""
    huey = make_queue(str(folder), name)
    for _ in range(max(0, times - huey.pending_count())):
        huey.wake_task()


def serve(folder: Path, *, workers: int = 1, stop: threading.Event | None = None) -> None:
    """Run a consumer with ``workers`` processes until interrupted (or ``stop`` is set).

    The sweeper thread puts left work back (dead workers' leases), takes files from the
    inbox, and wakes the consumer whenever a job is due; how often, and how long a file
    must lie still, the project's ``worker`` settings say.
    """
    from sensemaking.project import open_project
    from sensemaking.worker.jobs import pending_due, sweep
    from sensemaking.worker.steps import register_inbox

    project = open_project(folder)
    name, settings = project.config.name, project.config.worker
    sweep_seconds, settle_seconds = settings.sweep_seconds, settings.inbox_settle_seconds
    huey = make_queue(str(folder), name)
    stop = stop or threading.Event()

    def sweeper() -> None:
        while not stop.is_set():
            try:
                sweep(project.engine, max_attempts=settings.max_attempts)
                register_inbox(project, settle_seconds)
                if pending_due(project.engine):
                    wake(folder, name, workers)
            except Exception:
                logger.exception("the sweep failed; trying again in %s s", sweep_seconds)
            stop.wait(sweep_seconds)

    thread = threading.Thread(target=sweeper, name="sensemaking-sweeper", daemon=True)
    thread.start()
    consumer = huey.create_consumer(
        workers=workers, worker_type="process" if workers > 1 else "thread", periodic=False,
        initial_delay=0.1, max_delay=min(2.0, sweep_seconds),
    )  # fmt: skip
    try:
        consumer.run()
    finally:
        stop.set()
        thread.join(timeout=sweep_seconds + 1)
        project.close()
