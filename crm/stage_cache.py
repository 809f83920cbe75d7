"""Pipelines' stages, and the custom fields they require, kept in memory, per engine, while
the database says they are current.

Every change to ``pipelines``, ``stages`` or ``field_definitions``, by any process, bumps
the ``stages`` row of ``cache_versions`` (triggers of migrations 0012 and 0017). A unit of
work that read that version (:func:`remember_version`, done by the staff lookup that starts
each update, in the same statement) takes them from the cache filled at that version, or
reads them and fills it.
A session that read no version, or that changed stages itself, always asks the database, so
nobody is shown a stage older than the version their update started with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Label, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, make_transient_to_detached

from crm.models import CacheVersion, FieldDefinition, Pipeline, Stage, StageKind

_VERSION_KEY = "stages_version"
_CACHED_MODELS = (Pipeline, Stage, FieldDefinition)
_CACHED_TABLES = frozenset(model.__tablename__ for model in _CACHED_MODELS)


@dataclass(slots=True)
class _Stages:
    version: int
    by_id: dict[int, Stage] = field(default_factory=dict)
    by_pipeline: dict[int, list[Stage]] = field(default_factory=dict)
    default_pipeline_id: int | None = None
    # Every custom field defined, in the order they were added.
    fields: list[FieldDefinition] | None = None


_caches: WeakKeyDictionary[Engine, _Stages] = WeakKeyDictionary()


@cache
def version_column() -> Label[int]:
    """The stages version, as a column for the statement that starts a unit of work; built
    once, as it goes into a statement on every update."""
    return (
        select(CacheVersion.version)
        .where(CacheVersion.name == "stages")
        .scalar_subquery()
        .label("stages_version")
    )


def remember_version(session: AsyncSession, version: int | None) -> None:
    """The stages version this unit of work read from the database (None: not known)."""
    if version is None:
        session.sync_session.info.pop(_VERSION_KEY, None)
    else:
        session.sync_session.info[_VERSION_KEY] = version


async def cached_stage(session: AsyncSession, stage_id: int) -> Stage | None:
    cache = _current(session)
    stage = None if cache is None else cache.by_id.get(stage_id)
    return None if stage is None else await _attached(session, stage)


async def cached_pipeline_stages(session: AsyncSession, pipeline_id: int) -> list[Stage] | None:
    cache = _current(session)
    stages = None if cache is None else cache.by_pipeline.get(pipeline_id)
    return None if stages is None else [await _attached(session, stage) for stage in stages]


async def cached_first_open_stage(session: AsyncSession, pipeline_id: int) -> Stage | None:
    """The pipeline's first open stage, where new leads start; only it is attached to the
    session (attaching every stage of the pipeline took longer than the rest of the look-up)."""
    cache = _current(session)
    stages = None if cache is None else cache.by_pipeline.get(pipeline_id)
    if stages is None:
        return None
    first = next(stage for stage in stages if stage.kind == StageKind.OPEN)
    return await _attached(session, first)


def cached_default_pipeline_id(session: AsyncSession) -> int | None:
    cache = _current(session)
    return None if cache is None else cache.default_pipeline_id


def keep_default_pipeline_id(session: AsyncSession, pipeline_id: int) -> None:
    cache = _current(session, filling=True)
    if cache is not None:
        cache.default_pipeline_id = pipeline_id


async def cached_field_definitions(session: AsyncSession) -> list[FieldDefinition] | None:
    cache = _current(session)
    fields = None if cache is None else cache.fields
    return None if fields is None else [await _attached(session, field) for field in fields]


def keep_field_definitions(session: AsyncSession, fields: list[FieldDefinition]) -> None:
    cache = _current(session, filling=True)
    if cache is not None and not any(inspect(field).modified for field in fields):
        cache.fields = [_detached_copy(field) for field in fields]


def keep_stage(session: AsyncSession, stage: Stage) -> None:
    cache = _current(session, filling=True)
    if cache is not None and not inspect(stage).modified:
        cache.by_id[stage.id] = _detached_copy(stage)


def keep_pipeline_stages(session: AsyncSession, pipeline_id: int, stages: list[Stage]) -> None:
    cache = _current(session, filling=True)
    if cache is None or any(inspect(stage).modified for stage in stages):
        return
    copies = [_detached_copy(stage) for stage in stages]
    cache.by_pipeline[pipeline_id] = copies
    cache.by_id.update((stage.id, stage) for stage in copies)


Cached = TypeVar("Cached", Stage, FieldDefinition)


def _detached_copy(instance: Cached) -> Cached:
    """A copy that belongs to no session: what the session later does to its own instance
    (a change it rolls back, an expiry) never reaches the cache."""
    model = type(instance)
    columns = inspect(model).column_attrs
    copy = model(**{column.key: getattr(instance, column.key) for column in columns})
    make_transient_to_detached(copy)
    return copy


def _current(session: AsyncSession, *, filling: bool = False) -> _Stages | None:
    """The cache at the version this unit of work read; when ``filling``, an empty one
    replaces a cache of another version. Rows read after the version are at least as new
    as it, so what is filled in is never older than its version says."""
    version = session.sync_session.info.get(_VERSION_KEY)
    if version is None:
        return None
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    cache = _caches.get(engine)
    if cache is not None and cache.version == version:
        return cache
    if not filling:
        return None
    cache = _caches[engine] = _Stages(version)
    return cache


async def _attached(session: AsyncSession, instance: Cached) -> Cached:
    """The session's own instance of a cached row: the one it holds already, or a copy made
    without asking the database."""
    key = inspect(instance).key
    held = None if key is None else session.sync_session.identity_map.get(key)
    if isinstance(held, type(instance)):
        return held
    return await session.merge(instance, load=False)


def _forget_version(session: Session) -> None:
    session.info.pop(_VERSION_KEY, None)


@event.listens_for(Session, "after_flush")
def _flushed_stages(session: Session, flush_context: UOWTransaction) -> None:
    """A unit of work that changed stages (or fields) reads them from the database from then
    on."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(instance, _CACHED_MODELS) for instance in changed):
        _forget_version(session)


@event.listens_for(Session, "do_orm_execute")
def _stages_written(state: ORMExecuteState) -> None:
    """The same for bulk INSERT, UPDATE and DELETE statements on the cached tables."""
    if state.is_select:
        return
    tables: Any = getattr(state.statement, "table", None)
    if getattr(tables, "name", None) in _CACHED_TABLES:
        _forget_version(state.session)
