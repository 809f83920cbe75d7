"""SQL pieces the reports share, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, SQLColumnExpression, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm.money import from_minor_units
from crm.reports.periods import Period

SECONDS_IN_A_DAY = 86400

Money = dict[str, Decimal]
"""Amounts per currency code; amounts in different currencies are never added up."""


class days_between(FunctionElement[float]):
    """The days, with their fraction, from the first timestamp to the second.

    Timestamps are stored as text on SQLite and as ``timestamptz`` on PostgreSQL, so each
    database gets its own arithmetic.
    """

    type = Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = element.clauses
    return (
        f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
    )


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = element.clauses
    interval = f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"
    # EXTRACT gives numeric, which travels as text; a float is decoded as one.
    return f"(CAST(EXTRACT(EPOCH FROM {interval}) AS DOUBLE PRECISION) / {SECONDS_IN_A_DAY})"


def within(column: SQLColumnExpression[datetime | None], period: Period) -> ColumnElement[bool]:
    return (column >= period.starts) & (column < period.ends)


def add_minor_units(money: Money, currency: str, minor_units: int | Decimal | None) -> None:
    """Add a sum of minor units (PostgreSQL sums bigints as numeric; None is no amount at
    all) to ``money``."""
    if minor_units is None:
        return
    money[currency] = money.get(currency, Decimal(0)) + from_minor_units(int(minor_units))


async def without_jit(session: AsyncSession) -> None:
    """Turn PostgreSQL's JIT compilation off for the rest of the transaction.

    A report's planner estimate is high (an index look-up per stage change or per group), so
    PostgreSQL compiles the query first, and the compiling takes longer than the query:
    300 ms of 450 at a million leads. A setting, not SQL: SQLite has nothing to turn off.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL jit = off"))
