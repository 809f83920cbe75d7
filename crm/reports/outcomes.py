"""Deals won and lost in a period: win/loss, and the same figures per source, per rep and
per lost reason.

A deal counts as won (lost) in the period when it entered its won (lost) stage then and is
still there: a deal reopened afterwards counts for neither, one reopened and won again counts
once, when it was won.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import SQLColumnExpression, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, LeadSource, LostReason, Role, Staff, Stage, StageKind, Task
from crm.reports.periods import Period
from crm.reports.sql import Money, add_minor_units, days_between, within, without_jit
from crm.services.access import visible_leads, visible_staff, work_seen_by


@dataclass(slots=True)
class Closed:
    """The deals closed in a period: counts, values per currency, days from creation to won."""

    won: int = 0
    lost: int = 0
    won_value: Money = field(default_factory=dict)
    lost_value: Money = field(default_factory=dict)
    won_with_value: dict[str, int] = field(default_factory=dict)
    days_to_win: float = 0.0

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        """Won of the deals closed, 0 to 1; None when none was closed."""
        return self.won / self.closed if self.closed else None

    @property
    def average_won(self) -> Money:
        """The average won deal per currency, over the won deals that have a value."""
        return {
            currency: (total / self.won_with_value[currency]).quantize(Decimal("0.01"))
            for currency, total in self.won_value.items()
        }

    @property
    def average_days_to_close(self) -> float | None:
        """Days from a won deal's creation to its win, on average."""
        return self.days_to_win / self.won if self.won else None


@dataclass(frozen=True, slots=True)
class WinLoss:
    current: Closed
    previous: Closed
    """The period of the same length just before."""


async def win_loss(session: AsyncSession, *, actor: Staff, period: Period) -> WinLoss:
    await without_jit(session)
    current = await closed_by(session, actor=actor, period=period, key=None)
    previous = await closed_by(session, actor=actor, period=period.previous(), key=None)
    return WinLoss(current=current.get(None, Closed()), previous=previous.get(None, Closed()))


async def closed_by(
    session: AsyncSession, *, actor: Staff, period: Period, key: SQLColumnExpression[Any] | None
) -> dict[Any, Closed]:
    """The deals ``actor`` may see closed in ``period``, per value of ``key`` (all under None
    when ``key`` is None)."""
    figures: defaultdict[Any, Closed] = defaultdict(Closed)
    grouping = _grouping(key)
    won = await session.execute(
        select(
            grouping,
            Lead.currency,
            func.count(),
            func.count(Lead.value_minor),
            func.sum(Lead.value_minor),
            func.sum(days_between(Lead.created_at, Lead.won_at)),
        )
        .where(within(Lead.won_at, period), visible_leads(actor))
        .group_by(grouping, Lead.currency)
    )
    for group, currency, count, with_value, total, days in won:
        closed = figures[group]
        closed.won += count
        closed.days_to_win += float(days or 0)
        if with_value:
            closed.won_with_value[currency] = with_value
            add_minor_units(closed.won_value, currency, total)
    await _add_lost(session, figures, actor=actor, period=period, key=key)
    return dict(figures)


async def _add_lost(
    session: AsyncSession,
    figures: defaultdict[Any, Closed],
    *,
    actor: Staff,
    period: Period,
    key: SQLColumnExpression[Any] | None,
) -> None:
    grouping = _grouping(key)
    lost = await session.execute(
        select(grouping, Lead.currency, func.count(), func.sum(Lead.value_minor))
        .where(within(Lead.lost_at, period), visible_leads(actor))
        .group_by(grouping, Lead.currency)
    )
    for group, currency, count, total in lost:
        figures[group].lost += count
        add_minor_units(figures[group].lost_value, currency, total)


def _grouping(key: SQLColumnExpression[Any] | None) -> SQLColumnExpression[Any]:
    return key if key is not None else literal(None)


async def created_by(
    session: AsyncSession, *, actor: Staff, period: Period, key: SQLColumnExpression[Any]
) -> dict[Any, int]:
    """How many leads ``actor`` may see were created in ``period``, per value of ``key``."""
    rows = await session.execute(
        select(key, func.count())
        .where(within(Lead.created_at, period), visible_leads(actor))
        .group_by(key)
    )
    return {group: count for group, count in rows}


@dataclass(frozen=True, slots=True)
class SourceFigures:
    source: LeadSource
    leads: int
    """Created in the period."""
    closed: Closed


async def sources(session: AsyncSession, *, actor: Staff, period: Period) -> list[SourceFigures]:
    """Per source: leads created, deals won and lost, won value; the best paying first."""
    await without_jit(session)
    created = await created_by(session, actor=actor, period=period, key=Lead.source)
    closed = await closed_by(session, actor=actor, period=period, key=Lead.source)
    figures = [
        SourceFigures(source, created.get(source, 0), closed.get(source, Closed()))
        for source in LeadSource
        if source in created or source in closed
    ]
    return sorted(figures, key=lambda f: (-f.closed.won, -f.leads))


