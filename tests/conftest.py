"""Databases for the tests: a real SQLite file and, with TEST_DATABASE_URL, a real PostgreSQL.

The schema is built once per run by the real migrations; each test then gets a clean copy
(a copied SQLite file, or truncated PostgreSQL tables with the default pipeline put back).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.database import create_engine
from crm.db import create_session_factory
from crm.migrate import upgrade_to_head
from crm.models import Base
from crm.services.pipelines import ensure_default_pipeline


def _per_worker(variable: str, scoped: Callable[[str, int], str]) -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database and Redis db, set in
    the environment so that subprocesses started by tests use them too."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...
    url = os.environ.get(variable)
    if worker and url:
        os.environ[variable] = scoped(url, int(worker.removeprefix("gw")))


def _own_database(url: str, index: int) -> str:
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_w{index}").render_as_string(hide_password=False)


def _own_redis_db(url: str, index: int) -> str:
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number or 0) - index}"


_per_worker("TEST_DATABASE_URL", _own_database)
_per_worker("TEST_REDIS_URL", _own_redis_db)
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_report_header() -> list[str]:
    return [
        f"PostgreSQL tests on {POSTGRES_URL}"
        if POSTGRES_URL
        else "!!! TEST_DATABASE_URL is not set: every PostgreSQL test is SKIPPED !!!",
        f"Redis FSM storage tests on {os.environ['TEST_REDIS_URL']}"
        if os.environ.get("TEST_REDIS_URL")
        else "!!! TEST_REDIS_URL is not set: every Redis FSM storage test is SKIPPED !!!",
    ]


def run_blocking(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work to completion, also when a session fixture is first asked for from
    inside a running event loop (an async fixture): then on a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "crm.sqlite3"
    run_blocking(_migrate(sqlite_url(path)))
    return path


async def _recreate_database(url: str) -> None:
    parsed = make_url(url)
    server = create_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
        await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    await server.dispose()


async def _reset_postgres(url: str) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        await _recreate_database(url)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await _migrate(url)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("TEST_DATABASE_URL must be set in CI: PostgreSQL tests may not be skipped")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    run_blocking(_reset_postgres(POSTGRES_URL))
    return POSTGRES_URL


async def _truncate_all(engine: AsyncEngine) -> None:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    async with create_session_factory(engine)() as session:
        await ensure_default_pipeline(session)
        await session.commit()


def migrated_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of ``backend``; PostgreSQL's is emptied by ``engine``."""
    if backend == "sqlite":
        path = tmp_path / "crm.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrated_database_url(request.param, request, tmp_path)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await _truncate_all(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session
