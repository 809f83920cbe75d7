"""customer data: external ids for re-imports, a ticket's closing note, indexes for the 360 card

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_leads_external_id", ["external_id"], unique=True)
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_customers_external_id", ["external_id"], unique=True)
    with op.batch_alter_table("support_tickets") as batch:
        batch.add_column(sa.Column("closing_note", sa.Text(), nullable=True))
        batch.create_index("ix_support_tickets_customer_time", ["customer_id", "opened_at"])
    op.create_index("ix_orders_customer_time", "orders", ["customer_id", "created_at"])
    op.create_index(
        "ix_loyalty_entries_customer_time", "loyalty_entries", ["customer_id", "created_at"]
    )
    op.create_index(
        "ix_conversation_messages_time", "conversation_messages", ["conversation_id", "sent_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_messages_time", table_name="conversation_messages")
    op.drop_index("ix_loyalty_entries_customer_time", table_name="loyalty_entries")
    op.drop_index("ix_orders_customer_time", table_name="orders")
    with op.batch_alter_table("support_tickets") as batch:
        batch.drop_index("ix_support_tickets_customer_time")
        batch.drop_column("closing_note")
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_external_id")
        batch.drop_column("external_id")
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_external_id")
        batch.drop_column("external_id")
