"""SQLite through aiosqlite with one trip to the driver's thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips for each statement (open a cursor, execute,
fetch, close) and one for each commit and rollback, even when SQLite has no transaction
open (a unit of work that only read, the pool's reset of a connection already committed).
Each trip is a queue put, a thread wake-up and an event-loop wake-up: on a busy machine they
cost more than the statements. Here a statement is executed, fetched and closed in a single
trip, and a commit or rollback with nothing open makes none.
"""

from __future__ import annotations

import sqlite3
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
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            run = partial(_run, connection._conn, many, operation, parameters)
            outcome: _Outcome = await connection._execute(run)
            return outcome


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def commit(self) -> None:
        if self._has_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._has_transaction():
            super().rollback()

    def _has_transaction(self) -> bool:
        """Whether SQLite has a transaction open; read without a trip, as no statement of
        this connection runs meanwhile (they are awaited one at a time)."""
        driver = self._connection._connection
        return driver is not None and driver.in_transaction


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """The DBAPI module to give ``create_async_engine(module=...)`` for SQLite URLs."""
    return OneTripDBAPI(aiosqlite, sqlite3)
