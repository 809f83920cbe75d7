"""``/webhooks`` for admins: add an address and the events it receives (its secret is shown
once, on creation), change the events, read the delivery log, resume a paused webhook,
delete one."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotFound, ValidationFailed
from crm.models import (
    OutboxStatus,
    Role,
    Staff,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    utcnow,
)
from crm.services.access import require_role
from crm.wakeups import Queue, queued
from crm.webhook_targets import TargetPolicy, checked_target
from crm.webhooks import LOG_SIZE

SECRET_BYTES = 24
SECRET_PREFIX = "whsec_"


async def checked_webhook_url(actor: Staff, url: str, policy: TargetPolicy) -> str:
    """The address as it will be stored, once it may receive webhooks (the host is resolved
    and every address checked); :class:`crm.webhook_targets.TargetRefused` says why not."""
    require_role(actor, Role.ADMIN)
    return (await checked_target(url, policy)).url


async def create_webhook(
    session: AsyncSession,
    *,
    actor: Staff,
    url: str,
    events: Collection[WebhookEvent],
    policy: TargetPolicy,
) -> Webhook:
    url = await checked_webhook_url(actor, url, policy)
    if not events:
        raise ValidationFailed("webhook-no-events", field="events")
    webhook = Webhook(
        url=url,
        secret=SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode(),
        events=_ordered(events),
        consecutive_failures=0,
        created_by_id=actor.id,
    )
    session.add(webhook)
    await session.flush()
    return webhook


def _ordered(events: Collection[WebhookEvent]) -> list[str]:
    return [event.value for event in WebhookEvent if event in events]


async def list_webhooks(session: AsyncSession, *, actor: Staff) -> list[Webhook]:
    require_role(actor, Role.ADMIN)
    rows = await session.scalars(
        select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
    )
    return list(rows)


async def admin_webhook(session: AsyncSession, *, actor: Staff, webhook_id: int) -> Webhook:
    require_role(actor, Role.ADMIN)
    webhook = await session.get(Webhook, webhook_id)
    if webhook is None or webhook.deleted_at is not None:
        raise NotFound(f"webhook {webhook_id}")
    return webhook


async def toggle_webhook_event(
    session: AsyncSession, *, actor: Staff, webhook_id: int, event: WebhookEvent
) -> Webhook:
    """Subscribe to ``event`` or stop; a webhook keeps at least one event."""
    webhook = await admin_webhook(session, actor=actor, webhook_id=webhook_id)
    chosen = {WebhookEvent(value) for value in webhook.events} ^ {event}
    if not chosen:
        raise ValidationFailed("webhook-no-events", field="events")
    webhook.events = _ordered(chosen)
    await session.flush()
    return webhook


async def resume_webhook(
    session: AsyncSession, *, actor: Staff, webhook_id: int, now: datetime | None = None
) -> Webhook:
    """Deliver again, starting now with the oldest waiting delivery."""
    webhook = await admin_webhook(session, actor=actor, webhook_id=webhook_id)
    now = now or utcnow()
    webhook.paused_at = None
    webhook.consecutive_failures = 0
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.status == OutboxStatus.PENDING,
        )
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
    queued(session, Queue.WEBHOOK_DELIVERIES)
    await session.flush()
    return webhook


async def delete_webhook(session: AsyncSession, *, actor: Staff, webhook_id: int) -> Webhook:
    """Stop sending to the webhook; what still waited for it is skipped, the log is kept."""
    webhook = await admin_webhook(session, actor=actor, webhook_id=webhook_id)
    webhook.deleted_at = utcnow()
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.SKIPPED, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return webhook


async def waiting_deliveries(session: AsyncSession, *, actor: Staff, webhook_id: int) -> int:
    await admin_webhook(session, actor=actor, webhook_id=webhook_id)
    count = await session.scalar(
        select(func.count()).where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.status == OutboxStatus.PENDING,
        )
    )
    return int(count or 0)


async def delivery_log(
    session: AsyncSession, *, actor: Staff, webhook_id: int, limit: int = LOG_SIZE
) -> list[tuple[WebhookAttempt, str]]:
    """The latest attempts, newest first, each with its event's type."""
    await admin_webhook(session, actor=actor, webhook_id=webhook_id)
    rows = await session.execute(
        select(WebhookAttempt, WebhookDelivery.event_type)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookAttempt.webhook_id == webhook_id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
        .limit(limit)
    )
    return [(attempt, event_type) for attempt, event_type in rows]
