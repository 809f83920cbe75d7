"""The outbox: messages for staff written in the transaction of the change that causes them
and sent after its commit by one sender, each at most once across any number of processes.
The claiming, settling and retrying below work on any :class:`Queued` table (the outgoing
webhooks' deliveries are another).

Rows are claimed with a lease (a conditional UPDATE, ``SKIP LOCKED`` on PostgreSQL): a process
that dies holding a claim loses it when the lease runs out, so only the messages it had in
flight can go out twice.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.claims import picked_once
from crm.inserts import insert_unless_present, rows_insert
from crm.models import OutboxMessage, OutboxStatus, Staff, utcnow
from crm.models.outbox import Queued

LEASE = timedelta(seconds=60)
# Kinds of message that go to a customer over their own channel, each sent by a sender of its
# own; the staff's Telegram sender leaves them alone. ``recipient_id`` is then the author.
WHATSAPP_REPLY = "whatsapp_reply"
CUSTOMER_KINDS = frozenset({WHATSAPP_REPLY})
MAX_FAILURES = 8
BACKOFF_CAP = timedelta(minutes=10)
ERROR_MAX = 500

Row = TypeVar("Row", bound=Queued)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait after each failure and when to stop: after ``max_failures`` attempts,
    or once a row is older than ``give_up_after``. ``jitter`` shortens each wait by a random
    part of it, so rows that failed together do not all come back at once."""

    backoff_cap: timedelta
    max_failures: int | None = None
    give_up_after: timedelta | None = None
    jitter: float = 0.0

    def gives_up(self, failures: int, *, age: timedelta) -> bool:
        too_many = self.max_failures is not None and failures >= self.max_failures
        too_old = self.give_up_after is not None and age >= self.give_up_after
        return too_many or too_old

    def wait_after(self, failures: int) -> timedelta:
        wait = min(self.backoff_cap, timedelta(seconds=2**failures))
        return wait * (1 - self.jitter * random.random())


TELEGRAM_RETRIES = RetryPolicy(backoff_cap=BACKOFF_CAP, max_failures=MAX_FAILURES)


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


@dataclass(frozen=True, slots=True)
class NewMessage:
    recipient_id: int
    kind: str
    payload: dict[str, Any]
    due_at: datetime


async def enqueue_many(session: AsyncSession, messages: Sequence[NewMessage]) -> None:
    """Add messages to the outbox within the caller's transaction, all in one statement (one
    INSERT per message, as the ORM writes them on SQLite, cost a round trip each)."""
    if messages:
        await session.execute(
            rows_insert(OutboxMessage),
            [
                {
                    "recipient_id": message.recipient_id,
                    "kind": message.kind,
                    "payload": message.payload,
                    "due_at": message.due_at,
                }
                for message in messages
            ],
        )


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


def claimable(queue: type[Queued], now: datetime | ColumnElement[datetime]) -> Sequence[Any]:
    return (
        queue.status == OutboxStatus.PENDING,
        queue.due_at <= now,
        or_(queue.claimed_until.is_(None), queue.claimed_until < now),
    )


