"""Outgoing webhooks in the CRM: what each use case's commit queues for which webhook, in the
same transaction; one delivery per webhook at a time, in order; refused addresses; the pause
after 20 failures in a row, the admins told, and the resume."""

from __future__ import annotations

import json
from datetime import timedelta
from ipaddress import ip_address

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import webhooks
from crm.errors import Forbidden, ValidationFailed
from crm.models import (
    LostReason,
    OutboxMessage,
    OutboxStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    utcnow,
)
from crm.notifications import commit_with_notifications
from crm.outbox import RetryPolicy
from crm.schemas import LeadDraft
from crm.services.leads import convert_lead_to_order, create_lead, mark_lost
from crm.services.tasks import complete_task, create_task
from crm.services.webhooks import (
    create_webhook,
    delete_webhook,
    resume_webhook,
    toggle_webhook_event,
)
from crm.webhook_targets import (
    Target,
    TargetPolicy,
    TargetRefused,
    check_addresses,
    checked_target,
    parse_target,
)
from tests.crm.conftest import Team

LOCAL = TargetPolicy(allow_private=True)
PUBLIC_ONLY = TargetPolicy()
NO_WAIT = RetryPolicy(backoff_cap=timedelta(0), give_up_after=timedelta(hours=24))


async def a_webhook(
    session: AsyncSession, team: Team, *events: WebhookEvent, url: str = "http://127.0.0.1:9/h"
) -> Webhook:
    webhook = await create_webhook(session, actor=team.admin, url=url, events=events, policy=LOCAL)
    await session.commit()
    return webhook


async def deliveries(session: AsyncSession, webhook: Webhook) -> list[WebhookDelivery]:
    rows = await session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def test_each_use_case_queues_its_event_for_the_webhooks_subscribed_to_it(
    session: AsyncSession, team: Team
) -> None:
    everything = await a_webhook(session, team, *WebhookEvent)
    wins_only = await a_webhook(session, team, WebhookEvent.LEAD_WON)

    lead = await create_lead(
        session, actor=team.rep, draft=LeadDraft(title="Олена", phone="+380671234567")
    )
    await commit_with_notifications(session)
    task = await create_task(
        session, actor=team.rep, title="Call", due_at=utcnow() + timedelta(hours=1), lead_id=lead.id
    )
    await complete_task(session, actor=team.rep, task_id=task.id)
    await commit_with_notifications(session)
    await convert_lead_to_order(
        session, actor=team.rep, lead_id=lead.id, external_id="A-17", amount="1200"
    )
    await commit_with_notifications(session)

    queued = await deliveries(session, everything)
    assert [d.event_type for d in queued] == [
        "lead.created",
        "task.done",
        "order.linked",
        "lead.stage_changed",
        "lead.won",
    ]
    assert [d.event_type for d in await deliveries(session, wins_only)] == ["lead.won"]
    won = json.loads(queued[4].body)
    assert won["id"] == queued[4].event_id
    assert won["type"] == "lead.won"
    assert won["data"]["lead"]["title"] == "Олена"
    assert won["data"]["lead"]["value"] == "1200.00"
    assert json.loads(queued[1].body)["data"]["task"]["title"] == "Call"
    assert json.loads(queued[2].body)["data"]["order"]["external_id"] == "A-17"
    # One event, one id, whichever webhook receives it: the receiver's idempotency key.
    (won_elsewhere,) = await deliveries(session, wins_only)
    assert won_elsewhere.event_id == queued[4].event_id


async def test_a_rolled_back_change_queues_nothing(session: AsyncSession, team: Team) -> None:
    await a_webhook(session, team, WebhookEvent.LEAD_CREATED)

    await create_lead(session, actor=team.rep, draft=LeadDraft(title="Never"))
    await session.rollback()
    await commit_with_notifications(session)

    assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


async def test_one_delivery_per_webhook_is_claimed_at_a_time_and_in_order(
    session_factory: async_sessionmaker[AsyncSession], session: AsyncSession, team: Team
) -> None:
    first = await a_webhook(session, team, WebhookEvent.LEAD_CREATED)
    second = await a_webhook(session, team, WebhookEvent.LEAD_CREATED)
    for title in ("one", "two", "three"):
        await create_lead(session, actor=team.rep, draft=LeadDraft(title=title))
        await commit_with_notifications(session)
    now = utcnow()

    async with session_factory() as worker_session:
        claimed = await webhooks.claim_next(
            worker_session, worker="a", now=now, limit=10, lease=timedelta(minutes=1)
        )
        await worker_session.commit()
        again = await webhooks.claim_next(
            worker_session, worker="b", now=now, limit=10, lease=timedelta(minutes=1)
        )
        await worker_session.commit()
        # The first of the first webhook fails and waits: the second event does not overtake it.
        head = next(d for d in claimed if d.webhook_id == first.id)
        await webhooks.settle_attempt(
            worker_session, head, webhooks.AttemptResult(500, 3), worker="a", now=now
        )
        await worker_session.commit()
        behind_a_failure = await webhooks.claim_next(
            worker_session, worker="b", now=now, limit=10, lease=timedelta(minutes=1)
        )

    assert sorted(d.webhook_id for d in claimed) == [first.id, second.id]
    assert all(json.loads(d.body)["data"]["lead"]["title"] == "one" for d in claimed)
    assert again == []
    assert behind_a_failure == []
    retried = (await deliveries(session, first))[0]
    assert retried.status is OutboxStatus.PENDING
    assert retried.attempts == 1
    assert now < retried.due_at <= now + timedelta(seconds=2)


