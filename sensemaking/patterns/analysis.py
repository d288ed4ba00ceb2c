"""Distributions of one group of stories, and comparisons of two, with small groups hidden.

A *group* is a set of stories (a boolean mask over an
:class:`~sensemaking.patterns.data.AnswerTable`) with a label, e.g. "Ånge, 2025 vår".
:func:`describe` summarises one group; :func:`compare` compares two item by item
(:func:`~sensemaking.patterns.compare.compare_blocks`) and triad by triad
(:func:`~sensemaking.patterns.multivariate.triad_shift`), and reads the analysts' desired
directions against the verdicts. A group with fewer than ``min_group`` storytellers, or one
the caller's suppression plan hides, is never shown: its numbers are ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sensemaking.patterns.compare import (
    ItemBlock,
    ItemComparison,
    benjamini_hochberg,
    compare_blocks,
)
from sensemaking.patterns.compositions import closed_geometric_mean
from sensemaking.patterns.data import AnswerTable
from sensemaking.patterns.items import ItemSpace
from sensemaking.patterns.multivariate import DyadShift, TriadShift, dyad_shift, triad_shift
from sensemaking.patterns.suppression import group_shown

__all__ = [
    "CSV_COLUMNS",
    "Comparison",
    "DesiredItem",
    "DesiredOutcome",
    "Distribution",
    "SignifierSummary",
    "compare",
    "describe",
]

#: The columns of a comparison written as CSV, in order.
CSV_COLUMNS = (
    "signifier", "item", "group_a", "group_b", "share_a", "share_b", "difference", "ci_low",
    "ci_high", "p_adjusted", "verdict",
)  # fmt: skip


@dataclass(frozen=True)
class DesiredItem:
    """An item the analysts want ``more_of`` or ``fewer_of``."""

    signifier: str
    item: str
    want: str


@dataclass(frozen=True)
class DesiredOutcome:
    """How a desired item moved from group A to group B.

    ``outcome`` is ``right_way`` (the verdict is the wanted one), ``wrong_way`` (the opposite
    clear verdict), ``not_clear`` (no clear difference), ``suppressed`` (a group too small)
    or ``absent`` (the item is not among this comparison's items, e.g. a theme of an older run).
    """

    signifier: str
    item: str
    want: str
    verdict: str | None
    outcome: str


@dataclass(frozen=True)
class Comparison:
    """Group A against group B; ``more_of`` means group B has more."""

    group_a: str
    group_b: str
    suppressed: bool
    stories_a: int | None
    stories_b: int | None
    items: list[ItemComparison]
    triads: list[TriadShift]
    dyads: list[DyadShift] = field(default_factory=list)
    desired: list[DesiredOutcome] = field(default_factory=list)
    alpha: float = 0.05

    def findings(self) -> list[ItemComparison]:
        """The clear differences, largest first."""
        clear = [r for r in self.items if r.verdict in ("more_of", "fewer_of")]
        return sorted(clear, key=lambda r: -abs(r.difference or 0.0))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per item with :data:`CSV_COLUMNS` (numbers ``None`` when suppressed)."""
        return [
            {"signifier": r.signifier, "item": r.item, "group_a": self.group_a,
             "group_b": self.group_b, "share_a": r.share_a, "share_b": r.share_b,
             "difference": r.difference, "ci_low": r.ci_low, "ci_high": r.ci_high,
             "p_adjusted": r.p_adjusted, "verdict": r.verdict}
            for r in self.items
        ]  # fmt: skip

    def to_csv(self, path: str | Path) -> int:
        """Write :meth:`rows` as CSV (empty cells where suppressed); returns the row count."""
        from sensemaking.ingest.writers import write_table

        rows = [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.rows()]  # fmt: skip
        return write_table(Path(path), list(CSV_COLUMNS), rows)

    def to_frame(self) -> Any:
        """The items as a pandas DataFrame with :data:`CSV_COLUMNS` plus ``p_value``, ``n_a``
        and ``n_b``."""
        import pandas as pd

        frame = pd.DataFrame(self.rows(), columns=list(CSV_COLUMNS))
        frame["p_value"] = [r.p_value for r in self.items]
        frame["n_a"] = [r.n_a for r in self.items]
        frame["n_b"] = [r.n_b for r in self.items]
        return frame

    def shifts(self) -> list[TriadShift | DyadShift]:
        """The whole signifiers that clearly moved (triads, then dyads)."""
        moved = ("shifted", "higher", "lower")
        return [s for s in [*self.triads, *self.dyads] if s.verdict in moved]

    def triads_frame(self) -> Any:
        """The whole-triad tests as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([asdict(t) for t in self.triads])

    def dyads_frame(self) -> Any:
        """The dyads' mean comparisons as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([asdict(d) for d in self.dyads])


@dataclass(frozen=True)
class SignifierSummary:
    """One signifier in one group: how many answered, and the share of each item.

    ``centre`` is a triad's closed geometric mean; ``mean`` and ``median`` a dyad's. All
    numbers are ``None`` when the stories that answered come from too few storytellers.
    """

    signifier: str
    kind: str
    answered: int | None
    not_applicable: int | None
    items: tuple[str, ...]
    shares: tuple[float, ...] | None
    centre: tuple[float, ...] | None = None
    mean: float | None = None
    median: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.shares is None


@dataclass(frozen=True)
class Distribution:
    """What one group's stories look like, signifier by signifier."""

    group: str
    suppressed: bool
    stories: int | None
    storytellers: int | None
    signifiers: list[SignifierSummary]

    def signifier(self, signifier: str) -> SignifierSummary:
        """The summary of one signifier (``KeyError`` if none)."""
        for s in self.signifiers:
            if s.signifier == signifier:
                return s
        raise KeyError(signifier)

    def to_frame(self) -> Any:
        """One row per item: ``group, signifier, item, share, answered`` (pandas)."""
        import pandas as pd

        rows = [
            {"group": self.group, "signifier": s.signifier, "item": item,
             "share": s.shares[k] if s.shares is not None else None, "answered": s.answered}
            for s in self.signifiers for k, item in enumerate(s.items)
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["group", "signifier", "item", "share", "answered"])


def describe(
    table: AnswerTable,
    space: ItemSpace,
    mask: np.ndarray,
    label: str,
    *,
    min_group: int = 5,
    shown: bool = True,
) -> Distribution:
    """Summarise the stories in ``mask``.

    Args:
        table: every story's answers.
        space: the items built from ``table``.
        mask: the group's stories.
        label: the group's name in outputs.
        min_group: the smallest number of storytellers ever shown (for the group and for
            the stories answering each signifier).
        shown: ``False`` when a suppression plan hides this group whatever its size.
    """
    people = table.storytellers(mask)
    if not shown or not group_shown(people, min_group):
        hidden = [SignifierSummary(b.signifier, b.kind, None, None, b.items, None) for b in space]
        return Distribution(label, True, None, None, hidden)
    out = []
    for block in space:
        rows = mask & block.answered
        na = int((mask & block.not_applicable).sum())
        if not group_shown(table.storytellers(rows), min_group):
            out.append(SignifierSummary(block.signifier, block.kind, None, None, block.items, None))
            continue
        shares = tuple(float(v) for v in block.matrix[rows].mean(axis=0))
        summary = SignifierSummary(block.signifier, block.kind, int(rows.sum()), na,
                                   block.items, shares)  # fmt: skip
        if block.kind == "triad":
            centre = closed_geometric_mean(table.triads[block.signifier][rows])
            summary = replace(summary, centre=tuple(float(v) for v in centre))
        elif block.kind == "dyad":
            values = table.dyads[block.signifier][rows]
            summary = replace(summary, mean=float(values.mean()), median=float(np.median(values)))
        out.append(summary)
    return Distribution(label, False, int(mask.sum()), people, out)


def compare(
    table: AnswerTable,
    space: ItemSpace,
    mask_a: np.ndarray,
    mask_b: np.ndarray,
    labels: tuple[str, str],
    *,
    min_group: int = 5,
    shown: tuple[bool, bool] = (True, True),
    alpha: float = 0.05,
    desired: Sequence[DesiredItem] = (),
    n_bootstrap: int = 2000,
    n_permutations: int = 999,
    triads: Sequence[tuple[str, Sequence[str]]] = (),
    dyads: Sequence[str] = (),
    seed: int = 0,
) -> Comparison:
    """Compare group A (``mask_a``) with group B (``mask_b``).

    Args:
        table: every story's answers.
        space: the items built from ``table``.
        mask_a: group A's stories (e.g. the earlier round, or everywhere else).
        mask_b: group B's stories.
        labels: the two groups' names in outputs.
        min_group: the smallest number of storytellers ever shown.
        shown: ``False`` for a group a suppression plan hides whatever its size.
        alpha: false discovery rate of the verdicts.
        desired: items the analysts want more of or fewer of.
        n_bootstrap: resamples for the intervals.
        n_permutations: relabellings of the whole-triad tests.
        triads: ``(signifier, corner ids)`` of the triads to test as whole distributions.
        dyads: the dyads whose means to compare.
        seed: seeds the bootstrap and the triad tests.
    """
    people_a, people_b = table.storytellers(mask_a), table.storytellers(mask_b)
    hidden = not (shown[0] and shown[1] and group_shown(min(people_a, people_b), min_group))
    blocks = []
    for block in space:
        rows_a, rows_b = mask_a & block.answered, mask_b & block.answered
        if hidden:  # a hidden group hides every block: no per-signifier sizes leak
            rows_a = rows_b = np.zeros(len(table), dtype=bool)
        blocks.append(
            ItemBlock(block.signifier, block.items, block.matrix[rows_a], block.matrix[rows_b],
                      table.storytellers(rows_a), table.storytellers(rows_b))
        )  # fmt: skip
    items = compare_blocks(blocks, min_group=min_group, alpha=alpha, n_bootstrap=n_bootstrap,
                           seed=seed)  # fmt: skip
    shifts = []
    for signifier, corners in triads:
        values = table.triads[signifier]
        answered = ~np.isnan(values).any(axis=1)
        rows_a, rows_b = mask_a & answered, mask_b & answered
        if hidden:
            rows_a = rows_b = np.zeros(len(table), dtype=bool)
        shifts.append(
            triad_shift(signifier, corners, values[rows_a], values[rows_b],
                        storytellers_a=table.storytellers(rows_a),
                        storytellers_b=table.storytellers(rows_b), min_group=min_group,
                        n_permutations=n_permutations, seed=seed)
        )  # fmt: skip
    sliders = []
    for signifier in dyads:
        values = table.dyads[signifier]
        answered = ~np.isnan(values)
        rows_a, rows_b = mask_a & answered, mask_b & answered
        if hidden:
            rows_a = rows_b = np.zeros(len(table), dtype=bool)
        sliders.append(
            dyad_shift(signifier, values[rows_a], values[rows_b],
                       storytellers_a=table.storytellers(rows_a),
                       storytellers_b=table.storytellers(rows_b), min_group=min_group,
                       n_permutations=n_permutations, n_bootstrap=n_bootstrap, alpha=alpha,
                       seed=seed)
        )  # fmt: skip
    shifts, sliders = _adjust_shifts(shifts, sliders, alpha)
    outcomes = [_outcome(d, items) for d in desired]
    return Comparison(
        labels[0], labels[1], hidden,
        None if hidden else int(mask_a.sum()), None if hidden else int(mask_b.sum()),
        items, shifts, sliders, outcomes, alpha,
    )  # fmt: skip


def _adjust_shifts(
    triads: list[TriadShift], dyads: list[DyadShift], alpha: float
) -> tuple[list[TriadShift], list[DyadShift]]:
    """Benjamini–Hochberg across all whole-signifier tests of one comparison."""
    both: list[Any] = [*triads, *dyads]
    tested = [k for k, s in enumerate(both) if s.p_value is not None]
    adjusted = benjamini_hochberg(np.array([both[k].p_value for k in tested], dtype=float))
    for k, p in zip(tested, adjusted, strict=True):
        s = both[k]
        if isinstance(s, TriadShift):
            verdict = "shifted" if p < alpha else "no_clear_shift"
        else:
            clear = p < alpha and ((s.ci_low or 0) > 0 or (s.ci_high or 0) < 0)
            verdict = (
                ("higher" if (s.difference or 0) > 0 else "lower") if clear else "no_clear_shift"
            )
        both[k] = replace(s, p_adjusted=float(p), verdict=verdict)
    return both[: len(triads)], both[len(triads) :]


def _outcome(desired: DesiredItem, items: list[ItemComparison]) -> DesiredOutcome:
    found = [r for r in items if r.signifier == desired.signifier and r.item == desired.item]
    if not found:
        return DesiredOutcome(desired.signifier, desired.item, desired.want, None, "absent")
    verdict = found[0].verdict
    if verdict == "suppressed":
        outcome = "suppressed"
    elif verdict == desired.want:
        outcome = "right_way"
    elif verdict in ("more_of", "fewer_of"):
        outcome = "wrong_way"
    else:
        outcome = "not_clear"
    return DesiredOutcome(desired.signifier, desired.item, desired.want, verdict, outcome)
