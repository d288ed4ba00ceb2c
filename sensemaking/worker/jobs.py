"""Jobs in the database: added, claimed with a lease, finished, retried, swept.

The ``jobs`` table is the truth about background work; a queue message only wakes a worker
to look at it. Every job is an idempotent step that brings the database up to date, so a
job done twice (after a worker died between doing it and saying so) does no harm.

**Claiming.** A worker takes the oldest pending job whose time has come, in one short
transaction that no other worker can interleave with: ``SELECT … FOR UPDATE SKIP LOCKED``
on PostgreSQL (two workers skip each other's rows), ``BEGIN IMMEDIATE`` on SQLite (one
writer at a time). The job gets the worker as its *owner* and a lease; a heartbeat renews
the lease while the job runs.

**Who is alive.** An owner is ``host:pid:token``. A lease ends when its time runs out, or at
once when its owner ran on this machine and that process is gone (a killed worker's work is
taken up by the next worker that looks, without waiting for the lease).

**Failing.** A job that raises is retried after ``retry_seconds``, doubling each time; after
``max_attempts`` failures it is marked failed with its error. A job whose worker died is
put back without counting as a failure, but one taken ``10 × max_attempts`` times without
ever finishing (it kills every worker that takes it) is failed too.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from sensemaking.store.models import EmbedLease, Job, utcnow

__all__ = [
    "KINDS",
    "STATUSES",
    "JobView",
    "add_job",
    "claim_job",
    "count_jobs",
    "fail_job",
    "finish_job",
    "list_jobs",
    "new_owner",
    "owner_alive",
    "pending_due",
    "renew",
    "sweep",
]

#: What a job can do.
KINDS = ("ingest", "embed", "themes", "report", "run")
#: What a job can be: waiting (perhaps for its retry), taken, finished, given up.
STATUSES = ("pending", "running", "done", "failed")
_LOST_FACTOR = 10


@dataclass(frozen=True)
class JobView:
    """A job as :func:`list_jobs` shows it."""

    id: int
    kind: str
    args: dict[str, Any]
    status: str
    runs: int
    failures: int
    error: str | None
    result: dict[str, Any] | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def new_owner() -> str:
    """A name for this worker process: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_alive(owner: str | None) -> bool:
    """Whether ``owner`` may still be working: always, unless it is a process of this
    machine that no longer exists."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _begin_claim(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn = conn.execution_options(immediate=True)
    return conn


def add_job(conn: Connection, kind: str, args: dict[str, Any] | None = None) -> tuple[int, bool]:
    """Add a job unless the same one is already waiting; returns ``(id, added)``.

    Raises:
        ValueError: an unknown kind.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}; expected one of {', '.join(KINDS)}")
    args = args or {}
    waiting = conn.execute(
        select(Job.id, Job.args).where(Job.kind == kind, Job.status == "pending")
    ).all()
    for job_id, stored in waiting:
        if stored == args:
            return job_id, False
    now = utcnow()
    job_id = conn.execute(
        insert(Job).values(kind=kind, args=args, status="pending", not_before=now, runs=0,
                           failures=0, created_at=now).returning(Job.id)
    ).scalar_one()  # fmt: skip
    return job_id, True


def claim_job(engine: Engine, owner: str, lease_seconds: float) -> JobView | None:
    """Take the oldest pending job that is due, or ``None`` when there is none."""
    now = utcnow()
    with _begin_claim(engine) as conn, conn.begin():
        query = (
            select(Job.id).where(Job.status == "pending", Job.not_before <= now)
            .order_by(Job.id).limit(1)
        )  # fmt: skip
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job_id = conn.execute(query).scalar()
        if job_id is None:
            return None
        conn.execute(update(Job).where(Job.id == job_id).values(
            status="running", owner=owner, lease_until=now + dt.timedelta(seconds=lease_seconds),
            runs=Job.runs + 1, started_at=now, error=None,
        ))  # fmt: skip
        row = conn.execute(select(Job).where(Job.id == job_id)).one()
    return _view(row)


