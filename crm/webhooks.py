"""Outgoing webhooks' queue: each domain event a webhook subscribes to becomes a delivery row
in the transaction of the change, and the sender takes them out in order, one per webhook
at a time, through the outbox's claiming and retrying (:mod:`crm.outbox`).

A webhook that fails ``PAUSE_AFTER`` times in a row is paused and the admins are told through
the outbox; its deliveries wait, none lost, until an admin resumes it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Insert,
    Integer,
    Row,
    Select,
    Update,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from crm import events, listeners, outbox
from crm.claims import picked_once_on
from crm.models import (
    Lead,
    Order,
    OutboxStatus,
    Role,
    Staff,
    Task,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    table_of,
    utcnow,
)
from crm.wakeups import Queue, queued
from crm.working_hours import next_working_moment

PAUSE_AFTER = 20
# Settled deliveries (sent, skipped, given up) are kept this long, and the latest
# ``LOG_SIZE`` attempts of each webhook (what its admins see) whatever their age.
KEEP_SETTLED = timedelta(days=30)
LOG_SIZE = 10
FORGOTTEN_PER_ROUND = 5000
WEBHOOK_PAUSED = "webhook_paused"
# Exponential waits of up to two hours, shortened by up to half at random, for a day.
WEBHOOK_RETRIES = outbox.RetryPolicy(
    backoff_cap=timedelta(hours=2), give_up_after=timedelta(hours=24), jitter=0.5
)

EVENT_TYPES: dict[type[events.DomainEvent], WebhookEvent] = {
    events.LeadCreated: WebhookEvent.LEAD_CREATED,
    events.StageChanged: WebhookEvent.STAGE_CHANGED,
    events.LeadWon: WebhookEvent.LEAD_WON,
    events.LeadLost: WebhookEvent.LEAD_LOST,
    events.TaskDone: WebhookEvent.TASK_DONE,
    events.OrderLinked: WebhookEvent.ORDER_LINKED,
}


async def enqueue_deliveries(
    session: AsyncSession, happened: Sequence[events.DomainEvent], *, now: datetime | None = None
) -> int:
    """A delivery row per event and webhook subscribed to it, within the caller's
    transaction; how many."""
    typed = [(event, EVENT_TYPES[type(event)]) for event in happened if type(event) in EVENT_TYPES]
    if not typed:
        return 0
    receivers_of = await listeners.webhook_receivers(session)
    now = now or utcnow()
    added = 0
    for event, event_type in typed:
        receivers = receivers_of.get(event_type.value, ())
        if not receivers:
            continue
        data = await _event_data(session, event)
        enqueue_event(
            session,
            receivers,
            event_id=f"evt_{uuid.uuid4().hex}",
            event_type=event_type.value,
            data=data,
            now=now,
        )
        added += len(receivers)
    return added


def enqueue_event(
    session: AsyncSession,
    receivers: Sequence[int],
    *,
    event_id: str,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """One delivery row of the event for each receiver (a webhook's id), its body fixed now;
    ``event_id`` is the receivers' idempotency key."""
    body = json.dumps(
        {"id": event_id, "type": event_type, "timestamp": _iso(now), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    for webhook_id in receivers:
        session.add(
            WebhookDelivery(
                webhook_id=webhook_id,
                event_id=event_id,
                event_type=event_type,
                body=body,
                due_at=now,
            )
        )
    queued(session, Queue.WEBHOOK_DELIVERIES)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def _event_data(session: AsyncSession, event: events.DomainEvent) -> dict[str, Any]:
    lead_id: int | None = getattr(event, "lead_id", None)
    data: dict[str, Any] = {
        "actor_id": event.actor_id,
        "lead": await lead_data(session, lead_id) if lead_id is not None else None,
    }
    match event:
        case events.StageChanged(from_stage_id=from_stage_id, to_stage_id=to_stage_id):
            data |= {"from_stage_id": from_stage_id, "to_stage_id": to_stage_id}
        case events.LeadLost(reason_code=code, reason_text=text):
            data |= {"reason": code.value, "reason_text": text}
        case events.TaskDone(task_id=task_id):
            task = await session.get_one(Task, task_id)
            data["task"] = {
                "id": task.id,
                "title": task.title,
                "due_at": _iso(task.due_at),
                "done_at": _iso(task.done_at),
                "assignee_id": task.assignee_id,
            }
        case events.OrderLinked(order_id=order_id):
            order = await session.get_one(Order, order_id)
            data["order"] = {
                "id": order.id,
                "external_id": order.external_id,
                "amount_minor": order.amount_minor,
                "currency": order.currency,
                "status": order.status,
            }
    return data


async def lead_data(session: AsyncSession, lead_id: int) -> dict[str, Any] | None:
    lead = await session.scalar(
        select(Lead).where(Lead.id == lead_id).options(selectinload(Lead.tags))
    )
    if lead is None:
        return None
    return {
        "id": lead.id,
        "title": lead.title,
        "contact_name": lead.contact_name,
        "phone": lead.phone,
        "email": lead.email,
        "source": lead.source.value,
        "source_detail": lead.source_detail,
        "stage": {"id": lead.stage.id, "name": lead.stage.name, "kind": lead.stage.kind.value},
        "responsible": (
            {"id": lead.responsible.id, "name": lead.responsible.display_name}
            if lead.responsible is not None
            else None
        ),
        "value": _money(lead.value),
        "currency": lead.currency,
        "tags": [tag.name for tag in lead.tags],
        "custom_fields": lead.custom_fields,
        "customer_id": lead.customer_id,
        "order_id": lead.order_id,
        "lost_reason": lead.lost_reason_code,
        "created_at": _iso(lead.created_at),
        "won_at": _iso(lead.won_at),
        "lost_at": _iso(lead.lost_at),
    }


# The sender's side.


async def claim_next(
    session: AsyncSession, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[WebhookDelivery]:
    """Claim the oldest pending delivery of up to ``limit`` webhooks that are neither paused
    nor deleted, if it is due and nobody holds it: at most one delivery of a webhook is in
    flight, so its receiver gets events in the order they happened (:func:`claim_run` then
    takes the ones behind it). Found through each webhook's oldest pending id, an index
    lookup, however long the queue."""
    bound = {"now": now, "worker": worker, "lease_end": now + lease, "limit": limit}
    return outbox.oldest_first(
        await session.scalars(_claiming(session.get_bind().dialect.name), bound)
    )


@lru_cache(maxsize=2)
def _claiming(dialect: str) -> Update:
    """The claim, composed once per database: composing the statement took longer than
    running it."""
    now = bindparam("now", type_=WebhookDelivery.due_at.type)
    pending = aliased(WebhookDelivery)
    oldest_pending = (
        select(func.min(pending.id))
        .where(pending.webhook_id == Webhook.id, pending.status == OutboxStatus.PENDING)
        .scalar_subquery()
    )
    active = select(oldest_pending).where(Webhook.paused_at.is_(None), Webhook.deleted_at.is_(None))
    candidates = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.id.in_(active),
            *outbox.claimable(WebhookDelivery, now),
        )
        .order_by(WebhookDelivery.due_at, WebhookDelivery.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(picked_once_on(dialect, candidates, "due_webhookdelivery")))
        .values(
            claimed_by=bindparam("worker", type_=WebhookDelivery.claimed_by.type),
            claimed_until=bindparam("lease_end", type_=WebhookDelivery.claimed_until.type),
        )
        .returning(WebhookDelivery)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


async def claim_run(
    session: AsyncSession,
    *,
    webhook_id: int,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[WebhookDelivery]:
    """Claim the webhook's oldest pending deliveries, up to ``limit``, oldest first and with
    no gap: from its oldest on, as long as each is due and free (or already ``worker``'s),
    while the webhook is neither paused nor deleted. The sender posts them one after another,
    so a run costs one claim instead of one per delivery; they share one lease. The caller
    commits at once."""
    bound = {"webhook_id": webhook_id, "worker": worker, "now": now}
    oldest = await session.execute(_oldest_pending_of_webhook(), bound | {"limit": limit})
    run = [row.id for row in _while_free(oldest, worker=worker, now=now)]
    if not run:
        return []
    claimed = await session.scalars(
        _claiming_run(), bound | {"run_ids": run, "lease_end": now + lease}
    )
    held = {delivery.id: delivery for delivery in claimed}
    unbroken = _up_to_a_gap(run, held)
    if len(unbroken) < len(held):  # another worker took one between the look and the claim
        await release_deliveries(session, held.keys() - {d.id for d in unbroken}, worker=worker)
    return unbroken


# A pending delivery's id, due time and claim.
_InQueue = Row[int, datetime, str | None, datetime | None]


def _while_free(rows: Iterable[_InQueue], *, worker: str, now: datetime) -> Iterable[_InQueue]:
    for row in rows:
        lease_runs = row.claimed_until is not None and row.claimed_until >= now
        if row.due_at > now or (row.claimed_by not in (None, worker) and lease_runs):
            return
        yield row


def _up_to_a_gap(run: list[int], held: dict[int, WebhookDelivery]) -> list[WebhookDelivery]:
    unbroken = []
    for delivery_id in run:
        if delivery_id not in held:
            break
        unbroken.append(held[delivery_id])
    return unbroken


@lru_cache(maxsize=1)
def _oldest_pending_of_webhook() -> Select[int, datetime, str | None, datetime | None]:
    return (
        select(
            WebhookDelivery.id,
            WebhookDelivery.due_at,
            WebhookDelivery.claimed_by,
            WebhookDelivery.claimed_until,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.webhook_id == bindparam("webhook_id"),
            WebhookDelivery.status == OutboxStatus.PENDING,
            Webhook.paused_at.is_(None),
            Webhook.deleted_at.is_(None),
        )
        .order_by(WebhookDelivery.id)
        .limit(bindparam("limit", type_=Integer))
    )


@lru_cache(maxsize=1)
def _claiming_run() -> Update:
    """Claims the deliveries ``run_ids`` that are still pending, due and free (or the
    worker's own): checked again in the statement, as another worker may have come between."""
    now = bindparam("now", type_=WebhookDelivery.due_at.type)
    worker = bindparam("worker", type_=WebhookDelivery.claimed_by.type)
    return (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(bindparam("run_ids", expanding=True)),
            WebhookDelivery.status == OutboxStatus.PENDING,
            WebhookDelivery.due_at <= now,
            or_(
                WebhookDelivery.claimed_by == worker,
                WebhookDelivery.claimed_until.is_(None),
                WebhookDelivery.claimed_until < now,
            ),
        )
        .values(
            claimed_by=worker,
            claimed_until=bindparam("lease_end", type_=WebhookDelivery.claimed_until.type),
        )
        .returning(WebhookDelivery)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


async def release_deliveries(
    session: AsyncSession, delivery_ids: Collection[int], *, worker: str
) -> None:
    """Hand back claimed deliveries that will not be posted now (the rest of a run that
    stopped), so the next claim takes them, in order, without waiting for their lease."""
    if not delivery_ids:
        return
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(delivery_ids),
            WebhookDelivery.claimed_by == worker,
            WebhookDelivery.status == OutboxStatus.PENDING,
        )
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one request got: a status code (None when no answer came) and how long it took."""

    status_code: int | None
    latency_ms: int
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def settle_attempt(
    session: AsyncSession,
    delivery: WebhookDelivery,
    result: AttemptResult,
    *,
    worker: str,
    now: datetime,
    retries: outbox.RetryPolicy = WEBHOOK_RETRIES,
    after_failures: bool = True,
) -> None:
    """Log the attempt and settle the delivery: sent for good, or retried later; a webhook
    failing for the ``PAUSE_AFTER``-th time in a row is paused and the admins told.
    ``after_failures`` False says the webhook's last attempt went through, so a success has
    no count of failures to reset (one statement less a delivery)."""
    if result.delivered:
        reset = [delivery.webhook_id] if after_failures else []
        await settle_delivered(
            session,
            [LoggedAttempt.of(delivery, result, at=now)],
            worker=worker,
            failures_reset=reset,
        )
        return
    await session.execute(
        _logging_attempts(), [LoggedAttempt.of(delivery, result, at=now).as_row()]
    )
    await outbox.record_failure(
        session,
        message=delivery,
        worker=worker,
        now=now,
        error=result.error or f"HTTP {result.status_code}",
        policy=retries,
    )
    failures = await session.scalar(
        update(Webhook)
        .where(Webhook.id == delivery.webhook_id)
        .values(consecutive_failures=Webhook.consecutive_failures + 1)
        .returning(Webhook.consecutive_failures)
    )
    if failures is not None and failures >= PAUSE_AFTER:
        await _pause(session, webhook_id=delivery.webhook_id, now=now)


@dataclass(frozen=True, slots=True)
class LoggedAttempt:
    """One attempt as the delivery log keeps it."""

    webhook_id: int
    delivery_id: int
    attempt: int
    at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None = None

    @classmethod
    def of(cls, delivery: WebhookDelivery, result: AttemptResult, *, at: datetime) -> LoggedAttempt:
        return cls(
            webhook_id=delivery.webhook_id,
            delivery_id=delivery.id,
            attempt=delivery.attempts + 1,
            at=at,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            error=(result.error or "")[: outbox.ERROR_MAX] or None,
        )

    def as_row(self) -> dict[str, Any]:
        return {
            "webhook_id": self.webhook_id,
            "delivery_id": self.delivery_id,
            "attempt": self.attempt,
            "attempted_at": self.at,
            "status_code": self.status_code,
            "latency_ms": self.latency_ms,
            "error": self.error,
        }


async def settle_delivered(
    session: AsyncSession,
    delivered: Sequence[LoggedAttempt],
    *,
    worker: str,
    failures_reset: Collection[int] = (),
) -> None:
    """Settle deliveries their receivers took (each attempt a 2xx), however many, in two
    statements: their attempts logged, and each marked sent at its answer's time; and one
    more to reset the count of failures of the webhooks in ``failures_reset`` (those whose
    last attempt had failed). Several webhooks' successes share one transaction this way.

    On PostgreSQL the commit does not wait for the disk (an fsync, under load longer than
    the rest of the transaction and the request together): settling lost in a crash of the
    database leaves those deliveries pending, to be sent again under their same event ids,
    which their receivers know already; nothing is lost. Failures are settled durably."""
    if not delivered:
        return
    await session.execute(
        _logging_successes(session.get_bind().dialect.name),
        [each.as_row() for each in delivered],
    )
    await outbox.mark_all_sent(
        session,
        worker=worker,
        sent=[(each.delivery_id, each.at) for each in delivered],
        queue=WebhookDelivery,
    )
    if failures_reset:
        await session.execute(
            update(Webhook)
            .where(Webhook.id.in_(failures_reset))
            .values(consecutive_failures=0)
            .execution_options(synchronize_session=False)
        )


@lru_cache(maxsize=1)
def _logging_attempts() -> Insert:
    return insert(table_of(WebhookAttempt))


@lru_cache(maxsize=2)
def _logging_successes(dialect: str) -> Insert:
    """On PostgreSQL with the setting that the commit need not wait for the disk, in the
    same round trip."""
    if dialect != "postgresql":
        return _logging_attempts()
    return _logging_attempts().returning(func.set_config("synchronous_commit", "off", True))


async def _pause(session: AsyncSession, *, webhook_id: int, now: datetime) -> None:
    paused = await session.scalar(
        update(Webhook)
        .where(Webhook.id == webhook_id, Webhook.paused_at.is_(None))
        .values(paused_at=now)
        .returning(Webhook.id)
    )
    if paused is None:
        return
    admins = await session.scalars(
        select(Staff).where(Staff.role == Role.ADMIN, Staff.is_active.is_(True))
    )
    for admin in admins:
        outbox.enqueue(
            session,
            recipient_id=admin.id,
            kind=WEBHOOK_PAUSED,
            payload={"webhook_id": webhook_id},
            due_at=next_working_moment(admin, now),
        )


async def release_claims(session: AsyncSession, *, worker: str) -> None:
    await outbox.release_claims(session, worker=worker, queue=WebhookDelivery)


# Housekeeping.


async def forget_settled_deliveries(
    session: AsyncSession, *, now: datetime, keep: timedelta = KEEP_SETTLED
) -> int:
    """Delete deliveries settled and older than ``keep``, with their attempts, except those of
    each webhook's latest ``LOG_SIZE`` attempts; at most ``FORGOTTEN_PER_ROUND``, the oldest
    first (found through their age's index); how many. Waiting deliveries are never touched."""
    oldest = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.created_at < now - keep,
            WebhookDelivery.status != OutboxStatus.PENDING,
        )
        .order_by(WebhookDelivery.created_at)
        .limit(FORGOTTEN_PER_ROUND)
        .correlate(None)
    )
    logged = (
        select(WebhookAttempt.delivery_id)
        .where(WebhookAttempt.webhook_id == WebhookDelivery.webhook_id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
        .limit(LOG_SIZE)
    )
    result = await session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.id.in_(oldest), WebhookDelivery.id.not_in(logged))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
