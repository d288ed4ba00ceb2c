"""Rows made ready for the database: validated, protected and hashed, in file order.

What happens to a row before it is stored depends on that row alone: it is validated
(:class:`~sensemaking.ingest.validate.RowValidator`), the project's privacy rules are applied
(:class:`~sensemaking.privacy.protect.Protector`: keyed hashes, redaction, pseudonyms) and its
content hash is taken. That is most of the work of an ingest, so for a large file it runs
in worker processes while this process reads the file and writes to the database.

:func:`prepare_rows` prepares the first :data:`PARALLEL_MIN_ROWS` rows here (a small file
never starts a process); the rest go, :data:`ROWS_PER_TASK` at a time, to worker processes
started with ``fork``, so that they share the validator and the protector (with its
compiled redaction patterns) as they are, without building or pickling them, each once.
A thread of this process reads the file and hands the chunks over while the calling
thread writes to the database; at most two chunks per worker are in flight, so memory
stays flat however large the file is.

Either way the result is the same: the same records and problems, row by row in file order,
and the same validator warnings and redaction counts, merged in file order. An error is
raised where the serial path raises it: a row that fails in a worker is prepared again
here, so its exception is the one the serial path gives; a reader error comes after the
rows read before it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeAlias

from sensemaking.errors import ConfigError
from sensemaking.ingest.validate import Problem, RowValidator, StoryRecord

__all__ = [
    "PARALLEL_MIN_ROWS",
    "ROWS_PER_TASK",
    "WORKERS_ENV",
    "Prepared",
    "prepare_row",
    "prepare_rows",
    "worker_count",
]

#: Rows prepared in this process before worker processes are started for the rest.
PARALLEL_MIN_ROWS = 5_000
#: Rows a worker prepares per task.
ROWS_PER_TASK = 1_000
#: Environment variable: the most worker processes one ingest starts (0: none).
WORKERS_ENV = "SENSEMAKING_INGEST_WORKERS"

#: A prepared row: its problems, or the record ready to store and its content hash.
Prepared: TypeAlias = list[Problem] | tuple[StoryRecord, str]
Row: TypeAlias = tuple[int, dict[str, Any]]
Protect: TypeAlias = Callable[[StoryRecord], StoryRecord]


def prepare_row(
    validator: RowValidator, protect: Protect | None, number: int, raw: dict[str, Any]
) -> Prepared:
    """Validate one row, apply ``protect`` to a valid one and take its content hash."""
    record = validator.validate(number, raw)
    if isinstance(record, list):
        return record
    record.pin_answers()  # protect() leaves the answers as they are
    try:
        protected = record if protect is None else protect(record)
        return protected, protected.content_hash()
    finally:
        record.unpin_answers()


def worker_count() -> int:
    """Worker processes :func:`prepare_rows` starts: ``SENSEMAKING_INGEST_WORKERS`` if set,
    else one per CPU this process may use; 0 (prepare everything here) with a single CPU,
    where ``fork`` is unsafe (macOS) or missing (Windows), and in a daemonic process (which
    may not start processes of its own).

    Raises:
        ConfigError: ``SENSEMAKING_INGEST_WORKERS`` is not a whole number.
    """
    if (
        sys.platform == "darwin"
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon
    ):
        return 0
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:
        try:
            return max(int(configured), 0)
        except ValueError:
            raise ConfigError(f"{WORKERS_ENV} must be a whole number, not {configured!r}") from None
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return cpus if cpus > 1 else 0


def prepare_rows(
    rows: Iterator[Row],
    validator: RowValidator,
    protect: Protect | None,
    *,
    workers: int | None = None,
) -> Iterator[tuple[int, Prepared]]:
    """``(row number, prepared row)`` for every row, in file order.

    Close the iterator (``contextlib.closing``) when stopping early: that stops the workers.

    Args:
        rows: the file's rows.
        validator: the file's validator; the warnings the workers' copies find are added
            to it in file order.
        protect: applied to every valid record; its ``redactions`` counts, if it has them,
            get the workers' counts added.
        workers: worker processes for the rows after the first :data:`PARALLEL_MIN_ROWS`,
            which are prepared here (None: see :func:`worker_count`; 0: none).
    """
    workers = worker_count() if workers is None else workers
    min_rows = PARALLEL_MIN_ROWS
    rows = iter(rows)
    for prepared, (number, raw) in enumerate(rows, start=1):
        yield number, prepare_row(validator, protect, number, raw)
        if workers > 0 and prepared >= min_rows:
            break
    else:
        return
    yield from _prepare_in_workers(rows, validator, protect, workers)


# --- worker processes -----------------------------------------------------------------------

_worker_state: tuple[RowValidator, Protect | None] | None = None


def _start_worker(validator: RowValidator, protect: Protect | None) -> None:
    global _worker_state
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers on Ctrl-C
    _worker_state = (validator, protect)


def _prepare_chunk(chunk: list[Row]) -> tuple[Any, ...]:
    """Prepare a chunk in a worker: results up to a failing row, and what was learnt."""
    assert _worker_state is not None
    validator, protect = _worker_state
    warned = len(validator.warnings)
    counts = getattr(protect, "redactions", {})
    before = dict(counts)
    results: list[Prepared] = []
    failure = None
    try:
        for number, raw in chunk:
            results.append(prepare_row(validator, protect, number, raw))
    except Exception:
        # Sent as text: the exception itself may not survive pickling. The parent prepares
        # the row again and raises what the serial path raises.
        failure = traceback.format_exc()
    redactions = {kind: n - before.get(kind, 0) for kind, n in counts.items()}
    redactions = {kind: n for kind, n in redactions.items() if n}
    return results, validator.warnings[warned:], redactions, failure


def _read_chunk(rows: Iterator[Row], size: int) -> tuple[list[Row], Exception | None]:
    """Up to ``size`` rows, and the reader's error if reading stopped on one."""
    chunk: list[Row] = []
    try:
        for row in rows:
            chunk.append(row)
            if len(chunk) == size:
                break
    except Exception as exc:
        return chunk, exc
    return chunk, None


