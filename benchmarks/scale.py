"""Theme runs at scale: 1,000,000 generated stories from ingest to report, against 20,000.

    .venv/bin/python benchmarks/scale.py                        # 1,000,000 stories, SQLite
    .venv/bin/python benchmarks/scale.py --stories 200000 --baseline 20000
    .venv/bin/python benchmarks/scale.py --database-url postgresql+psycopg://u@host/db
    .venv/bin/python benchmarks/scale.py --compare-map 100000   # map placement methods only

Both corpora go through the same steps in this process, the baseline first: generated demo
stories written to CSV (in a child process, so that the generator's memory is not this
process's), ingested into a fresh project (SQLite in a temporary folder, or the PostgreSQL
database of ``--database-url``, whose ``public`` schema is dropped and created again),
embedded with :class:`sensemaking.demo.embedder.TopicEmbedder` (topic words plus hashed
noise, 32 dimensions: clustered vectors, fast), one theme run (``Project.find_themes``),
and the report. Every step is timed and its peak resident memory taken from the kernel
(``VmHWM``, reset before each step), the theme run's step by step. The baseline pays the
numba compilation of UMAP (a cold process); the large run finds it compiled.

The real model's throughput is measured apart: 2,000 demo texts embedded with the bundled
model, extrapolated to the corpus size (it is not run on the whole corpus).

Targets at the full size: ingest at least 5,000 stories/s (redaction on, the default
parallel path), the theme run within 20 minutes and 8 GB of peak memory; the exit status is
0 when all three are met.

``--compare-map N`` measures the 2-D map's placement of the stories UMAP was not fitted on,
on N stories: the weighted mean of the nearest fitted stories' positions (ours) against
UMAP's ``transform``: seconds; how many of a placed story's 15 nearest stories in
embedding space are among its 15 nearest on the map, and among its nearest 1%;
trustworthiness (scikit-learn, 5,000 placed stories); and the share of placed stories whose
15 nearest fitted stories on the map are mostly of their own theme. The same scores for the
fitted stories (UMAP's own layout) are the reference. The generated vectors are topic words
plus noise, so within a topic the nearest 15 are noise: the 1% column and the theme region
say more than the first.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import empty_postgres

THEME_SECONDS = 20 * 60
THEME_GB = 8.0
INGEST_TARGET = 5000  # stories/s, redaction on
STATUS = Path("/proc/self/status")


# -- memory ---------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    """Start a new peak (``VmHWM``) at the current RSS; False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_gb() -> float:
    """Peak resident memory since the last :func:`reset_peak` (or since the start)."""
    return _status_kb("VmHWM") * 1024 / 1e9


