"""Idle deals: leads in an open stage with no activity for longer than the stage's idle days.

The responsible rep is nudged once per idle spell: ``leads.idle_nudged_at`` marks the nudge,
and an activity after it (a newer ``last_activity_at``) ends the spell, so the next silence
nudges again. Every query walks ``ix_leads_stage_activity`` (stage, last activity, id) one
watched stage at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import outbox
from crm.audience import staff_wanting
from crm.models import Lead, Notification, Stage, StageKind
from crm.working_hours import next_working_moment

IDLE_DEAL = "idle_deal"
BATCH = 500


async def watched_stages(session: AsyncSession) -> list[Stage]:
    """Open stages with an idle threshold."""
    rows = await session.scalars(
        select(Stage)
        .where(Stage.kind == StageKind.OPEN, Stage.idle_days.is_not(None))
        .order_by(Stage.id)
    )
    return list(rows)


def idle_since(stage: Stage, now: datetime) -> datetime:
    """A lead of ``stage`` untouched since before this moment is idle at ``now``."""
    assert stage.idle_days is not None
    return now - timedelta(days=stage.idle_days)


def is_idle(stages: list[Stage], now: datetime) -> ColumnElement[bool]:
    return or_(
        *(
            and_(Lead.stage_id == stage.id, Lead.last_activity_at < idle_since(stage, now))
            for stage in stages
        )
    )


# The rep has not been nudged since the lead's last activity.
_NOT_NUDGED = or_(Lead.idle_nudged_at.is_(None), Lead.idle_nudged_at < Lead.last_activity_at)


async def nudge_idle_deals(session: AsyncSession, *, now: datetime, limit: int = BATCH) -> int:
    """Mark leads that went idle and were not nudged this spell, and write a nudge for each
    responsible rep who wants one; the number written. A lead whose rep does not want nudges
    (or that has none) is marked all the same, so it is not looked at again this spell."""
    stages = await watched_stages(session)
    if not stages:
        return 0
    idle = is_idle(stages, now)
    # Found first and changed apart: the scan, long when many deals are idle, holds no write
    # lock (SQLite's is one for the whole database).
    candidates = list(
        await session.scalars(
            select(Lead.id).where(idle, _NOT_NUDGED).limit(limit).with_for_update(skip_locked=True)
        )
    )
    if not candidates:
        return 0
    taken = (
        await session.execute(
            update(Lead)
            .where(Lead.id.in_(candidates), idle, _NOT_NUDGED)
            .values(idle_nudged_at=now)
            .returning(Lead.id, Lead.responsible_id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    reps = await staff_wanting(
        session,
        {lead.responsible_id for lead in taken if lead.responsible_id is not None},
        Notification.IDLE_DEALS,
    )
    written = 0
    for lead in taken:
        rep = reps.get(lead.responsible_id) if lead.responsible_id is not None else None
        if rep is None:
            continue
        outbox.enqueue(
            session,
            recipient_id=rep.id,
            kind=IDLE_DEAL,
            payload={"lead_id": lead.id},
            due_at=next_working_moment(rep, now),
        )
        written += 1
    return written


def still_idle(lead: Lead, now: datetime) -> bool:
    """``lead`` is idle at ``now`` and its spell has not ended since the nudge."""
    stage = lead.stage
    if stage.kind != StageKind.OPEN or stage.idle_days is None:
        return False
    spell_ongoing = lead.idle_nudged_at is not None and lead.idle_nudged_at >= lead.last_activity_at
    return spell_ongoing and lead.last_activity_at < idle_since(stage, now)


async def _idle_conditions(
    session: AsyncSession,
    now: datetime,
    responsible_id: int | None,
    scope: ColumnElement[bool] | None,
) -> list[ColumnElement[bool]] | None:
    stages = await watched_stages(session)
    if not stages:
        return None
    conditions = [is_idle(stages, now)]
    if responsible_id is not None:
        conditions.append(Lead.responsible_id == responsible_id)
    if scope is not None:
        conditions.append(scope)
    return conditions


async def idle_deals(
    session: AsyncSession, *, now: datetime, responsible_id: int | None = None, limit: int
) -> list[Lead]:
    """Up to ``limit`` leads idle at ``now``, quietest first; only ``responsible_id``'s if
    given."""
    conditions = await _idle_conditions(session, now, responsible_id, None)
    if conditions is None:
        return []
    leads = await session.scalars(
        select(Lead).where(*conditions).order_by(Lead.last_activity_at, Lead.id).limit(limit)
    )
    return list(leads)


async def count_idle_deals(
    session: AsyncSession,
    *,
    now: datetime,
    responsible_id: int | None = None,
    scope: ColumnElement[bool] | None = None,
) -> int:
    """Leads idle at ``now``: ``responsible_id``'s if given, of a reader's ``scope`` if given
    (crm.services.access.visible_leads)."""
    conditions = await _idle_conditions(session, now, responsible_id, scope)
    if conditions is None:
        return 0
    return await session.scalar(select(func.count()).select_from(Lead).where(*conditions)) or 0
