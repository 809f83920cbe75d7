"""``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike: the way to add a row
that must exist once (a receipt, a shop's order) when another request may add it too.

A savepoint and a caught IntegrityError would do the same on PostgreSQL, but SQLite's driver
opens no transaction before a savepoint that is the first write, and releasing the savepoint
then commits that row on its own."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from crm.models import Base, table_of


async def insert_unless_present(
    session: AsyncSession,
    model: type[Base],
    *,
    unique: Sequence[str],
    values: dict[str, Any],
) -> int | None:
    """Insert a row of ``model`` and return its id; None when a row with the same ``unique``
    columns exists (also one another transaction is committing at this moment)."""
    dialect = session.get_bind().dialect.name
    statement = _insert_unless_present(dialect, model, tuple(unique), tuple(values))
    row_id: int | None = await session.scalar(statement, values)
    return row_id


@cache
def _insert_unless_present(
    dialect: str, model: type[Base], unique: tuple[str, ...], columns: tuple[str, ...]
) -> ReturningInsert[int]:
    """The statement for these columns, built once: building it anew cost about as much as
    running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__.c
    return (
        insert(model)
        .values({name: bindparam(name, type_=table[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.id)
    )


async def insert_each_unless_present(
    session: AsyncSession,
    model: type[Base],
    *,
    unique: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> dict[tuple[Any, ...], int]:
    """:func:`insert_unless_present` for many rows in one statement: the ids of those
    inserted, by the values of their ``unique`` columns. The rows must share their columns
    and differ in ``unique``."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect.name
    statement = _insert_each_unless_present(dialect, model, tuple(unique), tuple(rows[0]))
    connection = await session.connection()
    inserted = await connection.execute(statement, list(rows))
    return {tuple(row[1:]): row[0] for row in inserted}


@cache
def _insert_each_unless_present(
    dialect: str, model: type[Base], unique: tuple[str, ...], columns: tuple[str, ...]
) -> ReturningInsert[Any]:
    table = model.__table__.c
    return _insert_unless_present(dialect, model, unique, columns).returning(
        *(table[name] for name in unique)
    )


@cache
def rows_insert(model: type[Base]) -> Insert:
    """An INSERT into ``model``'s table itself, to execute with many rows as dicts: the ORM's
    bulk insert of the same rows took about a third longer for its per-row bookkeeping."""
    return insert(table_of(model))