class RssSampler(threading.Thread):
    """Samples the resident memory every ``interval`` seconds, as a check on ``VmHWM``."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append((time.perf_counter(), _status_kb("VmRSS") * 1024 / 1e9))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak_between(self, start: float, stop: float) -> float:
        inside = [gb for t, gb in self.samples if start <= t <= stop]
        return max(inside, default=0.0)


def measured(sampler: RssSampler, call: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """Run ``call``: its result, seconds, peak GB (VmHWM) and peak GB of the RSS samples."""
    reset_peak()
    start = time.perf_counter()
    result = call()
    stop = time.perf_counter()
    return result, stop - start, peak_gb(), sampler.peak_between(start, stop)


# -- one corpus -----------------------------------------------------------------------------


def _write_csv(path: str, n: int) -> None:
    from sensemaking.demo import write_demo_csv

    write_demo_csv(path, n=n)


def run_corpus(n: int, folder: Path, database_url: str | None, sampler: RssSampler) -> dict:
    """Every step on ``n`` generated stories; seconds, rates and peaks per step."""
    from sensemaking.demo.embedder import TopicEmbedder
    from sensemaking.project import create_project

    row: dict[str, Any] = {"n": n}
    folder.mkdir(parents=True)
    csv_path = folder / "stories.csv"
    start = time.perf_counter()
    child = mp.get_context("spawn").Process(target=_write_csv, args=(str(csv_path), n))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"writing {n} demo stories failed (exit {child.exitcode})")
    row["csv_s"] = time.perf_counter() - start
    row["csv_mb"] = csv_path.stat().st_size / 1e6
    if database_url:
        empty_postgres(database_url)
    with create_project(folder / "p", name="scale", database_url=database_url) as project:
        report, row["ingest_s"], row["ingest_gb"], _ = measured(
            sampler, lambda: project.ingest(csv_path)
        )
        if report.added != n:
            raise RuntimeError(f"ingest added {report.added} of {n}: {report.errors[:3]}")
        csv_path.unlink()
        print(f"  {n:,}: ingested in {row['ingest_s']:.0f} s", file=sys.stderr, flush=True)
        _, row["embed_s"], row["embed_gb"], _ = measured(
            sampler, lambda: project.embed(embedder=TopicEmbedder())
        )
        print(f"  {n:,}: embedded in {row['embed_s']:.0f} s", file=sys.stderr, flush=True)

        steps: list[tuple[str, float, float]] = []  # (step, when it started, its peak GB)
        step_peaks: dict[str, float] = {}

        def step(name: str) -> None:
            if steps:
                step_peaks[steps[-1][0]] = peak_gb()
            reset_peak()
            steps.append((name, time.perf_counter(), 0.0))
            print(f"  {n:,}: {name} ...", file=sys.stderr, flush=True)

        run, row["themes_s"], _, row["themes_sampled_gb"] = measured(
            sampler, lambda: project.find_themes(step=step)
        )
        step_peaks[steps[-1][0]] = peak_gb()
        row["themes_gb"] = max(step_peaks.values())
        row["step_peaks"] = step_peaks
        row["timings"] = dict(run.timings)
        row["themes"] = len(run.themes)
        row["other"] = run.other_share
        row["seed_ari"] = run.seed_ari
        row["sample"] = run.params.get("sample", {})
        row["map"] = run.params.get("map", {})
        print(f"  {n:,}: report ...", file=sys.stderr, flush=True)
        try:
            result, row["report_s"], row["report_gb"], _ = measured(sampler, project.report)
        except Exception as error:  # the report is another stage's: its failure is printed
            row["report_error"] = f"{type(error).__name__}: {error}"
            row["report_s"] = row["report_gb"] = row["report_mb"] = float("nan")
        else:
            row["report_mb"] = result.bytes / 1e6
    return row


def real_model_rate(n_texts: int) -> tuple[str, float, float]:
    """The bundled model's key, its load seconds and stories/s on ``n_texts`` demo texts."""
    from sensemaking.demo import generate_stories
    from sensemaking.embed import load_embedder

    texts = [r["text"] for r in generate_stories(n_texts, seed=1)]
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        embedder = load_embedder("bundled", cache_dir=cache)
        loaded = time.perf_counter() - start
        embedder.encode(texts[:32])  # warm-up
        start = time.perf_counter()
        embedder.encode(texts)
        rate = len(texts) / (time.perf_counter() - start)
    return embedder.key, loaded, rate


# -- printing -------------------------------------------------------------------------------


def _ratio(big: float, base: float) -> str:
    return f"x{big / base:.1f}" if base > 0 else "-"


