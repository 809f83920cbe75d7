"""leads merged into others: the merged-away ids kept resolvable, and indexes on the columns
a merge re-points (no rebuild of ``leads``: SQLite's FTS triggers stay)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_leads_duplicate_of_id", "leads", "duplicate_of_id"),
    ("ix_orders_lead_id", "orders", "lead_id"),
    ("ix_intake_receipts_lead_id", "intake_receipts", "lead_id"),
)


def upgrade() -> None:
    op.create_table(
        "lead_merges",
        sa.Column("merged_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("into_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["into_id"],
            ["leads.id"],
            name=op.f("fk_lead_merges_into_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merged_id", name=op.f("pk_lead_merges")),
    )
    op.create_index(op.f("ix_lead_merges_into_id"), "lead_merges", ["into_id"])
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index(op.f("ix_lead_merges_into_id"), table_name="lead_merges")
    op.drop_table("lead_merges")
