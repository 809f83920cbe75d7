"""Taking a batch of rows for one worker when several may be looking at once (the outbox
sender, the scheduler's rounds)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession


def picked_once(session: AsyncSession, candidates: Select[Any], name: str) -> Select[Any]:
    """The ids ``candidates`` (locked ``FOR UPDATE SKIP LOCKED``) selects, for an UPDATE that
    needs no second look at the rows: the lock re-checks them on PostgreSQL, and SQLite lets
    one writer in at a time.

    On PostgreSQL as a materialized CTE: it would otherwise re-run an ``IN (SELECT ... LIMIT n)``
    for every row it updates and take far more than ``n``. Not on SQLite, whose driver opens no
    transaction for a statement that starts with ``WITH``: the UPDATE would commit on its own.
    """
    return picked_once_on(session.get_bind().dialect.name, candidates, name)


def picked_once_on(dialect: str, candidates: Select[Any], name: str) -> Select[Any]:
    """:func:`picked_once` for a statement composed once per database (``dialect``)."""
    if dialect != "postgresql":
        return candidates
    picked = candidates.cte(name).prefix_with("MATERIALIZED")
    return select(picked.c.id)