async def test_a_run_is_claimed_oldest_first_and_ends_before_a_delivery_not_free(
    session_factory: async_sessionmaker[AsyncSession], session: AsyncSession, team: Team
) -> None:
    webhook = await a_webhook(session, team, WebhookEvent.LEAD_CREATED)
    for title in ("one", "two", "three", "four"):
        await create_lead(session, actor=team.rep, draft=LeadDraft(title=title))
        await commit_with_notifications(session)
    third = (await deliveries(session, webhook))[2]
    now = utcnow()
    third.claimed_by, third.claimed_until = "other", now + timedelta(minutes=1)
    await session.commit()
    lease = timedelta(minutes=1)

    async with session_factory() as worker_session:

        async def run_of(worker: str, limit: int = 10) -> list[str]:
            claimed = await webhooks.claim_run(
                worker_session,
                webhook_id=webhook.id,
                worker=worker,
                now=now,
                lease=lease,
                limit=limit,
            )
            await worker_session.commit()
            return [json.loads(d.body)["data"]["lead"]["title"] for d in claimed]

        first = await run_of("w", limit=1)
        taken = await run_of("x")
        held = await run_of("w")

    assert first == ["one"]
    assert taken == []  # its oldest is w's: no other worker starts behind it
    assert held == ["one", "two"]  # the third is held by another: never a gap in a run
    assert [(d.claimed_by, d.status) for d in await deliveries(session, webhook)] == [
        ("w", OutboxStatus.PENDING),
        ("w", OutboxStatus.PENDING),
        ("other", OutboxStatus.PENDING),
        (None, OutboxStatus.PENDING),
    ]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_only_the_settling_of_successes_commits_without_waiting_for_the_disk(
    session_factory: async_sessionmaker[AsyncSession], session: AsyncSession, team: Team
) -> None:
    """A success whose settling a crash of the database lost is sent again under its event
    id; a failure must count towards the pause."""
    await a_webhook(session, team, WebhookEvent.LEAD_CREATED)
    for title in ("one", "two"):
        await create_lead(session, actor=team.rep, draft=LeadDraft(title=title))
        await commit_with_notifications(session)

    waits = []
    for answer in (webhooks.AttemptResult(500, 3), webhooks.AttemptResult(200, 3)):
        async with session_factory() as worker_session:
            (delivery,) = await webhooks.claim_next(
                worker_session, worker="w", now=utcnow(), limit=5, lease=timedelta(minutes=1)
            )
            await webhooks.settle_attempt(
                worker_session, delivery, answer, worker="w", now=utcnow(), retries=NO_WAIT
            )
            setting = select(func.current_setting("synchronous_commit"))
            waits.append((await worker_session.execute(setting)).scalar_one())
            await worker_session.commit()

    assert waits == ["on", "off"]


async def test_twenty_failures_in_a_row_pause_the_webhook_and_tell_the_admins(
    session_factory: async_sessionmaker[AsyncSession], session: AsyncSession, team: Team
) -> None:
    webhook = await a_webhook(session, team, WebhookEvent.LEAD_LOST)
    lead = await create_lead(session, actor=team.rep, draft=LeadDraft(title="Dry"))
    await commit_with_notifications(session)
    await mark_lost(
        session, actor=team.rep, lead_id=lead.id, seen_version=lead.version, reason=LostReason.PRICE
    )
    await commit_with_notifications(session)

    async with session_factory() as worker_session:
        for _ in range(webhooks.PAUSE_AFTER):
            (delivery,) = await webhooks.claim_next(
                worker_session, worker="w", now=utcnow(), limit=5, lease=timedelta(minutes=1)
            )
            await webhooks.settle_attempt(
                worker_session,
                delivery,
                webhooks.AttemptResult(None, 10, "connection refused"),
                worker="w",
                now=utcnow(),
                retries=NO_WAIT,
            )
            await worker_session.commit()
        while_paused = await webhooks.claim_next(
            worker_session, worker="w", now=utcnow(), limit=5, lease=timedelta(minutes=1)
        )
        await worker_session.commit()

    await session.refresh(webhook)
    assert webhook.paused_at is not None
    assert webhook.consecutive_failures == webhooks.PAUSE_AFTER
    assert while_paused == []
    told = list(
        await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook_paused"))
    )
    assert [(m.recipient_id, m.kind, m.payload) for m in told] == [
        (team.admin.id, "webhook_paused", {"webhook_id": webhook.id})
    ]
    attempts = await session.scalar(select(func.count()).select_from(WebhookAttempt))
    assert attempts == webhooks.PAUSE_AFTER

    await resume_webhook(session, actor=team.admin, webhook_id=webhook.id)
    await session.commit()
    async with session_factory() as worker_session:
        (resumed,) = await webhooks.claim_next(
            worker_session, worker="w", now=utcnow(), limit=5, lease=timedelta(minutes=1)
        )
    assert resumed.event_type == "lead.lost"
    assert json.loads(resumed.body)["data"]["reason"] == "price"


