"""Alembic environment: runs migrations on the connection `sensemaking` hands over."""

from alembic import context

from sensemaking.store.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only when someone runs plain `alembic`
        raise RuntimeError("run migrations with `sensemaking db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
