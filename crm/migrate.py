"""Bringing a database to the newest schema, from code (the CLI, tests and start-up)."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: object) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@cache
def _head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def schema_is_current(session: AsyncSession) -> bool:
    """The database is at the newest migration (what readiness checks ask)."""
    connection = await session.connection()
    if not await connection.run_sync(lambda sync: inspect(sync).has_table(VERSION_TABLE)):
        return False
    current = await connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return frozenset(current) == _head_revisions()
