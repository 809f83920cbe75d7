"""Several ``crm-bot worker`` processes on one PostgreSQL deliver the outbox once.

Real processes, started as an operator starts them, against the local Bot API emulator
with Telegram's limits on: each message reaches its chat exactly once, whatever the number of
workers; a clean stop (SIGTERM) loses and repeats nothing; a killed worker (SIGKILL) repeats
at most what it had in flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import time

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Notification, OutboxMessage, OutboxStatus, Role, Staff, utcnow
from crm.notifications import LEAD_CREATED
from emulator import EmulatorClient, RateLimits, RunningEmulator, SimulatedUser, run_emulator

pytestmark = pytest.mark.postgres

TOKEN = "7000000002:worker-test"
PEOPLE = 100
LEASE_SECONDS = 3
DRAINED_WITHIN = 180


@pytest.fixture(params=["postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(rate_limits=RateLimits()) as running:
        running.register_bot(TOKEN, username="worker_test_bot")
        yield running


async def queue_news(session: AsyncSession, control: EmulatorClient, messages: int) -> None:
    """``messages`` notifications due now, spread over ``PEOPLE`` people with open chats."""
    people = [
        Staff(
            telegram_id=9000 + n,
            display_name=f"Person {n}",
            role=Role.MANAGER,
            work_starts=time(0),
            work_ends=time(0),
            # Only the news queued here: no digest of the workers' own scheduler, whatever
            # the time of day the test runs at.
            notifications=[Notification.NEW_LEADS],
        )
        for n in range(PEOPLE)
    ]
    session.add_all(people)
    await session.flush()
    stage_id = 1
    lead_ids = (
        await session.scalars(
            insert(Lead).returning(Lead.id),
            [
                {"title": f"Deal {n:05d}", "stage_id": stage_id, "version": 1}
                for n in range(messages)
            ],
        )
    ).all()
    now = utcnow()
    await session.execute(
        insert(OutboxMessage),
        [
            {
                "recipient_id": people[n % PEOPLE].id,
                "kind": LEAD_CREATED,
                "payload": {"lead_id": lead_id, "actor_id": None},
                "due_at": now,
            }
            for n, lead_id in enumerate(lead_ids)
        ],
    )
    await session.commit()
    for n in range(PEOPLE):
        await control.start_chat(SimulatedUser(id=9000 + n, first_name=f"Person {n}"))


@contextmanager
def workers(
    emulator: RunningEmulator, database_url: str, count: int, *, lease_seconds: int = 60
) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url,
        "OUTBOX_LEASE_SECONDS": str(lease_seconds),
    }
    started = [
        subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env) for _ in range(count)
    ]
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


async def pending(session: AsyncSession) -> int:
    await session.rollback()
    count = await session.scalar(
        select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return count or 0


async def wait_until_drained(session: AsyncSession) -> None:
    async with asyncio.timeout(DRAINED_WITHIN):
        while await pending(session):  # noqa: ASYNC110 (other processes do the work)
            await asyncio.sleep(0.5)


async def sent(session: AsyncSession) -> int:
    await session.rollback()
    count = await session.scalar(
        select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
    )
    return count or 0


async def wait_until_sent(session: AsyncSession, at_least: int) -> None:
    """Until the running worker has sent this many in all: it is then mid-work."""
    async with asyncio.timeout(DRAINED_WITHIN):
        while await sent(session) < at_least:  # noqa: ASYNC110 (another process does the work)
            await asyncio.sleep(0.2)


async def received(control: EmulatorClient) -> Counter[str]:
    texts: Counter[str] = Counter()
    for n in range(PEOPLE):
        texts.update(message.text or "" for message in await control.messages(9000 + n))
    return texts


async def stop_cleanly(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then the exit code; the emulator in this process keeps answering meanwhile."""
    process.send_signal(signal.SIGTERM)
    return await asyncio.to_thread(process.wait, 30)


async def test_two_workers_deliver_every_message_exactly_once(
    emulator: RunningEmulator, session: AsyncSession, database_url: str
) -> None:
    async with EmulatorClient(emulator.base_url) as control:
        await queue_news(session, control, 1000)
        with workers(emulator, database_url, 2) as running:
            await wait_until_drained(session)
            assert [await stop_cleanly(process) for process in running] == [0, 0]
        texts = await received(control)

    assert len(texts) == 1000
    assert max(texts.values()) == 1
    assert await sent(session) == 1000


async def test_a_clean_stop_loses_nothing_and_a_killed_worker_repeats_only_its_flight(
    emulator: RunningEmulator, session: AsyncSession, database_url: str
) -> None:
    async with EmulatorClient(emulator.base_url) as control:
        await queue_news(session, control, 1000)
        with workers(emulator, database_url, 1) as (first,):
            await wait_until_sent(session, 20)
            assert await stop_cleanly(first) == 0
        await session.rollback()
        still_claimed = await session.scalar(
            select(func.count()).where(OutboxMessage.claimed_by.is_not(None))
        )
        sent_before_stop = await sent(session)
        after_clean_stop = await received(control)

        # A short lease, so the next worker takes over what this one dies holding.
        with workers(emulator, database_url, 1, lease_seconds=LEASE_SECONDS) as (second,):
            await wait_until_sent(session, sent_before_stop + 20)
            second.send_signal(signal.SIGKILL)
            await asyncio.to_thread(second.wait)
        await session.rollback()
        in_flight = await session.scalar(
            select(func.count()).where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.claimed_by.is_not(None),
            )
        )

        with workers(emulator, database_url, 1) as (third,):
            await wait_until_drained(session)
            assert await stop_cleanly(third) == 0
        texts = await received(control)

    assert still_claimed == 0
    assert sum(after_clean_stop.values()) == sent_before_stop
    assert len(texts) == 1000
    repeated = [text for text, times in texts.items() if times > 1]
    assert len(repeated) <= (in_flight or 0)
