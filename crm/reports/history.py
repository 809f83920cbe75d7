"""Reports read from the stage-change history: the funnel and the time spent in each stage."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.idle_deals import is_idle, watched_stages
from crm.models import Activity, ActivityKind, Lead, Staff, Stage, StageKind
from crm.reports.periods import Period
from crm.reports.sql import days_between, within, without_jit
from crm.services.access import is_unscoped, visible_leads
from crm.services.pipelines import default_pipeline, pipeline_stages

IDLE_LEADS_LISTED = 5
# Percentiles as fractions of whole numbers, so that their ranks are integer arithmetic in SQL.
MEDIAN = (1, 2)
NINETIETH = (9, 10)


async def walked_stages(session: AsyncSession) -> list[Stage]:
    """The default pipeline's stages a deal moves along: every stage but Lost, in order."""
    pipeline = await default_pipeline(session)
    stages = await pipeline_stages(session, pipeline_id=pipeline.id)
    return [stage for stage in stages if stage.kind != StageKind.LOST]


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: Stage
    reached: int
    """Leads that were in this stage or a later one at some time."""
    conversion: float | None
    """Of the leads that reached the step before, the share that reached this one, 0 to 1."""


async def funnel(session: AsyncSession, *, actor: Staff, period: Period) -> list[FunnelStep]:
    """Of the leads created in ``period``, how many reached each stage of the default
    pipeline, from the stage-change history: a lead moved back, or lost, still counts for
    the furthest stage it was ever in."""
    await without_jit(session)
    stages = await walked_stages(session)
    positions = {stage.id: stage.position for stage in stages}
    # Each lead with every stage change it had: it was in its current stage and in each
    # stage a change took it from or to.
    rows = await session.execute(
        select(Lead.id, Lead.stage_id, Activity.from_stage_id, Activity.to_stage_id)
        .outerjoin(
            Activity,
            (Activity.lead_id == Lead.id) & (Activity.kind == ActivityKind.STAGE_CHANGE),
        )
        .where(within(Lead.created_at, period), visible_leads(actor))
    )
    furthest: dict[int, int] = {}
    for lead_id, *visited in rows:
        known = [positions[stage_id] for stage_id in visited if stage_id in positions]
        furthest[lead_id] = max([furthest.get(lead_id, -1), *known])
    leads_at = Counter(furthest.values())
    steps: list[FunnelStep] = []
    for stage in stages:
        reached = sum(count for position, count in leads_at.items() if position >= stage.position)
        before = steps[-1].reached if steps else None
        conversion = reached / before if before else None
        steps.append(FunnelStep(stage, reached, conversion))
    return steps


@dataclass(frozen=True, slots=True)
class StageTime:
    stage: Stage
    spells: int
    """Times a lead left this stage in the period."""
    median_days: float | None
    p90_days: float | None
    idle_now: int
    """Open leads in this stage now with no activity for longer than its idle days."""


@dataclass(frozen=True, slots=True)
class TimeInStage:
    stages: list[StageTime]
    idle_leads: list[Lead]
    """The quietest of the idle leads, up to ``IDLE_LEADS_LISTED``."""


async def time_in_stage(
    session: AsyncSession, *, actor: Staff, period: Period, now: datetime
) -> TimeInStage:
    """Median and 90th percentile of the days leads spent in each open stage before leaving
    it in ``period`` (a stay begins when the lead entered the stage, or was created), and the
    leads over their stage's idle days now."""
    await without_jit(session)
    stages = [stage for stage in await walked_stages(session) if stage.kind == StageKind.OPEN]
    stays = await _stays(session, actor, period)
    idle = await _idle(session, actor, now)
    figures = [
        StageTime(
            stage=stage,
            spells=stays[stage.id].count,
            median_days=stays[stage.id].percentile(*MEDIAN),
            p90_days=stays[stage.id].percentile(*NINETIETH),
            idle_now=idle.get(stage.id, 0),
        )
        for stage in stages
    ]
    return TimeInStage(figures, await _quietest_idle(session, actor, now))


