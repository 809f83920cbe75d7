"""The 360-degree customer card: exact counts of every section, the lifetime value and the
loyalty balance in its header, each section read a page at a time; and what a person may do
from it (loyalty points, support tickets).

Every query is scoped like the rest of the customer view: :func:`visible_customer` decides
who may open the customer, :func:`visible_customer_records` which deal-bound rows they see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotFound, ValidationFailed
from crm.models import (
    Activity,
    Conversation,
    ConversationMessage,
    Customer,
    Lead,
    LoyaltyEntry,
    Order,
    Staff,
    Stage,
    StageKind,
    SupportTicket,
    Tag,
    Task,
    TicketStatus,
    utcnow,
)
from crm.money import from_minor_units
from crm.services.access import visible_customer_records, visible_leads
from crm.services.board import Page
from crm.services.conversations import has_whatsapp_conversation
from crm.services.customers import visible_customer
from crm.services.duplicates import MERGING_ROLES, duplicate_count

SECTION_PAGE_SIZE = 8
REASON_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 2000
POINTS_LIMIT = 1_000_000
# A query of a section: one model, or a message with its conversation's channel.
SectionQuery = Select[*tuple[Any, ...]]


class Section(StrEnum):
    """The card's sections; the values are short for callback data."""

    ORDERS = "o"
    MESSAGES = "m"
    LOYALTY = "l"
    TICKETS = "s"
    DEALS = "d"
    TASKS = "t"
    TIMELINE = "a"


@dataclass(frozen=True, slots=True)
class DealCounts:
    open: int
    won: int
    lost: int
    # Deals of other reps: counted, never shown.
    others: int


@dataclass(frozen=True, slots=True)
class CustomerCard:
    customer: Customer
    tags: list[Tag]
    lifetime_value: dict[str, Decimal]
    first_order_at: datetime | None
    last_order_at: datetime | None
    loyalty_balance: int
    counts: dict[Section, int]
    conversation_count: int
    open_ticket_count: int
    deals: DealCounts
    latest_order: Order | None
    latest_message: tuple[Conversation, ConversationMessage] | None
    latest_ticket: SupportTicket | None
    # Other customers likely the same person; counted for those who may merge them, else 0.
    possible_duplicates: int
    # Whether the customer wrote in on WhatsApp, so a rep may answer them there.
    on_whatsapp: bool = False


async def customer_card(session: AsyncSession, *, actor: Staff, customer_id: int) -> CustomerCard:
    """The card's header and the exact size of each of its sections, as ``actor`` sees them."""
    customer = await visible_customer(session, actor=actor, customer_id=customer_id)
    customer_id = customer.id
    totals = (
        await session.execute(
            select(
                Order.currency,
                func.sum(Order.amount_minor),
                func.min(Order.created_at),
                func.max(Order.created_at),
            )
            .where(_orders(actor, customer_id))
            .group_by(Order.currency)
        )
    ).all()
    whose = await _whose(session, customer_id)
    figures = await _figures(session, actor, whose)
    return CustomerCard(
        customer=customer,
        tags=list(await customer.awaitable_attrs.tags),
        lifetime_value={currency: from_minor_units(total) for currency, total, _, _ in totals},
        first_order_at=min((first for _, _, first, _ in totals), default=None),
        last_order_at=max((last for _, _, _, last in totals), default=None),
        loyalty_balance=figures[_LOYALTY],
        counts={section: figures[section.value] for section in Section},
        conversation_count=figures[_CONVERSATIONS],
        open_ticket_count=figures[_OPEN_TICKETS],
        deals=DealCounts(
            open=figures[StageKind.OPEN.value],
            won=figures[StageKind.WON.value],
            lost=figures[StageKind.LOST.value],
            others=figures[_OTHERS_DEALS],
        ),
        latest_order=await _first_row(session, Section.ORDERS, actor, whose),
        latest_message=await _latest_message(session, customer_id),
        latest_ticket=await _first_row(session, Section.TICKETS, actor, whose),
        possible_duplicates=(
            await duplicate_count(session, customer) if actor.role in MERGING_ROLES else 0
        ),
        on_whatsapp=bool(figures[_ON_WHATSAPP]),
    )


# The card's figures besides the sections' counts (named by Section values) and the deals by
# stage kind (named by StageKind values), as the columns of one statement.
_LOYALTY = "loyalty"
_CONVERSATIONS = "conversations"
_OPEN_TICKETS = "open_tickets"
_OTHERS_DEALS = "others_deals"
_ON_WHATSAPP = "on_whatsapp"


