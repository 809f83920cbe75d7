"""The outbox: written with the change, claimed once across workers, retried, never lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import events, outbox
from crm.models import Notification, OutboxMessage, OutboxStatus, Staff, Task
from crm.notifications import LEAD_CREATED, commit_with_notifications, enqueue_for_events
from crm.reminders import enqueue_due_reminders
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from tests.crm.conftest import Team

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday, 12:00 in Kyiv


async def pending(session: AsyncSession) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return list(rows)


async def fill(session: AsyncSession, recipient: Staff, count: int) -> None:
    for number in range(count):
        outbox.enqueue(
            session, recipient_id=recipient.id, kind="test", payload={"n": number}, due_at=NOW
        )
    await session.commit()


async def test_a_committed_change_leaves_its_notifications_and_a_rolled_back_one_none(
    session: AsyncSession, team: Team
) -> None:
    managers = sorted([team.admin.id, team.manager.id])
    await create_lead(session, actor=team.rep, draft=LeadDraft(title="Kept"))
    await commit_with_notifications(session)
    await create_lead(session, actor=team.rep, draft=LeadDraft(title="Rolled back"))
    await session.rollback()
    assert events.take_collected(session) == []

    told = await pending(session)
    # The admin and the manager hear of the new lead; the rep who added it does not.
    assert sorted(m.recipient_id for m in told) == managers
    assert {m.kind for m in told} == {LEAD_CREATED}


async def test_people_who_turned_a_kind_off_are_not_told(session: AsyncSession, team: Team) -> None:
    team.manager.notifications = [Notification.WINS_AND_LOSSES.value]
    await session.commit()
    await create_lead(session, actor=team.rep, draft=LeadDraft(title="Quiet"))
    await commit_with_notifications(session)

    assert [m.recipient_id for m in await pending(session)] == [team.admin.id]


async def test_news_outside_working_hours_waits_for_the_readers_morning(
    session: AsyncSession, team: Team
) -> None:
    team.manager.work_starts, team.manager.work_ends = time(9, 0), time(18, 0)
    team.admin.work_starts = team.admin.work_ends = time(0, 0)  # around the clock
    await session.commit()
    late_evening = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)  # 22:30 in Kyiv
    lead = await create_lead(session, actor=team.rep, draft=LeadDraft(title="Late"))
    events.take_collected(session)
    happened = [
        events.LeadCreated(actor_id=team.rep.id, lead_id=lead.id, responsible_id=None, source="x")
    ]
    await enqueue_for_events(session, happened, now=late_evening)
    await session.commit()

    due = {m.recipient_id: m.due_at for m in await pending(session)}
    assert due[team.admin.id] == late_evening
    assert due[team.manager.id] == datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 09:00 in Kyiv


async def test_each_message_is_claimed_by_one_worker_when_two_race(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    await fill(session, team.rep, 200)

    async def worker(name: str) -> list[int]:
        taken: list[int] = []
        while True:
            async with session_factory() as own:
                batch = await outbox.claim_due(own, worker=name, now=NOW, limit=7)
                await own.commit()
            if not batch:
                return taken
            taken += [message.id for message in batch]

    first, second = await asyncio.gather(worker("a"), worker("b"))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 200


async def test_a_claim_held_by_a_dead_worker_lapses_with_its_lease(
    session: AsyncSession, team: Team
) -> None:
    await fill(session, team.rep, 1)
    (claimed,) = await outbox.claim_due(session, worker="dead", now=NOW, limit=10)
    await session.commit()

    assert (
        await outbox.claim_due(session, worker="alive", now=NOW + timedelta(seconds=5), limit=9)
        == []
    )
    later = NOW + outbox.LEASE + timedelta(seconds=1)
    (reclaimed,) = await outbox.claim_due(session, worker="alive", now=later, limit=9)
    assert reclaimed.id == claimed.id
    assert reclaimed.claimed_by == "alive"


async def test_a_sent_message_is_never_claimed_again(session: AsyncSession, team: Team) -> None:
    await fill(session, team.rep, 1)
    (message,) = await outbox.claim_due(session, worker="w", now=NOW, limit=1)
    await outbox.mark_sent(session, message_id=message.id, worker="w", now=NOW)
    await session.commit()

    much_later = NOW + timedelta(days=1)
    assert await outbox.claim_due(session, worker="w", now=much_later, limit=9) == []


async def test_a_clean_stop_hands_back_what_was_claimed(session: AsyncSession, team: Team) -> None:
    await fill(session, team.rep, 3)
    await outbox.claim_due(session, worker="stopping", now=NOW, limit=9)
    await outbox.release_claims(session, worker="stopping")
    await session.commit()

    assert len(await outbox.claim_due(session, worker="next", now=NOW, limit=9)) == 3


async def test_failures_back_off_and_are_given_up_and_counted(
    session: AsyncSession, team: Team
) -> None:
    await fill(session, team.rep, 1)
    now = NOW
    retries: list[timedelta] = []
    for _ in range(outbox.MAX_FAILURES):
        (message,) = await outbox.claim_due(session, worker="w", now=now, limit=1)
        outcome = await outbox.record_failure(
            session, message=message, worker="w", now=now, error="network down"
        )
        await session.commit()
        if outcome.retry_at is not None:
            retries.append(outcome.retry_at - now)
            now = outcome.retry_at

    assert retries == sorted(retries) and len(retries) == outbox.MAX_FAILURES - 1
    health = await outbox.outbox_health(session)
    assert (health.pending, health.failed) == (0, 1)
    failed = await session.scalar(select(OutboxMessage))
    assert failed is not None and failed.last_error == "network down"


async def test_a_person_who_blocked_the_bot_gets_nothing_until_they_write_again(
    session: AsyncSession, team: Team
) -> None:
    await fill(session, team.rep, 2)
    await fill(session, team.manager, 1)
    await outbox.mark_blocked(session, staff_id=team.rep.id, now=NOW)
    await session.commit()

    claimed = await outbox.claim_due(session, worker="w", now=NOW, limit=9)
    assert [m.recipient_id for m in claimed] == [team.manager.id]


async def test_a_digest_is_queued_once_per_key_however_often_asked(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    async def queue() -> bool:
        async with session_factory() as own:
            queued = await outbox.enqueue_once(
                own, dedup_key="digest:7:2026-12-07", recipient_id=team.rep.id, kind="d", payload={}
            )
            await own.commit()
            return queued

    outcomes = [await queue() for _ in range(3)]
    assert outcomes == [True, False, False]
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_a_claim_or_a_reminder_round_rolled_back_takes_nothing(
    session: AsyncSession, team: Team
) -> None:
    """Each is one statement inside the caller's transaction, never committed on its own."""
    await fill(session, team.rep, 3)
    session.add(Task(title="Call back", due_at=NOW, remind_at=NOW, assignee_id=team.rep.id))
    await session.commit()

    await outbox.claim_due(session, worker="rolled-back", now=NOW, limit=9)
    await enqueue_due_reminders(session, now=NOW)
    await session.rollback()

    assert len(await outbox.claim_due(session, worker="next", now=NOW, limit=9)) == 3
    assert await enqueue_due_reminders(session, now=NOW) == 1


