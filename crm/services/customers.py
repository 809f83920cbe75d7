"""Customers: found by their contacts, made from a lead, opened by who may see them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Protocol

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Forbidden, NotFound
from crm.models import Customer, CustomerContact, Lead, Staff
from crm.services.access import visible_customers
from crm.services.tags import add_tags


async def customer_for_contacts(
    session: AsyncSession, *, phones: Iterable[str | None], emails: Iterable[str | None]
) -> Customer | None:
    """The customer owning any of these normalised phones or e-mails, if one does."""
    customer_id = await customer_id_for_contacts(session, phones=phones, emails=emails)
    return None if customer_id is None else await session.get(Customer, customer_id)


async def customer_id_for_contacts(
    session: AsyncSession, *, phones: Iterable[str | None], emails: Iterable[str | None]
) -> int | None:
    """The id of the customer owning any of these normalised phones or e-mails."""
    wanted = [
        (kind, value)
        for kind, values in ((CustomerContact.PHONE, phones), (CustomerContact.EMAIL, emails))
        for value in values
        if value
    ]
    if not wanted:
        return None
    customer_id: int | None = await session.scalar(
        _owner_of_contacts(tuple(kind for kind, _ in wanted)),
        {f"contact_{n}": value for n, (_, value) in enumerate(wanted)},
    )
    return customer_id


async def customer_ids_for_contacts(
    session: AsyncSession, contacts: Sequence[ContactPair]
) -> list[int | None]:
    """For each contact, the id of the customer owning its phone or e-mail, as
    :func:`customer_id_for_contacts` finds it, for all of them in one query."""
    phones = sorted({contact.phone for contact in contacts if contact.phone})
    emails = sorted({contact.email for contact in contacts if contact.email})
    if not phones and not emails:
        return [None] * len(contacts)
    rows = await session.execute(_owners_of_contacts(), {"phones": phones, "emails": emails})
    # The first contact row of each value, as the single lookup's ORDER BY id picks it.
    owners: dict[tuple[str, str], tuple[int, int]] = {}
    for row_id, customer_id, kind, value in rows:
        owners.setdefault((kind, value), (row_id, customer_id))
    found = []
    for contact in contacts:
        matches = [
            owners[(kind, value)]
            for kind, value in (
                (CustomerContact.PHONE, contact.phone),
                (CustomerContact.EMAIL, contact.email),
            )
            if value and (kind, value) in owners
        ]
        found.append(min(matches)[1] if matches else None)
    return found


class ContactPair(Protocol):
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


@cache
def _owners_of_contacts() -> Select[int, int, str, str]:
    """customer_ids_for_contacts's statement, built once."""
    contact = CustomerContact
    return (
        select(contact.id, contact.customer_id, contact.kind, contact.value)
        .where(
            or_(
                and_(
                    contact.kind == CustomerContact.PHONE,
                    contact.value.in_(bindparam("phones", expanding=True)),
                ),
                and_(
                    contact.kind == CustomerContact.EMAIL,
                    contact.value.in_(bindparam("emails", expanding=True)),
                ),
            )
        )
        .order_by(contact.id)
    )


# Built once per kinds of contact looked for (a phone, an e-mail, both): composing the
# statement cost about as much as running it.
@lru_cache(maxsize=32)
def _owner_of_contacts(kinds: tuple[str, ...]) -> Select[int]:
    value_type = CustomerContact.__table__.c.value.type
    return (
        select(CustomerContact.customer_id)
        .where(
            or_(
                *(
                    and_(
                        CustomerContact.kind == kind,
                        CustomerContact.value == bindparam(f"contact_{n}", type_=value_type),
                    )
                    for n, kind in enumerate(kinds)
                )
            )
        )
        .order_by(CustomerContact.id)
        .limit(1)
    )


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
    # The customer and whether ``actor`` sees them in one round trip: the usual case.
    found = (
        await session.execute(
            select(Customer, may_see.label("seen")).where(Customer.id == customer_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"customer {customer_id}")
    customer, seen = found
    if customer.merged_into_id is not None:
        customer = await _survivor(session, customer)
        seen = bool(await session.scalar(select(may_see).where(Customer.id == customer.id)))
    if not seen:
        raise Forbidden(f"customer {customer.id} has no deal of this rep")
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
