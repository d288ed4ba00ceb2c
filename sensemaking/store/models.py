"""What is stored: SQLAlchemy 2.0 typed models.

The schema is owned by the Alembic migrations in ``sensemaking/store/migrations``; these
models describe it for queries. Every rule that can live in the database does
(``CHECK``, ``UNIQUE``, foreign keys with ``ON DELETE CASCADE`` from a story to what is
derived from it), so a bug in Python cannot store a triad that does not sum to one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "PLACE_LEVELS",
    "AuditEntry",
    "Base",
    "ChoiceAnswer",
    "DyadAnswer",
    "EmbedLease",
    "Embedding",
    "EmbeddingModel",
    "ImportBatch",
    "Job",
    "Meta",
    "Place",
    "RawText",
    "Round",
    "SignifierOption",
    "SignifierRow",
    "Story",
    "Storyteller",
    "TextAnswer",
    "Theme",
    "ThemeAssignment",
    "ThemeEdit",
    "ThemeRun",
    "TriadAnswer",
]

#: Levels of the place hierarchy, from the top.
PLACE_LEVELS = ("region", "municipality", "site")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Place(Base):
    """A place in the hierarchy region › municipality › site; ``path`` is unique."""

    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint("level IN ('region', 'municipality', 'site')", name="level"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_empty"),
        UniqueConstraint("path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(700))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Place | None] = relationship(remote_side=[id])


class Round(Base):
    """One collection wave, e.g. "2024 vår"."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_empty"),
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)


class Storyteller(Base):
    """A storyteller, known only by a pseudonym."""

    __tablename__ = "storytellers"
    __table_args__ = (UniqueConstraint("pseudonym"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(200))


class ImportBatch(Base):
    """One ingested file: what it was, what it gave, how it ended."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'committed', 'failed')", name="status"),
        CheckConstraint(
            "rows_read >= 0 AND stories_added >= 0 AND stories_updated >= 0 "
            "AND stories_unchanged >= 0 AND rows_skipped >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    stories_added: Mapped[int] = mapped_column(Integer, default=0)
    stories_updated: Mapped[int] = mapped_column(Integer, default=0)
    stories_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: How many identifiers of each kind were redacted (counts only, never the values).
    redactions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SignifierRow(Base):
    """A signifier of the project's framework, as stored (``spec`` is its full definition)."""

    __tablename__ = "signifiers"
    __table_args__ = (CheckConstraint("type IN ('triad', 'dyad', 'choice', 'text')", name="type"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)


class SignifierOption(Base):
    """An allowed option of a choice signifier (so the database rejects unknown options)."""

    __tablename__ = "signifier_options"

    signifier_id: Mapped[str] = mapped_column(
        ForeignKey("signifiers.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Story(Base):
    """A story with where, when and by whom it was told, and where it came from."""

    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("content_hash"),
        CheckConstraint("length(trim(text)) > 0", name="text_not_empty"),
        CheckConstraint("sharing IS NULL OR sharing IN ('quote', 'count')", name="sharing"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(200), index=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    told_on: Mapped[dt.date | None] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="RESTRICT"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="RESTRICT"), index=True
    )
    storyteller_id: Mapped[int | None] = mapped_column(
        ForeignKey("storytellers.id", ondelete="RESTRICT"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="RESTRICT"), index=True
    )
    source_row: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: The storyteller's consent: ``quote`` (may be quoted), ``count`` (counted only), or
    #: NULL when the file did not say (``privacy.quote_without_consent`` decides).
    sharing: Mapped[str | None] = mapped_column(String(10))
    #: A keyed hash of the row as read, before redaction: the same raw row is recognised
    #: even when the redaction rules have changed since it was stored.
    raw_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    place: Mapped[Place | None] = relationship()
    round: Mapped[Round | None] = relationship()
    storyteller: Mapped[Storyteller | None] = relationship()


class _Answer:
    """Columns every answer has: the story (cascading) and the signifier."""

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    signifier_id: Mapped[str] = mapped_column(
        ForeignKey("signifiers.id", ondelete="RESTRICT"), primary_key=True
    )


class TriadAnswer(_Answer, Base):
    """A triad answer: the composition (a, b, c) in corner order, all NULL for N/A."""

    __tablename__ = "triad_answers"
    __table_args__ = (
        CheckConstraint(
            # IS NOT NULL spelled out: a CHECK that evaluates to NULL passes in SQL.
            "(a IS NULL AND b IS NULL AND c IS NULL) OR "
            "(a IS NOT NULL AND b IS NOT NULL AND c IS NOT NULL "
            "AND a >= 0 AND b >= 0 AND c >= 0 AND a + b + c BETWEEN 0.999999 AND 1.000001)",
            name="composition",
        ),
    )

    a: Mapped[float | None] = mapped_column(Float)
    b: Mapped[float | None] = mapped_column(Float)
    c: Mapped[float | None] = mapped_column(Float)


class DyadAnswer(_Answer, Base):
    """A dyad answer in [0, 1] (0 = the first pole), NULL for N/A."""

    __tablename__ = "dyad_answers"
    __table_args__ = (
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 1)", name="range"),
    )

    value: Mapped[float | None] = mapped_column(Float)


class ChoiceAnswer(Base):
    """One chosen option (a multi-select answer is several rows)."""

    __tablename__ = "choice_answers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["signifier_id", "option_id"],
            ["signifier_options.signifier_id", "signifier_options.option_id"],
            ondelete="RESTRICT",
            name="fk_choice_answers_option",
        ),
    )

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    signifier_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    option_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class TextAnswer(_Answer, Base):
    """A free-text answer."""

    __tablename__ = "text_answers"
    __table_args__ = (CheckConstraint("length(trim(text)) > 0", name="text_not_empty"),)

    text: Mapped[str] = mapped_column(Text)