async def test_a_batch_marked_sent_at_once_settles_only_what_the_worker_still_holds(
    session: AsyncSession, team: Team
) -> None:
    await fill(session, team.rep, 3)
    first, second, third = await outbox.claim_due(session, worker="w", now=NOW, limit=3)
    third.claimed_by = "other"  # its claim lapsed and passed on meanwhile
    await session.commit()
    sent_times = [NOW + timedelta(seconds=n) for n in (1, 2, 3)]

    await outbox.mark_all_sent(
        session,
        worker="w",
        sent=[(m.id, at) for m, at in zip((first, second, third), sent_times, strict=True)],
    )
    await session.commit()

    rows = await session.execute(
        select(OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.claimed_by)
        .where(OutboxMessage.id.in_([first.id, second.id, third.id]))
        .order_by(OutboxMessage.id)
    )
    assert [tuple(row) for row in rows] == [
        (OutboxStatus.SENT, sent_times[0], None),
        (OutboxStatus.SENT, sent_times[1], None),
        (OutboxStatus.PENDING, None, "other"),
    ]


async def test_a_batch_skipped_at_once_settles_only_what_the_worker_still_holds(
    session: AsyncSession, team: Team
) -> None:
    await fill(session, team.rep, 3)
    first, second, third = await outbox.claim_due(session, worker="w", now=NOW, limit=3)
    third.claimed_by = "other"  # its claim lapsed and passed on meanwhile
    await session.commit()

    await outbox.mark_all_skipped(
        session,
        worker="w",
        skipped=[(first.id, NOW), (second.id, NOW), (third.id, NOW)],
        why="nothing left to say",
    )
    await session.commit()

    rows = await session.execute(
        select(OutboxMessage.status, OutboxMessage.claimed_by, OutboxMessage.last_error)
        .where(OutboxMessage.id.in_([first.id, second.id, third.id]))
        .order_by(OutboxMessage.id)
    )
    assert [tuple(row) for row in rows] == [
        (OutboxStatus.SKIPPED, None, "nothing left to say"),
        (OutboxStatus.SKIPPED, None, "nothing left to say"),
        (OutboxStatus.PENDING, "other", None),
    ]
