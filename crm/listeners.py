"""Who listens for what happens, kept in memory per engine while the database says it holds:
the live outgoing webhooks (by the events each receives) and the triggers enabled automation
rules listen for. Without them every change that records events asks the database for both.

Every change to ``webhooks`` or ``rules``, by any process, bumps their row of
``cache_versions`` (triggers of migrations 0016 and 0013). A unit of work that read those
versions when it started (:func:`remember_versions`, done in the same statement by the
intake's channel lookup and by the staff lookup that starts each update) takes them from
the cache filled at those versions, or reads them and fills it. A session that read no
version, or that changed webhooks or rules itself, always asks the database, as with the
stages (:mod:`crm.stage_cache`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Label, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from crm.models import CacheVersion, Rule, Webhook

_VERSIONS_KEY = "listener_versions"
# cache_versions' row -> what it versions.
_VERSIONED = {"webhooks": Webhook, "rules": Rule}
_TABLES = {model.__tablename__: name for name, model in _VERSIONED.items()}

T = TypeVar("T")
# Per engine: cache_versions' row -> (the version it was read at, what was read).
_caches: WeakKeyDictionary[Engine, dict[str, tuple[int, Any]]] = WeakKeyDictionary()


def version_columns() -> list[Label[int]]:
    """The versions, as columns for the statement that starts a unit of work."""
    return [
        select(CacheVersion.version)
        .where(CacheVersion.name == name)
        .scalar_subquery()
        .label(f"{name}_version")
        for name in _VERSIONED
    ]


def remember_versions(session: AsyncSession, row: object) -> None:
    """The versions this unit of work read, from the row of :func:`version_columns`."""
    session.sync_session.info[_VERSIONS_KEY] = {
        name: version
        for name in _VERSIONED
        if (version := getattr(row, f"{name}_version")) is not None
    }


async def webhook_receivers(session: AsyncSession) -> Mapping[str, tuple[int, ...]]:
    """The live webhooks' ids by each event type they receive (a paused webhook too: its
    deliveries wait for it)."""
    return await _cached(session, "webhooks", _read_webhook_receivers)


async def rules_may_listen(session: AsyncSession, trigger: str) -> bool:
    """Whether an enabled rule may listen for ``trigger``: False only when known not."""
    if _version(session, "rules") is None:
        return True
    return trigger in await _cached(session, "rules", _read_rule_triggers)


async def _read_webhook_receivers(session: AsyncSession) -> dict[str, tuple[int, ...]]:
    receivers: dict[str, tuple[int, ...]] = {}
    hooks = await session.execute(
        select(Webhook.id, Webhook.events).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
    )
    for hook_id, events in hooks:
        for event_type in events:
            receivers[event_type] = (*receivers.get(event_type, ()), hook_id)
    return receivers


async def _read_rule_triggers(session: AsyncSession) -> frozenset[str]:
    triggers = await session.scalars(select(Rule.trigger).where(Rule.enabled.is_(True)).distinct())
    return frozenset(triggers)


def _version(session: AsyncSession, name: str) -> int | None:
    version: int | None = session.sync_session.info.get(_VERSIONS_KEY, {}).get(name)
    return version


async def _cached(
    session: AsyncSession, name: str, read: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """What ``read`` reads, from the cache filled at the version this unit of work read.
    Rows read after the version are at least as new as it, so what is filled in is never
    older than its version says."""
    version = _version(session, name)
    if version is None:
        return await read(session)
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    kept = _caches.setdefault(engine, {})
    if name in kept and kept[name][0] == version:
        value: T = kept[name][1]
        return value
    value = await read(session)
    kept[name] = (version, value)
    return value


@event.listens_for(Session, "after_flush")
def _flushed_listeners(session: Session, flush_context: UOWTransaction) -> None:
    """A unit of work that changed webhooks or rules reads them from the database from then
    on."""
    versions = session.info.get(_VERSIONS_KEY)
    if not versions:
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    for name, model in _VERSIONED.items():
        if any(isinstance(instance, model) for instance in changed):
            versions.pop(name, None)


@event.listens_for(Session, "do_orm_execute")
def _listeners_written(state: ORMExecuteState) -> None:
    """The same for bulk INSERT, UPDATE and DELETE statements on webhooks or rules."""
    versions = state.session.info.get(_VERSIONS_KEY)
    if not versions or state.is_select:
        return
    table: Any = getattr(state.statement, "table", None)
    name = _TABLES.get(getattr(table, "name", None) or "")
    if name is not None:
        versions.pop(name, None)
