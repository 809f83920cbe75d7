"""The embedded database holds customers' names and phones: only its owner may read it. Its
log (WAL) is copied into it seldom enough that a rep's commit rarely waits for the disk, and
does not stay large."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.db import create_engine
from tests.conftest import sqlite_url

OWNER_ONLY = 0o600
HUNDRED_PAGE_SIZED_ROWS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
    " INSERT INTO notes SELECT randomblob(3000) FROM n"
)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The usual umask, under which SQLite on its own makes files everyone may read."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
async def notes_database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database file in ``tmp_path`` with an empty ``notes`` table."""
    engine = create_engine(sqlite_url(tmp_path / "crm.sqlite3"))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (body BLOB)"))
    yield engine
    await engine.dispose()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("lax_umask")
async def test_a_new_database_and_its_wal_files_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.sqlite3"
    engine = create_engine(sqlite_url(path))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE customers (phone TEXT)"))
            await connection.execute(text("INSERT INTO customers VALUES ('+380671234567')"))
            await connection.commit()
            files = [path, tmp_path / "crm.sqlite3-wal", tmp_path / "crm.sqlite3-shm"]

            assert {file.name: mode(file) for file in files} == {
                file.name: OWNER_ONLY for file in files
            }
    finally:
        await engine.dispose()


@pytest.mark.usefixtures("lax_umask")
async def test_an_existing_database_file_keeps_the_mode_its_owner_gave_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crm.sqlite3"
    path.touch(mode=0o640)
    engine = create_engine(sqlite_url(path))
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()

    assert mode(path) == 0o640


async def test_the_log_is_copied_into_the_database_file_only_once_it_holds_4000_pages(
    notes_database: AsyncEngine,
) -> None:
    """SQLite's default of 1,000 pages made one stage move in about 40 wait for the copy."""
    async with notes_database.connect() as connection:
        for _ in range(30):  # 3,000 pages, each row about a page
            await connection.execute(text(HUNDRED_PAGE_SIZED_ROWS))
            await connection.commit()
        _, pages_in_log, _ = (
            await connection.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
        ).one()

    assert 3000 <= pages_in_log < 4000


async def test_a_log_grown_past_20_mb_behind_a_long_read_is_cut_back_once_copied(
    notes_database: AsyncEngine, tmp_path: Path
) -> None:
    log = tmp_path / "crm.sqlite3-wal"
    async with notes_database.connect() as writer, notes_database.connect() as reader:
        await reader.execute(text("BEGIN"))
        await reader.execute(text("SELECT count(*) FROM notes"))  # holds its snapshot
        for _ in range(60):  # 6,000 pages, none of them copied past the reader
            await writer.execute(text(HUNDRED_PAGE_SIZED_ROWS))
            await writer.commit()
        grown = log.stat().st_size
        await reader.rollback()
        await writer.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
        await writer.execute(text(HUNDRED_PAGE_SIZED_ROWS))  # starts the log afresh
        await writer.commit()

        assert grown > 24_000_000
        assert log.stat().st_size <= 20 * 1024 * 1024
