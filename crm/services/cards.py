"""The lead card: what a rep sees when opening a lead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Lead, Order, Staff, Tag, Task
from crm.money import from_minor_units
from crm.services.access import visible_customer_records, visible_lead
from crm.services.tasks import next_task_for_lead

RECENT_ACTIVITIES = 3


@dataclass(frozen=True, slots=True)
class LeadStatistics:
    """The card's statistics block: tasks, orders and payments (as KeepinCRM shows them)."""

    open_tasks: int
    done_tasks: int
    orders: int
    paid: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class LeadCard:
    lead: Lead
    tags: list[Tag]
    recent_activities: list[Activity]
    next_task: Task | None
    statistics: LeadStatistics


async def lead_card(session: AsyncSession, *, actor: Staff, lead_id: int) -> LeadCard:
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    recent = await session.scalars(
        select(Activity)
        .where(Activity.lead_id == lead_id)
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(RECENT_ACTIVITIES)
    )
    return LeadCard(
        lead=lead,
        tags=list(await lead.awaitable_attrs.tags),
        recent_activities=list(recent),
        next_task=await next_task_for_lead(session, lead_id=lead_id),
        statistics=await _statistics(session, actor, lead),
    )


async def _statistics(session: AsyncSession, actor: Staff, lead: Lead) -> LeadStatistics:
    task_counts = await session.execute(
        select(Task.done_at.is_(None), func.count())
        .where(Task.lead_id == lead.id)
        .group_by(Task.done_at.is_(None))
    )
    open_and_done = {is_open: count for is_open, count in task_counts}
    order_rows = await _order_totals(session, actor, lead)
    return LeadStatistics(
        open_tasks=open_and_done.get(True, 0),
        done_tasks=open_and_done.get(False, 0),
        orders=sum(count for _, count, _ in order_rows),
        paid={currency: from_minor_units(total) for currency, _, total in order_rows},
    )


async def _order_totals(
    session: AsyncSession, actor: Staff, lead: Lead
) -> list[tuple[str, int, int]]:
    """(currency, count, sum) of the customer's orders ``actor`` may see, or the lead's own
    before it has a customer."""
    if lead.customer_id is None and lead.order_id is None:
        return []
    scope = Order.customer_id == lead.customer_id if lead.customer_id else Order.lead_id == lead.id
    rows = await session.execute(
        select(Order.currency, func.count(), func.sum(Order.amount_minor))
        .where(scope, visible_customer_records(actor, lead_id=Order.lead_id))
        .group_by(Order.currency)
    )
    return [(currency, count, total) for currency, count, total in rows]
