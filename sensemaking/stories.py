"""Reading stored stories back: filters, typed views, and exports that ``ingest`` reads again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, or_, select
from sqlalchemy.orm import aliased

from sensemaking.framework import Framework
from sensemaking.store.models import (
    ChoiceAnswer,
    DyadAnswer,
    Place,
    Round,
    Story,
    Storyteller,
    TextAnswer,
    TriadAnswer,
)

__all__ = ["StoryFilter", "StoryView", "export_stories", "iter_stories"]

PAGE = 1000


@dataclass(frozen=True)
class StoryFilter:
    """Which stories: a place (with every place below it), a round, a storyteller (by the
    stored pseudonym), or one story id."""

    place: str | None = None
    round: str | None = None
    story_id: int | None = None
    pseudonym: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.place is not None:
            place = "/".join(p.strip() for p in self.place.split("/"))
            below = aliased(Place)
            query = query.where(
                Story.place_id.in_(
                    select(below.id).where(
                        or_(
                            below.path == place, below.path.startswith(place + "/", autoescape=True)
                        )
                    )
                )
            )
        if self.round is not None:
            query = query.where(
                Story.round_id.in_(select(Round.id).where(Round.name == self.round.strip()))
            )
        if self.story_id is not None:
            query = query.where(Story.id == self.story_id)
        if self.pseudonym is not None:
            query = query.where(Story.storyteller_id.in_(
                select(Storyteller.id).where(Storyteller.pseudonym == self.pseudonym)
            ))  # fmt: skip
        return query


@dataclass
class StoryView:
    """A stored story with its answers."""

    id: int
    source_id: str | None
    text: str
    title: str | None
    language: str | None
    told_on: dt.date | None
    place: str | None
    round: str | None
    storyteller: str | None
    #: ``quote``, ``count`` or ``None`` (the file did not say), see the ``consent`` column.
    sharing: str | None = None
    triads: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)
    dyads: dict[str, float | None] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def as_row(self, framework: Framework) -> dict[str, Any]:
        """The story as an input row named after the framework (what ``ingest`` reads)."""
        row: dict[str, Any] = {
            "id": self.source_id,
            "text": self.text,
            "title": self.title,
            "place": self.place,
            "round": self.round,
            "date": self.told_on.isoformat() if self.told_on else None,
            "storyteller": self.storyteller,
            "consent": self.sharing,
            "language": self.language,
        }
        for s in framework.signifiers:
            if s.type == "triad":
                comp = self.triads.get(s.id)
                na = "N/A" if s.id in self.triads and comp is None else None
                for i, column in enumerate(s.columns()):
                    row[column] = comp[i] if comp is not None else na
            elif s.type == "dyad":
                row[s.id] = (
                    "N/A"
                    if s.id in self.dyads and self.dyads[s.id] is None
                    else self.dyads.get(s.id)
                )
            elif s.type == "choice":
                chosen = self.choices.get(s.id)
                row[s.id] = (chosen if s.multiple else chosen[0]) if chosen else None
            else:
                row[s.id] = self.texts.get(s.id)
        return row


def iter_stories(
    engine: Engine, framework: Framework, where: StoryFilter, *, limit: int | None = None
) -> Iterator[StoryView]:
    """Stories in id order, a page at a time so memory stays flat on large projects."""
    last_id = 0
    produced = 0
    while limit is None or produced < limit:
        page = PAGE if limit is None else min(PAGE, limit - produced)
        query = where.apply(
            select(
                Story.id,
                Story.source_id,
                Story.text,
                Story.title,
                Story.language,
                Story.told_on,
                Place.path,
                Round.name,
                Storyteller.pseudonym,
                Story.sharing,
            )
            .outerjoin(Place, Story.place_id == Place.id)
            .outerjoin(Round, Story.round_id == Round.id)
            .outerjoin(Storyteller, Story.storyteller_id == Storyteller.id)
            .where(Story.id > last_id)
            .order_by(Story.id)
            .limit(page)
        )
        with engine.connect() as conn:
            views = {row[0]: StoryView(*row) for row in conn.execute(query)}
            if not views:
                return
            _attach_answers(conn, views)
        yield from views.values()
        produced += len(views)
        last_id = max(views)


def _attach_answers(conn: Any, views: dict[int, StoryView]) -> None:
    ids = list(views)
    for sid, tid, a, b, c in conn.execute(
        select(
            TriadAnswer.story_id,
            TriadAnswer.signifier_id,
            TriadAnswer.a,
            TriadAnswer.b,
            TriadAnswer.c,
        ).where(TriadAnswer.story_id.in_(ids))
    ):
        views[sid].triads[tid] = None if a is None else (a, b, c)
    for sid, did, value in conn.execute(
        select(DyadAnswer.story_id, DyadAnswer.signifier_id, DyadAnswer.value).where(
            DyadAnswer.story_id.in_(ids)
        )
    ):
        views[sid].dyads[did] = value
    for sid, cid, oid in conn.execute(
        select(ChoiceAnswer.story_id, ChoiceAnswer.signifier_id, ChoiceAnswer.option_id).where(
            ChoiceAnswer.story_id.in_(ids)
        )
    ):
        views[sid].choices.setdefault(cid, []).append(oid)
    for sid, xid, text in conn.execute(
        select(TextAnswer.story_id, TextAnswer.signifier_id, TextAnswer.text).where(
            TextAnswer.story_id.in_(ids)
        )
    ):
        views[sid].texts[xid] = text
    # A stable order keeps exports the same from one run to the next.
    for view in views.values():
        for chosen in view.choices.values():
            chosen.sort()


def export_stories(
    engine: Engine, framework: Framework, path: Path, where: StoryFilter, format: str | None = None
) -> int:
    """Write the stories to ``path`` (CSV, XLSX or JSONL, from the name or ``format``)."""
    from sensemaking.ingest.writers import write_table

    rows = (view.as_row(framework) for view in iter_stories(engine, framework, where))
    return write_table(path, framework.columns(), rows, format)
