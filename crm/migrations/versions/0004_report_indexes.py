"""indexes for the reports: leads by creation, win and loss time; stage changes by time;
open leads by expected close date

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 02:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_leads_created_at", "leads", ["created_at"])
    op.create_index("ix_leads_won_at", "leads", ["won_at"])
    op.create_index("ix_leads_lost_at", "leads", ["lost_at"])
    op.create_index(
        "ix_leads_forecast", "leads", ["stage_id", "expected_close_on", "currency", "value_minor"]
    )
    op.create_index(
        "ix_activities_kind_time",
        "activities",
        ["kind", "created_at", "lead_id", "from_stage_id", "to_stage_id"],
    )
    op.create_index(
        "ix_activities_stage_history",
        "activities",
        ["lead_id", "kind", "created_at", "from_stage_id", "to_stage_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_activities_stage_history", table_name="activities")
    op.drop_index("ix_activities_kind_time", table_name="activities")
    op.drop_index("ix_leads_forecast", table_name="leads")
    op.drop_index("ix_leads_lost_at", table_name="leads")
    op.drop_index("ix_leads_won_at", table_name="leads")
    op.drop_index("ix_leads_created_at", table_name="leads")