def renew(engine: Engine, owner: str, lease_seconds: float) -> None:
    """Extend every lease ``owner`` holds (its jobs and its embedding chunks)."""
    until = utcnow() + dt.timedelta(seconds=lease_seconds)
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.owner == owner, Job.status == "running")
                     .values(lease_until=until))  # fmt: skip
        conn.execute(update(EmbedLease).where(EmbedLease.owner == owner).values(until=until))


def finish_job(engine: Engine, job_id: int, owner: str, result: dict[str, Any]) -> bool:
    """Mark a job done; ``False`` if the worker had lost it meanwhile (nothing changed)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(Job).where(Job.id == job_id, Job.owner == owner, Job.status == "running")
            .values(status="done", result=result, finished_at=utcnow(), lease_until=None)
        ).rowcount  # fmt: skip
    return bool(done)


def fail_job(engine: Engine, job_id: int, owner: str, error: str, *, max_attempts: int,
             retry_seconds: float) -> str | None:  # fmt: skip
    """Count a failure: back to pending after a backoff, or failed after ``max_attempts``.

    Returns the job's new status; ``None`` if the worker had lost the job meanwhile (a
    sweep gave it to another worker): then nothing changed.
    """
    mine = (Job.id == job_id, Job.owner == owner, Job.status == "running")
    with engine.begin() as conn:
        failures = conn.execute(select(Job.failures).where(*mine)).scalar()
        if failures is None:
            return None
        failures += 1
        status = "failed" if failures >= max_attempts else "pending"
        wait = dt.timedelta(seconds=retry_seconds * 2 ** (failures - 1))
        conn.execute(update(Job).where(*mine).values(
            status=status, failures=failures, error=error[:4000], owner=None, lease_until=None,
            not_before=utcnow() + wait,
            finished_at=utcnow() if status == "failed" else None,
        ))  # fmt: skip
    return status


def sweep(engine: Engine, *, max_attempts: int) -> int:
    """Put back the jobs and embedding chunks whose workers are gone; returns how many jobs.

    A running job whose lease ran out, or whose owner died on this machine, is pending
    again (or failed, when it was taken ``10 × max_attempts`` times without finishing).
    """
    now = utcnow()
    with _begin_claim(engine) as conn, conn.begin():
        running = conn.execute(
            select(Job.id, Job.owner, Job.lease_until, Job.runs).where(Job.status == "running")
        ).all()
        lost = [(i, runs) for i, owner, until, runs in running
                if (until is not None and until < now) or not owner_alive(owner)]  # fmt: skip
        for job_id, runs in lost:
            gave_up = runs >= _LOST_FACTOR * max_attempts
            conn.execute(update(Job).where(Job.id == job_id).values(
                status="failed" if gave_up else "pending", owner=None, lease_until=None,
                not_before=now, finished_at=now if gave_up else None,
                error=f"its worker stopped {runs} times before it finished" if gave_up else None,
            ))  # fmt: skip
        owners = conn.execute(select(EmbedLease.owner).distinct()).scalars().all()
        dead = [o for o in owners if not owner_alive(o)]
        expired = EmbedLease.until < now
        conn.execute(delete(EmbedLease).where(or_(expired, EmbedLease.owner.in_(dead))))
    return len(lost)


def count_jobs(engine: Engine) -> dict[str, int]:
    """Jobs per status."""
    with engine.connect() as conn:
        rows = conn.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def list_jobs(engine: Engine, *, statuses: Iterable[str] | None = None,
              limit: int = 50) -> list[JobView]:  # fmt: skip
    """The newest jobs first (of some statuses only, if given)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if statuses is not None:
        query = query.where(Job.status.in_(list(statuses)))
    with engine.connect() as conn:
        return [_view(row) for row in conn.execute(query)]


def pending_due(engine: Engine) -> bool:
    """Whether some job waits and may start now."""
    with engine.connect() as conn:
        return conn.execute(
            select(Job.id).where(and_(Job.status == "pending", Job.not_before <= utcnow()))
            .limit(1)
        ).scalar() is not None  # fmt: skip


def _view(row: Any) -> JobView:
    return JobView(row.id, row.kind, dict(row.args or {}), row.status, row.runs, row.failures,
                   row.error, row.result, row.created_at, row.started_at,
                   row.finished_at)  # fmt: skip
