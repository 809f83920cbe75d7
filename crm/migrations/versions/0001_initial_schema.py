"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 15:24:58.394420
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("requested_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    op.create_index(
        op.f("ix_access_requests_telegram_id"), "access_requests", ["telegram_id"], unique=False
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("telegram_username", sa.String(length=64), nullable=True),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "field_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "text", "number", "date", "choice", name="fieldkind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_definitions")),
        sa.UniqueConstraint("key", name=op.f("uq_field_definitions_key")),
    )
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "manager", "rep", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "language",
            sa.Enum("en", "uk", name="language", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("work_starts", sa.Time(), nullable=False),
        sa.Column("work_ends", sa.Time(), nullable=False),
        sa.Column("notifications", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_staff_telegram_id")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_audit_log_actor_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"], unique=False)
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("started_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_conversations_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(
        op.f("ix_conversations_customer_id"), "conversations", ["customer_id"], unique=False
    )
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_contacts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
    )
    op.create_index(
        op.f("ix_customer_contacts_customer_id"), "customer_contacts", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_customer_contacts_kind_value", "customer_contacts", ["kind", "value"], unique=False
    )
    op.create_table(
        "customer_tags",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_tags_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_customer_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", "tag_id", name=op.f("pk_customer_tags")),
    )
    op.create_index(op.f("ix_customer_tags_tag_id"), "customer_tags", ["tag_id"], unique=False)
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "manager", "rep", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_invites_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["staff.id"], name=op.f("fk_invites_used_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("token", name=op.f("uq_invites_token")),
    )
    op.create_table(
        "loyalty_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_loyalty_entries_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entries")),
    )
    op.create_index(
        op.f("ix_loyalty_entries_customer_id"), "loyalty_entries", ["customer_id"], unique=False
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index(op.f("ix_orders_external_id"), "orders", ["external_id"], unique=False)
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "target",
            sa.Enum("leads", "customers", name="segmenttarget", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["staff.id"], name=op.f("fk_segments_owner_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("open", "won", "lost", name="stagekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("idle_days", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "idle_days IS NULL OR idle_days > 0", name=op.f("ck_stages_idle_days_positive")
        ),
        sa.CheckConstraint(
            "probability BETWEEN 0 AND 100", name=op.f("ck_stages_probability_percent")
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipelines.id"], name=op.f("fk_stages_pipeline_id_pipelines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
    )
    op.create_index(op.f("ix_stages_pipeline_id"), "stages", ["pipeline_id"], unique=False)
    op.create_table(
        "support_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="ticketstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("opened_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_support_tickets_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
    )
    op.create_index(
        op.f("ix_support_tickets_customer_id"), "support_tickets", ["customer_id"], unique=False
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="direction", native_enum=False, length=4),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    op.create_index(
        op.f("ix_conversation_messages_conversation_id"),
        "conversation_messages",
        ["conversation_id"],
        unique=False,
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_digits_reversed", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "manual",
                "web_form",
                "website_chat",
                "whatsapp",
                "telegram",
                "woocommerce",
                "facebook",
                "import",
                "other",
                name="leadsource",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("source_detail", sa.String(length=200), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("value_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected_close_on", sa.Date(), nullable=True),
        sa.Column("lost_reason", sa.String(length=500), nullable=True),
        sa.Column("won_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lost_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("stage_entered_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_leads_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["leads.id"], name=op.f("fk_leads_duplicate_of_id_leads")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_leads_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["responsible_id"], ["staff.id"], name=op.f("fk_leads_responsible_id_staff")
        ),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"], name=op.f("fk_leads_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    op.create_index(
        "ix_leads_board", "leads", ["stage_id", "currency", "value_minor"], unique=False
    )
    op.create_index(
        "ix_leads_board_by_owner",
        "leads",
        ["responsible_id", "stage_id", "currency", "value_minor"],
        unique=False,
    )
    op.create_index(op.f("ix_leads_customer_id"), "leads", ["customer_id"], unique=False)
    op.create_index(op.f("ix_leads_email"), "leads", ["email"], unique=False)
    op.create_index(op.f("ix_leads_phone"), "leads", ["phone"], unique=False)
    op.create_index(
        op.f("ix_leads_phone_digits_reversed"), "leads", ["phone_digits_reversed"], unique=False
    )
    op.create_index(
        "ix_leads_stage_activity", "leads", ["stage_id", "last_activity_at", "id"], unique=False
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "call",
                "note",
                "meeting",
                "message",
                "stage_change",
                "assignment",
                "conversion",
                "system",
                name="activitykind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff.id"], name=op.f("fk_activities_author_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_activities_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"],
            ["stages.id"],
            name=op.f("fk_activities_from_stage_id_stages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"],
            ["stages.id"],
            name=op.f("fk_activities_to_stage_id_stages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(
        "ix_activities_customer_time", "activities", ["customer_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_activities_lead_time", "activities", ["lead_id", "created_at"], unique=False
    )
    op.create_table(
        "lead_tags",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_tags_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_lead_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "tag_id", name=op.f("pk_lead_tags")),
    )
    op.create_index(op.f("ix_lead_tags_tag_id"), "lead_tags", ["tag_id"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("remind_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", crm.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", crm.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff.id"], name=op.f("fk_tasks_assignee_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_tasks_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tasks_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_tasks_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(
        "ix_tasks_assignee_open", "tasks", ["assignee_id", "done_at", "due_at"], unique=False
    )
    op.create_index(op.f("ix_tasks_customer_id"), "tasks", ["customer_id"], unique=False)
    op.create_index(op.f("ix_tasks_lead_id"), "tasks", ["lead_id"], unique=False)
    op.create_index("ix_tasks_reminder", "tasks", ["reminder_sent_at", "remind_at"], unique=False)
    # orders and leads point at each other; the second link is added once both exist.
    with op.batch_alter_table("orders") as batch:
        batch.create_foreign_key("fk_orders_lead_id_leads", "leads", ["lead_id"], ["id"])
    _create_default_pipeline()


def _create_default_pipeline() -> None:
    """New -> Qualified -> Proposal -> Won / Lost, as the product starts out."""
    pipelines = sa.table("pipelines", sa.column("id"), sa.column("name"), sa.column("is_default"))
    stages = sa.table(
        "stages",
        sa.column("pipeline_id"),
        sa.column("name"),
        sa.column("position"),
        sa.column("kind"),
        sa.column("probability"),
        sa.column("idle_days"),
    )
    bind = op.get_bind()
    pipeline_id = bind.execute(
        sa.insert(pipelines).values(name="Sales", is_default=True).returning(pipelines.c.id)
    ).scalar_one()
    bind.execute(
        sa.insert(stages),
        [
            {
                "pipeline_id": pipeline_id,
                "position": position,
                "name": name,
                "kind": kind,
                "probability": probability,
                "idle_days": idle_days,
            }
            for position, (name, kind, probability, idle_days) in enumerate(
                [
                    ("New", "open", 10, 3),
                    ("Qualified", "open", 30, 7),
                    ("Proposal", "open", 60, 7),
                    ("Won", "won", 100, None),
                    ("Lost", "lost", 0, None),
                ]
            )
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("fk_orders_lead_id_leads", type_="foreignkey")
    op.drop_index("ix_tasks_reminder", table_name="tasks")
    op.drop_index(op.f("ix_tasks_lead_id"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_customer_id"), table_name="tasks")
    op.drop_index("ix_tasks_assignee_open", table_name="tasks")
    op.drop_table("tasks")
    op.drop_index(op.f("ix_lead_tags_tag_id"), table_name="lead_tags")
    op.drop_table("lead_tags")
    op.drop_index("ix_activities_lead_time", table_name="activities")
    op.drop_index("ix_activities_customer_time", table_name="activities")
    op.drop_table("activities")
    op.drop_index("ix_leads_stage_activity", table_name="leads")
    op.drop_index(op.f("ix_leads_phone_digits_reversed"), table_name="leads")
    op.drop_index(op.f("ix_leads_phone"), table_name="leads")
    op.drop_index(op.f("ix_leads_email"), table_name="leads")
    op.drop_index(op.f("ix_leads_customer_id"), table_name="leads")
    op.drop_index("ix_leads_board_by_owner", table_name="leads")
    op.drop_index("ix_leads_board", table_name="leads")
    op.drop_table("leads")
    op.drop_index(
        op.f("ix_conversation_messages_conversation_id"), table_name="conversation_messages"
    )
    op.drop_table("conversation_messages")
    op.drop_index(op.f("ix_support_tickets_customer_id"), table_name="support_tickets")
    op.drop_table("support_tickets")
    op.drop_index(op.f("ix_stages_pipeline_id"), table_name="stages")
    op.drop_table("stages")
    op.drop_table("segments")
    op.drop_index(op.f("ix_orders_external_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_loyalty_entries_customer_id"), table_name="loyalty_entries")
    op.drop_table("loyalty_entries")
    op.drop_table("invites")
    op.drop_index(op.f("ix_customer_tags_tag_id"), table_name="customer_tags")
    op.drop_table("customer_tags")
    op.drop_index("ix_customer_contacts_kind_value", table_name="customer_contacts")
    op.drop_index(op.f("ix_customer_contacts_customer_id"), table_name="customer_contacts")
    op.drop_table("customer_contacts")
    op.drop_index(op.f("ix_conversations_customer_id"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("tags")
    op.drop_table("staff")
    op.drop_table("pipelines")
    op.drop_table("field_definitions")
    op.drop_table("customers")
    op.drop_index(op.f("ix_access_requests_telegram_id"), table_name="access_requests")
    op.drop_table("access_requests")
