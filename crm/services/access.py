"""Who may see and change what: reps their own leads, managers and admins everything.

A customer may have deals with several reps (a duplicate created anyway, a returning buyer).
Like Pipedrive's and Odoo's own-records visibility, a rep then sees the customer (name,
contacts, tags, conversations, loyalty, support) and what belongs to the customer as a whole
(the shop's orders), but of the deals only their own and what hangs off them (notes, calls,
tasks, orders converted from a deal): another rep's deal is only counted.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from crm.errors import Conflict, Forbidden, NotFound, StaleLead
from crm.models import Customer, Lead, Role, Staff


def require_active(actor: Staff) -> None:
    if not actor.is_active:
        raise Forbidden("deactivated staff member")


def require_role(actor: Staff, *roles: Role) -> None:
    require_active(actor)
    if actor.role not in roles:
        raise Forbidden(f"{actor.role} may not do this")


def may_see_lead(actor: Staff, lead: Lead) -> bool:
    """The one rule of who sees a lead: its responsible rep, and every manager and admin."""
    return actor.is_active and (actor.sees_all_leads or lead.responsible_id == actor.id)


def visible_leads(actor: Staff) -> ColumnElement[bool]:
    """:func:`may_see_lead` as a WHERE clause, for queries over many leads."""
    require_active(actor)
    return true() if actor.sees_all_leads else Lead.responsible_id == actor.id


def visible_customers(actor: Staff) -> ColumnElement[bool]:
    """A WHERE clause limiting customers to the ones ``actor`` may open: a rep's have a deal
    of theirs. A customer merged into another is left out: the one kept stands for both."""
    require_active(actor)
    live = Customer.merged_into_id.is_(None)
    if actor.sees_all_leads:
        return live
    return and_(live, exists().where(Lead.customer_id == Customer.id, visible_leads(actor)))


def visible_customer_records(
    actor: Staff,
    *,
    lead_id: SQLColumnExpression[int | None],
    owner_id: SQLColumnExpression[int | None] | None = None,
) -> ColumnElement[bool]:
    """A WHERE clause limiting rows gathered about a customer (activities, tasks, orders) to
    the ones ``actor`` may see.

    A row of a deal (``lead_id`` set) is seen by whoever sees the deal. A row of the customer
    as a whole is seen by everyone who sees the customer, unless it is someone's own work
    (``owner_id``: a note's author, a task's assignee); that only its owner sees.
    """
    require_active(actor)
    if actor.sees_all_leads:
        return true()
    of_the_customer: ColumnElement[bool] = lead_id.is_(None)
    if owner_id is not None:
        of_the_customer = and_(of_the_customer, or_(owner_id.is_(None), owner_id == actor.id))
    return or_(lead_id.in_(select(Lead.id).where(visible_leads(actor))), of_the_customer)


async def visible_lead(session: AsyncSession, *, actor: Staff, lead_id: int) -> Lead:
    require_active(actor)
    lead = await session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}")
    if not may_see_lead(actor, lead):
        raise Forbidden(f"lead {lead_id} belongs to someone else")
    return lead


async def editable_lead(
    session: AsyncSession, *, actor: Staff, lead_id: int, seen_version: int | None
) -> Lead:
    """The lead, if ``actor`` may change it and it still is the version they saw."""
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    if seen_version is not None and lead.version != seen_version:
        raise StaleLead(lead_id)
    return lead


async def flush_or_conflict(session: AsyncSession) -> None:
    """Flush; a row changed by another transaction meanwhile becomes :class:`Conflict`."""
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Conflict(str(exc)) from exc
