"""Kill the worker at random moments while it ingests and embeds; nothing lost or doubled.

    .venv/bin/python benchmarks/kill.py                       # 20,000 stories, 20 kills
    .venv/bin/python benchmarks/kill.py --model demo-topics   # the instant demo embedder
    .venv/bin/python benchmarks/kill.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Generated demo stories are written as 10 files and queued for ingest (with an embed job
queued among them); `sensemaking worker` runs in a process group of its own and is sent
SIGKILL at random moments (seeded), then started again, ``--kills`` times. At the end every
story must be stored exactly once, every text embedded exactly once, and no job pending or
failed. The baseline is the same work done by one worker that is never killed, in the same
process, so the ratio says what the kills cost.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import empty_postgres
from _procs import kill, start_worker, wait_idle


def one(folder: Path, stories: int, kills: int, model: str, seed: int,
        database_url: str | None) -> dict[str, object]:  # fmt: skip
    from sqlalchemy import func, select

    from sensemaking.config import load_config, save_config
    from sensemaking.demo import write_demo_csv
    from sensemaking.project import create_project, open_project
    from sensemaking.store.models import Embedding, Story

    folder.mkdir(parents=True)
    if database_url:
        empty_postgres(database_url)
    create_project(folder / "p", database_url=database_url, name=f"kill{seed}").close()
    config = load_config(folder / "p")
    config.embedding.model = model
    config.worker.sweep_seconds = 1.0
    config.worker.lease_seconds = 30.0
    save_config(folder / "p", config)
    rows = write_demo_csv(folder / "all.csv", n=stories).read_text(encoding="utf-8").splitlines()
    header, body = rows[0], rows[1:]
    files = []
    for k in range(10):
        part = folder / f"part{k}.csv"
        part.write_text("\n".join([header, *body[k::10]]) + "\n", encoding="utf-8")
        files.append(part)
    rng = random.Random(seed)
    log = folder / "worker.log"
    with open_project(folder / "p") as project:
        start = time.monotonic()
        for k, path in enumerate(files):
            project.enqueue("ingest", path)
            if k == 3:
                project.enqueue("embed")
        worker = start_worker(folder / "p", log)
        for _ in range(kills):
            time.sleep(rng.uniform(0.5, 6.0))
            kill(worker)
            worker = start_worker(folder / "p", log)
        try:
            wait_idle(project, stories, timeout=3600)
        finally:
            kill(worker)
        seconds = time.monotonic() - start
        with project.engine.connect() as conn:
            ids = conn.execute(select(Story.source_id)).scalars().all()
            texts = conn.execute(select(func.count(func.distinct(Story.text_hash)))).scalar_one()
            vectors = conn.execute(select(func.count()).select_from(Embedding)).scalar_one()
        status = project.status()
        jobs = project.jobs(limit=1000)
    return {
        "stories": len(ids), "distinct ids": len(set(ids)), "texts": texts,
        "vectors": vectors, "pending": status.pending_jobs, "failed": status.failed_jobs,
        "job runs": sum(j.runs for j in jobs), "jobs": len(jobs), "seconds": seconds,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--model", default="bundled", help="embedding.model of the project")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = one(Path(tmp) / "calm", args.stories, 0, args.model, args.seed,
                   args.database_url)  # fmt: skip
        hit = one(Path(tmp) / "killed", args.stories, args.kills, args.model, args.seed,
                  args.database_url)  # fmt: skip
    for label, row in (("never killed", base), (f"killed {args.kills} times", hit)):
        shown = (f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())
        print(f"{label}: " + ", ".join(shown))
    ok = all(
        (r["stories"], r["distinct ids"], r["vectors"], r["pending"], r["failed"])
        == (args.stories, args.stories, r["texts"], 0, 0) for r in (base, hit)
    )  # fmt: skip
    print(f"killed run took x{hit['seconds'] / base['seconds']:.2f} the time of the calm one; "
          f"{hit['job runs'] - hit['jobs']} job runs were cut short and redone")  # fmt: skip
    print(
        "every story stored once, every text embedded once, nothing pending or failed: "
        + ("yes" if ok else "NO")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
