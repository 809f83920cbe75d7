"""Who wants to be told what: active staff who left a kind of message switched on in
``/settings``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.models import Notification, Role, Staff


def wants(staff: Staff, notification: Notification) -> bool:
    return staff.is_active and notification.value in staff.notifications


async def managers_wanting(
    session: AsyncSession,
    notification: Notification,
    *,
    about: ColumnElement[bool],
    params: Mapping[str, Any] | None = None,
) -> list[Staff]:
    """Managers and admins who want ``notification`` and whose scope holds what it is
    ``about`` (crm.services.access.readers_of_lead or readers_of_task): a team's manager
    hears of their teams' leads only; ``params``, the values of the bound parameters of
    ``about``."""
    rows = await session.scalars(
        select(Staff).where(_managers_of(about)).order_by(Staff.id), params
    )
    return [staff for staff in rows if wants(staff, notification)]


async def managers_and_owners_wanting(
    session: AsyncSession,
    notification: Notification,
    *,
    readers_of_work: Callable[[SQLColumnExpression[int | None]], ColumnElement[bool]],
    owner_ids: Collection[int],
    owners_notification: Notification,
) -> dict[int, tuple[list[Staff], Staff | None]]:
    """For each of ``owner_ids``: the managers who want ``notification`` and whose scope
    holds that person's work (``readers_of_work``, crm.services.access.readers_of), and the
    person if they want ``owners_notification`` (a new lead's managers and owner). One query
    whatever their number: a web form's burst goes to its reps in turn."""
    if not owner_ids:
        return {}
    rows = await session.execute(_managers_and_owners(readers_of_work), {_OWNERS: list(owner_ids)})
    managers: dict[int, list[Staff]] = {owner_id: [] for owner_id in owner_ids}
    owners: dict[int, Staff] = {}
    for staff, owner_id, manages in rows:
        if manages and wants(staff, notification):
            managers[owner_id].append(staff)
        if staff.id == owner_id and wants(staff, owners_notification):
            owners[owner_id] = staff
    return {owner_id: (managers[owner_id], owners.get(owner_id)) for owner_id in owner_ids}


_OWNERS = "audience_owner_ids"


# Built once per rule of scope: composing it cost more than running it.
@lru_cache(maxsize=8)
def _managers_and_owners(
    readers_of_work: Callable[[SQLColumnExpression[int | None]], ColumnElement[bool]],
) -> Select[Staff, int, bool]:
    owner = aliased(Staff, name="owner")
    in_scope = _managers_of(readers_of_work(owner.id))
    return (
        select(Staff, owner.id, in_scope.label("in_scope"))
        .join(owner, owner.id.in_(bindparam(_OWNERS, expanding=True)))
        .where(or_(in_scope, Staff.id == owner.id))
        .order_by(owner.id, Staff.id)
    )


def _managers_of(about: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(Staff.role.in_([Role.ADMIN, Role.MANAGER]), Staff.is_active.is_(True), about)


async def staff_wanting(
    session: AsyncSession, staff_ids: Collection[int], notification: Notification
) -> dict[int, Staff]:
    """Of ``staff_ids``, those who want ``notification``, by id."""
    if not staff_ids:
        return {}
    rows = await session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))
    return {staff.id: staff for staff in rows if wants(staff, notification)}
