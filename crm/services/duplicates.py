"""Customers who are likely one person, and merging two of them into one.

Two customers are likely duplicates when they share a normalised phone or e-mail (the
``kind, value`` index of their contacts) or their names match word for word in any order and
case (the ``name_key`` index). Managers and admins see the pairs and merge them: everything
the merged-away customer had moves to the one kept, in the caller's one transaction, and the
merged-away id keeps opening the one kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TypeVar

from sqlalchemy import (
    Column,
    CompoundSelect,
    Select,
    Subquery,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm.errors import Conflict, NotFound, ValidationFailed
from crm.models import (
    HELD_TWICE,
    Activity,
    ActivityKind,
    Conversation,
    Customer,
    CustomerContact,
    DuplicateKey,
    Lead,
    LoyaltyEntry,
    Order,
    Role,
    Staff,
    SupportTicket,
    Task,
    customer_tags,
)
from crm.services.access import require_role
from crm.services.board import Page
from crm.services.timeline import audit

PAGE_SIZE = 5
MERGING_ROLES = (Role.ADMIN, Role.MANAGER)
# What a merge moves to the customer kept, table by table.
MOVED_ROWS: dict[str, InstrumentedAttribute[int | None]] = {
    "leads": Lead.customer_id,
    "orders": Order.customer_id,
    "conversations": Conversation.customer_id,
    "tasks": Task.customer_id,
    "activities": Activity.customer_id,
    "loyalty": LoyaltyEntry.customer_id,
    "tickets": SupportTicket.customer_id,
}


class Likeness(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    first: Customer
    second: Customer
    # What they share: the phone or e-mail itself, or the name.
    shared: list[tuple[Likeness, str]]


@dataclass(frozen=True, slots=True)
class MergePreview:
    """What merging ``dropped`` into ``kept`` will leave: ``kept``'s name, both customers'
    contacts and tags, and how many rows of each kind move over."""

    kept: Customer
    dropped: Customer
    phones: list[str]
    emails: list[str]
    tags: list[str]
    moving: dict[str, int]


async def duplicate_pairs(session: AsyncSession, *, actor: Staff, page: int) -> Page[DuplicatePair]:
    """One page of pairs, lowest ids first; a page beyond the end shows the last one."""
    require_role(actor, *MERGING_ROLES)
    ids = await page_of_pairs(session, _pairs(), page)
    customers = await rows_of_pairs(session, Customer, ids.items)
    items = [DuplicatePair(first, second, _shared(first, second)) for first, second in customers]
    return Page(items=items, page=ids.page, page_size=PAGE_SIZE, total=ids.total)


Row = TypeVar("Row", Customer, Lead)


async def rows_of_pairs(
    session: AsyncSession, model: type[Row], pairs: list[tuple[int, int]]
) -> list[tuple[Row, Row]]:
    """The rows of ``pairs`` of ids, loaded in one query; a pair one of whose rows went since
    (merged away) is left out."""
    ids = {row_id for pair in pairs for row_id in pair}
    rows = {row.id: row for row in await session.scalars(select(model).where(model.id.in_(ids)))}
    return [(rows[a], rows[b]) for a, b in pairs if a in rows and b in rows]


async def page_of_pairs(
    session: AsyncSession, pairs: CompoundSelect[tuple[int, int]], page: int
) -> Page[tuple[int, int]]:
    """One page of ``pairs`` (``first_id``, ``second_id``), lowest ids first; a page beyond the
    end shows the last one. The page carries the count of all pairs (a window over them), so
    finding the pairs once serves both; only a page beyond the end asks for the count
    alone, then the last page."""
    listed = pairs.subquery()
    page = max(page, 0)
    rows = await _page_with_total(session, listed, page)
    if not rows and page > 0:
        total = int(await session.scalar(select(func.count()).select_from(listed)) or 0)
        page = max(0, (total - 1) // PAGE_SIZE)
        rows = await _page_with_total(session, listed, page)
    items = [(first_id, second_id) for first_id, second_id, _ in rows]
    total = rows[0][2] if rows else 0
    return Page(items=items, page=page, page_size=PAGE_SIZE, total=total)


async def _page_with_total(
    session: AsyncSession, listed: Subquery, page: int
) -> list[tuple[int, int, int]]:
    rows = await session.execute(
        select(listed.c.first_id, listed.c.second_id, func.count().over())
        .order_by(listed.c.first_id, listed.c.second_id)
        .offset(page * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return [(first_id, second_id, total) for first_id, second_id, total in rows]


def held_twice(kind: str) -> Select[str]:
    """The values of ``kind`` (``"lead:phone"``, ``"customer:name"``... as crm.duplicate_keys
    counts them) that two or more rows hold, read from their partial index alone."""
    return select(DuplicateKey.value).where(DuplicateKey.kind == kind, HELD_TWICE)


@cache
def _pairs() -> CompoundSelect[tuple[int, int]]:
    """Each pair of live customers sharing a contact or a name, once (first id < second).
    Only the contacts and names held twice are looked at, and the customers holding them
    found by the same indexes as a card's count. Composed once, from table aliases: adapting
    ORM aliases took longer than running the page."""
    customers, contacts = Customer.__table__, CustomerContact.__table__
    first, second = customers.alias(), customers.alias()

    def by_contact(kind: str) -> Select[int, int]:
        mine, theirs = contacts.alias(), contacts.alias()
        return (
            select(mine.c.customer_id.label("first_id"), theirs.c.customer_id.label("second_id"))
            .join(
                theirs,
                and_(
                    theirs.c.kind == mine.c.kind,
                    theirs.c.value == mine.c.value,
                    theirs.c.customer_id > mine.c.customer_id,
                ),
            )
            .join(first, first.c.id == mine.c.customer_id)
            .join(second, second.c.id == theirs.c.customer_id)
            .where(
                mine.c.kind == kind,
                mine.c.value.in_(held_twice(f"customer:{kind}")),
                first.c.merged_into_id.is_(None),
                second.c.merged_into_id.is_(None),
            )
        )

    by_name = (
        select(first.c.id.label("first_id"), second.c.id.label("second_id"))
        .join(second, and_(second.c.name_key == first.c.name_key, second.c.id > first.c.id))
        .where(
            first.c.name_key.in_(held_twice("customer:name")),
            first.c.merged_into_id.is_(None),
            second.c.merged_into_id.is_(None),
        )
    )
    return union(by_contact(CustomerContact.PHONE), by_contact(CustomerContact.EMAIL), by_name)


async def duplicate_count(session: AsyncSession, customer: Customer) -> int:
    """How many other live customers are likely the same person as ``customer``: the flag on
    its card. Both lookups use an index (contacts by kind and value, customers by name key)."""
    contacts = [
        and_(CustomerContact.kind == contact.kind, CustomerContact.value == contact.value)
        for contact in customer.contacts
    ]
    alike = [Customer.name_key == customer.name_key] if customer.name_key else []
    if contacts:
        sharing = select(CustomerContact.customer_id).where(or_(*contacts))
        alike.append(Customer.id.in_(sharing))
    if not alike:
        return 0
    count = await session.scalar(
        select(func.count()).where(
            or_(*alike), Customer.id != customer.id, Customer.merged_into_id.is_(None)
        )
    )
    return int(count or 0)


def _shared(first: Customer, second: Customer) -> list[tuple[Likeness, str]]:
    shared = [(Likeness.PHONE, phone) for phone in first.phones if phone in second.phones]
    shared += [(Likeness.EMAIL, email) for email in first.emails if email in second.emails]
    if first.name_key and first.name_key == second.name_key:
        shared.append((Likeness.NAME, second.name))
    return shared


async def _customer(session: AsyncSession, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id}")
    return customer


async def merge_preview(
    session: AsyncSession, *, actor: Staff, keep_id: int, drop_id: int
) -> MergePreview:
    """What a merge would do, checked as the merge itself checks it; changes nothing."""
    kept, dropped = await _mergeable(session, actor, keep_id, drop_id)
    tags = sorted({tag.name for c in (kept, dropped) for tag in await c.awaitable_attrs.tags})
    moving = {
        name: int(await session.scalar(select(func.count()).where(column == drop_id)) or 0)
        for name, column in MOVED_ROWS.items()
    }
    return MergePreview(
        kept=kept,
        dropped=dropped,
        phones=list(dict.fromkeys(kept.phones + dropped.phones)),
        emails=list(dict.fromkeys(kept.emails + dropped.emails)),
        tags=tags,
        moving=moving,
    )


async def merge_customers(
    session: AsyncSession, *, actor: Staff, keep_id: int, drop_id: int
) -> Customer:
    """Move every lead, order, conversation, task, activity, loyalty entry, ticket, contact
    and tag of ``drop_id`` to ``keep_id``; ``drop_id`` then opens ``keep_id``. One entry on
    the kept customer's timeline and one in the audit log say so."""
    kept, dropped = await _mergeable(session, actor, keep_id, drop_id)
    for column in MOVED_ROWS.values():
        await session.execute(
            update(column.class_).where(column == drop_id).values({column: keep_id})
        )
    await _move_contacts(session, kept, dropped)
    await move_tag_links(session, customer_tags.c.customer_id, keep_id=keep_id, drop_id=drop_id)
    await _move_external_id(session, kept, dropped)
    dropped.merged_into_id = kept.id
    session.add(
        Activity(
            kind=ActivityKind.MERGE,
            customer_id=kept.id,
            text=f"#{dropped.id} {dropped.name} ({actor.display_name})",
        )
    )
    audit(
        session,
        actor=actor,
        entity="customer",
        entity_id=kept.id,
        field="merged_from",
        old=None,
        new=dropped.id,
    )
    await session.flush()
    # Their contacts and tags changed under the ORM: read them again.
    for customer in (kept, dropped):
        await session.refresh(customer, ["contacts", "tags"])
    return kept


