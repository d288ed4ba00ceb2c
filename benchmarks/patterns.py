"""Are the pattern verdicts honest? Calibration and power of comparisons, simulated.

    .venv/bin/python benchmarks/patterns.py                 # 500 simulations per line
    .venv/bin/python benchmarks/patterns.py --sims 100      # quicker
    .venv/bin/python benchmarks/patterns.py --n 200         # rounds of 200 stories

Stories are drawn from real answers: every story of the SenseMaker demo export
(``$SENSEMAKING_BENCH_DATA/sensemaker_demo``, default ``/work/shared/data``) with all five
of its triads, resampled with replacement into two "rounds" of 150 stories. Each comparison
runs the library's own item comparison (:func:`compare_blocks`, exact permutation p-values,
BH across all items) and whole-triad tests (:func:`triad_shift`, energy distance on ilr).

Scenarios, each printed as the share of simulated comparisons:

- **null**: both rounds from the same answers. ``any call`` must be ≤ 5 %.
- **zone shift**: in round B, 15 percentage points more stories lie in the first triad's
  corner ``c0`` (the stories' zones drawn from shifted zone shares, their dots drawn from
  the real dots of that zone; the other zones shrink in proportion).
- **dot shift**: every dot of round B moves 15 percentage points into corner ``c0``
  (``x_c0 + 0.15``, the other two parts shrunk in proportion; capped at the corner).

"1 triad" compares the first triad's 7 zones only; "5 triads" compares all 35 zones of the
export at once (BH across all of them, as a real comparison does). ``c0 more_of`` is the
power; ``other more_of`` counts spurious calls on the other items (a story that moves into
c0 leaves another zone, so ``fewer_of`` elsewhere can be true and is shown apart).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sensemaking.patterns.compare import ItemBlock, compare_blocks  # noqa: E402
from sensemaking.patterns.compositions import zones  # noqa: E402
from sensemaking.patterns.multivariate import triad_shift  # noqa: E402

N = 150
SHIFT = 0.15


def real_triads(data: Path) -> tuple[list[str], np.ndarray]:
    """``(triad ids, (stories, triads, 3) compositions)`` of stories that answered all five."""
    import sqlalchemy as sa

    from sensemaking import create_project

    demo = data / "sensemaker_demo"
    with tempfile.TemporaryDirectory() as tmp:
        project = create_project(Path(tmp) / "p", framework=demo / "ADemo_Definition.json")
        project.ingest(
            demo / "ADemo_Data.csv", sensemaker_definition=demo / "ADemo_Definition.json"
        )
        ids = [s.id for s in project.framework.of_type("triad")]
        with project.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT story_id, signifier_id, a, b, c FROM triad_answers")
            )
            by_story: dict[int, dict[str, tuple[float, float, float]]] = {}
            for story, sig, a, b, c in rows:
                if a is not None:
                    by_story.setdefault(story, {})[sig] = (a, b, c)
        project.close()
    full = [v for v in by_story.values() if len(v) == len(ids)]
    return ids, np.array([[v[i] for i in ids] for v in full])


def dot_shift(x: np.ndarray, points: float) -> np.ndarray:
    """Move every composition ``points`` into corner 0, the other parts shrunk in proportion."""
    out = x.copy()
    new = np.minimum(1.0, x[:, 0] + points)
    rest = 1 - x[:, 0]
    scale = np.where(rest > 0, (1 - new) / np.where(rest > 0, rest, 1), 0)
    out[:, 0] = new
    out[:, 1:] = x[:, 1:] * scale[:, None]
    return out


def zone_shift(pool: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` stories whose first triad's corner-0 zone share is 15 points higher."""
    z = zones(pool[:, 0])
    p = np.bincount(z, minlength=7) / len(z)
    q = p * (1 - p[0] - SHIFT) / (1 - p[0])
    q[0] = p[0] + SHIFT
    want = rng.choice(7, size=n, p=q)
    return np.stack([pool[rng.choice(np.flatnonzero(z == k))] for k in want])


def one_hot(x: np.ndarray) -> np.ndarray:
    return np.eye(7, dtype=bool)[zones(x)]


def run(
    pool: np.ndarray, ids: list[str], sims: int, scenario: str, triads: int, n: int = N
) -> dict[str, float]:
    rng = np.random.default_rng({"null": 1, "zone": 2, "dot": 3}[scenario] * 100 + triads)
    counts = {"any call": 0, "c0 more_of": 0, "other more_of": 0, "other fewer_of": 0,
              "triad shifted": 0}  # fmt: skip
    for sim in range(sims):
        a = pool[rng.integers(0, len(pool), n)]
        if scenario == "zone":
            b = zone_shift(pool, rng, n)
        else:
            b = pool[rng.integers(0, len(pool), n)]
            if scenario == "dot":
                b = b.copy()
                b[:, 0] = dot_shift(b[:, 0], SHIFT)
        blocks = [
            ItemBlock(ids[t], [f"z{k}" for k in range(7)], one_hot(a[:, t]), one_hot(b[:, t]))
            for t in range(triads)
        ]
        result = compare_blocks(blocks, n_bootstrap=400, seed=sim)
        calls = [r for r in result if r.verdict in ("more_of", "fewer_of")]
        counts["any call"] += bool(calls)
        counts["c0 more_of"] += result[0].verdict == "more_of"
        counts["other more_of"] += any(r.verdict == "more_of" for r in result[1:])
        counts["other fewer_of"] += any(r.verdict == "fewer_of" for r in result[1:])
        shift = triad_shift(ids[0], ("c0", "c1", "c2"), a[:, 0], b[:, 0], n_permutations=199,
                            seed=sim)  # fmt: skip
        counts["triad shifted"] += shift.p_value is not None and shift.p_value < 0.05
    return {k: v / sims for k, v in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sims", type=int, default=500)
    parser.add_argument("--n", type=int, default=N, help="stories per round")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("SENSEMAKING_BENCH_DATA", "/work/shared/data")),
    )
    args = parser.parse_args()
    ids, pool = real_triads(args.data)
    z = np.bincount(zones(pool[:, 0]), minlength=7) / len(pool)
    print(
        f"{len(pool)} real stories with all {len(ids)} triads; first triad {ids[0]!r} zone "
        f"shares (c0 c1 c2 centre e01 e02 e12): {' '.join(f'{v:.2f}' for v in z)}"
    )
    print(f"two rounds of {args.n} stories, {args.sims} simulations per line, alpha 0.05\n")
    header = ["scenario", "items", "any call", "c0 more_of", "other more_of", "other fewer_of",
              "triad shifted", "s"]  # fmt: skip
    print("  ".join(f"{h:>14}" for h in header))
    for scenario in ("null", "zone", "dot"):
        for triads in (1, len(ids)):
            start = time.perf_counter()
            r = run(pool, ids, args.sims, scenario, triads, args.n)
            cells = [scenario, f"{7 * triads}", *(f"{100 * r[k]:.1f} %" for k in header[2:7]),
                     f"{time.perf_counter() - start:.0f}"]  # fmt: skip
            print("  ".join(f"{c:>14}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