async def claim(
    session: AsyncSession,
    queue: type[Row],
    candidates: Select[Any],
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
) -> list[Row]:
    """Claim the rows ``candidates`` selects (their ids, locked ``SKIP LOCKED``) for
    ``worker`` until the lease runs out, oldest first. The caller commits at once, so other
    workers see the claim."""
    claimed = await session.scalars(
        update(queue)
        .where(queue.id.in_(picked_once(session, candidates, f"due_{queue.__name__.lower()}")))
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(queue)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return oldest_first(claimed)


def oldest_first(claimed: Iterable[Row]) -> list[Row]:
    return sorted(claimed, key=lambda row: (row.due_at, row.id))


async def claim_due(
    session: AsyncSession, *, worker: str, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for staff for ``worker``, oldest first, skipping
    people who blocked the bot. The caller commits at once, so other workers see the claim."""
    candidates = (
        select(OutboxMessage.id)
        .join(Staff, Staff.id == OutboxMessage.recipient_id)
        .where(
            *claimable(OutboxMessage, now),
            OutboxMessage.kind.not_in(CUSTOMER_KINDS),
            Staff.blocked_bot_at.is_(None),
        )
    )
    return await _claim_in_order(
        session, candidates, worker=worker, now=now, limit=limit, lease=lease
    )


async def claim_due_of_kinds(
    session: AsyncSession,
    *,
    kinds: Collection[str],
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
) -> list[OutboxMessage]:
    """As :func:`claim_due`, for the messages of ``kinds`` only (a customer channel's own
    sender): whether their author blocked the bot does not matter to the customer."""
    candidates = select(OutboxMessage.id).where(
        *claimable(OutboxMessage, now), OutboxMessage.kind.in_(kinds)
    )
    return await _claim_in_order(
        session, candidates, worker=worker, now=now, limit=limit, lease=lease
    )


async def _claim_in_order(
    session: AsyncSession,
    candidates: Select[Any],
    *,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
) -> list[OutboxMessage]:
    locked = (
        candidates.order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(of=OutboxMessage, skip_locked=True)
    )
    return await claim(session, OutboxMessage, locked, worker=worker, now=now, lease=lease)


async def renew_claim(
    session: AsyncSession,
    *,
    message_id: int,
    worker: str,
    now: datetime,
    lease: timedelta = LEASE,
    queue: type[Queued] = OutboxMessage,
) -> bool:
    """Right before sending: is the message still ``worker``'s? A claim that lapsed while the
    worker waited its turn may have passed to another worker, who sends it instead."""
    renewed = await session.scalar(
        update(queue)
        .where(
            queue.id == message_id,
            queue.claimed_by == worker,
            queue.status == OutboxStatus.PENDING,
        )
        .values(claimed_until=now + lease)
        .returning(queue.id)
        .execution_options(synchronize_session=False)
    )
    return renewed is not None


async def _settle(
    session: AsyncSession,
    *,
    message_id: int,
    worker: str,
    queue: type[Queued] = OutboxMessage,
    **values: Any,
) -> None:
    await session.execute(
        update(queue)
        .where(queue.id == message_id, queue.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


async def mark_sent(
    session: AsyncSession,
    *,
    message_id: int,
    worker: str,
    now: datetime,
    queue: type[Queued] = OutboxMessage,
) -> None:
    await _settle(
        session,
        message_id=message_id,
        worker=worker,
        queue=queue,
        status=OutboxStatus.SENT,
        sent_at=now,
    )


async def mark_all_sent(
    session: AsyncSession,
    *,
    worker: str,
    sent: Sequence[tuple[int, datetime]],
    queue: type[Queued] = OutboxMessage,
) -> None:
    """Settle many sent messages, given as (id, sent at), in one statement."""
    await _settle_all(session, worker=worker, settled=sent, status=OutboxStatus.SENT, queue=queue)


async def mark_all_skipped(
    session: AsyncSession, *, worker: str, skipped: Sequence[tuple[int, datetime]], why: str
) -> None:
    """Settle many messages not worth sending, given as (id, when so found), in one
    statement: a batch of news for people who may no longer see the lead is one write, not
    one write each while every other writer waits."""
    await _settle_all(
        session,
        worker=worker,
        settled=skipped,
        status=OutboxStatus.SKIPPED,
        last_error=why[:ERROR_MAX],
    )


async def _settle_all(
    session: AsyncSession,
    *,
    worker: str,
    settled: Sequence[tuple[int, datetime]],
    status: OutboxStatus,
    queue: type[Queued] = OutboxMessage,
    **values: Any,
) -> None:
    if not settled:
        return
    table = cast(Table, cast(Any, queue).__table__)
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("settled_id"), table.c.claimed_by == worker)
        .values(
            status=status,
            sent_at=bindparam("settled_at"),
            claimed_by=None,
            claimed_until=None,
            **values,
        ),
        [{"settled_id": message_id, "settled_at": at} for message_id, at in settled],
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
    session: AsyncSession,
    *,
    message: Queued,
    worker: str,
    now: datetime,
    error: str,
    policy: RetryPolicy = TELEGRAM_RETRIES,
) -> FailureOutcome:
    """Retry with exponential backoff until ``policy`` gives up; then mark the row failed."""
    failures = message.attempts + 1
    queue = type(message)
    if policy.gives_up(failures, age=now - message.created_at):
        await _settle(
            session,
            message_id=message.id,
            worker=worker,
            queue=queue,
            attempts=failures,
            status=OutboxStatus.FAILED,
            last_error=error[:ERROR_MAX],
        )
        return FailureOutcome(given_up=True, retry_at=None)
    retry_at = now + policy.wait_after(failures)
    await _settle(
        session,
        message_id=message.id,
        worker=worker,
        queue=queue,
        attempts=failures,
        due_at=retry_at,
        last_error=error[:ERROR_MAX],
    )
    return FailureOutcome(given_up=False, retry_at=retry_at)


async def release_claims(
    session: AsyncSession, *, worker: str, queue: type[Queued] = OutboxMessage
) -> None:
    """On a clean stop: hand back what ``worker`` claimed but did not send."""
    await session.execute(
        update(queue)
        .where(queue.claimed_by == worker, queue.status == OutboxStatus.PENDING)
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