async def _mergeable(
    session: AsyncSession, actor: Staff, keep_id: int, drop_id: int
) -> tuple[Customer, Customer]:
    """Both customers, if ``actor`` may merge them: two live customers who are still likely
    duplicates. A button of an older list (one of them merged since) or a forged one fails
    here, before anything changes."""
    require_role(actor, *MERGING_ROLES)
    if keep_id == drop_id:
        raise ValidationFailed("merge-same-customer", field="customer_id")
    kept = await _customer(session, keep_id)
    dropped = await _customer(session, drop_id)
    if kept.merged_into_id is not None or dropped.merged_into_id is not None:
        raise Conflict("one of the customers was merged already")
    if not _shared(kept, dropped):
        raise ValidationFailed("merge-not-duplicates", field="customer_id")
    return kept, dropped


async def _move_contacts(session: AsyncSession, kept: Customer, dropped: Customer) -> None:
    known = {(c.kind, c.value) for c in kept.contacts}
    repeated = [c.id for c in dropped.contacts if (c.kind, c.value) in known]
    if repeated:
        await session.execute(delete(CustomerContact).where(CustomerContact.id.in_(repeated)))
    await session.execute(
        update(CustomerContact)
        .where(CustomerContact.customer_id == dropped.id)
        .values(customer_id=kept.id)
    )


async def _move_external_id(session: AsyncSession, kept: Customer, dropped: Customer) -> None:
    """A re-import of the merged-away customer's list then updates the one kept; when both
    came from lists, the kept one's id stays."""
    if kept.external_id is not None or dropped.external_id is None:
        return
    external_id, dropped.external_id = dropped.external_id, None
    await session.flush()
    kept.external_id = external_id


async def move_tag_links(
    session: AsyncSession, owner: Column[int], *, keep_id: int, drop_id: int
) -> None:
    """The tags of ``drop_id`` given to ``keep_id`` as well, in the link table of ``owner``
    (its column naming the customer or lead tagged)."""
    links = owner.table
    tag_id = links.c.tag_id
    kept_tags = select(tag_id).where(owner == keep_id)
    await session.execute(
        insert(links).from_select(
            [owner.name, tag_id.name],
            select(literal(keep_id), tag_id).where(owner == drop_id, tag_id.not_in(kept_tags)),
        )
    )
    await session.execute(delete(links).where(owner == drop_id))
