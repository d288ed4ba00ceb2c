"""Schema migrations: Alembic, with its scripts shipped inside the package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from sensemaking.errors import StoreError
from sensemaking.store.engine import redact_url

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]


def alembic_config() -> Config:
    """An Alembic config that finds the migrations inside the installed package."""
    config = Config()
    config.set_main_option("script_location", "sensemaking.store:migrations")
    return config


def head_revision() -> str:
    """The newest migration this version of `sensemaking` ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise StoreError(
            f"cannot open database {redact_url(str(engine.url))}: {exc.orig}"
        ) from None


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the database schema up to ``revision``; returns the revision reached."""
    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            if sqlite:  # batch mode copies and drops tables that others reference
                raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    config.attributes["connection"] = conn
                    command.upgrade(config, revision)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                        if broken is not None:
                            raise StoreError(f"the migration broke a foreign key: {tuple(broken)}")
            finally:
                if sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    except OperationalError as exc:
        raise StoreError(
            f"cannot migrate database {redact_url(str(engine.url))}: {exc.orig}"
        ) from None
    reached = current_revision(engine)
    assert reached is not None
    return reached
