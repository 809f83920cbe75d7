"""Unfinished input kept in Redis (a draft lead, a search query: names and phones) expires."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage

from bot.factory import create_storage
from bot.settings import Settings
from tests.bot.conftest import REDIS_URL, Team, Telegram

A_DAY = int(timedelta(hours=24).total_seconds())


@pytest.fixture(
    params=[pytest.param(("postgres", "redis"), marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def stack(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Redis only: the memory storage lives and dies with the process."""
    database, storage = request.param
    return database, storage


@pytest.fixture
async def storage() -> AsyncIterator[BaseStorage]:
    """The storage the bot builds for itself from its settings, as in production."""
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: Redis FSM storage tests skipped")
    redis_storage = create_storage(Settings(redis_url=REDIS_URL, database_url="unused"))
    assert isinstance(redis_storage, RedisStorage)
    await redis_storage.redis.flushdb()
    yield redis_storage
    await redis_storage.close()


def test_the_default_keeps_unfinished_input_for_a_day() -> None:
    assert Settings(database_url="unused").fsm_ttl_hours == 24


async def test_a_draft_and_a_search_query_expire_within_a_day(
    telegram: Telegram, team: Team, storage: BaseStorage
) -> None:
    assert isinstance(storage, RedisStorage)
    await telegram.say(team.rep, "/find Olena")
    await telegram.say(team.rep, "/lead")
    await telegram.say(team.rep, "Olena Petrenko")

    keys = await storage.redis.keys(f"*{team.rep.user.id}*")
    lifetimes = {key.decode(): await storage.redis.ttl(key) for key in keys}

    assert any(key.endswith(":data") for key in lifetimes), lifetimes
    assert any(key.endswith(":state") for key in lifetimes), lifetimes
    assert all(0 < seconds <= A_DAY for seconds in lifetimes.values()), lifetimes
