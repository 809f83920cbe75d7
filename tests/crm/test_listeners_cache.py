"""Who listens for a web-form lead or a bot update (the live webhooks, the enabled rules)
comes from a per-process cache while the database's versions say it holds: a webhook or a
rule added, switched or deleted by another process is honoured by the very next lead or
update. Two engines on one database stand for two processes, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import count
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.database import create_engine
from crm.automation.admin import create_rule, set_enabled
from crm.automation.spec import AddTag, RuleSpec, Trigger, When
from crm.db import create_session_factory
from crm.models import (
    IntakeChannel,
    IntakeKind,
    Lead,
    RuleEvent,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services.cards import LeadCard
from crm.services.forms import submit_form
from crm.services.intake import channel_by_key, open_channel
from crm.services.leads import create_lead, move_to_stage
from crm.services.staff import staff_by_telegram_id
from crm.services.webhooks import create_webhook, delete_webhook
from crm.webhook_targets import TargetPolicy
from tests.crm.conftest import Stages, Team

LOCAL = TargetPolicy(allow_private=True)


@pytest.fixture
async def other_process(database_url: str, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database, with caches of its own, as another process has;
    made after ``engine`` has emptied PostgreSQL."""
    other = create_engine(database_url)
    yield other
    await other.dispose()


class Reads:
    """Counts the statements an engine runs against a table."""

    def __init__(self, engine: AsyncEngine, table: str) -> None:
        self.count = 0
        self.seen = f"FROM {table}"
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.seen in statement:
            self.count += 1


@pytest.fixture
async def form(session: AsyncSession, team: Team) -> IntakeChannel:
    channel = await open_channel(
        session, actor=team.admin, kind=IntakeKind.WEB_FORM, name="Site", responsible_id=None
    )
    await session.commit()
    return channel


class Visitors:
    """Web-form submissions as the endpoint takes them in, each from a new person."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], form: IntakeChannel) -> None:
        self.factory = factory
        self.form = form
        self.numbers = count(1)

    async def submit(self) -> None:
        n = next(self.numbers)
        async with self.factory() as session:
            channel = await channel_by_key(session, kind=IntakeKind.WEB_FORM, key=self.form.key)
            assert channel is not None
            await submit_form(
                session,
                channel=channel,
                fields={"name": f"Olena {n}", "email": f"olena{n}@example.com"},
            )
            await commit_with_notifications(session)


class Presses:
    """A rep moving one lead back and forth between two stages, each move an update of its
    own, started as the bot starts every update: with the staff lookup."""

    def __init__(
        self, factory: async_sessionmaker[AsyncSession], team: Team, lead: Lead, stages: Stages
    ) -> None:
        self.factory = factory
        self.team = team
        self.lead_id = lead.id
        self.version = lead.version
        self.targets = iter([stages.qualified, stages.new] * 10)

    async def move(self) -> None:
        async with self.factory() as session:
            actor = await staff_by_telegram_id(session, self.team.rep.telegram_id)
            assert actor is not None
            card = await move_to_stage(
                session,
                actor=actor,
                lead_id=self.lead_id,
                stage_id=next(self.targets).id,
                seen_version=self.version,
            )
            await commit_with_notifications(session)
            assert isinstance(card, LeadCard)
            self.version = card.lead.version


async def a_webhook(
    factory: async_sessionmaker[AsyncSession], team: Team, event_type: WebhookEvent
) -> Webhook:
    async with factory() as session:
        hook = await create_webhook(
            session, actor=team.admin, url="http://127.0.0.1:9/h", events=[event_type], policy=LOCAL
        )
        await session.commit()
        return hook


async def a_rule(factory: async_sessionmaker[AsyncSession], team: Team, trigger: Trigger) -> None:
    spec = RuleSpec.model_validate(
        {"when": When(trigger=trigger).model_dump(), "actions": [AddTag(tag="x").model_dump()]}
    )
    async with factory() as session:
        await create_rule(session, actor=team.admin, name=f"On {trigger}", spec=spec)
        await session.commit()


async def rows(session: AsyncSession, model: type[Any]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_webhooks_are_read_once_per_version_and_a_change_elsewhere_counts_at_once(
    engine: AsyncEngine,
    other_process: AsyncEngine,
    session: AsyncSession,
    team: Team,
    form: IntakeChannel,
) -> None:
    visitors = Visitors(create_session_factory(engine), form)
    elsewhere = create_session_factory(other_process)
    await a_webhook(elsewhere, team, WebhookEvent.LEAD_WON)
    reads = Reads(engine, "webhooks")
    await visitors.submit()
    await visitors.submit()
    assert reads.count == 1
    assert await rows(session, WebhookDelivery) == 0

    hook = await a_webhook(elsewhere, team, WebhookEvent.LEAD_CREATED)
    await visitors.submit()
    await visitors.submit()
    assert await rows(session, WebhookDelivery) == 2
    assert reads.count == 2

    async with elsewhere() as other:
        await delete_webhook(other, actor=team.admin, webhook_id=hook.id)
        await other.commit()
    await visitors.submit()
    assert await rows(session, WebhookDelivery) == 2


async def test_a_rule_switched_on_or_off_elsewhere_counts_for_the_next_lead(
    engine: AsyncEngine,
    other_process: AsyncEngine,
    session: AsyncSession,
    team: Team,
    form: IntakeChannel,
) -> None:
    visitors = Visitors(create_session_factory(engine), form)
    elsewhere = create_session_factory(other_process)
    await visitors.submit()
    assert await rows(session, RuleEvent) == 0

    spec = RuleSpec.model_validate(
        {
            "when": When(trigger=Trigger.LEAD_CREATED).model_dump(),
            "actions": [AddTag(tag="web").model_dump()],
        }
    )
    async with elsewhere() as other:
        rule = await create_rule(other, actor=team.admin, name="Tag web leads", spec=spec)
        await other.commit()
    await visitors.submit()
    assert await rows(session, RuleEvent) == 1

    async with elsewhere() as other:
        await set_enabled(other, actor=team.admin, rule_id=rule.id, enabled=False)
        await other.commit()
    await visitors.submit()
    assert await rows(session, RuleEvent) == 1


async def test_a_bot_update_asks_for_listeners_once_per_version_and_sees_changes_elsewhere(
    engine: AsyncEngine,
    other_process: AsyncEngine,
    session: AsyncSession,
    team: Team,
    stages: Stages,
) -> None:
    lead = await create_lead(session, actor=team.rep, draft=LeadDraft(contact_name="Ірина"))
    await session.commit()
    presses = Presses(create_session_factory(engine), team, lead, stages)
    elsewhere = create_session_factory(other_process)
    # Listeners of other events: a move neither delivers nor records anything.
    await a_webhook(elsewhere, team, WebhookEvent.LEAD_WON)
    await a_rule(elsewhere, team, Trigger.LEAD_CREATED)
    webhook_reads, rule_reads = Reads(engine, "webhooks"), Reads(engine, "rules")
    await presses.move()
    await presses.move()
    assert (webhook_reads.count, rule_reads.count) == (1, 1)
    assert await rows(session, WebhookDelivery) == 0
    assert await rows(session, RuleEvent) == 0

    await a_webhook(elsewhere, team, WebhookEvent.STAGE_CHANGED)
    await presses.move()
    assert await rows(session, WebhookDelivery) == 1

    await a_rule(elsewhere, team, Trigger.STAGE_ENTERED)
    await presses.move()
    assert await rows(session, RuleEvent) == 1
    assert await rows(session, WebhookDelivery) == 2
