"""PostgreSQL for the benchmarks: a database of their own, emptied before each run."""

from __future__ import annotations


def empty_postgres(url: str) -> None:
    """Create the database of ``url`` if the server does not have it yet, and drop everything
    in its ``public`` schema (never point this at a database that matters)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        known = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": parsed.database}).scalar()  # fmt: skip
        if not known:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    engine = create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
