from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UtcDateTime, str_enum, utcnow
from crm.models.enums import ActivityKind
from crm.models.staff import Staff

NOTE_MAX_LENGTH = 4000


class Activity(Base):
    """One entry of a lead's or customer's timeline; every change leaves one."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_lead_time", "lead_id", "created_at"),
        Index("ix_activities_customer_time", "customer_id", "created_at"),
        # The reports: stage changes in a period, and each lead's stage history, read from
        # the index alone.
        Index(
            "ix_activities_kind_time",
            "kind",
            "created_at",
            "lead_id",
            "from_stage_id",
            "to_stage_id",
        ),
        Index(
            "ix_activities_stage_history",
            "lead_id",
            "kind",
            "created_at",
            "from_stage_id",
            "to_stage_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str | None] = mapped_column(Text)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The automation rule that made this change, by name: it stays readable after the rule
    # is deleted.
    rule_name: Mapped[str | None] = mapped_column(String(64))

    author: Mapped[Staff | None] = relationship(lazy="joined")


class AuditEntry(Base):
    """Who changed which field of what, from which value to which."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
