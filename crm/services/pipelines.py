"""Pipelines and their stages, which admins configure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import stage_cache
from crm.errors import NotFound, ValidationFailed
from crm.models import Activity, ActivityKind, Lead, Pipeline, Role, Staff, Stage, StageKind, utcnow
from crm.services.access import require_role


class StageTemplate(NamedTuple):
    code: str
    name: str
    kind: StageKind
    probability: int
    idle_days: int | None


DEFAULT_PIPELINE_CODE = "sales"
DEFAULT_PIPELINE_NAME = "Sales"
DEFAULT_STAGES = (
    StageTemplate("new", "New", StageKind.OPEN, 10, 3),
    StageTemplate("qualified", "Qualified", StageKind.OPEN, 30, 7),
    StageTemplate("proposal", "Proposal", StageKind.OPEN, 60, 7),
    StageTemplate("won", "Won", StageKind.WON, 100, None),
    StageTemplate("lost", "Lost", StageKind.LOST, 0, None),
)
STAGE_NAME_MAX = 64


async def ensure_default_pipeline(session: AsyncSession) -> Pipeline:
    """The default pipeline, created with its standard stages on first use."""
    pipeline = await session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
    if pipeline is not None:
        return pipeline
    pipeline = Pipeline(name=DEFAULT_PIPELINE_NAME, code=DEFAULT_PIPELINE_CODE, is_default=True)
    pipeline.stages = [
        Stage(
            code=t.code,
            name=t.name,
            kind=t.kind,
            probability=t.probability,
            idle_days=t.idle_days,
            position=i,
        )
        for i, t in enumerate(DEFAULT_STAGES)
    ]
    session.add(pipeline)
    await session.flush()
    return pipeline


async def default_pipeline(session: AsyncSession) -> Pipeline:
    pipeline = await session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
    if pipeline is None:
        raise NotFound("no default pipeline; run the migrations")
    return pipeline


async def default_open_stage(session: AsyncSession) -> Stage:
    """The first open stage of the default pipeline, where new leads start."""
    pipeline_id = await _default_pipeline_id(session)
    cached = await stage_cache.cached_first_open_stage(session, pipeline_id)
    if cached is not None:
        return cached
    stages = await pipeline_stages(session, pipeline_id=pipeline_id)
    return next(stage for stage in stages if stage.kind == StageKind.OPEN)


async def _default_pipeline_id(session: AsyncSession) -> int:
    pipeline_id = stage_cache.cached_default_pipeline_id(session)
    if pipeline_id is None:
        pipeline_id = await session.scalar(select(Pipeline.id).where(Pipeline.is_default.is_(True)))
        if pipeline_id is None:
            raise NotFound("no default pipeline; run the migrations")
        stage_cache.keep_default_pipeline_id(session, pipeline_id)
    return pipeline_id


async def pipeline_stages(session: AsyncSession, *, pipeline_id: int) -> list[Stage]:
    cached = await stage_cache.cached_pipeline_stages(session, pipeline_id)
    if cached is not None:
        return cached
    stages = list(
        await session.scalars(
            select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)
        )
    )
    stage_cache.keep_pipeline_stages(session, pipeline_id, stages)
    return stages


async def get_stage(session: AsyncSession, stage_id: int) -> Stage:
    stage = await stage_cache.cached_stage(session, stage_id)
    if stage is not None:
        return stage
    stage = await session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(f"stage {stage_id}")
    stage_cache.keep_stage(session, stage)
    return stage


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("stage-name-empty", field="name")
    if len(name) > STAGE_NAME_MAX:
        raise ValidationFailed("stage-name-too-long", field="name")
    return name


def _check_probability(probability: int) -> None:
    if not 0 <= probability <= 100:
        raise ValidationFailed("probability-out-of-range", field="probability")


def _check_idle_days(idle_days: int | None) -> None:
    if idle_days is not None and not 1 <= idle_days <= 365:
        raise ValidationFailed("idle-days-out-of-range", field="idle_days")


async def add_stage(
    session: AsyncSession,
    *,
    actor: Staff,
    pipeline_id: int,
    name: str,
    kind: StageKind = StageKind.OPEN,
    probability: int = 0,
    idle_days: int | None = None,
) -> Stage:
    """Add a stage at the end of the pipeline."""
    require_role(actor, Role.ADMIN)
    _check_probability(probability)
    _check_idle_days(idle_days)
    last_position = await session.scalar(
        select(func.max(Stage.position)).where(Stage.pipeline_id == pipeline_id)
    )
    if last_position is None:
        raise NotFound(f"pipeline {pipeline_id}")
    stage = Stage(
        pipeline_id=pipeline_id,
        name=_checked_name(name),
        kind=kind,
        probability=probability,
        idle_days=idle_days,
        position=last_position + 1,
    )
    session.add(stage)
    await session.flush()
    return stage


async def update_stage(
    session: AsyncSession,
    *,
    actor: Staff,
    stage_id: int,
    name: str | None = None,
    kind: StageKind | None = None,
    probability: int | None = None,
    idle_days: int | None = None,
    clear_idle_days: bool = False,
) -> Stage:
    require_role(actor, Role.ADMIN)
    stage = await get_stage(session, stage_id)
    if name is not None:
        # A name typed by an admin is shown as typed, no longer translated from the code.
        stage.name, stage.code = _checked_name(name), None
    if kind is not None and kind != stage.kind:
        await _check_pipeline_keeps_an_open_stage(session, stage, new_kind=kind)
        stage.kind = kind
    if probability is not None:
        _check_probability(probability)
        stage.probability = probability
    if idle_days is not None:
        _check_idle_days(idle_days)
        stage.idle_days = idle_days
    if clear_idle_days:
        stage.idle_days = None
    await session.flush()
    return stage


async def reorder_stages(
    session: AsyncSession, *, actor: Staff, pipeline_id: int, stage_ids: Sequence[int]
) -> list[Stage]:
    """Put the pipeline's stages in the given order; every stage must be named once."""
    require_role(actor, Role.ADMIN)
    stages = {stage.id: stage for stage in await pipeline_stages(session, pipeline_id=pipeline_id)}
    if sorted(stage_ids) != sorted(stages):
        raise ValidationFailed("stage-order-incomplete", field="stage_ids")
    for position, stage_id in enumerate(stage_ids):
        stages[stage_id].position = position
    await session.flush()
    return [stages[stage_id] for stage_id in stage_ids]


