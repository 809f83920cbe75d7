"""custom fields in two languages, required from a stage on; customers matched by name, merged

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm.contacts import name_key

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("field_definitions") as batch:
        batch.alter_column("label", new_column_name="label_en", existing_type=sa.String(100))
        batch.add_column(sa.Column("label_uk", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("required_from_stage_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_field_definitions_required_from_stage_id_stages",
            "stages",
            ["required_from_stage_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.drop_column("required")
    op.execute("UPDATE field_definitions SET label_uk = label_en")
    with op.batch_alter_table("field_definitions") as batch:
        batch.alter_column("label_uk", existing_type=sa.String(100), nullable=False)
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("name_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_customers_merged_into_id_customers", "customers", ["merged_into_id"], ["id"]
        )
        batch.create_index("ix_customers_name_key", ["name_key"])
    _fill_name_keys()


def _fill_name_keys() -> None:
    customers = sa.table(
        "customers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_key"),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(customers.c.id, customers.c.name)).all()
    for customer_id, name in rows:
        connection.execute(
            customers.update().where(customers.c.id == customer_id).values(name_key=name_key(name))
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_name_key")
        batch.drop_constraint("fk_customers_merged_into_id_customers", type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.drop_column("name_key")
    with op.batch_alter_table("field_definitions") as batch:
        batch.add_column(
            sa.Column("required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.drop_constraint(
            "fk_field_definitions_required_from_stage_id_stages", type_="foreignkey"
        )
        batch.drop_column("required_from_stage_id")
        batch.drop_column("label_uk")
        batch.alter_column("label_en", new_column_name="label", existing_type=sa.String(100))
