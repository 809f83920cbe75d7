"""duplicate_keys: how many leads or customers hold each phone, e-mail and name, counted by
triggers, so the duplicate pairs are listed from the values held twice (a partial index)
instead of grouping every lead's phone and e-mail

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.duplicate_keys import HOLDINGS, count_holders, create_triggers, drop_triggers

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD_TWICE = sa.text("holders > 1")


def upgrade() -> None:
    op.create_table(
        "duplicate_keys",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=254), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_duplicate_keys")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_duplicate_keys_held_twice",
        "duplicate_keys",
        ["kind", "value"],
        sqlite_where=HELD_TWICE,
        postgresql_where=HELD_TWICE,
    )
    for holding in HOLDINGS:
        op.execute(count_holders(holding))
    for statement in create_triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_duplicate_keys_held_twice", table_name="duplicate_keys")
    op.drop_table("duplicate_keys")
