"""The pipeline board: per stage its count, total and probability-weighted value."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotFound
from crm.models import Lead, Pipeline, Staff, Stage
from crm.money import from_minor_units
from crm.services.access import visible_leads
from crm.services.pipelines import default_pipeline, get_stage, pipeline_stages

T = TypeVar("T")
PAGE_SIZE = 8


@dataclass(slots=True)
class StageColumn:
    stage: Stage
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Board:
    pipeline: Pipeline
    columns: list[StageColumn]

    @property
    def lead_count(self) -> int:
        return sum(column.count for column in self.columns)


async def pipeline_board(
    session: AsyncSession, *, actor: Staff, pipeline_id: int | None = None
) -> Board:
    """Figures per stage over the leads ``actor`` may see; sums kept apart per currency."""
    pipeline = await _pipeline(session, pipeline_id)
    stages = await pipeline_stages(session, pipeline_id=pipeline.id)
    columns = {stage.id: StageColumn(stage) for stage in stages}
    rows = await session.execute(
        select(Lead.stage_id, Lead.currency, func.count(), func.sum(Lead.value_minor))
        .where(Lead.stage_id.in_(columns), visible_leads(actor))
        .group_by(Lead.stage_id, Lead.currency)
    )
    for stage_id, currency, count, total_minor in rows:
        column = columns[stage_id]
        column.count += count
        if total_minor is None:
            continue
        total = from_minor_units(total_minor)
        column.totals[currency] = total
        column.weighted[currency] = (total * column.stage.probability / 100).quantize(
            Decimal("0.01")
        )
    return Board(pipeline=pipeline, columns=list(columns.values()))


async def _pipeline(session: AsyncSession, pipeline_id: int | None) -> Pipeline:
    if pipeline_id is None:
        return await default_pipeline(session)
    pipeline = await session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFound(f"pipeline {pipeline_id}")
    return pipeline


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.page_count

    @property
    def has_previous(self) -> bool:
        return self.page > 0


async def stage_leads(
    session: AsyncSession, *, actor: Staff, stage_id: int, page: int = 0, page_size: int = PAGE_SIZE
) -> Page[Lead]:
    """One page of a stage's leads that ``actor`` may see, latest activity first."""
    await get_stage(session, stage_id)
    page = max(page, 0)
    where = (Lead.stage_id == stage_id, visible_leads(actor))
    total = await session.scalar(select(func.count()).select_from(Lead).where(*where)) or 0
    rows = await session.scalars(
        select(Lead)
        .where(*where)
        .order_by(Lead.last_activity_at.desc(), Lead.id.desc())
        .limit(page_size)
        .offset(page * page_size)
    )
    return Page(items=list(rows), page=page, page_size=page_size, total=total)
