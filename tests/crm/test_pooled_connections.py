"""A pooled PostgreSQL connection the server dropped (a restart, an idle timeout) costs a
reconnect, not the transaction that would have met it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.database import create_engine

pytestmark = pytest.mark.postgres


async def test_a_connection_the_server_dropped_is_replaced_before_use(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    admin = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            dropped = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})

        async with engine.connect() as connection:
            replaced = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        assert replaced != dropped
    finally:
        await engine.dispose()
        await admin.dispose()
