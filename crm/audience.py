"""Who wants to be told what: active staff who left a kind of message switched on in
``/settings``."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def managers_and_one_wanting(
    session: AsyncSession,
    notification: Notification,
    *,
    about: ColumnElement[bool],
    params: Mapping[str, Any] | None = None,
    staff_id: int,
    their_notification: Notification,
) -> tuple[list[Staff], Staff | None]:
    """:func:`managers_wanting` ``notification`` and whether ``staff_id`` wants
    ``their_notification`` (a new lead's managers and its owner), in one query."""
    rows = (
        await session.execute(_managers_and_one(about), {**(params or {}), _ONE: staff_id})
    ).all()
    managers = [staff for staff, manages in rows if manages and wants(staff, notification)]
    one = next((staff for staff, _ in rows if staff.id == staff_id), None)
    return managers, one if one is not None and wants(one, their_notification) else None


_ONE = "audience_staff_id"


# Built once per ``about`` (a few fixed rules, each built once by its caller): composing it
# cost more than running it.
@lru_cache(maxsize=8)
def _managers_and_one(about: ColumnElement[bool]) -> Select[Staff, bool]:
    in_scope = _managers_of(about)
    return (
        select(Staff, in_scope.label("in_scope"))
        .where(or_(in_scope, Staff.id == bindparam(_ONE, type_=Integer)))
        .order_by(Staff.id)
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
