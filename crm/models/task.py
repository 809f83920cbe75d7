from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, utcnow


class Task(Base):
    """A follow-up: due at a time, optionally reminded of once, done or snoozed."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_open", "assignee_id", "done_at", "due_at"),
        Index("ix_tasks_reminder", "reminder_sent_at", "remind_at"),
        Index("ix_tasks_escalation", "escalated_at", "done_at", "due_at"),
        # Automation rules: tasks that came due in a window.
        Index("ix_tasks_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the managers were told the task is overdue: at most once per task.
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
