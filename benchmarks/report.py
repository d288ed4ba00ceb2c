"""Report build time and size: 100,000 generated stories against the 832-story demo.

    .venv/bin/python benchmarks/report.py                 # 100,000 stories
    .venv/bin/python benchmarks/report.py --stories 20000

Both projects are made the same way in this process: generated demo stories ingested,
embedded by :class:`sensemaking.demo.embedder.TopicEmbedder` (topic words plus hashed
noise, 32 dimensions: the real model's throughput is measured in ``benchmarks/embed.py``), a real
theme run (clustering, stability, labels and the 2-D map), then the report. Only the
report build is timed here; the baseline is the same build on the 832-story demo, so the
ratio says what 120 times more stories cost. The limits from the report issue are 60 s and
25 MB of files in all (plotly.js included) at 100,000 stories.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def build(n: int | None, folder: Path) -> dict[str, float]:
    from sensemaking.demo import write_demo_csv
    from sensemaking.demo.embedder import TopicEmbedder
    from sensemaking.project import create_project

    folder.mkdir(parents=True)
    csv_path = folder / "stories.csv"
    write_demo_csv(csv_path, n=n)
    with create_project(folder / "p", name="bench") as project:
        start = time.perf_counter()
        added = project.ingest(csv_path).added
        ingest = time.perf_counter() - start
        start = time.perf_counter()
        project.embed(embedder=TopicEmbedder())  # clustered vectors, fast (see its docs)
        embed = time.perf_counter() - start
        start = time.perf_counter()
        run = project.find_themes()
        themes = time.perf_counter() - start
        result = project.report()
    largest = max(result.pages, key=lambda p: p.stat().st_size)
    return {
        "stories": added, "ingest_s": ingest, "embed_s": embed, "themes_s": themes,
        "themes": len(run.themes), "map": run.params["map"].get("method"),
        "map_s": run.timings.get("map", 0.0), "report_s": result.seconds,
        "mb": result.bytes / 1e6, "files": len(result.pages),
        "largest": f"{largest.name} {largest.stat().st_size / 1e6:.2f} MB",
        **{f"t_{k}": v for k, v in result.timings.items()},
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = build(None, Path(tmp) / "baseline")
        big = build(args.stories, Path(tmp) / "large")
    for label, row in (("baseline (demo)", base), (f"{args.stories:,} stories", big)):
        print(f"{label}: " + ", ".join(
            f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
        ))  # fmt: skip
    ratio = big["report_s"] / base["report_s"]
    print(f"report build: {big['report_s']:.1f} s vs {base['report_s']:.1f} s baseline "
          f"(x{ratio:.2f}); size {big['mb']:.1f} MB vs {base['mb']:.1f} MB")  # fmt: skip
    ok = big["report_s"] <= 60 and big["mb"] <= 25
    print(f"limits (60 s, 25 MB at 100,000 stories): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
