"""The versions of what this process keeps in memory (stages, webhooks, rules), read by the
statement that starts a unit of work (the staff lookup of each update, the intake's channel
lookup), so the rest of that unit of work may take them from the caches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Label
from sqlalchemy.ext.asyncio import AsyncSession

from crm import listeners, stage_cache


def version_columns() -> list[Label[int]]:
    """Every cache's version, as columns for the statement that starts a unit of work."""
    return [stage_cache.version_column(), *listeners.version_columns()]


def remember_versions(session: AsyncSession, row: Any) -> None:
    """The versions this unit of work read, from the row of :func:`version_columns`."""
    stage_cache.remember_version(session, row.stages_version)
    listeners.remember_versions(session, row)