async def move_stage(session: AsyncSession, *, actor: Staff, stage_id: int, offset: int) -> None:
    """Move a stage ``offset`` places up (negative) or down (positive) in its pipeline."""
    stage = await get_stage(session, stage_id)
    order = [s.id for s in await pipeline_stages(session, pipeline_id=stage.pipeline_id)]
    current = order.index(stage_id)
    target = max(0, min(len(order) - 1, current + offset))
    order.insert(target, order.pop(current))
    await reorder_stages(session, actor=actor, pipeline_id=stage.pipeline_id, stage_ids=order)


async def delete_stage(
    session: AsyncSession, *, actor: Staff, stage_id: int, move_leads_to: int | None = None
) -> None:
    """Delete a stage; its leads, if any, go to ``move_leads_to`` with a timeline entry each."""
    require_role(actor, Role.ADMIN)
    stage = await get_stage(session, stage_id)
    await _check_pipeline_keeps_an_open_stage(session, stage, new_kind=None)
    lead_count = await session.scalar(select(func.count()).where(Lead.stage_id == stage_id))
    if lead_count:
        if move_leads_to is None:
            raise ValidationFailed("stage-has-leads", field="move_leads_to")
        target = await get_stage(session, move_leads_to)
        if target.pipeline_id != stage.pipeline_id or target.id == stage.id:
            raise ValidationFailed("stage-target-invalid", field="move_leads_to")
        await _move_all_leads(session, actor=actor, source=stage, target=target)
    await session.delete(stage)
    await session.flush()


async def _move_all_leads(
    session: AsyncSession, *, actor: Staff, source: Stage, target: Stage
) -> None:
    now = utcnow()
    activity_columns = Activity.__table__.c
    timeline_rows = select(
        literal(ActivityKind.STAGE_CHANGE, activity_columns.kind.type),
        Lead.id,
        Lead.customer_id,
        literal(actor.id),
        literal(source.id),
        literal(target.id),
        # The source stage is about to go; its name stays in the entry.
        literal(source.name),
        literal(now, activity_columns.created_at.type),
    ).where(Lead.stage_id == source.id)
    await session.execute(
        insert(Activity).from_select(
            [
                "kind",
                "lead_id",
                "customer_id",
                "author_id",
                "from_stage_id",
                "to_stage_id",
                "text",
                "created_at",
            ],
            timeline_rows,
        )
    )
    await session.execute(
        update(Lead)
        .where(Lead.stage_id == source.id)
        .values(stage_id=target.id, stage_entered_at=now, version=Lead.version + 1)
        .execution_options(synchronize_session="fetch")
    )


async def _check_pipeline_keeps_an_open_stage(
    session: AsyncSession, stage: Stage, *, new_kind: StageKind | None
) -> None:
    if stage.kind != StageKind.OPEN or new_kind == StageKind.OPEN:
        return
    open_stages = await session.scalar(
        select(func.count()).where(
            Stage.pipeline_id == stage.pipeline_id, Stage.kind == StageKind.OPEN
        )
    )
    if (open_stages or 0) <= 1:
        raise ValidationFailed("last-open-stage", field="kind")