async def _figures(session: AsyncSession, actor: Staff, whose: _Whose) -> dict[str, int]:
    """Every count of the card, the loyalty balance and whether they wrote on WhatsApp, in one
    round trip: a scalar subquery each, each answered from an index on the customer."""
    customer_id = whose.customer_id
    figures: dict[str, ColumnElement[Any]] = {
        section.value: _counted(_section_query(section, actor, whose)).scalar_subquery()
        for section in Section
    }
    deals = (
        select(func.count())
        .select_from(Lead)
        .join(Stage, Lead.stage_id == Stage.id)
        .where(Lead.customer_id == customer_id, visible_leads(actor))
    )
    figures |= {kind.value: deals.where(Stage.kind == kind).scalar_subquery() for kind in StageKind}
    figures[_OTHERS_DEALS] = (
        select(func.count())
        .where(Lead.customer_id == customer_id, not_(visible_leads(actor)))
        .scalar_subquery()
    )
    figures[_LOYALTY] = _loyalty_balance(customer_id).scalar_subquery()
    figures[_CONVERSATIONS] = (
        select(func.count()).where(Conversation.customer_id == customer_id).scalar_subquery()
    )
    figures[_OPEN_TICKETS] = (
        select(func.count())
        .where(SupportTicket.customer_id == customer_id, SupportTicket.closed_at.is_(None))
        .scalar_subquery()
    )
    figures[_ON_WHATSAPP] = has_whatsapp_conversation(customer_id)
    row = (
        await session.execute(select(*(value.label(name) for name, value in figures.items())))
    ).one()
    return {name: int(row._mapping[name] or 0) for name in figures}


