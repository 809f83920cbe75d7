"""The lead card: what a rep sees when opening a lead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import Integer, Select, bindparam, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.models import Activity, FieldDefinition, Lead, Order, Staff, Stage, StageKind, Tag, Task
from crm.money import from_minor_units
from crm.services.access import visible_customer_records, visible_lead
from crm.services.fields import field_definitions

RECENT_ACTIVITIES = 3

# A deal this likely to close is asked for its expected close date when it gets there.
CLOSE_DATE_FROM_PROBABILITY = 50


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
    # Every custom field defined, filled in or not, in the order the admin added them.
    fields: list[FieldDefinition]
    # Another lead shares its phone or e-mail: managers may merge them (/duplicates).
    has_duplicates: bool

    @property
    def wants_close_date(self) -> bool:
        """An open deal likely to close and no expected close date: the forecast needs one."""
        stage = self.lead.stage
        return (
            stage.kind == StageKind.OPEN
            and stage.probability >= CLOSE_DATE_FROM_PROBABILITY
            and self.lead.expected_close_on is None
        )


# What a card action answers instead of the new card when it cannot be done yet: it changed
# nothing and says what it needs. ``code`` and ``field`` name the need as a crm error would,
# for an answer that was supposed to supply it.


@dataclass(frozen=True, slots=True)
class NeedsValue:
    """A deal is won with its value: ask for it, then ``leads.win_with_value``."""

    code: ClassVar[str] = "value-required"
    field: ClassVar[str] = "value"
    lead_id: int
    version: int


@dataclass(frozen=True, slots=True)
class NeedsLostReason:
    """A deal is lost for a reason: offer them, then ``leads.mark_lost`` with the one picked."""

    code: ClassVar[str] = "lost-reason-required"
    field: ClassVar[str] = "lost_reason"
    lead_id: int
    version: int


@dataclass(frozen=True, slots=True)
class NeedsLostReasonText:
    """The reason "other" is told in words: ask for them, then ``leads.lose_with_words``."""

    code: ClassVar[str] = "lost-reason-required"
    field: ClassVar[str] = "lost_reason"
    lead_id: int
    version: int


@dataclass(frozen=True, slots=True)
class NoFurtherStage:
    """Next on the last stage, or back on the first: nothing to move to."""

    lead_id: int


@dataclass(frozen=True, slots=True)
class NeedsFieldValue:
    """The stage requires a custom field the lead lacks: ask for it, then
    ``leads.fill_field_and_move`` with the answer and the same stage."""

    code: ClassVar[str] = "custom-field-required"
    lead_id: int
    version: int
    stage_id: int
    definition: FieldDefinition

    @property
    def field(self) -> str:
        return self.definition.key


StillNeeded = NeedsValue | NeedsLostReason | NeedsLostReasonText | NeedsFieldValue


@dataclass(frozen=True, slots=True)
class StageChoices:
    """The card and the stages of its pipeline, to pick where the lead goes."""

    card: LeadCard
    stages: list[Stage]


async def lead_card(session: AsyncSession, *, actor: Staff, lead_id: int) -> LeadCard:
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    return await card_of(session, actor=actor, lead=lead)


async def card_of(session: AsyncSession, *, actor: Staff, lead: Lead) -> LeadCard:
    """The card of a lead already loaded and checked: what ``actor`` sees of it now."""
    recent = await session.scalars(_RECENT_ACTIVITIES, {"lead_id": lead.id})
    tasks = await _tasks_of(session, lead.id)
    order_rows = await _order_totals(session, actor, lead)
    return LeadCard(
        lead=lead,
        tags=list(await lead.awaitable_attrs.tags),
        recent_activities=list(recent),
        next_task=tasks.next_task,
        statistics=LeadStatistics(
            open_tasks=tasks.open,
            done_tasks=tasks.done,
            orders=sum(count for _, count, _ in order_rows),
            paid={currency: from_minor_units(total) for currency, _, total in order_rows},
        ),
        fields=await field_definitions(session),
        has_duplicates=await _has_duplicates(session, lead),
    )


async def _has_duplicates(session: AsyncSession, lead: Lead) -> bool:
    """Whether another lead shares the phone or the e-mail; both columns are indexed."""
    sharing = [
        column == value
        for column, value in ((Lead.phone, lead.phone), (Lead.email, lead.email))
        if value
    ]
    if not sharing:
        return False
    other = select(Lead.id).where(or_(*sharing), Lead.id != lead.id).limit(1)
    return await session.scalar(other) is not None


@dataclass(frozen=True, slots=True)
class _LeadTasks:
    next_task: Task | None
    open: int
    done: int


# The card's statements are composed once, the lead bound at each press: composing them took
# longer than running them.
_RECENT_ACTIVITIES = (
    select(Activity)
    .where(Activity.lead_id == bindparam("lead_id"))
    .order_by(Activity.created_at.desc(), Activity.id.desc())
    .limit(RECENT_ACTIVITIES)
)


def _tasks_statement() -> Select[Task, int, int]:
    """The lead's open task due first and how many of its tasks are open and done, in one
    statement (a card is opened on most presses)."""
    lead_id = bindparam("lead_id", type_=Integer)
    counts = (
        select(
            func.count().filter(Task.done_at.is_(None)).label("open"),
            func.count().filter(Task.done_at.is_not(None)).label("done"),
        )
        .where(Task.lead_id == lead_id)
        .subquery()
    )
    due_first = aliased(
        Task,
        select(Task)
        .where(Task.lead_id == lead_id, Task.done_at.is_(None))
        .order_by(Task.due_at)
        .limit(1)
        .subquery(),
    )
    return (
        select(due_first, counts.c.open, counts.c.done)
        .select_from(counts)
        .outerjoin(due_first, true())
    )


_TASKS = _tasks_statement()


async def _tasks_of(session: AsyncSession, lead_id: int) -> _LeadTasks:
    row = (await session.execute(_TASKS, {"lead_id": lead_id})).one()
    return _LeadTasks(next_task=row[0], open=row.open, done=row.done)


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
