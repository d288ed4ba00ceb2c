"""Embedding throughput and agreement: torch as sentence-transformers runs it, our batching,
and the ONNX backends, on generated demo stories.

    .venv/bin/python benchmarks/embed.py                        # 5,000 stories, bundled model
    .venv/bin/python benchmarks/embed.py --batch-sizes 32 64 128 --repeat 2
    .venv/bin/python benchmarks/embed.py --model intfloat/multilingual-e5-small

Everything is measured in one process on the same texts. The baseline is torch encoding the
stories in input order, 64 at a time (each batch padded to its longest story); every other
row is compared with it: stories per second as a ratio, and the mean and minimum cosine
between its vectors and the baseline's. A model load (and an ONNX export, the first time)
happens before its timing starts, and each timing follows a warm-up batch. With
``--repeat`` the passes are interleaved and the fastest is kept, so a busy machine slows
each backend alike; the CPU seconds this process spent (all threads) are shown beside it,
as they suffer less from other work on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _baseline(embedder, texts: list[str], batch_size: int) -> np.ndarray:
    """sentence-transformers' own encode, called on consecutive chunks in input order."""
    out = [
        embedder.model.encode(
            texts[start : start + batch_size],
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        for start in range(0, len(texts), batch_size)
    ]
    return np.concatenate(out).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="demo stories (default 5000)")
    parser.add_argument("--model", default=None, help="model (default: the bundled one)")
    parser.add_argument("--backends", nargs="+", default=["onnx", "onnx-int8"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[64])
    parser.add_argument("--repeat", type=int, default=1, help="passes per row; fastest kept")
    parser.add_argument("--cache-dir", default=None, help="ONNX exports (default: a temp dir)")
    args = parser.parse_args(argv)

    from sensemaking.demo import generate_stories
    from sensemaking.embed import load_embedder

    texts = [r["text"] for r in generate_stories(args.n, seed=1)]
    cache_dir = args.cache_dir or tempfile.mkdtemp(prefix="sensemaking-embed-bench-")
    cores = len(os.sched_getaffinity(0))
    print(
        f"{len(texts)} demo stories (median {int(np.median([len(t) for t in texts]))} chars), "
        f"{cores} cores, load average {os.getloadavg()[0]:.1f}, ONNX exports in {cache_dir}"
    )

    start = time.perf_counter()
    torch_embedder = load_embedder(args.model, backend="torch", cache_dir=cache_dir)
    print(f"loaded {torch_embedder.key} in {time.perf_counter() - start:.1f} s")
    # row name -> a function that encodes all texts
    runs: dict[str, Callable[[], np.ndarray]] = {
        "torch, batch 64 in input order (baseline)": lambda: _baseline(torch_embedder, texts, 64)
    }
    embedders = {"torch": torch_embedder}
    for backend in args.backends:
        start = time.perf_counter()
        embedder = load_embedder(args.model, backend=backend, cache_dir=cache_dir)
        if not embedder.key.endswith("@" + backend):
            print(f"{backend}: not usable here, skipped (got {embedder.key})")
            continue
        print(f"loaded {embedder.key} in {time.perf_counter() - start:.1f} s (export included)")
        embedders[backend] = embedder
    for backend, embedder in embedders.items():
        for size in args.batch_sizes:

            def run(embedder=embedder, size=size) -> np.ndarray:
                embedder.batch_size = size
                return embedder.encode(texts)

            runs[f"{backend}, batch {size} length-sorted"] = run

    for embedder in embedders.values():  # warm-up: first calls allocate and pick kernels
        embedder.encode(texts[:32])

    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.repeat):
        for name, run in runs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            vectors[name] = run()
            seconds = time.perf_counter() - start
            if seconds < best.get(name, float("inf")):
                best[name], cpu[name] = seconds, time.process_time() - start_cpu
            print(f"  {name}: {len(texts) / seconds:.1f} stories/s", flush=True)

    baseline_name = next(iter(runs))
    baseline = vectors[baseline_name]
    base_rate = len(texts) / best[baseline_name]
    print()
    print("| backend | stories/s | x baseline | CPU s per 1000 | mean cosine | min cosine |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in runs:
        rate = len(texts) / best[name]
        cosines = np.sum(vectors[name] * baseline, axis=1)
        print(
            f"| {name} | {rate:.1f} | {rate / base_rate:.2f} | "
            f"{1000 * cpu[name] / len(texts):.1f} | {cosines.mean():.5f} | {cosines.min():.5f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
