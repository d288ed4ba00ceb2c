"""Cross views: one signifier's items against another's, e.g. themes × triad zones.

"Which themes dominate which corner?" and "how does each age band place its dots?" are the
same table: rows are one signifier's items (themes, the options of ``alder``), columns
another's (a triad's zones, a dyad's bands), and each cell holds the stories that have
both. For each row the view gives the share of its stories in each column and the *lift*:
that share divided by the column's share over all rows (above 1: the row leans to that
column). Cells with fewer than ``min_group`` storytellers are hidden, with complementary
partners along rows and columns (:func:`~sensemaking.patterns.suppression.plan_suppression`),
and a row whose stories come from fewer than ``min_group`` storytellers shows no shares.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sensemaking.patterns.data import AnswerTable
from sensemaking.patterns.items import ItemSpace
from sensemaking.patterns.suppression import group_shown, plan_suppression

__all__ = ["CrossView", "cross_view"]


@dataclass(frozen=True)
class CrossView:
    """Rows (one signifier's items) × columns (another's); NaN where hidden.

    Attributes:
        row_signifier: the rows' signifier.
        rows: the row items.
        column_signifier: the columns' signifier.
        columns: the column items.
        counts: ``(r, c)`` stories with both items.
        shares: ``(r, c)`` a row's stories in each column (each shown row sums to 1 for
            single-answer columns such as zones and bands).
        lift: ``(r, c)`` ``shares`` over the column's share of all stories in the view.
        hidden: ``(r, c)`` cells not shown.
    """

    row_signifier: str
    rows: tuple[str, ...]
    column_signifier: str
    columns: tuple[str, ...]
    counts: np.ndarray
    shares: np.ndarray
    lift: np.ndarray
    hidden: np.ndarray

    def to_frame(self) -> Any:
        """One row per cell: ``row, column, count, share, lift`` (pandas; NaN where hidden)."""
        import pandas as pd

        r, c = np.indices(self.counts.shape)
        return pd.DataFrame({
            "row": np.array(self.rows, dtype=object)[r.ravel()],
            "column": np.array(self.columns, dtype=object)[c.ravel()],
            "count": self.counts.ravel(), "share": self.shares.ravel(),
            "lift": self.lift.ravel(),
        })  # fmt: skip


def cross_view(
    table: AnswerTable,
    space: ItemSpace,
    row_signifier: str,
    column_signifier: str,
    mask: np.ndarray | None = None,
    *,
    min_group: int = 5,
) -> CrossView:
    """Cross one signifier's items with another's over the stories in ``mask``.

    Raises:
        KeyError: an unknown signifier.
        ValueError: the same signifier twice.
    """
    if row_signifier == column_signifier:
        raise ValueError("a cross view needs two different signifiers")
    rows, columns = space.block(row_signifier), space.block(column_signifier)
    stories = np.ones(len(table), dtype=bool) if mask is None else mask
    stories = stories & rows.answered & columns.answered
    r, c = len(rows.items), len(columns.items)
    tellers: dict[Hashable, int] = {}
    counts = np.zeros((r, c))
    for i in range(r):
        in_row = stories & rows.matrix[:, i]
        for j in range(c):
            cell = in_row & columns.matrix[:, j]
            counts[i, j] = cell.sum()
            tellers[(i, j)] = table.storytellers(cell)
    partitions = [[(i, j) for j in range(c)] for i in range(r)]
    partitions += [[(i, j) for i in range(r)] for j in range(c)]
    plan = plan_suppression(tellers, min_group, partitions)
    hidden = np.array([[not plan.shown((i, j)) for j in range(c)] for i in range(r)], dtype=bool)
    row_totals = np.array([(stories & rows.matrix[:, i]).sum() for i in range(r)], dtype=float)
    row_shown = np.array(
        [group_shown(table.storytellers(stories & rows.matrix[:, i]), min_group) for i in range(r)]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / row_totals[:, None]
        overall = counts.sum(axis=0) / max(stories.sum(), 1)
        lift = shares / overall[None, :]
    hide = hidden | ~row_shown[:, None]
    return CrossView(
        row_signifier, rows.items, column_signifier, columns.items,
        np.where(hide, np.nan, counts), np.where(hide, np.nan, shares),
        np.where(hide, np.nan, lift), hide,
    )  # fmt: skip
