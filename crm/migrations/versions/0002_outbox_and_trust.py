"""outbox, scheduler markers, stage codes, lost reason codes, invite revocation

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_STAGE_CODES = {
    "New": "new",
    "Qualified": "qualified",
    "Proposal": "proposal",
    "Won": "won",
    "Lost": "lost",
}
NEW_NOTIFICATION_KINDS = ("reminders", "assigned")
UTC = crm.models.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(length=128), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "skipped",
                "failed",
                name="outboxstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["staff.id"], name=op.f("fk_outbox_recipient_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_dedup_key")),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "due_at", "id"], unique=False)
    op.create_index(op.f("ix_outbox_recipient_id"), "outbox", ["recipient_id"], unique=False)
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("blocked_bot_at", UTC, nullable=True))
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("revoked_at", UTC, nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("escalated_at", UTC, nullable=True))
        batch.create_index("ix_tasks_escalation", ["escalated_at", "done_at", "due_at"])
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("lost_reason_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("idle_nudged_at", UTC, nullable=True))
    with op.batch_alter_table("pipelines") as batch:
        batch.add_column(sa.Column("code", sa.String(length=32), nullable=True))
    with op.batch_alter_table("stages") as batch:
        batch.add_column(sa.Column("code", sa.String(length=32), nullable=True))
    _name_defaults_by_code()
    _offer_new_notification_kinds()


def _name_defaults_by_code() -> None:
    """The default pipeline and its untouched stages get codes; lost reasons so far were free
    text in the rep's language, kept as the words of an "other" reason."""
    pipelines = sa.table("pipelines", sa.column("name"), sa.column("code"))
    op.execute(pipelines.update().where(pipelines.c.name == "Sales").values(code="sales"))
    stages = sa.table("stages", sa.column("name"), sa.column("code"))
    for name, code in DEFAULT_STAGE_CODES.items():
        op.execute(stages.update().where(stages.c.name == name).values(code=code))
    leads = sa.table("leads", sa.column("lost_reason"), sa.column("lost_reason_code"))
    op.execute(
        leads.update().where(leads.c.lost_reason.is_not(None)).values(lost_reason_code="other")
    )


def _offer_new_notification_kinds() -> None:
    """Reminders and "assigned to you" are new kinds: on for everyone, as new staff get them."""
    staff = sa.table("staff", sa.column("id"), sa.column("notifications", sa.JSON()))
    connection = op.get_bind()
    for staff_id, chosen in connection.execute(sa.select(staff.c.id, staff.c.notifications)):
        wanted = [*chosen, *(kind for kind in NEW_NOTIFICATION_KINDS if kind not in chosen)]
        connection.execute(
            staff.update().where(staff.c.id == staff_id).values(notifications=wanted)
        )


def downgrade() -> None:
    for table, column in (
        ("stages", "code"),
        ("pipelines", "code"),
        ("leads", "idle_nudged_at"),
        ("leads", "lost_reason_code"),
        ("invites", "revoked_at"),
        ("staff", "blocked_bot_at"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_escalation")
        batch.drop_column("escalated_at")
    op.drop_table("outbox")
