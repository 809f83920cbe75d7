from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Language, Role, Staff, Stage
from crm.services.pipelines import default_pipeline


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
        "manager": Staff(telegram_id=1002, display_name="Марина Коваль", role=Role.MANAGER),
        "rep": Staff(
            telegram_id=1003, display_name="Тарас Мельник", role=Role.REP, language=Language.UK
        ),
        # Telegram ids are 64-bit: the largest must fit.
        "other_rep": Staff(telegram_id=2**52 + 7, display_name="Olivia Brown", role=Role.REP),
    }
    session.add_all(people.values())
    await session.commit()
    return Team(**people)


@pytest.fixture
async def stages(session: AsyncSession) -> Stages:
    pipeline = await default_pipeline(session)
    return Stages(*pipeline.stages)
