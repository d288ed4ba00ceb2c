"""Every story's answers as numpy arrays, read from the store in one pass.

Pattern work is arithmetic on whole columns: which stories are in a group is a boolean mask,
and a group's triad answers are a slice of an ``(n, 3)`` array. :func:`load_answers` reads
the stories, their places, rounds and storytellers, every answer and the newest theme run's
assignments into an :class:`AnswerTable`; everything after that needs no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sqlalchemy import Connection, Engine, Select, select

from sensemaking.framework import Framework
from sensemaking.store.models import (
    ChoiceAnswer,
    DyadAnswer,
    Place,
    Round,
    Story,
    Theme,
    ThemeAssignment,
    TriadAnswer,
)
from sensemaking.themes import OTHER, current_run_id

__all__ = ["AnswerTable", "load_answers"]


@dataclass
class AnswerTable:
    """All stories of a project, one row each, with their answers.

    Attributes:
        story_id: ``(n,)`` story ids.
        place: ``(n,)`` place paths (``"Region/Kommun/Skola"``; ``""`` for none).
        round: ``(n,)`` round names (``""`` for none).
        storyteller: ``(n,)`` storyteller ids; a story without one gets its own negative id,
            so that it counts as one storyteller.
        triads: per triad, ``(n, 3)`` compositions; NaN rows for N/A or no answer.
        triad_na: per triad, ``(n,)`` True where the storyteller answered N/A.
        dyads: per dyad, ``(n,)`` values in [0, 1]; NaN for N/A or no answer.
        dyad_na: per dyad, ``(n,)`` True where the answer was N/A.
        choices: per choice question, ``(n, options)`` booleans (several per row if multiple).
        theme: ``(n,)`` theme keys of the newest theme run, ``"other"`` for stories left in no
            theme, ``""`` for stories the run did not include (or when there is no run).
        theme_labels: theme key to label, in the run's order (largest first).
        theme_run: the run's id, or ``None``.
        sharing: ``(n,)`` each storyteller's consent: ``"quote"``, ``"count"``, or ``""``
            where the file did not say (empty when not loaded).

    The arrays are read-only once the table is built: the distinct places, rounds and
    storytellers are indexed on first use, so that a group at a million stories is a few
    integer comparisons rather than a pass over a million strings.
    """

    story_id: np.ndarray
    place: np.ndarray
    round: np.ndarray
    storyteller: np.ndarray
    triads: dict[str, np.ndarray] = field(default_factory=dict)
    triad_na: dict[str, np.ndarray] = field(default_factory=dict)
    dyads: dict[str, np.ndarray] = field(default_factory=dict)
    dyad_na: dict[str, np.ndarray] = field(default_factory=dict)
    choices: dict[str, np.ndarray] = field(default_factory=dict)
    theme: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    theme_labels: dict[str, str] = field(default_factory=dict)
    theme_run: int | None = None
    sharing: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    def __len__(self) -> int:
        return len(self.story_id)

    def places(self) -> list[str]:
        """The distinct place paths that have stories, sorted."""
        return [str(p) for p in self._place_index[0] if p]

    def rounds(self) -> list[str]:
        """The distinct rounds that have stories, in the order they were told."""
        codes, _ = self._round_index
        return [name for name in codes if name]

    def resolve_place(self, place: str) -> list[str]:
        """The stored place paths that ``place`` names.

        A place is named by its full path (``Örebro län/Ljusnarsberg``) or by its last parts
        (``Ljusnarsberg``, ``Ljusnarsberg/Kopparbergs skola``), in any letter case. Several
        paths come back when a short name is ambiguous (two schools of the same name).
        """
        wanted = [p.strip().casefold() for p in place.split("/") if p.strip()]
        found = set()
        for path in self.places():
            parts = path.split("/")
            folded = [p.casefold() for p in parts]
            for end in range(len(wanted), len(parts) + 1):
                if folded[end - len(wanted) : end] == wanted:
                    found.add("/".join(parts[:end]))
        # a name matching both a place and a place below it (Ånge/Ånge) means the upper one
        return sorted(p for p in found if not any(p.startswith(q + "/") for q in found))

    def in_place(self, place: str) -> np.ndarray:
        """Stories told at ``place`` (see :meth:`resolve_place`) or anywhere below it."""
        paths = self.resolve_place(place)
        # decide once per distinct place, then spread to the stories
        distinct, index = self._place_index
        inside = np.array(
            [any(p == q or p.startswith(q + "/") for q in paths) for p in distinct], dtype=bool
        )
        return inside[index] if len(distinct) else np.zeros(len(self), dtype=bool)

    @cached_property
    def _place_index(self) -> tuple[np.ndarray, np.ndarray]:
        distinct, index = np.unique(self.place.astype(str), return_inverse=True)
        return distinct, index.reshape(-1)

    @cached_property
    def _round_index(self) -> tuple[dict[str, int], np.ndarray]:
        """Round name to code (in the order the rounds were told), and each story's code."""
        distinct, first, index = np.unique(
            self.round.astype(str), return_index=True, return_inverse=True
        )
        order = np.argsort(first)
        codes = {str(distinct[k]): k for k in order}
        return codes, index.reshape(-1)

    def in_round(self, name: str) -> np.ndarray:
        """Stories of the round ``name``."""
        codes, index = self._round_index
        code = codes.get(name.strip())
        return index == code if code is not None else np.zeros(len(self), dtype=bool)

    @cached_property
    def _tellers(self) -> tuple[np.ndarray, np.ndarray]:
        """Each story's storyteller as 0..m-1, and whether it is its storyteller's only one."""
        _, codes, counts = np.unique(self.storyteller, return_inverse=True, return_counts=True)
        codes = codes.reshape(-1)
        return codes, counts[codes] == 1

    def storytellers(self, mask: np.ndarray) -> int:
        """Distinct storytellers behind the stories in ``mask``."""
        codes, alone = self._tellers
        # Storytellers of one story count once each; only the others need a distinct count.
        shared = mask & ~alone
        return int(np.count_nonzero(mask & alone)) + len(np.unique(codes[shared]))