@dataclass(slots=True)
class _Stays:
    """How many stays a stage had, and the days of those at the ranks the percentiles need
    (0 the shortest)."""

    count: int = 0
    days_at: dict[int, float] = field(default_factory=dict)

    def percentile(self, numerator: int, denominator: int) -> float | None:
        """The days below which ``numerator / denominator`` of the stays lie, interpolated
        between the two nearest (as spreadsheets' PERCENTILE does); None for no stays."""
        if not self.count:
            return None
        rank = (self.count - 1) * numerator / denominator
        low, high = self.days_at[math.floor(rank)], self.days_at[math.ceil(rank)]
        return low + (high - low) * (rank - math.floor(rank))


async def _stays(session: AsyncSession, actor: Staff, period: Period) -> defaultdict[int, _Stays]:
    """Per stage, the stays that ended in ``period`` (a stage change from it): their number
    and the days of those at the ranks of the median and the 90th percentile, ranked in the
    database so that only those few rows come back.

    Read from the stage changes' covering indexes: the stay began at the lead's change before
    (``ix_activities_stage_history``) or, for its first, when the lead was created.
    """
    earlier = aliased(Activity)
    entered_at = (
        select(func.max(earlier.created_at))
        .where(
            earlier.lead_id == Activity.lead_id,
            earlier.kind == ActivityKind.STAGE_CHANGE,
            earlier.created_at < Activity.created_at,
        )
        .scalar_subquery()
    )
    created_at = select(Lead.created_at).where(Lead.id == Activity.lead_id).scalar_subquery()
    query = select(
        Activity.from_stage_id.label("stage_id"),
        days_between(func.coalesce(entered_at, created_at), Activity.created_at).label("days"),
    ).where(
        Activity.kind == ActivityKind.STAGE_CHANGE,
        Activity.from_stage_id.is_not(None),
        within(Activity.created_at, period),
    )
    if not is_unscoped(actor):
        query = query.where(Activity.lead_id.in_(select(Lead.id).where(visible_leads(actor))))
    stays = query.subquery("stays")
    ranked = select(
        stays.c.stage_id,
        stays.c.days,
        (func.row_number().over(partition_by=stays.c.stage_id, order_by=stays.c.days) - 1).label(
            "rank"
        ),
        func.count().over(partition_by=stays.c.stage_id).label("count"),
    ).subquery("ranked")
    last = ranked.c.count - 1
    wanted = [
        rank
        for numerator, denominator in (MEDIAN, NINETIETH)
        for rank in (
            last * numerator // denominator,
            (last * numerator + denominator - 1) // denominator,
        )
    ]
    rows = await session.execute(
        select(ranked.c.stage_id, ranked.c.count, ranked.c.rank, ranked.c.days).where(
            or_(*(ranked.c.rank == rank for rank in wanted))
        )
    )
    found: defaultdict[int, _Stays] = defaultdict(_Stays)
    for stage_id, count, rank, days in rows:
        found[stage_id].count = count
        found[stage_id].days_at[rank] = float(days)
    return found


async def _idle(session: AsyncSession, actor: Staff, now: datetime) -> dict[int, int]:
    """Idle leads per watched stage, each counted along ``ix_leads_stage_activity``."""
    counts = {}
    for stage in await watched_stages(session):
        counts[stage.id] = (
            await session.scalar(
                select(func.count())
                .select_from(Lead)
                .where(is_idle([stage], now), visible_leads(actor))
            )
            or 0
        )
    return counts


async def _quietest_idle(session: AsyncSession, actor: Staff, now: datetime) -> list[Lead]:
    """Stage by stage along ``ix_leads_stage_activity``, then the quietest of them all."""
    found: list[Lead] = []
    for stage in await watched_stages(session):
        found += await session.scalars(
            select(Lead)
            .where(is_idle([stage], now), visible_leads(actor))
            .order_by(Lead.last_activity_at, Lead.id)
            .limit(IDLE_LEADS_LISTED)
        )
    found.sort(key=lambda lead: (lead.last_activity_at, lead.id))
    return found[:IDLE_LEADS_LISTED]
