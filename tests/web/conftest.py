"""The web app on a real socket (aiohttp's test server) over a real database, SQLite and
PostgreSQL, with a team to give leads to and a clock the rate limiter reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import (
    Activity,
    Base,
    Conversation,
    ConversationMessage,
    Customer,
    IntakeReceipt,
    Lead,
    Order,
    OutboxMessage,
    Role,
    Staff,
)
from web.app import create_web_app
from web.context import IntakeSettings, WebContext

# What a request that is refused may not leave behind.
STORED = (Lead, Customer, Order, Conversation, ConversationMessage, Activity, IntakeReceipt)


@dataclass
class CountingOutbox:
    wakes: int = 0

    def wake(self) -> None:
        self.wakes += 1


@dataclass
class ManualClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Team:
    admin: Staff
    manager: Staff
    rep: Staff
    other_rep: Staff


@dataclass
class Web:
    """The running app and what it shares, as a test drives it."""

    client: TestClient[web.Request, web.Application]
    context: WebContext
    outbox: CountingOutbox
    clock: ManualClock
    sessions: async_sessionmaker[AsyncSession]
    seen: list[int] = field(default_factory=list)

    async def count(self, model: type[Base]) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0

    async def stored_rows(self) -> dict[str, int]:
        return {model.__tablename__: await self.count(model) for model in STORED}


@pytest.fixture
def intake_settings() -> IntakeSettings:
    """A test module overrides this for, say, a lower rate limit."""
    return IntakeSettings(per_minute=1000)


@pytest.fixture
async def web_app(
    session_factory: async_sessionmaker[AsyncSession], intake_settings: IntakeSettings
) -> AsyncIterator[Web]:
    outbox = CountingOutbox()
    clock = ManualClock()
    context = WebContext(session_factory, outbox, intake_settings, clock=clock)
    async with TestClient(TestServer(create_web_app(context))) as client:
        yield Web(client, context, outbox, clock, session_factory)


@pytest.fixture
async def team(session: AsyncSession) -> Team:
    people = {
        "admin": Staff(telegram_id=1001, display_name="Ada Admin", role=Role.ADMIN),
        "manager": Staff(telegram_id=1002, display_name="Марина Коваль", role=Role.MANAGER),
        "rep": Staff(telegram_id=1003, display_name="Тарас Мельник", role=Role.REP),
        "other_rep": Staff(telegram_id=1004, display_name="Olivia Brown", role=Role.REP),
    }
    session.add_all(people.values())
    await session.commit()
    return Team(**people)


async def outbox_kinds(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int, str]]:
    """(recipient, kind) of every outbox message, in order."""
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.recipient_id, OutboxMessage.kind).order_by(OutboxMessage.id)
        )
        return [(recipient, kind) for recipient, kind in rows]
