"""The outbox: messages for staff written in the transaction of the change that causes them
and sent after its commit by one sender, each at most once across any number of processes.

Rows are claimed with a lease (a conditional UPDATE, ``SKIP LOCKED`` on PostgreSQL): a process
that dies holding a claim loses it when the lease runs out, so only the messages it had in
flight can go out twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.claims import picked_once
from crm.inserts import insert_unless_present
from crm.models import OutboxMessage, OutboxStatus, Staff, utcnow

LEASE = timedelta(seconds=60)
MAX_FAILURES = 8
BACKOFF_CAP = timedelta(minutes=10)
ERROR_MAX = 500


def enqueue(
    session: AsyncSession,
    *,
    recipient_id: int,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the outbox within the caller's transaction."""
    message = OutboxMessage(
        recipient_id=recipient_id, kind=kind, payload=payload, due_at=due_at or utcnow()
    )
    session.add(message)
    return message


async def enqueue_once(
    session: AsyncSession,
    *,
    dedup_key: str,
    recipient_id: int,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
) -> bool:
    """Add a message that goes out at most once per ``dedup_key`` (a digest per person and
    period); False when it already exists, also when another process added it meanwhile."""
    added = await insert_unless_present(
        session,
        OutboxMessage,
        unique=["dedup_key"],
        values={
            "dedup_key": dedup_key,
            "recipient_id": recipient_id,
            "kind": kind,
            "payload": payload,
            "due_at": due_at or utcnow(),
        },
    )
    return added is not None


def _claimable(now: datetime) -> Sequence[Any]:
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.due_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


async def claim_due(
    session: AsyncSession, *, worker: str, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for ``worker``, oldest first, skipping people who
    blocked the bot. The caller commits at once, so other workers see the claim."""
    candidates = (
        select(OutboxMessage.id)
        .join(Staff, Staff.id == OutboxMessage.recipient_id)
        .where(*_claimable(now), Staff.blocked_bot_at.is_(None))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(of=OutboxMessage, skip_locked=True)
    )
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked_once(session, candidates, "due_messages")))
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return sorted(claimed, key=lambda message: (message.due_at, message.id))


async def renew_claim(
    session: AsyncSession, *, message_id: int, worker: str, now: datetime, lease: timedelta = LEASE
) -> bool:
    """Right before sending: is the message still ``worker``'s? A claim that lapsed while the
    worker waited its turn may have passed to another worker, who sends it instead."""
    renewed = await session.scalar(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(claimed_until=now + lease)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return renewed is not None


async def _settle(session: AsyncSession, *, message_id: int, worker: str, **values: Any) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


async def mark_sent(session: AsyncSession, *, message_id: int, worker: str, now: datetime) -> None:
    await _settle(
        session, message_id=message_id, worker=worker, status=OutboxStatus.SENT, sent_at=now
    )


async def mark_all_sent(
    session: AsyncSession, *, worker: str, sent: Sequence[tuple[int, datetime]]
) -> None:
    """Settle many sent messages, given as (id, sent at), in one statement."""
    if not sent:
        return
    table = cast(Table, OutboxMessage.__table__)
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("sent_id"), table.c.claimed_by == worker)
        .values(
            status=OutboxStatus.SENT,
            sent_at=bindparam("sent_time"),
            claimed_by=None,
            claimed_until=None,
        ),
        [{"sent_id": message_id, "sent_time": at} for message_id, at in sent],
    )


async def mark_skipped(
    session: AsyncSession, *, message_id: int, worker: str, now: datetime, why: str
) -> None:
    await _settle(
        session,
        message_id=message_id,
        worker=worker,
        status=OutboxStatus.SKIPPED,
        sent_at=now,
        last_error=why[:ERROR_MAX],
    )


async def postpone(session: AsyncSession, *, message_id: int, worker: str, until: datetime) -> None:
    """Send later without counting a failure: Telegram asked to wait (429)."""
    await _settle(session, message_id=message_id, worker=worker, due_at=until)


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    given_up: bool
    retry_at: datetime | None


async def record_failure(
    session: AsyncSession, *, message: OutboxMessage, worker: str, now: datetime, error: str
) -> FailureOutcome:
    """Retry with exponential backoff; after ``MAX_FAILURES`` mark the message failed."""
    failures = message.attempts + 1
    if failures >= MAX_FAILURES:
        await _settle(
            session,
            message_id=message.id,
            worker=worker,
            attempts=failures,
            status=OutboxStatus.FAILED,
            last_error=error[:ERROR_MAX],
        )
        return FailureOutcome(given_up=True, retry_at=None)
    retry_at = now + min(BACKOFF_CAP, timedelta(seconds=2**failures))
    await _settle(
        session,
        message_id=message.id,
        worker=worker,
        attempts=failures,
        due_at=retry_at,
        last_error=error[:ERROR_MAX],
    )
    return FailureOutcome(given_up=False, retry_at=retry_at)


async def release_claims(session: AsyncSession, *, worker: str) -> None:
    """On a clean stop: hand back what ``worker`` claimed but did not send."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.PENDING)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class OutboxHealth:
    pending: int
    failed: int
    oldest_pending_due: datetime | None


async def outbox_health(session: AsyncSession) -> OutboxHealth:
    """What an admin sees of delivery: how much waits and how much was given up."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        .group_by(OutboxMessage.status)
    )
    counts = {status: count for status, count in rows}
    oldest = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return OutboxHealth(
        pending=counts.get(OutboxStatus.PENDING, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        oldest_pending_due=oldest,
    )


async def mark_blocked(session: AsyncSession, *, staff_id: int, now: datetime) -> None:
    """Telegram said the person blocked the bot: hold their messages until they write again."""
    await session.execute(update(Staff).where(Staff.id == staff_id).values(blocked_bot_at=now))


async def give_up(session: AsyncSession, *, message_id: int, worker: str, error: str) -> None:
    """Telegram refused the message itself (400): sending it again cannot help."""
    await _settle(
        session,
        message_id=message_id,
        worker=worker,
        status=OutboxStatus.FAILED,
        last_error=error[:ERROR_MAX],
    )


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    recipient: str
    kind: str
    error: str
    created_at: datetime


RECENT_FAILURES = 5


async def recent_failures(session: AsyncSession) -> list[FailedDelivery]:
    rows = await session.execute(
        select(
            Staff.display_name,
            OutboxMessage.kind,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
        )
        .join(Staff, Staff.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(RECENT_FAILURES)
    )
    return [FailedDelivery(name, kind, error or "", created) for name, kind, error, created in rows]


async def retry_failed(session: AsyncSession, *, now: datetime) -> int:
    """Give every failed message another full round of attempts; how many there were."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, due_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
