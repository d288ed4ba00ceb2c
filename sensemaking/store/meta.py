"""Project-wide facts kept in the ``meta`` table (key → JSON value)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from sensemaking.store.models import Meta

__all__ = ["read_meta", "write_meta"]


def read_meta(conn: Connection, key: str) -> Any:
    """The value stored under ``key`` (None if there is none)."""
    return conn.execute(select(Meta.value).where(Meta.key == key)).scalar()


def write_meta(conn: Connection, key: str, value: Any) -> None:
    """Store ``value`` under ``key``, replacing what was there."""
    if conn.execute(select(Meta.key).where(Meta.key == key)).scalar() is None:
        conn.execute(insert(Meta).values(key=key, value=value))
    else:
        conn.execute(update(Meta).where(Meta.key == key).values(value=value))