def print_rows(base: dict, big: dict) -> None:
    scale = big["n"] / base["n"]
    print(f"\n| step | {base['n']:,} stories (baseline) | {big['n']:,} stories | ratio "
          f"(stories x{scale:.0f}) |")  # fmt: skip
    print("|---|---:|---:|---:|")

    def line(name: str, key: str, unit: str, digits: int = 1) -> None:
        a, b = base[key], big[key]
        print(f"| {name} | {a:,.{digits}f} {unit} | {b:,.{digits}f} {unit} | {_ratio(b, a)} |")

    line("write CSV (child process)", "csv_s", "s")
    line("ingest", "ingest_s", "s")
    print(f"| ingest rate | {base['n'] / base['ingest_s']:,.0f} stories/s "
          f"| {big['n'] / big['ingest_s']:,.0f} stories/s "
          f"| (target {INGEST_TARGET:,}/s) |")  # fmt: skip
    line("ingest peak RSS", "ingest_gb", "GB", 2)
    line("embed (TopicEmbedder)", "embed_s", "s")
    line("embed peak RSS", "embed_gb", "GB", 2)
    line("theme run", "themes_s", "s")
    line("theme run peak RSS (VmHWM)", "themes_gb", "GB", 2)
    line("theme run peak RSS (sampled every 0.5 s)", "themes_sampled_gb", "GB", 2)
    line("report build", "report_s", "s")
    line("report size", "report_mb", "MB")
    line("report peak RSS", "report_gb", "GB", 2)
    for row in (base, big):
        if "report_error" in row:
            print(f"| report at {row['n']:,} FAILED | {row['report_error'][:200]} | | |")
    print(f"| themes / other / seed ARI | {base['themes']} / {base['other']:.2%} / "
          f"{base['seed_ari']:.3f} | {big['themes']} / {big['other']:.2%} / "
          f"{big['seed_ari']:.3f} | |")  # fmt: skip

    print(f"\nTheme run at {big['n']:,} stories: where the time goes (seconds, share; the "
          f"baseline's in brackets)")  # fmt: skip
    total = big["themes_s"]
    order = sorted(big["timings"].items(), key=lambda kv: -kv[1])
    for key, seconds in order:
        if "." in key and not key.startswith("map."):
            continue
        was = base["timings"].get(key)
        before = f" [{was:.1f}]" if was is not None else ""
        print(f"  {key:<11} {seconds:8.1f} s {seconds / total:6.1%}{before}")
    print("  peak RSS per step (GB): " + ", ".join(
        f"{name} {gb:.2f}" for name, gb in big["step_peaks"].items()))  # fmt: skip
    sample, layout = big["sample"], big["map"]
    if sample:
        print(f"  fitted on a sample of {sample['fitted_on']:,} of {sample['stories']:,}; "
              f"{sample['assigned']:,} assigned ({sample['assigned_by']}); other among "
              f"fitted {sample['other_share_fitted']:.2%}, among assigned "
              f"{sample['other_share_assigned']:.2%}")  # fmt: skip
    if "fitted_on" in layout:
        print(f"  map: UMAP fitted on {layout['fitted_on']:,}, {layout['placed_stories']:,} "
              f"placed by {layout['placed']}")  # fmt: skip


# -- map placement comparison ---------------------------------------------------------------


