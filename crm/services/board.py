"""The pipeline board: per stage its count, total and probability-weighted value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, select, true, tuple_
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
    session: AsyncSession,
    *,
    actor: Staff,
    pipeline_id: int | None = None,
    matching: ColumnElement[bool] | None = None,
) -> Board:
    """Figures per stage over the leads ``actor`` may see (and ``matching``, a filter); sums
    kept apart per currency."""
    pipeline = await _pipeline(session, pipeline_id)
    stages = await pipeline_stages(session, pipeline_id=pipeline.id)
    columns = {stage.id: StageColumn(stage) for stage in stages}
    rows = await session.execute(
        select(Lead.stage_id, Lead.currency, func.count(), func.sum(Lead.value_minor))
        .where(
            Lead.stage_id.in_(columns),
            visible_leads(actor),
            true() if matching is None else matching,
        )
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


@dataclass(frozen=True, slots=True)
class OpenPage(Generic[T]):
    """A page of a list whose length is not counted (counting would mean listing it all):
    only whether another page follows is known, from reading one item past the page."""

    items: list[T]
    page: int
    page_size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 0


@dataclass(frozen=True, slots=True)
class ListPosition:
    """A lead's place in a stage list, latest activity first: where the next page starts."""

    last_activity_at: datetime
    lead_id: int

    @classmethod
    def of(cls, lead: Lead) -> ListPosition:
        return cls(lead.last_activity_at, lead.id)


@dataclass(frozen=True, slots=True)
class StagePage:
    """Leads in latest-activity order; the previous page holds later activity, the next one
    earlier."""

    items: list[Lead]
    has_previous: bool
    has_next: bool


async def stage_leads(
    session: AsyncSession,
    *,
    actor: Staff,
    stage_id: int,
    after: ListPosition | None = None,
    before: ListPosition | None = None,
    page_size: int = PAGE_SIZE,
) -> StagePage:
    """One page of a stage's leads that ``actor`` may see, latest activity first: the first
    page, the one right ``after`` a position or the one right ``before`` it.

    Pages are found through the stage's latest-activity index from the position (keyset),
    never counted or skipped over, so the thousandth page costs what the first does.
    """
    await get_stage(session, stage_id)
    place = tuple_(Lead.last_activity_at, Lead.id)
    query = select(Lead).where(Lead.stage_id == stage_id, visible_leads(actor))
    if before is not None:
        rows = list(
            await session.scalars(
                query.where(place > (before.last_activity_at, before.lead_id))
                .order_by(Lead.last_activity_at, Lead.id)
                .limit(page_size + 1)
            )
        )
        items = rows[:page_size][::-1]
        return StagePage(items, has_previous=len(rows) > page_size, has_next=True)
    if after is not None:
        query = query.where(place < (after.last_activity_at, after.lead_id))
    rows = list(
        await session.scalars(
            query.order_by(Lead.last_activity_at.desc(), Lead.id.desc()).limit(page_size + 1)
        )
    )
    return StagePage(
        rows[:page_size], has_previous=after is not None, has_next=len(rows) > page_size
    )
