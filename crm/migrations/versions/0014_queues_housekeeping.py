"""rule_events without lease columns: a rule runner takes a record in the transaction that
runs its rules, so no claim outlives a transaction and nothing reads or writes them any more;
webhook_deliveries indexed by age, so the settled old ones are found and forgotten without
reading the rest

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASE_COLUMNS = ("claimed_by", "claimed_until")


def upgrade() -> None:
    # A plain DROP COLUMN on both: SQLite has one since 3.35 (neither column is indexed or in
    # a constraint), so rule_events is not rebuilt.
    for column in LEASE_COLUMNS:
        op.execute(f"ALTER TABLE rule_events DROP COLUMN {column}")
    op.create_index("ix_webhook_deliveries_age", "webhook_deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_age", table_name="webhook_deliveries")
    op.add_column("rule_events", sa.Column("claimed_by", sa.String(length=64), nullable=True))
    op.add_column(
        "rule_events", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True)
    )
