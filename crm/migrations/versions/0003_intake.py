"""lead intake over HTTP: intake channels, receipts, shop orders, provider message ids

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = crm.models.base.UtcDateTime(timezone=True)


def _code(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "intake_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", _code("intakekind", "web_form", "woocommerce", "website_chat"), nullable=False
        ),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("preset", _code("fieldpreset", "generic", "cf7"), nullable=False),
        sa.Column("field_names", sa.JSON(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("last_assigned_id", sa.Integer(), nullable=True),
        sa.Column("opens_leads", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["responsible_id"], ["staff.id"], name=op.f("fk_intake_channels_responsible_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["last_assigned_id"],
            ["staff.id"],
            name=op.f("fk_intake_channels_last_assigned_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_intake_channels_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_channels")),
        sa.UniqueConstraint("key", name=op.f("uq_intake_channels_key")),
    )
    op.create_table(
        "intake_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_intake_receipts_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_intake_receipts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_receipts")),
        sa.UniqueConstraint("scope", "external_id", name=op.f("uq_intake_receipts_scope")),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("intake_channel_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_orders_intake_channel_id_intake_channels",
            "intake_channels",
            ["intake_channel_id"],
            ["id"],
        )
        batch.create_index(
            "ix_orders_shop_order", ["intake_channel_id", "external_id"], unique=True
        )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=128), nullable=True))
        batch.create_index("ix_conversations_channel_external_id", ["channel", "external_id"])
    with op.batch_alter_table("conversation_messages") as batch:
        batch.add_column(sa.Column("provider_message_id", sa.String(length=128), nullable=True))
        batch.add_column(
            sa.Column(
                "status",
                _code("messagestatus", "sent", "delivered", "read", "failed"),
                nullable=True,
            )
        )
        batch.create_index("ix_conversation_messages_provider_message_id", ["provider_message_id"])


def downgrade() -> None:
    with op.batch_alter_table("conversation_messages") as batch:
        batch.drop_index("ix_conversation_messages_provider_message_id")
        batch.drop_column("status")
        batch.drop_column("provider_message_id")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_channel_external_id")
        batch.drop_column("external_id")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_shop_order")
        batch.drop_constraint("fk_orders_intake_channel_id_intake_channels", type_="foreignkey")
        batch.drop_column("intake_channel_id")
    op.drop_table("intake_receipts")
    op.drop_table("intake_channels")
