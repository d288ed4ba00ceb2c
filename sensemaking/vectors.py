"""Stored embeddings: one vector per (model, text hash), so nothing is ever embedded twice.

The embedding model in use is recorded in the ``meta`` table as what the project config
asked for (``requested``) and what actually produced the vectors (``key``: the model and
its backend; a model that could not be loaded falls back to the bundled one). A later
``embed`` with the same request and no new texts does not even load the model.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, exists, func, insert, select

from sensemaking.store.engine import GrowthWatch
from sensemaking.store.meta import read_meta, write_meta
from sensemaking.store.models import Embedding, EmbeddingModel, EmbedLease, Story, utcnow

__all__ = [
    "EmbedProgress",
    "EmbedReport",
    "StoryVectors",
    "active_model",
    "any_missing",
    "claim_texts",
    "count_embedded",
    "count_missing",
    "embed_stories",
    "load_vectors",
    "store_vectors",
    "use_model",
]

#: Called with (texts done, texts to do).
EmbedProgress = Callable[[int, int], None]
#: Texts embedded and committed together: work survives a crash chunk by chunk.
CHUNK = 1024
ACTIVE = "embedding_model"


@dataclass(frozen=True)
class EmbedReport:
    """What one ``embed`` did."""

    requested: str
    model: str
    new: int
    embedded: int
    fell_back: bool
    seconds: float


def active_model(engine: Engine) -> tuple[int, str] | None:
    """The (id, key) of the model that embedded the stories last, if any."""
    with engine.connect() as conn:
        state = read_meta(conn, ACTIVE)
        if not state:
            return None
        found = conn.execute(
            select(EmbeddingModel.id).where(EmbeddingModel.key == state["key"])
        ).scalar()
    return None if found is None else (found, state["key"])


def _missing(model_id: int, after: str | None = None) -> Any:
    """Stories whose text has no vector under ``model_id``.

    ``after``: the walk through the texts in hash order is past it, so only vectors above it
    can matter. Saying so bounds the worst plan PostgreSQL may pick (merging with every
    vector of the model, sorted, for each chunk) to the vectors still ahead of the walk.
    """
    has = exists().where(Embedding.model_id == model_id, Embedding.text_hash == Story.text_hash)
    if after is not None:
        has = has.where(Embedding.text_hash > after)
    return ~has


def count_embedded(engine: Engine, model_id: int | None) -> int:
    """How many stories have an embedding under ``model_id``."""
    if model_id is None:
        return 0
    with engine.connect() as conn:
        query = select(func.count(Story.id)).where(~_missing(model_id))
        return int(conn.execute(query).scalar_one())


def _next_texts(
    conn: Connection, model_id: int, after: str, limit: int, *where: Any
) -> list[tuple[str, str]]:
    """The next ``limit`` texts after ``after`` in hash order with no vector under
    ``model_id`` (and meeting ``where``): ``(hash, text)``. Walking the text-hash index from
    the last chunk on, each chunk reads about a chunk's worth of it, not every text embedded
    before it again."""
    return [tuple(row) for row in conn.execute(
        select(Story.text_hash, func.min(Story.text))
        .where(Story.text_hash > after, _missing(model_id, after), *where)
        .group_by(Story.text_hash).order_by(Story.text_hash).limit(limit)
    )]  # fmt: skip


def use_model(engine: Engine, requested: str, embedder: Any) -> int:
    """Record ``embedder`` as the model in use (for the request ``requested``); its id."""
    model_id = _model_row(engine, embedder.key, embedder.name, embedder.dim)
    with engine.begin() as conn:
        if read_meta(conn, ACTIVE) != {"requested": requested, "key": embedder.key}:
            write_meta(conn, ACTIVE, {"requested": requested, "key": embedder.key})
    return model_id


def claim_texts(
    engine: Engine, model_id: int, owner: str, lease_seconds: float, limit: int,
    after: str = "",
) -> list[tuple[str, str]]:  # fmt: skip
    """Lease up to ``limit`` texts that have no vector and no live lease: ``(hash, text)``.

    The lease is an upsert that takes a row only if it is free or its lease ran out, in
    one statement, so two workers claiming at once (on PostgreSQL, or SQLite under
    ``BEGIN IMMEDIATE``) never get the same text; texts that another worker stored while
    this claim was being made are left out.

    ``after`` continues a worker's walk through the texts in hash order from where its last
    claim ended (the texts before it are embedded or leased already), so a claim reads about
    a chunk's worth of the index instead of every embedded text again; when nothing is left
    after it, the walk starts over once, for texts whose leases ran out.
    """
    claimed = _claim(engine, model_id, owner, lease_seconds, limit, after)
    if not claimed and after:
        claimed = _claim(engine, model_id, owner, lease_seconds, limit, "")
    return claimed


def _claim(engine: Engine, model_id: int, owner: str, lease_seconds: float, limit: int,
           after: str) -> list[tuple[str, str]]:  # fmt: skip
    now = utcnow()
    conn_options = {"immediate": True} if engine.dialect.name == "sqlite" else {}
    with engine.connect().execution_options(**conn_options) as conn, conn.begin():
        live = select(EmbedLease.text_hash).where(EmbedLease.until >= now)
        rows = _next_texts(conn, model_id, after, limit, Story.text_hash.not_in(live))
        if not rows:
            return []
        upsert = _dialect_insert(engine)(EmbedLease).values([
            {"text_hash": h, "owner": owner, "until": now + dt.timedelta(seconds=lease_seconds)}
            for h, _ in rows
        ])  # fmt: skip
        upsert = upsert.on_conflict_do_update(
            index_elements=[EmbedLease.text_hash],
            set_={"owner": upsert.excluded.owner, "until": upsert.excluded.until},
            where=EmbedLease.until < now,
        ).returning(EmbedLease.text_hash)
        taken = set(conn.execute(upsert).scalars())
        # Another worker may have stored some of these since the first query looked (its
        # store released the leases and added the vectors in one transaction): leave them.
        stored = set(conn.execute(select(Embedding.text_hash).where(
            Embedding.model_id == model_id, Embedding.text_hash.in_(taken)
        )).scalars())  # fmt: skip
        if stored:
            conn.execute(delete(EmbedLease).where(EmbedLease.owner == owner,
                                                  EmbedLease.text_hash.in_(stored)))  # fmt: skip
    return [(h, text) for h, text in rows if h in taken and h not in stored]


def store_vectors(
    engine: Engine, model_id: int, owner: str, hashes: list[str], vectors: np.ndarray
) -> int:
    """Store the vectors of claimed texts and release their leases; returns how many were new
    (a text someone else stored meanwhile is kept as it was)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with engine.begin() as conn:
        insert_new = _dialect_insert(engine)(Embedding).values([
            {"model_id": model_id, "text_hash": h, "vector": v.tobytes()}
            for h, v in zip(hashes, vectors, strict=True)
        ]).on_conflict_do_nothing()  # fmt: skip
        added = conn.execute(insert_new).rowcount
        conn.execute(delete(EmbedLease).where(EmbedLease.owner == owner,
                                              EmbedLease.text_hash.in_(hashes)))  # fmt: skip
    return int(added)


