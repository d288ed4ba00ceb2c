"""Erasure: a storyteller's (or one story's) data removed with everything derived from it.

:func:`erase_stories` deletes, in one transaction, the stories with their answers, sealed
raw texts and theme assignments (the foreign keys cascade), the storytellers left with no
story, and the embeddings of texts no remaining story has. Theme runs that held the
stories are corrected and marked stale: each theme's size and share are counted again
without them, its centroid is recomputed from the remaining members' vectors, the stories
are dropped from its representatives, and a theme left empty is removed. The next
``sensemaking run`` themes the remaining stories afresh (the run no longer matches them).

Then :func:`compact` makes sure no copy of the text is left in the database files: SQLite
runs with ``secure_delete`` (freed pages are overwritten with zeros), the write-ahead log is
checkpointed and truncated, the file is vacuumed, and the log truncated again. PostgreSQL
keeps dead rows until a ``VACUUM FULL`` rewrites the tables; that step is the operator's
(see ``docs/privacy.md``), since it locks the tables.

An entry in the audit log records that an erasure happened, why, and how much it removed,
never whose stories or what they said.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, exists, func, insert, select, update

from sensemaking.store.models import (
    AuditEntry,
    Embedding,
    Story,
    Storyteller,
    Theme,
    ThemeAssignment,
    ThemeRun,
    utcnow,
)

__all__ = ["ErasureReport", "compact", "erase_stories", "older_than"]

_CHUNK = 500


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed (counts only).

    Attributes:
        stories: stories deleted, with their answers and theme assignments.
        storytellers: storytellers deleted (left with no story).
        embeddings: vectors deleted (of texts no remaining story has).
        theme_runs: the theme runs corrected and marked stale.
        compacted: the database files were rewritten so no copy is left (SQLite); ``False``
            on PostgreSQL, where ``VACUUM FULL`` is the operator's step.
        input_files: files the worker ingested from the inbox and keeps in ``inbox/done`` or
            ``inbox/failed``: the erased stories may still be in them, as they were read.
    """

    stories: int
    storytellers: int
    embeddings: int
    theme_runs: list[int] = field(default_factory=list)
    compacted: bool = False
    input_files: list[str] = field(default_factory=list)


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def erase_stories(
    engine: Engine, story_ids: Collection[int], *, action: str, detail: dict[str, Any]
) -> ErasureReport:
    """Delete stories and everything derived from them, then compact the database.

    Args:
        engine: the project database.
        story_ids: the stories' ids (unknown ids are ignored).
        action: what the audit log calls it (``forget`` or ``retention``).
        detail: what else the audit log records: how the stories were chosen (e.g.
            ``{"by": "storyteller"}``), never an id or text.
    """
    ids = sorted({int(s) for s in story_ids})
    with engine.begin() as conn:
        found: list[tuple[int, str, int | None]] = []
        for chunk in _chunks(ids):
            found.extend((s, h, t) for s, h, t in conn.execute(
                select(Story.id, Story.text_hash, Story.storyteller_id).where(Story.id.in_(chunk))
            ))  # fmt: skip
        ids = [s for s, _, _ in found]
        runs: dict[int, set[int]] = {}  # run id -> ids of its themes that lose members
        for chunk in _chunks(ids):
            for run_id, theme_id in conn.execute(
                select(ThemeAssignment.run_id, ThemeAssignment.theme_id).where(
                    ThemeAssignment.story_id.in_(chunk)
                )
            ):
                runs.setdefault(run_id, set()).update([theme_id] if theme_id else [])
        for chunk in _chunks(ids):
            conn.execute(delete(Story).where(Story.id.in_(chunk)))
        tellers = sorted({t for _, _, t in found if t is not None})
        gone_tellers = 0
        for chunk in _chunks(tellers):
            unused = ~exists().where(Story.storyteller_id == Storyteller.id)
            gone_tellers += conn.execute(
                delete(Storyteller).where(Storyteller.id.in_(chunk), unused)
            ).rowcount  # fmt: skip
        gone_vectors = 0
        for chunk in _chunks({h for _, h, _ in found}):
            unused = ~exists().where(Story.text_hash == Embedding.text_hash)
            gone_vectors += conn.execute(
                delete(Embedding).where(Embedding.text_hash.in_(chunk), unused)
            ).rowcount  # fmt: skip
        for run_id, themes in sorted(runs.items()):
            _correct_run(conn, run_id, themes, set(ids))
        conn.execute(insert(AuditEntry).values(
            at=utcnow(), action=action,
            detail={**detail, "stories": len(ids), "storytellers": gone_tellers,
                    "embeddings": gone_vectors, "theme_runs": sorted(runs)},
        ))  # fmt: skip
    return ErasureReport(len(ids), gone_tellers, gone_vectors, sorted(runs), compact(engine))