def _columns(conn: Connection, query: Select, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``query`` (a story id, then numbers) as the stories' rows in ``ids`` (sorted)
    and a float array of the other columns, NULL as NaN: one conversion, not a row at a time.
    """
    width = len(query.selected_columns)
    values = np.array([tuple(row) for row in conn.execute(query)], dtype=float)
    values = values.reshape(-1, width)
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64), values[:0, 1:]
    rows, known = _lookup(ids, values[:, 0])
    return rows[known], values[known, 1:]


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of ``wanted`` is in the sorted ``keys``, and whether it is there at all."""
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return at, keys[at] == wanted


def load_answers(engine: Engine, framework: Framework) -> AnswerTable:
    """Read every story's answers (and the newest theme run) into an :class:`AnswerTable`."""
    with engine.connect() as conn:
        places = dict(conn.execute(select(Place.id, Place.path)).all())
        rounds = dict(conn.execute(select(Round.id, Round.name)).all())
        rows = conn.execute(
            select(
                Story.id, Story.place_id, Story.round_id, Story.storyteller_id, Story.sharing
            ).order_by(Story.id)
        ).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        n = len(ids)
        table = AnswerTable(
            story_id=ids,
            place=np.array([places.get(r[1], "") if r[1] else "" for r in rows], dtype=object),
            round=np.array([rounds.get(r[2], "") if r[2] else "" for r in rows], dtype=object),
            storyteller=np.array(
                [r[3] if r[3] is not None else -r[0] for r in rows], dtype=np.int64
            ),
            theme=np.full(n, "", dtype=object),
            sharing=np.array([r[4] or "" for r in rows], dtype=object),
        )
        # A stored answer with no value is an N/A.
        for sig in framework.of_type("triad"):
            values = np.full((n, 3), np.nan)
            na = np.zeros(n, dtype=bool)
            rows, found = _columns(conn, select(
                TriadAnswer.story_id, TriadAnswer.a, TriadAnswer.b, TriadAnswer.c
            ).where(TriadAnswer.signifier_id == sig.id), ids)  # fmt: skip
            values[rows] = found
            na[rows] = np.isnan(found[:, 0])
            table.triads[sig.id], table.triad_na[sig.id] = values, na
        for sig in framework.of_type("dyad"):
            values = np.full(n, np.nan)
            na = np.zeros(n, dtype=bool)
            rows, found = _columns(conn, select(DyadAnswer.story_id, DyadAnswer.value).where(
                DyadAnswer.signifier_id == sig.id
            ), ids)  # fmt: skip
            values[rows] = found[:, 0]
            na[rows] = np.isnan(found[:, 0])
            table.dyads[sig.id], table.dyad_na[sig.id] = values, na
        for sig in framework.of_type("choice"):
            marks = np.zeros((n, len(sig.options)), dtype=bool)
            for k, option in enumerate(sig.options):
                rows, _ = _columns(conn, select(ChoiceAnswer.story_id).where(
                    ChoiceAnswer.signifier_id == sig.id, ChoiceAnswer.option_id == option.id
                ), ids)  # fmt: skip
                marks[rows, k] = True
            table.choices[sig.id] = marks
        run_id = current_run_id(engine)
        if run_id is not None:
            table.theme_run = run_id
            themes = conn.execute(
                select(Theme.id, Theme.key, Theme.label)
                .where(Theme.run_id == run_id)
                .order_by(Theme.size.desc(), Theme.key)
            ).all()
            table.theme_labels = {t[1]: t[2] for t in themes}
            # Per theme (and for "other") the stories assigned to it: NULL is "other".
            rows, found = _columns(conn, select(
                ThemeAssignment.story_id, ThemeAssignment.theme_id
            ).where(ThemeAssignment.run_id == run_id), ids)  # fmt: skip
            if themes:
                order = sorted(range(len(themes)), key=lambda k: themes[k][0])
                at, known = _lookup(np.array([themes[k][0] for k in order]), found[:, 0])
                keys = np.array([themes[k][1] for k in order], dtype=object)
                table.theme[rows] = np.where(known, keys[at], OTHER)
            else:
                table.theme[rows] = OTHER
    return table
