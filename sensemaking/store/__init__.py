"""The project database: models, engines and migrations."""

from sensemaking.store.engine import (
    GrowthWatch,
    make_engine,
    redact_url,
    refresh_statistics,
    session_scope,
)
from sensemaking.store.migrate import current_revision, head_revision, upgrade

__all__ = [
    "GrowthWatch",
    "current_revision",
    "head_revision",
    "make_engine",
    "redact_url",
    "refresh_statistics",
    "session_scope",
    "upgrade",
]
