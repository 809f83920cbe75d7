"""The engine the product runs on: the CRM's engine, with drivers reached the quicker way.
SQLite goes through the adapter that makes one trip to its thread per statement
(:mod:`bot.sqlite_driver`); an asyncpg connection taken from the pool is checked in one round
trip. The CRM itself knows no driver; migrations run on the plain engine."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sqlite_driver import one_trip_dbapi
from crm import db


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    driver = make_url(url).get_driver_name()
    if driver == "aiosqlite":
        kwargs.setdefault("module", one_trip_dbapi())
    if driver == "asyncpg" and "pool_pre_ping" not in kwargs:
        engine = db.create_engine(url, pool_pre_ping=False, **kwargs)
        event.listen(engine.sync_engine.pool, "checkout", _ping_in_one_trip)
        return engine
    return db.create_engine(url, **kwargs)


def _ping_in_one_trip(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """``pool_pre_ping`` for asyncpg: one simple query, one round trip. SQLAlchemy's own
    wraps it in BEGIN and ROLLBACK (for pgbouncer's transaction mode, which this project does
    not use): three round trips before every transaction, as many as a short transaction's
    own. A connection that does not answer is thrown away and another taken."""
    try:
        dbapi_connection.run_async(lambda connection: connection.execute("SELECT 1"))
    except Exception as error:  # whatever the failure, the connection is of no use
        raise DisconnectionError(str(error)) from error