def _prepare_in_workers(
    rows: Iterator[Row], validator: RowValidator, protect: Protect | None, workers: int
) -> Iterator[tuple[int, Prepared]]:
    chunk, reader_error = _read_chunk(rows, ROWS_PER_TASK)
    if not chunk and reader_error is None:
        return
    # Objects that exist now are left out of garbage collection while the workers run: a
    # collection in a worker then neither scans them nor copies their memory pages, and
    # the collections here between chunks stay short (the gc docs' advice for fork).
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(validator, protect),
    )
    # The file is read and handed to the workers by a thread of its own, so that reading
    # goes on while this thread waits for the database. The first chunk is submitted from
    # here: the pool forks its workers then, before that thread exists.
    free = threading.Semaphore(2 * workers - 1)  # chunks in flight, besides the first
    stop = threading.Event()
    submitted: queue.SimpleQueue[Submitted] = queue.SimpleQueue()
    reader = threading.Thread(
        target=_submit_chunks,
        args=(rows, pool, submitted, free, stop, reader_error),
        name="sensemaking-ingest-reader",
        daemon=True,
    )
    try:
        submitted.put((chunk, pool.submit(_prepare_chunk, chunk)))
        reader.start()
        while (item := submitted.get()) is not None:
            if isinstance(item, BaseException):
                raise item  # the reader's error, after every row read before it
            sent, future = item
            results, warnings, redactions, failure = future.result()
            free.release()
            validator.adopt_warnings(warnings)
            counts = getattr(protect, "redactions", None)
            if counts is not None:
                for kind, n in redactions.items():
                    counts[kind] = counts.get(kind, 0) + n
            for (number, _), result in zip(sent, results, strict=False):
                yield number, result
            if failure is not None:
                number, raw = sent[len(results)]
                yield number, prepare_row(validator, protect, number, raw)
                raise RuntimeError(f"preparing row {number} failed in a worker process:\n{failure}")
    finally:
        stop.set()
        if reader.is_alive():
            reader.join()
        pool.shutdown(wait=True, cancel_futures=True)
        if frozen_before == 0:
            gc.unfreeze()


#: What the reader thread hands over, in file order: a chunk and its task, then the error
#: that stopped reading (if any), then None.
Submitted: TypeAlias = "tuple[list[Row], Future[tuple[Any, ...]]] | BaseException | None"


def _submit_chunks(
    rows: Iterator[Row],
    pool: ProcessPoolExecutor,
    submitted: queue.SimpleQueue[Submitted],
    free: threading.Semaphore,
    stop: threading.Event,
    error: BaseException | None,
) -> None:
    """Read the rest of the file in chunks and submit them while fewer than the most are in
    flight (the reader thread)."""
    try:
        while error is None:
            chunk, error = _read_chunk(rows, ROWS_PER_TASK)
            if not chunk:
                break
            while not free.acquire(timeout=0.1):
                if stop.is_set():
                    return
            submitted.put((chunk, pool.submit(_prepare_chunk, chunk)))
    except BaseException as exc:  # the pool is broken: its next task says so as well
        error = exc
    finally:
        submitted.put(error)