def _map_scores(
    x: np.ndarray,
    xy: np.ndarray,
    themes: np.ndarray,
    fitted: np.ndarray,
    rows: np.ndarray,
    seed: int,
) -> dict[str, float]:
    """How well the map keeps the neighbourhoods of ``rows`` (stories of one kind)."""
    from scipy.spatial import cKDTree
    from sklearn.manifold import trustworthiness

    from sensemaking.cluster.layout import nearest_rows

    k = 15
    rng = np.random.default_rng(seed)
    queries = np.sort(rng.choice(rows, size=min(2000, len(rows)), replace=False))
    near, _ = nearest_rows(x[queries], x, k + 1)
    wide = max(k, len(x) // 100)  # the nearest 1% on the map
    _, on_map = cKDTree(xy).query(xy[queries], k=wide + 1)
    kept, kept_wide = [], []
    for q, a, b in zip(queries, near, on_map, strict=True):
        embedded = set(a[a != q][:k].tolist())
        kept.append(len(embedded & set(b[b != q][:k].tolist())) / k)
        kept_wide.append(len(embedded & set(b[b != q].tolist())) / k)
    # Each story's nearest fitted stories on the map (itself left out), mostly its theme's?
    fitted_tree = cKDTree(xy[fitted])
    _, around = fitted_tree.query(xy[queries], k=k + 1)
    own = themes[queries]
    inside = []
    for q, row, theme in zip(queries, fitted[around], own, strict=True):
        if theme >= 0:
            inside.append(np.mean(themes[row[row != q][:k]] == theme) > 0.5)
    # (a sample of its own: the first draws of a seeded sample are the map's fitted rows)
    sub = np.sort(rng.choice(rows, size=min(5000, len(rows)), replace=False))
    trust = trustworthiness(x[sub], xy[sub], n_neighbors=k, metric="cosine")
    return {"kept": float(np.mean(kept)), "kept_wide": float(np.mean(kept_wide)),
            "region": float(np.mean(inside)), "trust": float(trust)}  # fmt: skip


def compare_map(n: int, map_max_fit: int, seed: int = 0) -> None:
    """Place the stories UMAP was not fitted on both ways and score the two maps."""
    from sensemaking.cluster.fitting import fit_themes
    from sensemaking.cluster.layout import map_layout
    from sensemaking.demo import generate_stories
    from sensemaking.demo.embedder import TopicEmbedder

    x = TopicEmbedder().encode([r["text"] for r in generate_stories(n, seed=1)])
    themes = fit_themes(x, max_fit=50_000, seed=seed).labels
    print(f"{n:,} stories, UMAP fitted on {map_max_fit:,}, {themes.max() + 1} themes. "
          "kNN kept: of a story's 15 nearest in embedding space, the share among its 15 "
          f"nearest on the map (and among its {max(15, n // 100):,} nearest, 1%); theme "
          "region: its 15 nearest fitted stories on the map are mostly of its theme; "
          "trustworthiness (scikit-learn) on 5,000 stories of the kind.")  # fmt: skip
    print("| stories scored | fit s | place s | kNN kept 15 | within 1% | theme region "
          "| trustworthiness |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for placement in ("neighbours", "transform"):
        layout = map_layout(x, seed=seed, max_fit=map_max_fit, placement=placement)
        xy, fitted = layout.coordinates, layout.fitted_rows
        placed = np.setdiff1d(np.arange(n), fitted)
        kinds = [(f"placed by {placement}", placed)]
        if placement == "neighbours":  # the fitted ones are the same either way
            kinds.insert(0, ("fitted by UMAP (reference)", fitted))
        for name, rows in kinds:
            scores = _map_scores(x, xy, themes, fitted, rows, seed)
            print(f"| {name} | {layout.timings['fit']:.1f} | {layout.timings['place']:.1f} "
                  f"| {scores['kept']:.3f} | {scores['kept_wide']:.3f} "
                  f"| {scores['region']:.3f} | {scores['trust']:.4f} |", flush=True)  # fmt: skip


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--database-url", help="PostgreSQL (its public schema is recreated)")
    parser.add_argument("--model-texts", type=int, default=2000,
                        help="demo texts for the real model's throughput (0: skip)")  # fmt: skip
    parser.add_argument("--compare-map", type=int, metavar="N",
                        help="only compare the map's placement methods on N stories")  # fmt: skip
    parser.add_argument("--map-max-fit", type=int, default=20_000)
    args = parser.parse_args(argv)

    if args.compare_map:
        compare_map(args.compare_map, args.map_max_fit)
        return 0

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}; per-step peaks from "
          f"{'VmHWM' if reset_peak() else 'ru_maxrss (VmHWM cannot be reset here)'}")  # fmt: skip
    sampler = RssSampler()
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="sensemaking-scale-") as tmp:
        base = run_corpus(args.baseline, Path(tmp) / "baseline", args.database_url, sampler)
        big = run_corpus(args.stories, Path(tmp) / "large", args.database_url, sampler)
    sampler.stop()
    print_rows(base, big)
    # Resetting VmHWM resets ru_maxrss too: the process's peak is the highest step peak.
    maxrss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
    steps = [row[k] for row in (base, big) for k in row if k.endswith("_gb")]
    sampled = max((gb for _, gb in sampler.samples), default=0.0)
    print(f"\npeak RSS of this process: {max(steps):.2f} GB (highest step peak), "
          f"{sampled:.2f} GB (highest 0.5 s sample); ru_maxrss {maxrss_gb:.2f} GB "
          "(since the last VmHWM reset, i.e. the report build)")  # fmt: skip

    if args.model_texts:
        key, loaded, rate = real_model_rate(args.model_texts)
        print(f"real model {key}: loaded in {loaded:.1f} s, {rate:,.0f} stories/s on "
              f"{args.model_texts:,} demo texts; extrapolated to {args.stories:,} stories: "
              f"{args.stories / rate / 3600:.1f} h on this machine")  # fmt: skip

    rate = big["n"] / big["ingest_s"]
    ingest_ok = rate >= INGEST_TARGET
    print(f"\ningest at {big['n']:,}: {rate:,.0f} stories/s (target {INGEST_TARGET:,}) "
          f"{'ok' if ingest_ok else 'TOO SLOW'}")  # fmt: skip
    seconds_ok = big["themes_s"] <= THEME_SECONDS
    memory_ok = big["themes_gb"] <= THEME_GB
    print(f"theme run at {big['n']:,}: {big['themes_s'] / 60:.1f} min (target "
          f"{THEME_SECONDS // 60} min) {'ok' if seconds_ok else 'TOO SLOW'}, peak "
          f"{big['themes_gb']:.2f} GB (target {THEME_GB:.0f} GB) "
          f"{'ok' if memory_ok else 'TOO MUCH'}")  # fmt: skip
    ok = ingest_ok and seconds_ok and memory_ok
    print(f"targets {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
