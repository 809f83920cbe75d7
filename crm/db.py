"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

import os
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from crm.wakeups import Wakeups

SQLITE_BUSY_TIMEOUT_MS = 5000
# Each connection's own page cache. The operating system keeps the file's pages cached anyway;
# at 1M leads a 64 MB cache per connection was 60 MB of the bot's RSS and no /find or stage
# page was measurably quicker for it (bench --search, alternated runs).
SQLITE_CACHE_KIB = 8192
# SQLite copies its log (WAL) into the database file inside whichever commit finds the log
# over this many pages, and waits for the disk there. A stage move writes about 25 pages,
# most of them index pages of its own lead, so at SQLite's default of 1,000 a rep's press
# waited about 10 ms for one of these copies every 40 moves. At 4,000 the same moves make a
# quarter as many copies, as pages written several times are copied once: the disk is
# waited for less in all, and one press in about 170 waits 25-35 ms (once about 75 ms).
# bench --bot-only, two alternated pairs, move presses at 100k leads: p99 16.6 and 17.6 ms
# became 10.6 and 12.3 ms. What a power loss (not a crash of the process) may undo is as
# synchronous=NORMAL allows: commits not yet on disk, now up to 4,000 pages of them, though the
# kernel writes them out within about 30 s whatever the count.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 4000
# The log file keeps the largest size it reached; one that grew past this while a long read
# held up the copies is cut back to it once copied.
SQLITE_WAL_SIZE_LIMIT_BYTES = 20 * 1024 * 1024
# The database holds customers' names and phones: only its owner may read it. SQLite gives
# the -wal and -shm files it makes beside it the same permissions.
SQLITE_FILE_MODE = 0o600


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine whose pooled connections are checked before use, so a database server that
    restarted costs a reconnect, not the update that met the dead connection. The product's
    own engine, with a faster SQLite driver adapter, comes from :mod:`bot.database`."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)
    # A database file does not restart under a pooled connection: no ping before each use.
    engine = create_async_engine(url, **kwargs)
    _create_private_file(parsed.database or "")
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _create_private_file(path: str) -> None:
    """Create the database file readable by its owner only, before SQLite would create it
    with the process's umask. An existing file, an in-memory database and a ``file:`` URI are
    left as they are."""
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_SIZE_LIMIT_BYTES}")
    cursor.close()


def create_session_factory(
    engine: AsyncEngine, *, wakeups: Wakeups | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits wake the workers of ``wakeups`` when they add to their queues."""
    info = wakeups.session_info() if wakeups is not None else None
    return async_sessionmaker(engine, expire_on_commit=False, info=info)
