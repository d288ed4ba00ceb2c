"""Ingest throughput: generated stories into SQLite and PostgreSQL, serial and parallel.

    .venv/bin/python benchmarks/ingest.py                       # 200,000 stories, SQLite
    .venv/bin/python benchmarks/ingest.py --stories 1000000 --only-target
    .venv/bin/python benchmarks/ingest.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test   # + PostgreSQL

One CSV of ``--stories`` demo stories (:func:`sensemaking.demo.write_demo_csv`) is ingested
with ``Project.ingest`` into a fresh project per run: with redaction on (the default) and
off, and with the rows validated and protected in worker processes (parallel, the default
for large files) or all in one process (serial, ``SENSEMAKING_INGEST_WORKERS=0``). Each run
is a fresh child process, so the peak resident memory it reports is its own (the worker
processes are forked from it and share most of their memory with it). Every run ingests
the file a second time, which must add nothing.

Ratios: ``vs csv.reader`` is the ingest's time over reading and parsing the same file with
``csv.reader`` alone, measured in the same child process just before (what validation,
privacy and storage cost on top of reading the bytes); ``vs serial`` is the serial run's
time over this run's (same database, same redaction setting).

The target: at least ``--target`` stories/s (default 5,000) for a parallel ingest with
redaction on, on every database measured. Exit status 1 when it is missed. The machine's
load average is printed too: the runs share the CPUs with whatever else runs.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _db import empty_postgres  # noqa: E402

TARGET = 5_000


@dataclass
class Run:
    database: str
    redact: bool
    parallel: bool
    rows: int = 0
    seconds: float = 0.0
    reseconds: float = 0.0
    baseline: float = 0.0
    peak_mb: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def _peak_rss_mb() -> float:
    # VmHWM belongs to this process's own memory map; ru_maxrss would carry the parent's
    # peak (generating the CSV) across fork and exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(run: Run, csv_path: str, project_dir: str, url: str | None, out: mp.Queue) -> None:
    """One ingest (and re-ingest) in this fresh child process."""
    from sensemaking.ingest.parallel import WORKERS_ENV
    from sensemaking.project import create_project

    if not run.parallel:
        os.environ[WORKERS_ENV] = "0"
    start = time.perf_counter()
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    run.baseline = time.perf_counter() - start
    if url:
        empty_postgres(url)
    with create_project(project_dir, database_url=url) as project:
        project.config.privacy.redact = run.redact
        start = time.perf_counter()
        report = project.ingest(csv_path)
        run.seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = project.ingest(csv_path)
        run.reseconds = time.perf_counter() - start
    assert report.committed and report.added == rows, (report.added, rows, report.errors[:3])
    assert again.added == 0 and again.unchanged == rows, (again.added, again.unchanged)
    run.rows = rows
    run.peak_mb = _peak_rss_mb()
    out.put(run)


def _label(run: Run) -> str:
    mode = "parallel" if run.parallel else "serial"
    return f"{run.database}, redaction {'on' if run.redact else 'off'}, {mode}"


def measure(run: Run, csv_path: Path, folder: Path, url: str | None) -> Run:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    name = f"{run.database}-{'redact' if run.redact else 'plain'}-{run.parallel}"
    child = ctx.Process(target=_run, args=(run, str(csv_path), str(folder / name), url, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=200_000, help="default 200,000")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SENSEMAKING_BENCH_PG_URL"),
        help="a PostgreSQL database to measure too (its public schema is dropped!); "
        "default $SENSEMAKING_BENCH_PG_URL",
    )
    parser.add_argument("--target", type=float, default=TARGET, help="stories/s (default 5000)")
    parser.add_argument(
        "--only-target", action="store_true", help="only the parallel runs with redaction on"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from sensemaking.demo import write_demo_csv

    databases: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.database_url:
        databases.append(("postgresql", args.database_url))
    else:
        print("(pass --database-url to measure PostgreSQL too)", file=sys.stderr)
    settings = [(True, True)] if args.only_target else [
        (True, True), (True, False), (False, True), (False, False),
    ]  # fmt: skip

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before", flush=True)
    results: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / f"stories-{args.stories}.csv"
        write_demo_csv(csv_path, n=args.stories, seed=args.seed)
        for name, url in databases:
            for redact, parallel in settings:
                run = measure(Run(name, redact, parallel), csv_path, Path(tmp), url)
                results.append(run)
                print(f"  {_label(run)}: {run.rate:,.0f} stories/s", file=sys.stderr, flush=True)
    print(
        f"{'db':<11}{'redact':>7}{'mode':>10}{'stories':>10}{'ingest s':>10}{'stories/s':>11}"
        f"{'re-ingest/s':>13}{'vs serial':>11}{'vs csv.reader':>15}{'peak MB':>9}"
    )
    for run in results:
        serial = next(
            (r for r in results
             if (r.database, r.redact, r.parallel) == (run.database, run.redact, False)),
            None,
        )  # fmt: skip
        versus = f"{serial.seconds / run.seconds:.2f}x" if serial else ""
        print(
            f"{run.database:<11}{'on' if run.redact else 'off':>7}"
            f"{'parallel' if run.parallel else 'serial':>10}{run.rows:>10,}"
            f"{run.seconds:>10.1f}{run.rate:>11,.0f}{run.rows / run.reseconds:>13,.0f}"
            f"{versus:>11}{run.seconds / run.baseline:>14.0f}x{run.peak_mb:>9.0f}"
        )
    print(f"load average {os.getloadavg()[0]:.1f} after")
    print()
    ok = True
    for run in results:
        if run.redact and run.parallel:
            met = run.rate >= args.target
            ok &= met
            print(
                f"{run.database}: {run.rate:,.0f} stories/s with redaction "
                f"({'≥' if met else '<'} {args.target:,.0f})"
            )
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
