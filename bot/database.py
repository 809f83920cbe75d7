"""The engine the product runs on: the CRM's engine, with SQLite reached through the driver
adapter that makes one trip to its thread per statement (:mod:`bot.sqlite_driver`). The CRM
itself knows no driver; migrations run on the plain one."""

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sqlite_driver import one_trip_dbapi
from crm import db


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if make_url(url).get_driver_name() == "aiosqlite":
        kwargs.setdefault("module", one_trip_dbapi())
    return db.create_engine(url, **kwargs)
