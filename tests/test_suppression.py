"""Small-group suppression: no group under k is shown or recoverable from shown totals."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensemaking.patterns.suppression import SuppressionPlan, group_shown, plan_suppression

Cell = tuple[int, int]


def table(rows: Sequence[Sequence[int]]) -> tuple[dict[Cell, int], list[list[Cell]]]:
    """Counts of a places × rounds table and its partitions: every row, then every column."""
    counts = {(r, c): n for r, row in enumerate(rows) for c, n in enumerate(row)}
    n_rows, n_cols = len(rows), len(rows[0])
    by_row = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    by_col = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    return counts, by_row + by_col


def recoverable(plan: SuppressionPlan, partitions: Sequence[Sequence[Hashable]]) -> set:
    """Hidden cells whose exact value follows from shown cells and shown totals.

    Independent of the module's audit: a cell is determined iff adding its unit vector to the
    equations of the shown totals does not raise their rank.
    """
    cells = sorted(plan.hidden, key=repr)
    shown_totals = [p for p in partitions if plan.total_shown(p)]
    if not cells or not shown_totals:
        return set()
    equations = np.array([[float(c in p) for c in cells] for p in shown_totals])
    rank = np.linalg.matrix_rank(equations)
    return {
        cell
        for j, cell in enumerate(cells)
        if np.linalg.matrix_rank(np.vstack([equations, np.eye(len(cells))[j]])) == rank
    }


def assert_protected(plan: SuppressionPlan, counts: dict, partitions: list) -> None:
    for cell, n in counts.items():
        assert not (plan.shown(cell) and 0 < n < plan.k), cell
    for part in partitions:
        hidden = [counts[c] for c in part if c in plan.hidden]
        safe = not hidden or (len(hidden) >= 2 and sum(hidden) >= plan.k)
        assert safe or not plan.total_shown(part), part
        if plan.total_shown(part):
            total = sum(counts[c] for c in part)
            assert total == 0 or total >= plan.k, part
    assert recoverable(plan, partitions) == set()


def test_under_k_hidden_at_k_shown_empty_shown() -> None:
    plan = plan_suppression({"small": 4, "enough": 5, "empty": 0}, k=5)
    assert not plan.shown("small")
    assert plan.shown("enough")
    assert plan.shown("empty")
    assert plan.primary == {"small"}
    assert plan.complementary == frozenset()


def test_default_k_is_five() -> None:
    plan = plan_suppression({"four": 4, "five": 5})
    assert plan.k == 5
    assert plan.hidden == {"four"}


def test_one_hidden_cell_gets_the_smallest_non_empty_partner() -> None:
    counts = {"a": 3, "empty": 0, "b": 10, "c": 12, "d": 40}
    row = list(counts)
    plan = plan_suppression(counts, 5, [row])
    assert plan.primary == {"a"}
    assert plan.complementary == {"b"}  # not the empty cell: hiding a 0 protects nothing
    assert plan.shown("empty")
    # A reader of the shown total learns only a + b, which is at least k.
    total = sum(counts.values())
    learned = total - sum(n for cell, n in counts.items() if plan.shown(cell))
    assert learned == 13 >= plan.k
    assert plan.total_shown(row)


def test_ties_broken_deterministically() -> None:
    counts = {"a": 2, "y": 9, "x": 9}
    plans = {plan_suppression(dict(order), 5, [list(counts)]).hidden for order in
             (counts.items(), reversed(list(counts.items())))}  # fmt: skip
    assert plans == {frozenset({"a", "x"})}


def test_two_hidden_summing_under_k_get_a_partner() -> None:
    counts = {"a": 1, "b": 2, "c": 8, "d": 20}
    plan = plan_suppression(counts, 5, [list(counts)])
    assert plan.hidden == {"a", "b", "c"}


def test_places_by_rounds_cascade_covers_rows_and_columns() -> None:
    counts, partitions = table(
        [
            [12, 3, 25, 9],
            [30, 14, 0, 7],
            [8, 22, 17, 2],
            [15, 11, 6, 19],
        ]
    )
    plan = plan_suppression(counts, 5, partitions)
    assert plan.primary == {(0, 1), (2, 3)}
    for part in partitions:
        hidden = [counts[c] for c in part if c in plan.hidden]
        assert not hidden or (len(hidden) >= 2 and sum(hidden) >= 5), part
        assert plan.total_shown(part)
    assert_protected(plan, counts, partitions)


def test_cell_recoverable_from_several_totals_gets_protected() -> None:
    # Rows and columns alone would each look safe, yet column 0 + column 1 minus rows 1, 2
    # and 4 would give the 2 in row 3 exactly; the audit must close that.
    counts, partitions = table([[13, 0], [6, 12], [3, 28], [2, 0], [22, 7]])
    plan = plan_suppression(counts, 8, partitions)
    assert not plan.shown((3, 0))
    assert_protected(plan, counts, partitions)


def test_total_withheld_when_no_partner_is_left() -> None:
    counts, partitions = table([[1, 0, 1], [20, 1, 20]])
    plan = plan_suppression(counts, 2, partitions)
    assert plan.hidden == {(0, 0), (0, 2), (1, 0), (1, 1), (1, 2)}
    column_1 = partitions[3]
    assert not plan.total_shown(column_1)  # its only hidden cell would be its total
    assert plan.withheld  # row 1 - columns 0 and 2 + row 0 would give the 1 in column 1
    assert_protected(plan, counts, partitions)


def test_lone_small_cell_makes_its_total_unshowable() -> None:
    counts = {"a": 3, "b": 0}
    plan = plan_suppression(counts, 5, [["a", "b"]])
    assert not plan.total_shown(["a", "b"])


def test_group_shown_is_at_least_k() -> None:
    assert not group_shown(4, 5)
    assert group_shown(5, 5)
    assert not group_shown(0, 1)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(2, 6).flatmap(
        lambda n_rows: st.integers(1, 5).flatmap(
            lambda n_cols: st.lists(
                st.lists(st.integers(0, 30), min_size=n_cols, max_size=n_cols),
                min_size=n_rows,
                max_size=n_rows,
            )
        )
    ),
    st.integers(2, 10),
)
def test_random_tables_are_protected(rows: list[list[int]], k: int) -> None:
    counts, partitions = table(rows)
    assert_protected(plan_suppression(counts, k, partitions), counts, partitions)


@pytest.mark.parametrize("k", [0, -1, True, 2.5])
def test_bad_k_rejected(k: object) -> None:
    with pytest.raises(ValueError, match="k must be"):
        plan_suppression({"a": 1}, k)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be"):
        group_shown(3, k)  # type: ignore[arg-type]


def test_negative_count_rejected_naming_the_cell() -> None:
    with pytest.raises(ValueError, match=r"\('lund', 2\)"):
        plan_suppression({("lund", 2): -1}, 5)


def test_partition_with_unknown_cell_rejected() -> None:
    with pytest.raises(ValueError, match="unknown cell 'nowhere'"):
        plan_suppression({"a": 1}, 5, [["a", "nowhere"]])


def test_partition_naming_a_cell_twice_rejected() -> None:
    with pytest.raises(ValueError, match="twice"):
        plan_suppression({"a": 1, "b": 9}, 5, [["a", "b", "a"]])


def test_unknown_cell_cannot_be_judged() -> None:
    plan = plan_suppression({"a": 9}, 5)
    with pytest.raises(ValueError, match="not in the plan"):
        plan.shown("b")
    with pytest.raises(ValueError, match="not in the plan"):
        plan.total_shown(["a", "b"])
