"""The project database: models, engines and migrations."""

from sensemaking.store.engine import make_engine, redact_url, session_scope
from sensemaking.store.migrate import current_revision, head_revision, upgrade

__all__ = [
    "current_revision",
    "head_revision",
    "make_engine",
    "redact_url",
    "session_scope",
    "upgrade",
]
