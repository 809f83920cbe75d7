"""The rule runner's records and the webhooks' deliveries, once settled, are forgotten by
scheduler rounds after 30 days: what still waits is never touched, and each webhook's log as
its admins see it stays the same."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import (
    Lead,
    OutboxStatus,
    RuleEvent,
    RuleEventStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from crm.services.webhooks import delivery_log
from scheduler import Rounds
from tests.scheduler.conftest import Clock, Sender, Stages, Team, add_lead

SENT, PENDING = OutboxStatus.SENT, OutboxStatus.PENDING


async def a_lead(session: AsyncSession, stages: Stages, team: Team, now: datetime) -> Lead:
    lead = add_lead(session, stages.new, team.rep, quiet_since=now)
    await session.commit()
    return lead


async def test_records_done_or_given_up_30_days_ago_are_forgotten_and_pending_ones_kept(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    stages: Stages,
    clock: Clock,
    sender: Sender,
) -> None:
    lead = await a_lead(session, stages, team, clock.now)
    aged = {
        (RuleEventStatus.DONE, 45),
        (RuleEventStatus.FAILED, 40),
        (RuleEventStatus.DONE, 31),
        (RuleEventStatus.PENDING, 60),
        (RuleEventStatus.DONE, 1),
    }
    session.add_all(
        RuleEvent(
            trigger="lead_created",
            lead_id=lead.id,
            status=status,
            due_at=clock.now - timedelta(days=days),
        )
        for status, days in aged
    )
    await session.commit()

    forgotten = await Rounds(session_factory, sender, clock=clock).settled_rule_records()

    left = await session.execute(select(RuleEvent.status, RuleEvent.due_at))
    assert forgotten == 3
    assert {(status, (clock.now - due).days) for status, due in left} == {
        (RuleEventStatus.PENDING, 60),
        (RuleEventStatus.DONE, 1),
    }
    assert sender.wakes == 0, "forgetting records sends nothing"


async def test_deliveries_settled_30_days_ago_are_forgotten_but_not_the_admins_log(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    clock: Clock,
    sender: Sender,
) -> None:
    webhook = Webhook(url="https://example.com/crm", secret="whsec", created_by_id=team.admin.id)
    session.add(webhook)
    await session.flush()
    ages = [1, *range(35, 46)]  # days: eleven sent long ago, one yesterday
    for days in ages:
        await add_delivery(session, webhook, SENT, clock.now - timedelta(days=days))
    await add_delivery(session, webhook, PENDING, clock.now - timedelta(days=50))
    await session.commit()
    log_before = await delivery_log(session, actor=team.admin, webhook_id=webhook.id)

    forgotten = await Rounds(session_factory, sender, clock=clock).settled_webhook_deliveries()

    session.expunge_all()
    left = await session.execute(
        select(WebhookDelivery.status, WebhookDelivery.created_at).order_by(
            WebhookDelivery.created_at
        )
    )
    log_after = await delivery_log(session, actor=team.admin, webhook_id=webhook.id)
    assert forgotten == 2  # the two oldest sent: the log shows the latest ten attempts
    assert [(status, (clock.now - at).days) for status, at in left] == [
        (PENDING, 50),
        *((SENT, days) for days in range(43, 34, -1)),
        (SENT, 1),
    ]
    assert [(a.id, a.attempted_at) for a, _ in log_after] == [
        (a.id, a.attempted_at) for a, _ in log_before
    ]
    assert sender.wakes == 0, "forgetting deliveries sends nothing"


async def add_delivery(
    session: AsyncSession, webhook: Webhook, status: OutboxStatus, at: datetime
) -> None:
    """A delivery of ``at``, and, unless it waits, its one attempt then."""
    settled = WebhookDelivery(
        webhook_id=webhook.id,
        event_id=f"evt_{int(at.timestamp())}",
        event_type="lead.created",
        body="{}",
        status=status,
        due_at=at,
        created_at=at,
    )
    session.add(settled)
    await session.flush()
    if status != PENDING:
        session.add(
            WebhookAttempt(
                webhook_id=webhook.id,
                delivery_id=settled.id,
                attempt=1,
                attempted_at=at,
                status_code=200,
                latency_ms=9,
            )
        )