async def test_a_delivery_older_than_a_day_is_given_up_and_the_next_one_goes(
    session_factory: async_sessionmaker[AsyncSession], session: AsyncSession, team: Team
) -> None:
    webhook = await a_webhook(session, team, WebhookEvent.LEAD_CREATED)
    for title in ("old", "new"):
        await create_lead(session, actor=team.rep, draft=LeadDraft(title=title))
        await commit_with_notifications(session)
    later = utcnow() + timedelta(hours=24, minutes=1)

    async with session_factory() as worker_session:
        (old,) = await webhooks.claim_next(
            worker_session, worker="w", now=later, limit=5, lease=timedelta(minutes=1)
        )
        await webhooks.settle_attempt(
            worker_session, old, webhooks.AttemptResult(502, 5), worker="w", now=later
        )
        await worker_session.commit()
        (new,) = await webhooks.claim_next(
            worker_session, worker="w", now=later, limit=5, lease=timedelta(minutes=1)
        )

    first, _ = await deliveries(session, webhook)
    assert first.status is OutboxStatus.FAILED
    assert json.loads(new.body)["data"]["lead"]["title"] == "new"


async def test_only_admins_manage_webhooks_and_a_webhook_keeps_one_event(
    session: AsyncSession, team: Team
) -> None:
    webhook = await a_webhook(session, team, WebhookEvent.TASK_DONE)

    with pytest.raises(Forbidden):
        await create_webhook(
            session,
            actor=team.manager,
            url="http://127.0.0.1:9/h",
            events=[WebhookEvent.LEAD_WON],
            policy=LOCAL,
        )
    with pytest.raises(Forbidden):
        await delete_webhook(session, actor=team.rep, webhook_id=webhook.id)
    with pytest.raises(ValidationFailed) as refused:
        await toggle_webhook_event(
            session, actor=team.admin, webhook_id=webhook.id, event=WebhookEvent.TASK_DONE
        )
    assert refused.value.code == "webhook-no-events"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x", "webhook-url-scheme"),
        ("not a url", "webhook-url-scheme"),
        ("https://", "webhook-url-invalid"),
        ("https://exa mple.com/", "webhook-url-invalid"),
        ("https://example.com:99999/", "webhook-url-invalid"),
        ("https://127.0.0.1/hook", "webhook-url-private"),
        ("https://localhost:8443/hook", "webhook-url-private"),
        ("https://169.254.169.254/latest/meta-data", "webhook-url-private"),
        ("https://[::1]/hook", "webhook-url-private"),
        ("https://[::ffff:10.0.0.1]/hook", "webhook-url-private"),
        ("https://2130706433/hook", "webhook-url-private"),
        ("https://no-such-host.invalid/hook", "webhook-url-unresolvable"),
    ],
)
async def test_addresses_webhooks_may_not_reach_are_refused(url: str, code: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        await checked_target(url, PUBLIC_ONLY)
    assert refused.value.code == code


def test_every_resolved_address_is_checked_and_plain_http_needs_a_private_one() -> None:
    public = parse_target("https://hooks.example.com/crm")
    plain = Target(
        url="http://hooks.example.com/", scheme="http", host="hooks.example.com", port=80
    )
    rebinding = [ip_address("93.184.216.34"), ip_address("10.0.0.5")]

    check_addresses(public, [ip_address("93.184.216.34")], PUBLIC_ONLY)
    with pytest.raises(TargetRefused, match="webhook-url-private"):
        check_addresses(public, rebinding, PUBLIC_ONLY)
    with pytest.raises(TargetRefused, match="webhook-url-plain-http"):
        check_addresses(plain, [ip_address("93.184.216.34")], LOCAL)
    check_addresses(plain, [ip_address("127.0.0.1")], LOCAL)
    with pytest.raises(TargetRefused, match="webhook-url-private"):
        check_addresses(plain, [ip_address("127.0.0.1")], PUBLIC_ONLY)


async def test_a_refused_address_stores_nothing(session: AsyncSession, team: Team) -> None:
    with pytest.raises(TargetRefused):
        await create_webhook(
            session,
            actor=team.admin,
            url="http://127.0.0.1:9/h",
            events=[WebhookEvent.LEAD_WON],
            policy=PUBLIC_ONLY,
        )
    assert await session.scalar(select(func.count()).select_from(Webhook)) == 0