def _dialect_insert(engine: Engine) -> Any:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def any_missing(engine: Engine, model_id: int) -> bool:
    """Whether any story text has no vector under ``model_id`` (stops at the first)."""
    with engine.connect() as conn:
        return conn.execute(select(Story.id).where(_missing(model_id)).limit(1)).first() is not None


def count_missing(engine: Engine, model_id: int) -> int:
    """How many distinct story texts have no vector under ``model_id``."""
    with engine.connect() as conn:
        query = select(func.count(func.distinct(Story.text_hash))).where(_missing(model_id))
        return int(conn.execute(query).scalar_one())


def _model_row(engine: Engine, key: str, name: str, dim: int) -> int:
    with engine.begin() as conn:
        found = conn.execute(select(EmbeddingModel.id).where(EmbeddingModel.key == key)).scalar()
        if found is None:
            found = conn.execute(
                insert(EmbeddingModel)
                .values(key=key, name=name, dim=dim)
                .returning(EmbeddingModel.id)
            ).scalar_one()
    return found


def embed_stories(
    engine: Engine,
    requested: str,
    load: Callable[[], Any],
    *,
    progress: EmbedProgress | None = None,
) -> EmbedReport:
    """Embed every story text that has no vector under the model in use.

    Args:
        engine: the project database.
        requested: the model the config asks for.
        load: returns an embedder (``key``, ``name``, ``dim``, ``encode``); called only when
            there is something to embed or the request changed.
        progress: called with (texts done, texts to do).
    """
    start = time.perf_counter()
    with engine.connect() as conn:
        state = read_meta(conn, ACTIVE)
    current = active_model(engine)
    unchanged = state and state.get("requested") == requested and current is not None
    if unchanged and count_missing(engine, current[0]) == 0:
        name = _model_name(engine, current[0])
        return EmbedReport(
            requested, current[1], 0, count_embedded(engine, current[0]),
            _fell_back(requested, name), time.perf_counter() - start,
        )  # fmt: skip
    embedder = load()
    model_id = use_model(engine, requested, embedder)
    total = count_missing(engine, model_id)
    done, after = 0, ""
    growth = GrowthWatch(engine, Embedding.__tablename__)
    if progress is not None:
        progress(0, total)
    while done < total:
        with engine.begin() as conn:
            batch = _next_texts(conn, model_id, after, CHUNK)
            if not batch:
                break
            after = batch[-1][0]
            vectors = np.asarray(embedder.encode([text for _, text in batch]), dtype=np.float32)
            conn.execute(
                insert(Embedding),
                [
                    {"model_id": model_id, "text_hash": h, "vector": v.tobytes()}
                    for (h, _), v in zip(batch, vectors, strict=True)
                ],
            )
        done += len(batch)
        growth.grew(len(batch))
        if progress is not None:
            progress(done, total)
    return EmbedReport(
        requested, embedder.key, done, count_embedded(engine, model_id),
        _fell_back(requested, embedder.name), time.perf_counter() - start,
    )  # fmt: skip


def _model_name(engine: Engine, model_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            select(EmbeddingModel.name).where(EmbeddingModel.id == model_id)
        ).scalar_one()


def _fell_back(requested: str, used: str) -> bool:
    return requested not in ("bundled", used)


@dataclass(frozen=True)
class StoryVectors:
    """The stories with a vector under one model, in story id order."""

    story_ids: list[int]
    texts: list[str]
    text_hashes: list[str]
    languages: list[str | None]
    matrix: np.ndarray


def load_vectors(engine: Engine, model_id: int) -> StoryVectors:
    """Every story that has a vector under ``model_id``, with its text and vector."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Story.id, Story.text, Story.text_hash, Story.language, Embedding.vector)
            .join(
                Embedding,
                (Embedding.text_hash == Story.text_hash) & (Embedding.model_id == model_id),
            )
            .order_by(Story.id)
        ).all()
    matrix = (
        np.vstack([np.frombuffer(r[4], dtype=np.float32) for r in rows])
        if rows
        else np.zeros((0, 0), dtype=np.float32)
    )
    return StoryVectors(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        matrix,
    )