def _correct_run(conn: Connection, run_id: int, themes: set[int], erased: set[int]) -> None:
    """Count a run's themes again without the erased stories; recompute their centroids."""
    model_id = conn.execute(select(ThemeRun.model_id).where(ThemeRun.id == run_id)).scalar_one()
    sizes: dict[int | None, int] = {theme: n for theme, n in conn.execute(
        select(ThemeAssignment.theme_id, func.count())
        .where(ThemeAssignment.run_id == run_id).group_by(ThemeAssignment.theme_id)
    )}  # fmt: skip
    total = sum(sizes.values())
    for theme_id, representatives in conn.execute(
        select(Theme.id, Theme.representatives).where(Theme.run_id == run_id)
    ).all():
        size = sizes.get(theme_id, 0)
        if size == 0:
            conn.execute(delete(Theme).where(Theme.id == theme_id))
            continue
        values: dict[str, Any] = {
            "size": size, "share": size / total,
            "representatives": [s for s in representatives or [] if s not in erased],
        }  # fmt: skip
        if theme_id in themes:
            vectors = [np.frombuffer(v, dtype=np.float32) for (v,) in conn.execute(
                select(Embedding.vector)
                .join(Story, Story.text_hash == Embedding.text_hash)
                .join(ThemeAssignment, ThemeAssignment.story_id == Story.id)
                .where(ThemeAssignment.theme_id == theme_id, Embedding.model_id == model_id)
            )]  # fmt: skip
            if vectors:
                centre = np.mean(vectors, axis=0)
                norm = float(np.linalg.norm(centre)) or 1.0
                values["centroid"] = (centre / norm).astype(np.float32).tobytes()
        conn.execute(update(Theme).where(Theme.id == theme_id).values(**values))
    other = sizes.get(None, 0)
    conn.execute(update(ThemeRun).where(ThemeRun.id == run_id).values(
        stale=True, n_stories=total, other_share=other / total if total else None,
        n_themes=sum(1 for t, n in sizes.items() if t is not None and n > 0),
    ))  # fmt: skip


def compact(engine: Engine) -> bool:
    """Leave no copy of deleted rows in the database files; ``True`` if it could (SQLite).

    SQLite: checkpoint and truncate the write-ahead log, ``VACUUM``, truncate again. The
    project's pooled connections are closed first, so nothing holds the log open.
    """
    if engine.dialect.name != "sqlite":
        return False
    engine.dispose()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
    engine.dispose()
    return True


def older_than(engine: Engine, months: int, today: dt.date | None = None) -> list[int]:
    """Ids of stories told (or, without a date, stored) more than ``months`` ago."""
    today = today or dt.date.today()
    month = today.month - 1 - months
    year = today.year + month // 12
    month = month % 12 + 1
    cutoff = dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    told = Story.told_on < cutoff
    stored = Story.told_on.is_(None) & (Story.created_at < dt.datetime.combine(cutoff, dt.time()))
    query = select(Story.id).where(told | stored).order_by(Story.id)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())
