"""Idle deals: a lead quiet for longer than its stage's idle days nudges its rep once per idle
spell, and a new activity ends the spell."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import idle_deals
from crm.models import ActivityKind, Lead, Notification
from crm.services.timeline import add_lead_activity
from scheduler import Rounds
from tests.scheduler.conftest import Clock, Stages, Team, add_lead, kyiv, outbox_rows

SECOND = timedelta(seconds=1)


async def test_a_quiet_deal_nudges_its_rep_once_per_idle_spell(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
    rounds: Rounds,
    clock: Clock,
) -> None:
    quiet_since = kyiv(2030, 4, 12, 10, 0)
    lead = add_lead(session, stages.new, team.rep, quiet_since=quiet_since)  # idle after 3 days
    await session.commit()
    idle_at = quiet_since + timedelta(days=3)

    clock.now = idle_at - SECOND
    before = await rounds.idle_deals()
    clock.now = idle_at + SECOND
    nudged = await rounds.idle_deals()
    clock.now += timedelta(days=1)
    still_quiet = await rounds.idle_deals()
    async with session_factory() as touching:
        touched = await touching.get(Lead, lead.id)
        assert touched is not None
        add_lead_activity(touching, touched, kind=ActivityKind.CALL, author=team.rep, at=clock.now)
        await touching.commit()
    just_touched = await rounds.idle_deals()
    clock.now += timedelta(days=3, seconds=1)
    quiet_again = await rounds.idle_deals()

    assert (before, nudged, still_quiet, just_touched, quiet_again) == (0, 1, 0, 0, 1)
    rows = await outbox_rows(session_factory)
    assert [(row.recipient_id, row.kind, row.payload) for row in rows] == [
        (team.rep.id, idle_deals.IDLE_DEAL, {"lead_id": lead.id}),
    ] * 2
    # Monday 10:00, within the rep's working hours: due at once.
    assert rows[0].due_at == idle_at + SECOND


async def test_closed_deals_stages_without_a_threshold_and_unwilling_reps_are_not_nudged(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
    rounds: Rounds,
    clock: Clock,
) -> None:
    long_ago = clock.now - timedelta(days=60)
    stages.proposal.idle_days = None
    team.other_rep.notifications = [Notification.DIGEST.value]
    add_lead(session, stages.won, team.rep, quiet_since=long_ago)
    add_lead(session, stages.proposal, team.rep, quiet_since=long_ago)
    unwanted = add_lead(session, stages.qualified, team.other_rep, quiet_since=long_ago)
    nobodys = add_lead(session, stages.qualified, None, quiet_since=long_ago)
    await session.commit()

    written = await rounds.idle_deals()

    assert written == 0
    assert await outbox_rows(session_factory) == []
    async with session_factory() as fresh:
        for lead in (unwanted, nobodys):
            stored = await fresh.get(Lead, lead.id)
            assert stored is not None and stored.idle_nudged_at == clock.now


async def test_an_idle_nudge_after_hours_waits_for_the_morning(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
    rounds: Rounds,
    clock: Clock,
) -> None:
    add_lead(session, stages.new, team.rep, quiet_since=kyiv(2030, 4, 12, 22, 0))
    await session.commit()

    clock.now = kyiv(2030, 4, 15, 22, 1)
    await rounds.idle_deals()

    (row,) = await outbox_rows(session_factory)
    assert row.due_at == kyiv(2030, 4, 16, 9, 0)


async def test_idle_deals_are_listed_quietest_first_and_counted(
    session: AsyncSession, team: Team, stages: Stages, clock: Clock
) -> None:
    oldest = add_lead(session, stages.new, team.rep, quiet_since=clock.now - timedelta(days=9))
    newer = add_lead(session, stages.qualified, team.rep, quiet_since=clock.now - timedelta(days=8))
    add_lead(session, stages.qualified, team.rep, quiet_since=clock.now - timedelta(days=6))
    others = add_lead(
        session, stages.new, team.other_rep, quiet_since=clock.now - timedelta(days=4)
    )
    await session.commit()

    mine = await idle_deals.idle_deals(session, now=clock.now, responsible_id=team.rep.id, limit=10)
    everyone = await idle_deals.count_idle_deals(session, now=clock.now)

    assert [lead.id for lead in mine] == [oldest.id, newer.id]
    assert everyone == 3
    assert others.id not in {lead.id for lead in mine}
