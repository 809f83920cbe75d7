from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, str_enum, utcnow


class Rule(Base):
    """An automation rule an admin built: when something happens to a lead, if it matches,
    do these things. ``spec`` holds the trigger, conditions and actions (crm.automation.spec)."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Rules of one event run in this order.
    position: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    trigger: Mapped[str] = mapped_column(String(32), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The admin whose rights the rule acts with.
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # Why the rule was switched off by itself, a code (crm.automation.engine).
    failure: Mapped[str | None] = mapped_column(String(64))
    # Round-robin: who got the last lead.
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)
    # Timed rules (idle, overdue): the moment up to which the scheduler has looked.
    scanned_to: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RuleEventStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    # Given up after repeated errors that were not the rule's fault.
    FAILED = "failed"


class RuleEvent(Base):
    """Something that happened to a lead, waiting for the rules to look at it: written in the
    transaction of the change, taken by one runner and marked done in the transaction of what
    the rules did."""

    __tablename__ = "rule_events"
    __table_args__ = (Index("ix_rule_events_due", "status", "due_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    # What the trigger may be narrowed by: the source, the stage entered, the lost reason...
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # 0 for a person's change, 1 for a change a rule made; deeper changes fire nothing.
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # Set for timed events (idle, overdue): only this rule looks at them.
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    # A timed event is written once per rule and spell, however many schedulers look.
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    status: Mapped[RuleEventStatus] = mapped_column(
        str_enum(RuleEventStatus), default=RuleEventStatus.PENDING
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
