"""automation rules: the rules, the durable record of events they look at, and who did it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=64), nullable=True),
        sa.Column("last_assigned_id", sa.Integer(), nullable=True),
        sa.Column("scanned_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name="fk_rules_created_by_id_staff"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rules"),
    )
    op.create_index("ix_rules_trigger", "rules", ["trigger"])
    op.create_table(
        "rule_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("dedup_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_rule_events_lead_id_leads", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name="fk_rule_events_rule_id_rules", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rule_events"),
        sa.UniqueConstraint("dedup_key", name="uq_rule_events_dedup_key"),
    )
    op.create_index("ix_rule_events_due", "rule_events", ["status", "due_at", "id"])
    op.create_index("ix_rule_events_lead_id", "rule_events", ["lead_id"])
    # A plain ADD COLUMN on both databases: no batch rebuild of the timeline.
    op.add_column("activities", sa.Column("rule_name", sa.String(length=64), nullable=True))
    op.create_index("ix_tasks_due", "tasks", ["due_at"])
    op.create_index("ix_orders_created_at", "orders", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.drop_index("ix_tasks_due", table_name="tasks")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("rule_name")
    op.drop_index("ix_rule_events_lead_id", table_name="rule_events")
    op.drop_index("ix_rule_events_due", table_name="rule_events")
    op.drop_table("rule_events")
    op.drop_index("ix_rules_trigger", table_name="rules")
    op.drop_table("rules")