async def _latest_message(
    session: AsyncSession, customer_id: int
) -> tuple[Conversation, ConversationMessage] | None:
    """The newest message of all the customer's conversations: the newest of each read from
    its index, then the newest of those, so no conversation's messages are sorted whole."""
    newest_of_conversation = (
        select(ConversationMessage.id)
        .where(ConversationMessage.conversation_id == Conversation.id)
        .order_by(ConversationMessage.sent_at.desc(), ConversationMessage.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    latest = (
        await session.execute(
            select(Conversation, ConversationMessage)
            .join(ConversationMessage, ConversationMessage.id == newest_of_conversation)
            .where(Conversation.customer_id == customer_id)
            .order_by(ConversationMessage.sent_at.desc(), ConversationMessage.id.desc())
            .limit(1)
        )
    ).first()
    return None if latest is None else (latest[0], latest[1])


async def section_page(
    session: AsyncSession, *, actor: Staff, customer_id: int, section: Section, page: int
) -> Page[Any]:
    """One page of a section, newest first (open tasks: the soonest due first); a page beyond
    the end shows the last one."""
    customer_id = (await visible_customer(session, actor=actor, customer_id=customer_id)).id
    query = _section_query(section, actor, await _whose(session, customer_id))
    total = await _count(session, query)
    last = max(0, (total - 1) // SECTION_PAGE_SIZE)
    page = min(max(page, 0), last)
    rows = await session.execute(query.offset(page * SECTION_PAGE_SIZE).limit(SECTION_PAGE_SIZE))
    items = [row[0] if len(row) == 1 else tuple(row) for row in rows]
    return Page(items=items, page=page, page_size=SECTION_PAGE_SIZE, total=total)


async def loyalty_balance(session: AsyncSession, *, customer_id: int) -> int:
    return int(await session.scalar(_loyalty_balance(customer_id)) or 0)


def _loyalty_balance(customer_id: int) -> Select[int]:
    return select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
        LoyaltyEntry.customer_id == customer_id
    )


async def change_loyalty_points(
    session: AsyncSession, *, actor: Staff, customer_id: int, points: int, reason: str
) -> LoyaltyEntry:
    """Add (``points`` > 0) or spend (< 0) points with a reason; the balance never goes
    below zero."""
    customer_id = (await visible_customer(session, actor=actor, customer_id=customer_id)).id
    reason = reason.strip()
    if points == 0 or abs(points) > POINTS_LIMIT:
        raise ValidationFailed(
            "loyalty-points-range", field="points", details={"limit": POINTS_LIMIT}
        )
    _require_text(reason, "reason", REASON_MAX_LENGTH)
    balance = await loyalty_balance(session, customer_id=customer_id)
    if balance + points < 0:
        raise ValidationFailed("loyalty-not-enough", field="points", details={"balance": balance})
    entry = LoyaltyEntry(customer_id=customer_id, points=points, reason=reason)
    session.add(entry)
    await session.flush()
    return entry


async def open_support_ticket(
    session: AsyncSession, *, actor: Staff, customer_id: int, subject: str
) -> SupportTicket:
    customer_id = (await visible_customer(session, actor=actor, customer_id=customer_id)).id
    subject = subject.strip()
    _require_text(subject, "subject", SUBJECT_MAX_LENGTH)
    ticket = SupportTicket(customer_id=customer_id, subject=subject)
    session.add(ticket)
    await session.flush()
    return ticket


async def close_support_ticket(
    session: AsyncSession, *, actor: Staff, ticket_id: int, note: str
) -> SupportTicket:
    """Close an open ticket with a note saying how it ended; closing it twice changes nothing."""
    ticket = await session.get(SupportTicket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id}")
    await visible_customer(session, actor=actor, customer_id=ticket.customer_id)
    note = note.strip()
    _require_text(note, "note", NOTE_MAX_LENGTH)
    if ticket.closed_at is None:
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = utcnow()
        ticket.closing_note = note
        await session.flush()
    return ticket


def _require_text(text: str, field: str, limit: int) -> None:
    if not text:
        raise ValidationFailed(f"{field}-required", field=field)
    if len(text) > limit:
        raise ValidationFailed("text-too-long", field=field, details={"limit": limit})


def _orders(actor: Staff, customer_id: int) -> ColumnElement[bool]:
    return and_(
        Order.customer_id == customer_id,
        visible_customer_records(actor, lead_id=Order.lead_id),
    )


@dataclass(frozen=True, slots=True)
class _Whose:
    """The customer whose rows are gathered, and the ids of their deals: a row of theirs or
    of a deal is then found by two index lookups. (``lead_id IN (a subquery)`` in an OR is
    answered by no index: PostgreSQL read every activity for it.)"""

    customer_id: int
    deal_ids: list[int]


async def _whose(session: AsyncSession, customer_id: int) -> _Whose:
    deals = await session.scalars(select(Lead.id).where(Lead.customer_id == customer_id))
    return _Whose(customer_id, list(deals))


def _of_customer_or_deals(
    customer_column: Any, lead_column: Any, whose: _Whose
) -> ColumnElement[bool]:
    return or_(customer_column == whose.customer_id, lead_column.in_(whose.deal_ids))


def _section_query(section: Section, actor: Staff, whose: _Whose) -> SectionQuery:
    """The rows of a section in the order they are shown, scoped to what ``actor`` sees."""
    customer_id = whose.customer_id
    match section:
        case Section.ORDERS:
            return (
                select(Order)
                .where(_orders(actor, customer_id))
                .order_by(Order.created_at.desc(), Order.id.desc())
            )
        case Section.MESSAGES:
            return (
                select(ConversationMessage, Conversation.channel)
                .join(Conversation, ConversationMessage.conversation_id == Conversation.id)
                .where(Conversation.customer_id == customer_id)
                .order_by(ConversationMessage.sent_at.desc(), ConversationMessage.id.desc())
            )
        case Section.LOYALTY:
            return (
                select(LoyaltyEntry)
                .where(LoyaltyEntry.customer_id == customer_id)
                .order_by(LoyaltyEntry.created_at.desc(), LoyaltyEntry.id.desc())
            )
        case Section.TICKETS:
            return (
                select(SupportTicket)
                .where(SupportTicket.customer_id == customer_id)
                .order_by(SupportTicket.opened_at.desc(), SupportTicket.id.desc())
            )
        case Section.DEALS:
            return (
                select(Lead)
                .where(Lead.customer_id == customer_id, visible_leads(actor))
                .order_by(Lead.created_at.desc(), Lead.id.desc())
            )
        case Section.TASKS:
            return (
                select(Task)
                .where(
                    _of_customer_or_deals(Task.customer_id, Task.lead_id, whose),
                    visible_customer_records(
                        actor, lead_id=Task.lead_id, owner_id=Task.assignee_id
                    ),
                    Task.done_at.is_(None),
                )
                .order_by(Task.due_at.asc(), Task.id.asc())
            )
        case Section.TIMELINE:
            return (
                select(Activity)
                .where(
                    _of_customer_or_deals(Activity.customer_id, Activity.lead_id, whose),
                    visible_customer_records(
                        actor, lead_id=Activity.lead_id, owner_id=Activity.author_id
                    ),
                )
                .order_by(Activity.created_at.desc(), Activity.id.desc())
            )


async def _count(session: AsyncSession, query: SectionQuery) -> int:
    return int(await session.scalar(_counted(query)) or 0)


def _counted(query: SectionQuery) -> Select[int]:
    return query.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)


async def _first_row(session: AsyncSession, section: Section, actor: Staff, whose: _Whose) -> Any:
    return await session.scalar(_section_query(section, actor, whose).limit(1))