@dataclass(frozen=True, slots=True)
class RepFigures:
    rep: Staff | None
    """None for the leads nobody is responsible for."""
    new: int
    closed: Closed
    open_deals: int
    open_value: Money
    overdue_tasks: int


async def reps(
    session: AsyncSession, *, actor: Staff, period: Period, now: datetime
) -> list[RepFigures]:
    """Per person responsible for leads: new leads, won and lost deals in ``period``, the open
    pipeline and overdue tasks now. A rep sees only their own row; every active rep has one."""
    await without_jit(session)
    new = await created_by(session, actor=actor, period=period, key=Lead.responsible_id)
    closed = await closed_by(session, actor=actor, period=period, key=Lead.responsible_id)
    open_deals, open_value = await _open_pipeline_by_rep(session, actor)
    overdue = await _overdue_tasks_by_assignee(session, actor, now)
    people = await _staff_shown(session, actor, {*new, *closed, *open_deals, *overdue})
    rows = [
        RepFigures(
            rep=person,
            new=new.get(staff_id, 0),
            closed=closed.get(staff_id, Closed()),
            open_deals=open_deals.get(staff_id, 0),
            open_value=open_value.get(staff_id, {}),
            overdue_tasks=overdue.get(staff_id, 0),
        )
        for staff_id, person in people
    ]
    return sorted(rows, key=lambda r: (r.rep is None, -r.closed.won, -r.new, _name(r.rep)))


def _name(person: Staff | None) -> str:
    return person.display_name.casefold() if person else ""


async def _open_pipeline_by_rep(
    session: AsyncSession, actor: Staff
) -> tuple[dict[int | None, int], dict[int | None, Money]]:
    open_stages = set(await session.scalars(select(Stage.id).where(Stage.kind == StageKind.OPEN)))
    # Every stage summed, the open ones kept: a walk along ix_leads_board_by_owner alone.
    rows = await session.execute(
        select(
            Lead.responsible_id,
            Lead.stage_id,
            Lead.currency,
            func.count(),
            func.sum(Lead.value_minor),
        )
        .where(visible_leads(actor))
        .group_by(Lead.responsible_id, Lead.stage_id, Lead.currency)
    )
    deals: defaultdict[int | None, int] = defaultdict(int)
    value: defaultdict[int | None, Money] = defaultdict(dict)
    for responsible_id, stage_id, currency, count, total in rows:
        if stage_id in open_stages:
            deals[responsible_id] += count
            add_minor_units(value[responsible_id], currency, total)
    return dict(deals), dict(value)


async def _overdue_tasks_by_assignee(
    session: AsyncSession, actor: Staff, now: datetime
) -> dict[int | None, int]:
    """Open tasks past due of the people whose work ``actor`` sees; a rep's own only."""
    query = select(Task.assignee_id, func.count()).where(
        Task.done_at.is_(None), Task.due_at < now, work_seen_by(actor, Task.assignee_id)
    )
    rows = await session.execute(query.group_by(Task.assignee_id))
    return {assignee_id: count for assignee_id, count in rows}


async def _staff_shown(
    session: AsyncSession, actor: Staff, with_figures: set[int | None]
) -> list[tuple[int | None, Staff | None]]:
    """Whose rows the report has: a rep only their own; a manager every active rep they
    see (of their teams) and whoever else has figures, and "nobody" for leads without a
    responsible person."""
    if not actor.oversees_others:
        return [(actor.id, actor)]
    ids = {staff_id for staff_id in with_figures if staff_id is not None}
    people = await session.scalars(
        select(Staff).where(
            Staff.id.in_(ids)
            | ((Staff.role == Role.REP) & Staff.is_active.is_(True) & visible_staff(actor))
        )
    )
    shown: list[tuple[int | None, Staff | None]] = [(person.id, person) for person in people]
    if None in with_figures:
        shown.append((None, None))
    return shown


@dataclass(frozen=True, slots=True)
class ReasonFigures:
    reason: LostReason
    lost: int
    value: Money


async def lost_reasons(
    session: AsyncSession, *, actor: Staff, period: Period
) -> list[ReasonFigures]:
    """Deals lost in ``period`` per reason, the most frequent first. A reason stored before
    reasons had codes counts as "other"."""
    await without_jit(session)
    by_code: defaultdict[Any, Closed] = defaultdict(Closed)
    await _add_lost(session, by_code, actor=actor, period=period, key=Lead.lost_reason_code)
    lost: defaultdict[LostReason, int] = defaultdict(int)
    value: defaultdict[LostReason, Money] = defaultdict(dict)
    for code, deals in by_code.items():
        reason = _reason(code)
        lost[reason] += deals.lost
        for currency, amount in deals.lost_value.items():
            value[reason][currency] = value[reason].get(currency, Decimal(0)) + amount
    figures = [ReasonFigures(reason, lost[reason], value[reason]) for reason in lost]
    order = list(LostReason)
    return sorted(figures, key=lambda f: (-f.lost, order.index(f.reason)))


def _reason(code: str | None) -> LostReason:
    try:
        return LostReason(code or LostReason.OTHER)
    except ValueError:
        return LostReason.OTHER