class RawText(Base):
    """A story as read, before redaction, sealed with the project key (only when the config
    says ``privacy.keep_raw_text``). No report, export or query of the library reads it."""

    __tablename__ = "raw_texts"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEntry(Base):
    """Something done to personal data (an erasure, a retention purge): what and how much,
    never whose or which content."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Job(Base):
    """A piece of background work: what to do, and who is doing it until when.

    The row is the truth; a queue message only wakes a worker to look here. ``runs`` counts
    the times it was taken, ``failures`` the times it raised.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("kind IN ('ingest', 'embed', 'themes', 'report', 'run')", name="kind"),
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    not_before: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class EmbedLease(Base):
    """A text a worker is embedding now, so that no other worker embeds it too."""

    __tablename__ = "embed_leases"

    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    until: Mapped[dt.datetime] = mapped_column(DateTime)


class Meta(Base):
    """Project-wide facts as key/value pairs (e.g. the embedding model in use)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class EmbeddingModel(Base):
    """A model (with its backend) that produced embeddings; ``key`` says exactly which."""

    __tablename__ = "embedding_models"
    __table_args__ = (UniqueConstraint("key"), CheckConstraint("dim > 0", name="dim_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(300))
    dim: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Embedding(Base):
    """One text's vector (float32, L2-normalised) under one model; texts, not stories, so a
    text told twice is embedded once."""

    __tablename__ = "embeddings"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("embedding_models.id", ondelete="CASCADE"), primary_key=True
    )
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ThemeRun(Base):
    """One clustering of the current stories, with everything needed to reproduce it."""

    __tablename__ = "theme_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
        CheckConstraint(
            "other_share IS NULL OR (other_share >= 0 AND other_share <= 1)", name="other_share"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="running")
    seed: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model_id: Mapped[int] = mapped_column(ForeignKey("embedding_models.id", ondelete="RESTRICT"))
    code_version: Mapped[str] = mapped_column(String(40))
    input_hash: Mapped[str] = mapped_column(String(64))
    n_stories: Mapped[int] = mapped_column(Integer, default=0)
    n_themes: Mapped[int] = mapped_column(Integer, default=0)
    other_share: Mapped[float | None] = mapped_column(Float)
    seed_ari: Mapped[float | None] = mapped_column(Float)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    previous_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme_runs.id", ondelete="SET NULL")
    )
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Theme(Base):
    """A theme of one run. ``key`` (e.g. ``T3``) is its identity across runs."""

    __tablename__ = "themes"
    __table_args__ = (
        UniqueConstraint("run_id", "key"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint(
            "stability IS NULL OR (stability >= 0 AND stability <= 1)", name="stability"
        ),
        CheckConstraint("event IN ('continued', 'new', 'merged', 'split')", name="event"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("theme_runs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    stability: Mapped[float | None] = mapped_column(Float)
    unstable: Mapped[bool] = mapped_column(Boolean, default=False)
    representatives: Mapped[list[int]] = mapped_column(JSON, default=list)
    event: Mapped[str] = mapped_column(String(10), default="new")
    event_from: Mapped[list[str]] = mapped_column(JSON, default=list)
    label_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    centroid: Mapped[bytes] = mapped_column(LargeBinary)


class ThemeAssignment(Base):
    """Which theme a story belongs to in a run (NULL theme = the "other" group)."""

    __tablename__ = "theme_assignments"
    __table_args__ = (CheckConstraint("strength >= 0 AND strength <= 1", name="strength"),)

    run_id: Mapped[int] = mapped_column(
        ForeignKey("theme_runs.id", ondelete="CASCADE"), primary_key=True
    )
    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), index=True
    )
    strength: Mapped[float] = mapped_column(Float)
    #: The story's place on the run's 2-D theme map (NULL for runs made before maps).
    map_x: Mapped[float | None] = mapped_column(Float)
    map_y: Mapped[float | None] = mapped_column(Float)


class ThemeEdit(Base):
    """An analyst's curation, applied to every later run: rename, merge, pin a label."""

    __tablename__ = "theme_edits"
    __table_args__ = (
        CheckConstraint("action IN ('rename', 'merge', 'pin', 'unpin')", name="action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(10))
    theme_key: Mapped[str] = mapped_column(String(20))
    into_key: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
