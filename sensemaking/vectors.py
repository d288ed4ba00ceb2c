"""Stored embeddings: one vector per (model, text hash), so nothing is ever embedded twice.

The embedding model in use is recorded in the ``meta`` table as what the project config
asked for (``requested``) and what actually produced the vectors (``key``: the model and
its backend; a model that could not be loaded falls back to the bundled one). A later
``embed`` with the same request and no new texts does not even load the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, exists, func, insert, select

from sensemaking.store.meta import read_meta, write_meta
from sensemaking.store.models import Embedding, EmbeddingModel, Story

__all__ = [
    "EmbedProgress",
    "EmbedReport",
    "StoryVectors",
    "active_model",
    "count_embedded",
    "embed_stories",
    "load_vectors",
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


def _missing(model_id: int) -> Any:
    has = exists().where(Embedding.model_id == model_id, Embedding.text_hash == Story.text_hash)
    return ~has


def count_embedded(engine: Engine, model_id: int | None) -> int:
    """How many stories have an embedding under ``model_id``."""
    if model_id is None:
        return 0
    with engine.connect() as conn:
        query = select(func.count(Story.id)).where(~_missing(model_id))
        return int(conn.execute(query).scalar_one())


def _count_missing(engine: Engine, model_id: int) -> int:
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
    if unchanged and _count_missing(engine, current[0]) == 0:
        name = _model_name(engine, current[0])
        return EmbedReport(
            requested, current[1], 0, count_embedded(engine, current[0]),
            _fell_back(requested, name), time.perf_counter() - start,
        )  # fmt: skip
    embedder = load()
    model_id = _model_row(engine, embedder.key, embedder.name, embedder.dim)
    with engine.begin() as conn:
        write_meta(conn, ACTIVE, {"requested": requested, "key": embedder.key})
    total = _count_missing(engine, model_id)
    done = 0
    if progress is not None:
        progress(0, total)
    while done < total:
        with engine.begin() as conn:
            batch = conn.execute(
                select(Story.text_hash, func.min(Story.text))
                .where(_missing(model_id))
                .group_by(Story.text_hash)
                .order_by(Story.text_hash)
                .limit(CHUNK)
            ).all()
            if not batch:
                break
            vectors = np.asarray(embedder.encode([text for _, text in batch]), dtype=np.float32)
            conn.execute(
                insert(Embedding),
                [
                    {"model_id": model_id, "text_hash": h, "vector": v.tobytes()}
                    for (h, _), v in zip(batch, vectors, strict=True)
                ],
            )
        done += len(batch)
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
