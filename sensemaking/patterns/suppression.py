"""Small-group suppression with complementary suppression, for tables of storyteller counts.

The stories come from children: a group with fewer than ``k`` distinct storytellers is never
shown, and a hidden cell must not be recoverable by subtracting shown cells from shown totals.

The rule, as :func:`plan_suppression` applies it:

1. **Primary.** A cell is hidden when ``0 < count < k``. An empty cell (count 0) is shown: it
   reveals nothing about anyone, and it is never used as a complementary partner, because
   hiding a 0 protects nothing.
2. **Complementary.** Each *partition* is a group of cells whose union is a total that may be
   shown (all places of one round, all rounds of one place, the children of a parent place,
   the grand total). Repeatedly, until nothing changes: for every partition whose hidden cells
   are non-empty and either exactly one, or summing to less than ``k``, hide the shown
   non-empty cell with the smallest count in it (ties by ``repr`` of the cell).
3. **Audit.** Totals of several partitions can be combined (e.g. two rows minus two columns of
   a table). Any hidden cell whose exact value follows from the shown cells and the shown
   totals, by any linear combination, gets a further partner: the smallest shown non-empty
   cell in any of its partitions; then step 2 runs again. If none of its partitions has such
   a cell left, the total of its first partition (in the given order) that is still shown is
   withheld instead, and the audit runs again.
4. **Totals.** The total of a partition is shown when it has no hidden cell, or two or more
   hidden cells summing to at least ``k``, and was not withheld in step 3
   (:meth:`SuppressionPlan.total_shown`). A shown total is therefore 0 or at least ``k``.

Only exact recovery is prevented. Bounds from non-negativity (a hidden cell is at most its
row's hidden sum) are not audited; the hidden sum of at least ``k`` per partition is what
keeps such bounds wide. Pass every total that is shown anywhere as a partition: a total the
plan does not know about is not covered by the audit.

Counts of distinct storytellers are not additive: one storyteller may tell stories in several
cells. The plan treats the given per-cell counts as the protection measure, which is
conservative enough here; the caller computes any displayed total as distinct storytellers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

__all__ = ["SuppressionPlan", "group_shown", "plan_suppression"]


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer of at least 1, got {k!r}")


def group_shown(count: int, k: int) -> bool:
    """Whether a single ad-hoc group of ``count`` distinct storytellers may be shown.

    The one comparison every caller uses, so that "under k" means the same everywhere.

    Example:
        >>> group_shown(4, 5), group_shown(5, 5)
        (False, True)
    """
    _check_k(k)
    return count >= k


@dataclass(frozen=True)
class SuppressionPlan:
    """Which cells of a table, and which totals, may be shown.

    Attributes:
        k: The smallest number of distinct storytellers a shown group may have.
        hidden: All hidden cells, primary and complementary.
        primary: Cells hidden for their own count (``0 < count < k``).
        complementary: Cells hidden so that a primary cell cannot be recovered.
        withheld: Partitions (as sets of cells) whose total must not be shown even though the
            count rule alone would allow it (step 3 of the module rule).
        counts: The counts the plan was made from.
    """

    k: int
    hidden: frozenset[Hashable]
    primary: frozenset[Hashable]
    complementary: frozenset[Hashable]
    withheld: frozenset[frozenset[Hashable]] = frozenset()
    counts: Mapping[Hashable, int] = field(default_factory=dict, repr=False, compare=False)

    def _known(self, cell: Hashable) -> None:
        if cell not in self.counts:
            raise ValueError(f"cell {cell!r} is not in the plan")

    def shown(self, cell: Hashable) -> bool:
        """Whether ``cell`` may be shown (an empty cell is shown: it reveals nobody)."""
        self._known(cell)
        return cell not in self.hidden

    def total_shown(self, partition: Iterable[Hashable]) -> bool:
        """Whether the total over ``partition`` may be shown (it is then 0 or at least ``k``)."""
        cells = frozenset(partition)
        for cell in cells:
            self._known(cell)
        hidden = [self.counts[c] for c in cells if c in self.hidden]
        safe = not hidden or (len(hidden) >= 2 and sum(hidden) >= self.k)
        return safe and cells not in self.withheld


def _order(cell: Hashable, counts: Mapping[Hashable, int]) -> tuple[int, str]:
    return counts[cell], repr(cell)


def _partner(parts: Iterable[Sequence[Hashable]], counts: Mapping, hidden: set) -> Hashable | None:
    """The smallest shown non-empty cell in ``parts``, or None when there is none."""
    free = {c for part in parts for c in part if c not in hidden and counts[c] > 0}
    return min(free, key=lambda c: _order(c, counts)) if free else None


def _cascade(parts: Sequence[tuple], counts: Mapping, k: int, hidden: set) -> None:
    changed = True
    while changed:
        changed = False
        for part in parts:
            in_part = [counts[c] for c in part if c in hidden]
            if in_part and (len(in_part) == 1 or sum(in_part) < k):
                partner = _partner([part], counts, hidden)
                if partner is not None:
                    hidden.add(partner)
                    changed = True


def _recoverable(plan: SuppressionPlan, parts: Sequence[tuple]) -> list[Hashable]:
    """Hidden cells whose exact value follows from shown cells and shown totals."""
    cells = sorted(plan.hidden, key=repr)
    rows = [p for p in parts if plan.total_shown(p) and any(c in plan.hidden for c in p)]
    if not rows:
        return []
    column = {c: j for j, c in enumerate(cells)}
    equations = np.zeros((len(rows), len(cells)))
    for i, part in enumerate(rows):
        for c in part:
            if c in column:
                equations[i, column[c]] = 1.0
    _, singular, vt = np.linalg.svd(equations)
    null_space = vt[int(np.sum(singular > 1e-9)) :]
    # A cell is determined iff every solution of the homogeneous system leaves it unchanged.
    return [c for c in cells if np.all(np.abs(null_space[:, column[c]]) < 1e-9)]


def plan_suppression(
    counts: Mapping[Hashable, int],
    k: int = 5,
    partitions: Iterable[Sequence[Hashable]] = (),
) -> SuppressionPlan:
    """Decide which cells and totals of a table of storyteller counts may be shown.

    Args:
        counts: Distinct storytellers per cell; a cell is any hashable, e.g. ``(place, round)``.
        k: The smallest group that may be shown (at least 1).
        partitions: Groups of cells whose totals may be shown; a cell may be in several
            (rows and columns of a 2-D table). See the module docstring for the rule.

    Returns:
        The plan: hidden cells (primary and complementary) and withheld totals.

    Raises:
        ValueError: If ``k`` is below 1, a count is negative, or a partition names an unknown
            cell or one cell twice.

    Example:
        >>> counts = {"a": 3, "b": 10, "c": 12}
        >>> sorted(plan_suppression(counts, 5, [["a", "b", "c"]]).hidden)
        ['a', 'b']
    """
    _check_k(k)
    frozen = MappingProxyType(dict(counts))
    for cell, count in frozen.items():
        if count < 0:
            raise ValueError(f"count of cell {cell!r} is negative: {count}")
    parts = [tuple(p) for p in partitions]
    for i, part in enumerate(parts):
        for cell in part:
            if cell not in frozen:
                raise ValueError(f"partition {i} names unknown cell {cell!r}")
        if len(set(part)) != len(part):
            raise ValueError(f"partition {i} names a cell twice")
    primary = frozenset(c for c, n in frozen.items() if 0 < n < k)
    hidden, withheld = set(primary), set()
    while True:
        _cascade(parts, frozen, k, hidden)
        plan = SuppressionPlan(
            k=k,
            hidden=frozenset(hidden),
            primary=primary,
            complementary=frozenset(hidden - primary),
            withheld=frozenset(withheld),
            counts=frozen,
        )
        recoverable = _recoverable(plan, parts)
        if not recoverable:
            return plan
        cell = recoverable[0]
        own = [p for p in parts if cell in p]
        partner = _partner(own, frozen, hidden)
        if partner is not None:
            hidden.add(partner)
        else:  # the cell is in a shown total, else it could not be recovered
            withheld.add(next(frozenset(p) for p in own if plan.total_shown(p)))
