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
from sqlalchemy import Engine, select

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
        if len(self) == 0:
            return []
        names, first = np.unique(self.round.astype(str), return_index=True)
        return [str(names[k]) for k in np.argsort(first) if names[k]]

    def resolve_place(self, place: str) -> list[str]:
        """The stored place paths that ``place`` names.

        A place is named by its full path (``Örebro län/Ljusnarsberg``) or by its last parts
        (``Ljusnarsberg``, ``Ljusnarsberg/Kopparbergs skola``), in any letter case. Several
        paths come back when a short name is ambiguous (two schools of the same name).
        """
        wanted = [p.strip().casefold() for p in place.split("/") if p.strip()]
        found = set()
        for path in {p for p in self.place if p}:
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

    def in_round(self, name: str) -> np.ndarray:
        """Stories of the round ``name``."""
        return self.round == name.strip()

    def storytellers(self, mask: np.ndarray) -> int:
        """Distinct storytellers behind the stories in ``mask``."""
        return len(np.unique(self.storyteller[mask]))


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
        index = {int(s): i for i, s in enumerate(ids)}
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
        for sig in framework.of_type("triad"):
            values = np.full((n, 3), np.nan)
            na = np.zeros(n, dtype=bool)
            query = select(TriadAnswer.story_id, TriadAnswer.a, TriadAnswer.b, TriadAnswer.c)
            for story, a, b, c in conn.execute(query.where(TriadAnswer.signifier_id == sig.id)):
                if a is None:
                    na[index[story]] = True
                else:
                    values[index[story]] = (a, b, c)
            table.triads[sig.id], table.triad_na[sig.id] = values, na
        for sig in framework.of_type("dyad"):
            values = np.full(n, np.nan)
            na = np.zeros(n, dtype=bool)
            query = select(DyadAnswer.story_id, DyadAnswer.value)
            for story, value in conn.execute(query.where(DyadAnswer.signifier_id == sig.id)):
                if value is None:
                    na[index[story]] = True
                else:
                    values[index[story]] = value
            table.dyads[sig.id], table.dyad_na[sig.id] = values, na
        for sig in framework.of_type("choice"):
            position = {o.id: k for k, o in enumerate(sig.options)}
            marks = np.zeros((n, len(sig.options)), dtype=bool)
            query = select(ChoiceAnswer.story_id, ChoiceAnswer.option_id)
            for story, option in conn.execute(query.where(ChoiceAnswer.signifier_id == sig.id)):
                if option in position:
                    marks[index[story], position[option]] = True
            table.choices[sig.id] = marks
        run_id = current_run_id(engine)
        if run_id is not None:
            table.theme_run = run_id
            themes = conn.execute(
                select(Theme.id, Theme.key, Theme.label)
                .where(Theme.run_id == run_id)
                .order_by(Theme.size.desc(), Theme.key)
            ).all()
            keys = {t[0]: t[1] for t in themes}
            table.theme_labels = {t[1]: t[2] for t in themes}
            query = select(ThemeAssignment.story_id, ThemeAssignment.theme_id)
            for story, theme in conn.execute(query.where(ThemeAssignment.run_id == run_id)):
                if story in index:
                    table.theme[index[story]] = keys.get(theme, OTHER) if theme else OTHER
    return table
