"""Rules survive a worker killed mid-way: real ``crm-bot worker`` processes on PostgreSQL.

The changes are committed while no worker runs (the process died right after them); a worker
starts, runs some of their rules and is killed (SIGKILL), maybe in the middle of a record's
transaction; the next worker runs what is left (a record is taken only in the transaction that
runs it, so nothing stays held). Every rule ran exactly once per change.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.automation.admin import create_rule
from crm.automation.spec import CreateTask, RuleSpec, Trigger, When
from crm.models import Lead, Role, RuleEvent, RuleEventStatus, Staff, Task
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from emulator import RateLimits, RunningEmulator, run_emulator
from tests.processes.test_workers import DRAINED_WITHIN, LEASE_SECONDS, TOKEN, workers

pytestmark = pytest.mark.postgres
LEADS = 10


@pytest.fixture(params=["postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(rate_limits=RateLimits()) as running:
        running.register_bot(TOKEN, username="rule_restart_bot")
        yield running


async def done(session: AsyncSession) -> int:
    await session.rollback()
    count = await session.scalar(
        select(func.count()).where(RuleEvent.status == RuleEventStatus.DONE)
    )
    return count or 0


async def wait_until_done(session: AsyncSession, at_least: int) -> None:
    async with asyncio.timeout(DRAINED_WITHIN):
        while await done(session) < at_least:  # noqa: ASYNC110 (another process does the work)
            await asyncio.sleep(0.1)


async def test_a_worker_killed_mid_way_leaves_each_rule_to_run_once(
    emulator: RunningEmulator, session: AsyncSession, database_url: str
) -> None:
    admin = Staff(telegram_id=7001, display_name="Admin", role=Role.ADMIN)
    rep = Staff(telegram_id=7002, display_name="Rep", role=Role.REP)
    session.add_all([admin, rep])
    await session.flush()
    spec = RuleSpec(when=When(trigger=Trigger.LEAD_CREATED), actions=(CreateTask(hours=4),))
    await create_rule(session, actor=admin, name="Call back", spec=spec)
    for number in range(LEADS):
        await create_lead(session, actor=rep, draft=LeadDraft(contact_name=f"Lead {number}"))
    await commit_with_notifications(session)

    with workers(emulator, database_url, 1, lease_seconds=LEASE_SECONDS) as (first,):
        await wait_until_done(session, 1)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)
    with workers(emulator, database_url, 1, lease_seconds=LEASE_SECONDS):
        await wait_until_done(session, LEADS)

    await session.rollback()
    per_lead = await session.execute(
        select(Lead.id, func.count(Task.id))
        .outerjoin(Task, Task.lead_id == Lead.id)
        .group_by(Lead.id)
    )
    assert sorted(count for _, count in per_lead) == [1] * LEADS
