"""Reads run in the event loop's thread while they are quick; a long one is interrupted and
run again in the driver's thread, answering in full and leaving its transaction as it was."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import create_engine

# A read that takes far longer than a quick one may run in the event loop's thread.
LONG_READ = text(
    "SELECT (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000)"
    " SELECT count(*) FROM n) + (SELECT count(*) FROM notes)"
)
LONG_READ_ANSWER = 2_000_000


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'reads.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    await engine.dispose()


async def test_a_long_read_answers_in_full_while_the_event_loop_goes_on(
    engine: AsyncEngine,
) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    async with engine.connect() as connection:
        before = ticks
        answer = await connection.scalar(LONG_READ)
        ticked_meanwhile = ticks - before
    ticker.cancel()

    assert answer == LONG_READ_ANSWER
    assert ticked_meanwhile > 0


async def test_an_interrupted_read_leaves_its_transaction_to_commit(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
        assert await connection.scalar(LONG_READ) == LONG_READ_ANSWER + 1
        await connection.commit()

    async with engine.connect() as connection:
        assert list((await connection.execute(text("SELECT body FROM notes"))).scalars()) == [
            "kept"
        ]


async def test_an_interrupted_read_leaves_its_transaction_to_roll_back(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('dropped')"))
        assert await connection.scalar(LONG_READ) == LONG_READ_ANSWER + 1
        await connection.rollback()

    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM notes")) == 0


async def test_a_quick_read_sees_its_own_transactions_writes_and_no_one_elses(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as writer, engine.connect() as reader:
        await writer.execute(text("INSERT INTO notes (body) VALUES ('new')"))
        assert await writer.scalar(text("SELECT count(*) FROM notes")) == 1
        assert await reader.scalar(text("SELECT count(*) FROM notes")) == 0
        await writer.commit()
        assert await reader.scalar(text("SELECT count(*) FROM notes")) == 1


async def test_a_read_sqlite_refuses_is_the_error_it_always_was(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        with pytest.raises(Exception, match="no such table"):
            await connection.execute(text("SELECT * FROM missing"))
        assert await connection.scalar(text("SELECT count(*) FROM notes")) == 0
