"""Who may see and change what: reps their own leads, managers and admins everything."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from crm.errors import Conflict, Forbidden, NotFound, StaleLead
from crm.models import Lead, Role, Staff


def require_active(actor: Staff) -> None:
    if not actor.is_active:
        raise Forbidden("deactivated staff member")


def require_role(actor: Staff, *roles: Role) -> None:
    require_active(actor)
    if actor.role not in roles:
        raise Forbidden(f"{actor.role} may not do this")


def visible_leads(actor: Staff) -> ColumnElement[bool]:
    """A WHERE clause limiting leads to the ones ``actor`` may see."""
    require_active(actor)
    return true() if actor.sees_all_leads else Lead.responsible_id == actor.id


async def visible_lead(session: AsyncSession, *, actor: Staff, lead_id: int) -> Lead:
    require_active(actor)
    lead = await session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}")
    if not actor.sees_all_leads and lead.responsible_id != actor.id:
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
