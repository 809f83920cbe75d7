"""The scheduler's rounds on a real database with a clock the test sets: a team in Kyiv
working 09:00-18:00, and helpers to read what the rounds wrote to the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import Language, Lead, OutboxMessage, Role, Staff, Stage
from crm.services.pipelines import default_pipeline
from scheduler import Rounds

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """A wall-clock moment in Kyiv (``fold=1``: the second of a time the clocks show twice),
    in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=KYIV, fold=fold).astimezone(UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Sender:
    """Stands in for the outbox sender: counts how often it was woken."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


@dataclass(frozen=True)
class Team:
    admin: Staff
    manager: Staff
    rep: Staff
    other_rep: Staff


@dataclass(frozen=True)
class Stages:
    new: Stage
    qualified: Stage
    proposal: Stage
    won: Stage
    lost: Stage


@pytest.fixture
async def team(session: AsyncSession) -> Team:
    people = {
        "admin": Staff(telegram_id=1001, display_name="Ada Admin", role=Role.ADMIN),
        "manager": Staff(
            telegram_id=1002, display_name="Марина", role=Role.MANAGER, language=Language.UK
        ),
        "rep": Staff(telegram_id=1003, display_name="Taras", role=Role.REP),
        "other_rep": Staff(telegram_id=1004, display_name="Оля", role=Role.REP),
    }
    session.add_all(people.values())
    await session.commit()
    return Team(**people)


@pytest.fixture
async def stages(session: AsyncSession) -> Stages:
    return Stages(*(await default_pipeline(session)).stages)


@pytest.fixture
def clock() -> Clock:
    return Clock(kyiv(2030, 4, 16, 12, 0))


@pytest.fixture
def sender() -> Sender:
    return Sender()


@pytest.fixture
def rounds(
    session_factory: async_sessionmaker[AsyncSession], sender: Sender, clock: Clock
) -> Rounds:
    return Rounds(session_factory, sender, clock=clock)


async def outbox_rows(
    session_factory: async_sessionmaker[AsyncSession], kind: str | None = None
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    async with session_factory() as session:
        return list(await session.scalars(query))


def add_lead(
    session: AsyncSession,
    stage: Stage,
    owner: Staff | None,
    *,
    title: str = "Olena Petrenko",
    quiet_since: datetime,
    **fields: object,
) -> Lead:
    lead = Lead(
        stage_id=stage.id,
        title=title,
        responsible_id=owner.id if owner else None,
        last_activity_at=quiet_since,
        created_at=quiet_since,
        stage_entered_at=quiet_since,
        **fields,
    )
    session.add(lead)
    return lead
