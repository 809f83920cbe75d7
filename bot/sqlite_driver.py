"""SQLite through aiosqlite with one trip to the driver's thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips for each statement (open a cursor, execute,
fetch, close) and one for each commit and rollback, even when SQLite has no transaction
open (a unit of work that only read, the pool's reset of a connection already committed).
Each trip is a queue put, a thread wake-up and an event-loop wake-up: on a busy machine they
cost more than the statements. Here a statement is executed, fetched and closed in a single
trip, and a commit or rollback with nothing open makes none.

SQLite lets one transaction write at a time. The process's own writers take turns on an
asyncio lock per database file, from a transaction's first write to its commit or rollback,
instead of meeting in SQLite's busy handler: that one sleeps 1, 2, 5, 10, 15, 20, 25 ms… between
looks, so a rep's first INSERT waited up to 41 ms behind the outbox sender's few-millisecond
write. Other processes on the same file still meet in the busy handler.

A read makes no trip at all when it is quick: it runs in the event loop's own thread, as
most of an update's reads take tens of microseconds, less than a trip. One still running
after ``READ_HERE_FOR_S`` is interrupted by SQLite's progress handler and run again in the
driver's thread, so a report over a million leads holds up the loop for that long at most.
An interrupted read-only statement changes nothing and leaves its transaction as it was.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import deque
from collections.abc import Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

from crm.db import SQLITE_BUSY_TIMEOUT_MS

# Statements that open a write transaction (the driver begins one before DML).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "SAVEPOINT")
# How long a read may run in the event loop's thread before it is handed to the driver's.
READ_HERE_FOR_S = 0.002
# SQLite calls the progress handler every so many virtual machine steps: about 10 us here.
_STEPS_BETWEEN_LOOKS = 1000


class _Outcome:
    """What SQLAlchemy reads from a cursor after a statement, taken in the driver's thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, rows: list[Any]) -> None:
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self.rows = rows


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Outcome:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        return _Outcome(cursor, cursor.fetchall() if cursor.description else [])
    finally:
        cursor.close()


def _run_here_if_quick(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> _Outcome | None:
    """The read's outcome, run in this thread; None if it took longer than
    ``READ_HERE_FOR_S`` and was interrupted."""
    deadline = time.perf_counter() + READ_HERE_FOR_S
    connection.set_progress_handler(lambda: time.perf_counter() > deadline, _STEPS_BETWEEN_LOOKS)
    try:
        return _run(connection, False, operation, parameters)
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode != sqlite3.SQLITE_INTERRUPT:
            raise
        return None
    finally:
        connection.set_progress_handler(None, 0)


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs, fetches and closes in one trip; the rows are buffered
    as SQLAlchemy's adapter buffers them anyway."""

    __slots__ = ("_arraysize", "_outcome")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._outcome: _Outcome | None = None
        self._arraysize = 1

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def description(self) -> Any:
        return None if self._outcome is None else self._outcome.description

    @property
    def rowcount(self) -> int:
        return -1 if self._outcome is None else self._outcome.rowcount

    @property
    def lastrowid(self) -> int:
        return None if self._outcome is None else self._outcome.lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._trip(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._trip(True, operation, seq_of_parameters)

    def _trip(self, many: bool, operation: Any, parameters: Any) -> None:
        try:
            outcome = await_(self._in_driver_thread(many, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._outcome = outcome
        self._rows = deque(outcome.rows)

    async def _in_driver_thread(self, many: bool, operation: Any, parameters: Any) -> _Outcome:
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        connection = self._connection
        async with adapted._execute_mutex:
            if not many and _reads(operation):
                quick = _run_here_if_quick(connection._conn, operation, parameters)
                if quick is not None:
                    return quick
            if _writes(operation):
                await adapted.take_turn()
            run = partial(_run, connection._conn, many, operation, parameters)
            try:
                outcome: _Outcome = await connection._execute(run)
            finally:
                adapted.give_turn_back_unless_writing()
            return outcome


def _writes(operation: str) -> bool:
    return operation.lstrip()[:9].upper().startswith(_WRITES)


def _reads(operation: str) -> bool:
    return operation.lstrip()[:6].upper() == "SELECT"


class WriterTurns:
    """One turn to write per database file and event loop, taken in arrival order."""

    def __init__(self) -> None:
        self._locks: dict[tuple[asyncio.AbstractEventLoop, str], asyncio.Lock] = {}

    def of(self, database: str) -> asyncio.Lock:
        key = (asyncio.get_running_loop(), database)
        if key not in self._locks:
            self._locks = {k: lock for k, lock in self._locks.items() if not k[0].is_closed()}
            self._locks[key] = asyncio.Lock()
        return self._locks[key]


WRITER_TURNS = WriterTurns()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_database", "_turn")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any, database: str) -> None:
        super().__init__(dbapi, connection)
        self._database = database
        self._turn: asyncio.Lock | None = None

    async def take_turn(self) -> None:
        """Wait for this process's turn to write, unless this connection has it; as long as
        SQLite's busy timeout at most, then "database is locked" as SQLite would say."""
        if self._turn is not None:
            return
        turn = WRITER_TURNS.of(self._database)
        try:
            await asyncio.wait_for(turn.acquire(), SQLITE_BUSY_TIMEOUT_MS / 1000)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._turn = turn

    def give_turn_back_unless_writing(self) -> None:
        if self._turn is not None and not self._has_transaction():
            self._turn.release()
            self._turn = None

    def commit(self) -> None:
        try:
            if self._has_transaction():
                super().commit()
        finally:
            self.give_turn_back_unless_writing()

    def rollback(self) -> None:
        try:
            if self._has_transaction():
                super().rollback()
        finally:
            self.give_turn_back_unless_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._turn is not None:
                self._turn.release()
                self._turn = None

    def _has_transaction(self) -> bool:
        """Whether SQLite has a transaction open; read without a trip, as no statement of
        this connection runs meanwhile (they are awaited one at a time)."""
        driver = self._connection._connection
        return driver is not None and driver.in_transaction


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        # Quick reads use the connection from the event loop's thread, never while its own
        # thread does (statements of one connection are awaited one at a time).
        kw.setdefault("check_same_thread", False)
        adapted = super().connect(*arg, **kw)
        database = str(arg[0] if arg else kw.get("database", ""))
        return OneTripConnection(self, adapted._connection, database)


def one_trip_dbapi() -> OneTripDBAPI:
    """The DBAPI module to give ``create_async_engine(module=...)`` for SQLite URLs."""
    return OneTripDBAPI(aiosqlite, sqlite3)
