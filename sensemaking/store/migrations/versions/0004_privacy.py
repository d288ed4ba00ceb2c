"""privacy: consent per story, keyed raw-row hashes, the raw-text vault, redaction counts,
the audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sharing", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("raw_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_stories_raw_hash"), ["raw_hash"], unique=False)
        batch_op.create_check_constraint(
            batch_op.f("ck_stories_sharing"), "sharing IS NULL OR sharing IN ('quote', 'count')"
        )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redactions", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    op.create_table(
        "raw_texts",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_raw_texts_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_raw_texts")),
    )  # fmt: skip
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("raw_texts")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("redactions")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_stories_sharing"), type_="check")
        batch_op.drop_index(batch_op.f("ix_stories_raw_hash"))
        batch_op.drop_column("raw_hash")
        batch_op.drop_column("sharing")
