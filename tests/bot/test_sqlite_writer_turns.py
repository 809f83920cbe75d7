"""SQLite's one writer, shared by the process's own units of work in the order they came,
instead of by whoever wakes first from SQLite's busy handler."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from bot.database import create_engine

# Long enough for a started unit of work to reach its first write.
TO_REACH_ITS_WRITE_SECONDS = 0.05


async def test_writers_of_one_process_write_in_the_order_they_came(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE arrivals (id INTEGER PRIMARY KEY, who TEXT)"))
    first_wrote, first_may_commit = asyncio.Event(), asyncio.Event()

    async def write(who: str, *, hold: bool = False) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO arrivals (who) VALUES (:who)"), {"who": who})
            if hold:
                first_wrote.set()
                await first_may_commit.wait()
            await connection.commit()

    first = asyncio.create_task(write("first", hold=True))
    await first_wrote.wait()
    later = []
    for who in ("second", "third", "fourth", "fifth"):
        later.append(asyncio.create_task(write(who)))
        await asyncio.sleep(TO_REACH_ITS_WRITE_SECONDS)
    first_may_commit.set()
    await asyncio.gather(first, *later)

    async with engine.connect() as connection:
        order = (await connection.execute(text("SELECT who FROM arrivals ORDER BY id"))).scalars()
        assert list(order) == ["first", "second", "third", "fourth", "fifth"]
    await engine.dispose()
