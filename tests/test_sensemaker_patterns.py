"""Zone shares and compositional centres of the real SenseMaker export, checked against
numbers computed independently of the package.

The literals in ``EXPECTED`` were printed by a separate script that imports nothing from
``sensemaking`` (only csv, json, math) and reads ``ADemo_Data.csv`` raw. Its essence:

    for triad t, anchors = labels of t in ADemo_Definition.json (corner order: top, left, right)
      NA row:  cell t_NA == "1" (all value cells of t are then empty)   -> counted as N/A
      else:    p = [float(row[f"{t}_{anchor}"]) for anchor in anchors]
               assert p == (y, 1-x-y/2, x-y/2) for x, y = t_percentX, t_percentY (to 1e-12)
               p = clip at 0 and divide by the sum    (one dot lies at -0.0009, past an edge)
      zone(p): corner i if max p_i >= 0.6 (ties: earlier corner), 3 if all in [0.2, 0.47],
               else edge of the two largest: (0,1) -> 4, (0,2) -> 5, (1,2) -> 6
      shares   = [#{zone == z} / n_answered for z in 0..6]
      replace(p): parts < 0.001 become 0.001, the others times (1 - k*0.001) / (their sum)
      g_i      = exp(mean over answers of log replace(p)_i);  centre = g / sum(g)

The export's 129 stories have no unanswered triads (every triad is a value or a ticked N/A),
no dot exactly in a corner, one dot 0.0009 past the left-right edge (story 3ad4704c…, triad
"influences"), one part below the detection limit (9.2e-5, triad "situation reflects") and no
value within 9e-6 of a zone threshold, so the zones do not hinge on rounding. A few rows are
test entries ("RamyaTest", "test mana", "Test support 29 June"); they are kept, like ingest does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import PG_URL, SHARED_DATA, reset_postgres
from sqlalchemy import MetaData, Table, select

from sensemaking.patterns.compositions import closed_geometric_mean, zones
from sensemaking.project import Project, create_project

DEMO = SHARED_DATA / "sensemaker_demo"
DEFINITION = DEMO / "ADemo_Definition.json"
EXPORT = DEMO / "ADemo_Data.csv"

pytestmark = pytest.mark.skipif(not EXPORT.exists(), reason=f"{DEMO} is not here")

#: SenseMaker triad uuid -> (framework id, answered, N/A, zone shares in the order corner0,
#: corner1, corner2, centre, edge0-1, edge0-2, edge1-2, closed geometric mean), by hand from
#: the separate script's output.
EXPECTED = {
    "dee85953-7226-45c5-9add-c146e5f4096f": (
        "influences-situation", 123, 6,
        (0.121951, 0.121951, 0.154472, 0.219512, 0.097561, 0.097561, 0.186992),
        (0.322704, 0.349359, 0.327937),
    ),
    "5d5594cd-7244-4c23-a8eb-c44e220bc177": (
        "attention-improvement-needed", 117, 12,
        (0.136752, 0.094017, 0.299145, 0.145299, 0.068376, 0.188034, 0.068376),
        (0.316510, 0.246941, 0.436549),
    ),
    "579be782-038d-4d71-92d5-1cbff91ac2fc": (
        "situation-reflects-company", 128, 1,
        (0.125000, 0.023438, 0.132812, 0.226562, 0.125000, 0.328125, 0.039062),
        (0.432762, 0.210947, 0.356290),
    ),
    "25055cfd-2b03-44af-a80e-2bfd62e455cc": (
        "work-tasks-situation-done", 109, 20,
        (0.055046, 0.036697, 0.100917, 0.532110, 0.073394, 0.091743, 0.110092),
        (0.328957, 0.323147, 0.347896),
    ),
    "085f37d9-5819-4cc0-8538-e05ff0bd0e2c": (
        "pressure-situation", 121, 8,
        (0.132231, 0.272727, 0.173554, 0.181818, 0.066116, 0.132231, 0.041322),
        (0.309896, 0.370780, 0.319324),
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def ademo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The export ingested once for the module (PostgreSQL when configured, else SQLite)."""
    if PG_URL:
        reset_postgres(PG_URL)
    path = tmp_path_factory.mktemp("patterns") / "ademo"
    with create_project(path, framework=DEFINITION, database_url=PG_URL) as p:
        report = p.ingest(EXPORT, sensemaker_definition=DEFINITION)
        assert report.committed and report.errors == []
        yield p


@pytest.fixture(scope="module")
def answers(ademo: Project) -> dict[str, list[tuple[float | None, float | None, float | None]]]:
    """Every triad answer in the database, by signifier id: (a, b, c), all None for N/A."""
    table = Table("triad_answers", MetaData(), autoload_with=ademo.engine)
    query = select(table.c.signifier_id, table.c.a, table.c.b, table.c.c)
    out: dict[str, list[tuple[float | None, float | None, float | None]]] = {}
    with ademo.engine.connect() as conn:
        for sid, a, b, c in conn.execute(query.order_by(table.c.story_id)):
            out.setdefault(sid, []).append((a, b, c))
    return out


def _definition_anchors() -> dict[str, list[str]]:
    """Triad uuid -> its anchor uuids in the definition's order (the corner order used above)."""
    definition = json.loads(Path(DEFINITION).read_text(encoding="utf-8"))
    return {
        s["id"]: [label["id"] for label in s["content"]["labels"]]
        for s in definition["signifiers"]
        if s["type"] == "triad"
    }


def test_every_triad_of_the_definition_is_checked(ademo: Project) -> None:
    assert set(_definition_anchors()) == set(EXPECTED)
    assert {s.sensemaker_id for s in ademo.framework.of_type("triad")} == set(EXPECTED)


@pytest.mark.parametrize("uuid", list(EXPECTED), ids=[e[0] for e in EXPECTED.values()])
def test_zone_shares_and_centre_match_the_independent_computation(
    uuid: str, ademo: Project, answers: dict[str, list[tuple[float | None, ...]]]
) -> None:
    name, answered, not_applicable, shares, centre = EXPECTED[uuid]
    (triad,) = [s for s in ademo.framework.of_type("triad") if s.sensemaker_id == uuid]
    assert triad.id == name
    # The literals are in the definition's anchor order; the framework must keep it.
    assert [c.sensemaker_id for c in triad.corners] == _definition_anchors()[uuid]

    rows = answers[triad.id]
    values = np.array([r for r in rows if r[0] is not None], dtype=float)
    assert all(r == (None, None, None) for r in rows if r[0] is None)
    assert (len(values), len(rows) - len(values)) == (answered, not_applicable)

    got_shares = np.bincount(zones(values), minlength=7) / len(values)
    assert got_shares == pytest.approx(shares, abs=1e-6)
    assert closed_geometric_mean(values) == pytest.approx(centre, abs=1e-6)
