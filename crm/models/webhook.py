"""Outgoing webhooks: the addresses admins send the CRM's events to, each event's delivery
to each of them (a durable queue, like the outbox), and the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UtcDateTime, json_default_list, utcnow
from crm.models.outbox import Queued


class WebhookEvent(StrEnum):
    """What a webhook may subscribe to; the value is the ``type`` its receiver reads."""

    LEAD_CREATED = "lead.created"
    STAGE_CHANGED = "lead.stage_changed"
    LEAD_WON = "lead.won"
    LEAD_LOST = "lead.lost"
    TASK_DONE = "task.done"
    ORDER_LINKED = "order.linked"


class Webhook(Base):
    """An address that receives the events it subscribes to, signed with its own secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    # ``whsec_`` and the base64 of the key, as the Standard Webhooks libraries read it.
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[str]] = mapped_column(JSON, default=json_default_list)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # Set after too many failures in a row: deliveries wait until an admin resumes it.
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def receives(self, event: WebhookEvent) -> bool:
        return event.value in self.events


class WebhookDelivery(Queued, Base):
    """One event for one webhook, written in the transaction of the change; the body is fixed
    then, so every attempt sends the same bytes under the same ``webhook-id``."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        # The oldest pending delivery of each webhook: the only one that may be in flight.
        Index("ix_webhook_deliveries_queue", "status", "webhook_id", "id"),
        # The oldest first, for forgetting them once settled and old.
        Index("ix_webhook_deliveries_age", "created_at"),
    )

    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)


class WebhookAttempt(Base):
    """One request to a webhook's address: what admins read in its delivery log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_webhook_time", "webhook_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # None when no answer came (refused, timed out, the address was not allowed).
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
