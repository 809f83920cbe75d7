"""Customers and the 360-degree view of one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm.errors import Forbidden, NotFound
from crm.models import (
    Activity,
    Base,
    Conversation,
    ConversationMessage,
    Customer,
    CustomerContact,
    Lead,
    LoyaltyEntry,
    Order,
    Staff,
    SupportTicket,
    Tag,
    Task,
)
from crm.money import from_minor_units
from crm.services.access import visible_customer_records, visible_customers, visible_leads
from crm.services.tags import add_tags

SUMMARY_ROWS = 10
RowT = TypeVar("RowT", bound=Base)


async def customer_for_contacts(
    session: AsyncSession, *, phones: Iterable[str | None], emails: Iterable[str | None]
) -> Customer | None:
    """The customer owning any of these normalised phones or e-mails, if one does."""
    wanted = [
        and_(CustomerContact.kind == kind, CustomerContact.value == value)
        for kind, values in ((CustomerContact.PHONE, phones), (CustomerContact.EMAIL, emails))
        for value in values
        if value
    ]
    if not wanted:
        return None
    customer_id = await session.scalar(
        select(CustomerContact.customer_id).where(or_(*wanted)).order_by(CustomerContact.id)
    )
    return None if customer_id is None else await session.get(Customer, customer_id)


async def ensure_customer_for_lead(session: AsyncSession, lead: Lead) -> Customer:
    """The lead's customer: linked already, found by contact, or made from the lead."""
    if lead.customer_id is not None:
        customer = await session.get(Customer, lead.customer_id)
        if customer is not None:
            return customer
    customer = await customer_for_contacts(session, phones=[lead.phone], emails=[lead.email])
    if customer is None:
        customer = Customer(name=lead.contact_name or lead.title)
        customer.contacts = [
            CustomerContact(kind=kind, value=value)
            for kind, value in (
                (CustomerContact.PHONE, lead.phone),
                (CustomerContact.EMAIL, lead.email),
            )
            if value
        ]
        session.add(customer)
        await session.flush()
    lead.customer_id = customer.id
    return customer


async def visible_customer(session: AsyncSession, *, actor: Staff, customer_id: int) -> Customer:
    """Managers see every customer; a rep those with a deal of theirs. A merged-away id
    gives the customer it was merged into."""
    may_see = visible_customers(actor)
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id}")
    customer = await _survivor(session, customer)
    customer_id = customer.id
    visible = await session.scalar(select(Customer.id).where(Customer.id == customer_id, may_see))
    if visible is None:
        raise Forbidden(f"customer {customer_id} has no deal of this rep")
    return customer


async def _survivor(session: AsyncSession, customer: Customer) -> Customer:
    """The customer itself, or the one it was merged into (and so on): old buttons and links
    of a merged-away customer open the one kept."""
    while customer.merged_into_id is not None:
        merged_into = await session.get(Customer, customer.merged_into_id)
        if merged_into is None:
            raise NotFound(f"customer {customer.merged_into_id}")
        customer = merged_into
    return customer


async def tag_customer(
    session: AsyncSession, *, actor: Staff, customer_id: int, names: Iterable[str]
) -> Customer:
    customer = await visible_customer(session, actor=actor, customer_id=customer_id)
    await add_tags(session, await customer.awaitable_attrs.tags, names)
    await session.flush()
    return customer


@dataclass(frozen=True, slots=True)
class ConversationDigest:
    conversation: Conversation
    message_count: int
    last_message: ConversationMessage | None


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    customer: Customer
    tags: list[Tag]
    orders: list[Order]
    order_count: int
    orders_total: dict[str, Decimal]
    conversations: list[ConversationDigest]
    loyalty_balance: int
    loyalty_entries: list[LoyaltyEntry]
    tickets: list[SupportTicket]
    open_ticket_count: int
    deals: list[Lead]
    other_reps_deal_count: int
    open_tasks: list[Task]
    timeline: list[Activity]


