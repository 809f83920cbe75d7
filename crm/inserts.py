"""``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike: the way to add a row
that must exist once (a receipt, a shop's order) when another request may add it too.

A savepoint and a caught IntegrityError would do the same on PostgreSQL, but SQLite's driver
opens no transaction before a savepoint that is the first write, and releasing the savepoint
then commits that row on its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Base


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
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(model.__table__.c.id)
    )
    row_id: int | None = await session.scalar(statement)
    return row_id
