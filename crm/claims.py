"""Taking a batch of rows for one worker when several may be looking at once (the outbox
sender, the scheduler's rounds)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select


def picked_once(candidates: Select[Any], name: str) -> Select[Any]:
    """The ids ``candidates`` (locked ``FOR UPDATE SKIP LOCKED``) selects, as a materialized
    CTE: PostgreSQL would otherwise re-run an ``IN (SELECT ... LIMIT n)`` for every row it
    updates and take far more than ``n``. The UPDATE needs no second look at the rows: the lock
    re-checks them on PostgreSQL, and SQLite lets one writer in at a time."""
    picked = candidates.cte(name).prefix_with("MATERIALIZED")
    return select(picked.c.id)