async def customer_summary(
    session: AsyncSession, *, actor: Staff, customer_id: int
) -> CustomerSummary:
    """Everything ``actor`` may see about one customer, the latest of each kind first."""
    customer = await visible_customer(session, actor=actor, customer_id=customer_id)
    orders = and_(
        Order.customer_id == customer_id,
        visible_customer_records(actor, lead_id=Order.lead_id),
    )
    totals = await session.execute(
        select(Order.currency, func.count(), func.sum(Order.amount_minor))
        .where(orders)
        .group_by(Order.currency)
    )
    totals_rows = totals.all()
    deals = Lead.customer_id == customer_id
    return CustomerSummary(
        customer=customer,
        tags=list(await customer.awaitable_attrs.tags),
        orders=await _latest(session, Order, orders, Order.created_at),
        order_count=sum(count for _, count, _ in totals_rows),
        orders_total={currency: from_minor_units(total) for currency, _, total in totals_rows},
        conversations=await _conversations(session, customer_id),
        loyalty_balance=await session.scalar(
            select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
                LoyaltyEntry.customer_id == customer_id
            )
        )
        or 0,
        loyalty_entries=await _latest(
            session, LoyaltyEntry, LoyaltyEntry.customer_id == customer_id, LoyaltyEntry.created_at
        ),
        tickets=await _latest(
            session,
            SupportTicket,
            SupportTicket.customer_id == customer_id,
            SupportTicket.opened_at,
        ),
        open_ticket_count=await session.scalar(
            select(func.count()).where(
                SupportTicket.customer_id == customer_id, SupportTicket.closed_at.is_(None)
            )
        )
        or 0,
        deals=await _latest(session, Lead, and_(deals, visible_leads(actor)), Lead.created_at),
        other_reps_deal_count=await session.scalar(
            select(func.count()).where(deals, not_(visible_leads(actor)))
        )
        or 0,
        open_tasks=await _latest(
            session,
            Task,
            and_(
                or_(Task.customer_id == customer_id, Task.lead_id.in_(_lead_ids(customer_id))),
                visible_customer_records(actor, lead_id=Task.lead_id, owner_id=Task.assignee_id),
            ),
            Task.due_at,
            newest_first=False,
            only=Task.done_at.is_(None),
        ),
        timeline=await _latest(
            session,
            Activity,
            and_(
                or_(
                    Activity.customer_id == customer_id,
                    Activity.lead_id.in_(_lead_ids(customer_id)),
                ),
                visible_customer_records(
                    actor, lead_id=Activity.lead_id, owner_id=Activity.author_id
                ),
            ),
            Activity.created_at,
        ),
    )


def _lead_ids(customer_id: int) -> Select[int]:
    return select(Lead.id).where(Lead.customer_id == customer_id)


async def _latest(
    session: AsyncSession,
    model: type[RowT],
    where: ColumnElement[bool],
    order_column: InstrumentedAttribute[datetime],
    *,
    newest_first: bool = True,
    only: ColumnElement[bool] | None = None,
) -> list[RowT]:
    """Up to ``SUMMARY_ROWS`` rows of ``model``, ordered by ``order_column``."""
    query = select(model).where(where)
    if only is not None:
        query = query.where(only)
    order = order_column.desc() if newest_first else order_column.asc()
    return list(await session.scalars(query.order_by(order).limit(SUMMARY_ROWS)))


async def _conversations(session: AsyncSession, customer_id: int) -> list[ConversationDigest]:
    conversations = await _latest(
        session, Conversation, Conversation.customer_id == customer_id, Conversation.started_at
    )
    digests = []
    for conversation in conversations:
        count = await session.scalar(
            select(func.count()).where(ConversationMessage.conversation_id == conversation.id)
        )
        last = await session.scalar(
            select(ConversationMessage)
            .where(ConversationMessage.conversation_id == conversation.id)
            .order_by(ConversationMessage.sent_at.desc())
            .limit(1)
        )
        digests.append(ConversationDigest(conversation, count or 0, last))
    return digests
