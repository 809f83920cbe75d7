"""teams: branches or offices whose managers see their members' leads

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:50:00

A lead belongs to a team through its responsible person's membership (see
crm.services.access), so ``leads`` itself is not altered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.models.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["head_id"], ["staff.id"], name=op.f("fk_teams_head_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_team_members_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("team_id", "staff_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_staff_id"), "team_members", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_team_members_staff_id"), table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("teams")
