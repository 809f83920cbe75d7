from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, str_enum, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Nothing left to say when its turn came (the task was done, the reader left the team).
    SKIPPED = "skipped"
    # Given up after repeated failures; counted for admins to see.
    FAILED = "failed"


class Queued:
    """What every durable queue of deliveries keeps per row: its state, when it is due, who
    holds it (with a lease) and how its attempts went; ``crm.outbox`` works on any of them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxMessage(Queued, Base):
    """A message for a staff member that nobody asked for in that moment (a notification, a
    reminder, a digest). Written in the transaction of the change that causes it and sent by
    one sender after the commit; rendered at send time in the reader's language."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "due_at", "id"),)

    recipient_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set for messages that go out at most once per person and period (digests, reminders).
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)
