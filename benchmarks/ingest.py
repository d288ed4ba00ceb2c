"""Ingest throughput and memory: generated stories into SQLite and PostgreSQL.

    .venv/bin/python benchmarks/ingest.py                  # 100k stories, SQLite (+ PG if set)
    .venv/bin/python benchmarks/ingest.py --sizes 25000 50000 100000
    SENSEMAKING_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/ingest.py

Each run ingests one generated CSV into a fresh project in a fresh child process, so the
peak resident memory it reports is that run's own. The baseline, measured in the same
process as each run, is reading and parsing the same file with ``csv.reader`` alone: the
ratio says what validation and storage cost on top of reading the bytes. Memory is flat
when the peak does not grow with the file size.
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
from pathlib import Path


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _peak_rss_mb() -> float:
    # VmHWM belongs to this process's own memory map; ru_maxrss would carry the parent's
    # peak (generating the CSV) across fork and exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(csv_path: str, project_dir: str, database_url: str | None, out: mp.Queue) -> None:
    from sensemaking.project import create_project

    start = time.perf_counter()
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    baseline = time.perf_counter() - start
    if database_url:
        _reset_postgres(database_url)
    with create_project(project_dir, database_url=database_url) as project:
        start = time.perf_counter()
        report = project.ingest(csv_path)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = project.ingest(csv_path)
        reseconds = time.perf_counter() - start
    assert report.committed and report.added == rows, (report.added, rows, report.errors[:3])
    assert again.added == 0
    peak_mb = _peak_rss_mb()
    out.put((rows, seconds, reseconds, baseline, peak_mb))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from sensemaking.demo import write_demo_csv

    targets: list[tuple[str, str | None]] = [("sqlite", None)]
    pg = os.environ.get("SENSEMAKING_BENCH_PG_URL")
    if pg:
        targets.append(("postgresql", pg))
    else:
        print("(set SENSEMAKING_BENCH_PG_URL to measure PostgreSQL too)", file=sys.stderr)

    ctx = mp.get_context("spawn")
    print(f"{'db':<11}{'stories':>9}{'ingest s':>10}{'stories/s':>11}{'re-ingest/s':>13}"
          f"{'vs csv.reader':>15}{'peak MB':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            csv_path = Path(tmp) / f"stories-{size}.csv"
            write_demo_csv(csv_path, n=size, seed=args.seed)
            for name, url in targets:
                queue: mp.Queue = ctx.Queue()
                child = ctx.Process(
                    target=_run, args=(str(csv_path), f"{tmp}/p-{name}-{size}", url, queue)
                )
                child.start()
                rows, seconds, reseconds, baseline, peak = queue.get()
                child.join()
                print(
                    f"{name:<11}{rows:>9,}{seconds:>10.1f}{rows / seconds:>11,.0f}"
                    f"{rows / reseconds:>13,.0f}{seconds / baseline:>14.0f}x{peak:>9.0f}"
                )


if __name__ == "__main__":
    main()
