"""Two workers on Redis and PostgreSQL share one embedding job: throughput, nothing twice.

    .venv/bin/python benchmarks/workers.py
    .venv/bin/python benchmarks/workers.py --stories 20000 --model demo-topics

Needs PostgreSQL and Redis (``--database-url``, ``--redis-url``; the defaults are this
machine's). Generated demo stories are ingested once; then, for 1 and for 2 worker
processes (`sensemaking worker`, queue on Redis), the embeddings are cleared, one embed job
is queued, and the time until every text has its vector is measured. Each worker traces the
chunks it embedded (``SENSEMAKING_WORKER_TRACE``), so the script checks that no text was
embedded twice and how the chunks were shared. Printed: texts/s for each, and the ratio of
two workers to one, measured in this process one after the other.

Both workers run on this one 2-core machine: a real model already keeps both cores busy in
one worker (torch's threads), so two workers here mostly show the coordination costs; on
two machines the chunks split the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import empty_postgres
from _procs import kill, start_worker, wait_idle


def embed_with(project: object, folder: Path, workers: int, redis_url: str,
               stories: int) -> dict[str, float | int]:  # fmt: skip
    import redis
    from sqlalchemy import delete

    from sensemaking.store.models import Embedding

    redis.Redis.from_url(redis_url).flushdb()
    with project.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(delete(Embedding))
    trace = folder / f"trace-{workers}"
    trace.mkdir()
    env = {"SENSEMAKING_QUEUE_URL": redis_url, "SENSEMAKING_WORKER_TRACE": str(trace)}
    log = folder / "worker.log"
    procs = [start_worker(project.path, log, env=env) for _ in range(workers)]  # type: ignore[attr-defined]
    try:
        project.enqueue("embed")  # the clock includes each worker loading the model  # type: ignore[attr-defined]
        seconds = wait_idle(project, stories, timeout=3600)
    finally:
        for proc in procs:
            kill(proc)
    chunks = [json.loads(line) for path in trace.glob("*.jsonl")
              for line in path.read_text().splitlines()]  # fmt: skip
    hashes = [h for chunk in chunks for h in chunk["hashes"]]
    by_owner: dict[str, int] = {}
    for chunk in chunks:
        by_owner[chunk["owner"]] = by_owner.get(chunk["owner"], 0) + len(chunk["hashes"])
    return {"seconds": seconds, "texts": len(set(hashes)), "twice": len(hashes) - len(set(hashes)),
            "per worker": sorted(by_owner.values(), reverse=True)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=6000)
    parser.add_argument("--model", default="bundled", help="embedding.model of the project")
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_workers",
                        help="a database of its own: its schema is dropped")  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    from sensemaking.config import load_config, save_config
    from sensemaking.demo import write_demo_csv
    from sensemaking.project import create_project, open_project

    empty_postgres(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        create_project(folder / "p", database_url=args.database_url, name="workers").close()
        config = load_config(folder / "p")
        config.embedding.model = args.model
        config.worker.sweep_seconds = 1.0
        config.worker.embed_chunk = 128
        save_config(folder / "p", config)
        with open_project(folder / "p") as project:
            project.ingest(write_demo_csv(folder / "stories.csv", n=args.stories))
            texts = len({s.text for s in project.stories()})
            one = embed_with(project, folder, 1, args.redis_url, args.stories)
            two = embed_with(project, folder, 2, args.redis_url, args.stories)
    for label, row in (("1 worker", one), ("2 workers", two)):
        print(
            f"{label}: {row['texts']} texts in {row['seconds']:.1f} s = "
            f"{row['texts'] / row['seconds']:.0f} texts/s; chunks per worker (texts) "
            f"{row['per worker']}; embedded twice: {row['twice']}"
        )
    print(
        f"2 workers / 1 worker throughput: x{one['seconds'] / two['seconds']:.2f} "
        f"({args.model}, {args.stories:,} stories, {texts:,} distinct texts)"
    )
    ok = one["twice"] == two["twice"] == 0 and one["texts"] == two["texts"] == texts
    print("no text embedded twice, every text embedded: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
