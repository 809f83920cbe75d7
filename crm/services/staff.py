"""The team: invites, joining, preferences, roles and leavers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm import cache_versions
from crm.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm.models import (
    AccessRequest,
    Activity,
    ActivityKind,
    Invite,
    Language,
    Lead,
    Notification,
    Role,
    Staff,
    Task,
    Team,
    utcnow,
)
from crm.services.access import require_active, require_role, visible_staff
from crm.services.timeline import audit

INVITE_TTL = timedelta(days=3)
ACCESS_REQUEST_INTERVAL = timedelta(hours=24)
NAME_MAX = 128
# Who may hand out which role.
INVITABLE_ROLES = {
    Role.ADMIN: frozenset(Role),
    Role.MANAGER: frozenset({Role.MANAGER, Role.REP}),
    Role.REP: frozenset(),
}


# Built once: it starts every update.
_STAFF_BY_TELEGRAM_ID = select(Staff, *cache_versions.version_columns()).where(
    Staff.telegram_id == bindparam("telegram_id")
)


async def staff_by_telegram_id(session: AsyncSession, telegram_id: int) -> Staff | None:
    """The staff member, read fresh on every update (a removed rep loses access at once);
    the same statement reads the versions of the stages, webhooks and rules, so the update
    may use their caches (a press that records events asks for neither)."""
    row = (await session.execute(_STAFF_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()
    if row is None:
        return None
    cache_versions.remember_versions(session, row)
    staff: Staff = row.Staff
    return staff


async def get_staff(session: AsyncSession, staff_id: int) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"staff {staff_id}")
    return staff


def _checked_display_name(name: str) -> str:
    name = " ".join(name.split())[:NAME_MAX]
    return name or "?"


async def ensure_admin(
    session: AsyncSession, *, telegram_id: int, display_name: str, language: Language
) -> Staff:
    """Make the person named in the ``ADMIN_IDS`` setting an active admin."""
    staff = await staff_by_telegram_id(session, telegram_id)
    if staff is None:
        staff = Staff(
            telegram_id=telegram_id,
            display_name=_checked_display_name(display_name),
            role=Role.ADMIN,
            language=language,
        )
        session.add(staff)
    else:
        staff.role, staff.is_active = Role.ADMIN, True
    await session.flush()
    return staff


async def create_invite(
    session: AsyncSession, *, actor: Staff | None, role: Role, ttl: timedelta = INVITE_TTL
) -> Invite:
    """A single-use invite; ``actor`` None means the operator's command line."""
    if actor is not None:
        require_active(actor)
        if role not in INVITABLE_ROLES[actor.role]:
            raise Forbidden(f"{actor.role} may not invite a {role}")
    invite = Invite(
        token=secrets.token_urlsafe(24),
        role=role,
        created_by_id=actor.id if actor else None,
        expires_at=utcnow() + ttl,
    )
    session.add(invite)
    await session.flush()
    return invite


@dataclass(frozen=True, slots=True)
class PendingInvite:
    invite: Invite
    created_by: Staff | None  # None: made on the command line


async def pending_invites(
    session: AsyncSession, *, actor: Staff, now: datetime | None = None
) -> list[PendingInvite]:
    """The invites that still work and that ``actor`` could have made, soonest to expire
    first: whoever may hand out a role may see and revoke its invites."""
    roles = _invitable_by(actor)
    rows = await session.execute(
        select(Invite, Staff)
        .outerjoin(Staff, Staff.id == Invite.created_by_id)
        .where(
            Invite.role.in_(roles),
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > (now or utcnow()),
        )
        .order_by(Invite.expires_at, Invite.id)
    )
    return [
        PendingInvite(invite, creator)
        for invite, creator in rows
        if creator_still_backs(invite, creator)
    ]


async def revoke_invite(session: AsyncSession, *, actor: Staff, invite_id: int) -> Invite:
    """Withdraw an unused invite; revoking one twice changes nothing."""
    roles = _invitable_by(actor)
    invite = await session.get(Invite, invite_id)
    if invite is None:
        raise NotFound(f"invite {invite_id}")
    if invite.role not in roles:
        raise Forbidden(f"{actor.role} may not revoke an invite for a {invite.role}")
    revoked = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if revoked.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(invite)
        if invite.used_at is not None:
            raise ValidationFailed("invite-used", field="invite_id")
    return invite


def creator_still_backs(invite: Invite, creator: Staff | None) -> bool:
    """An invite carries its maker's authority: it stops working when they leave or may no
    longer hand out its role. Invites from the command line (no maker) keep working."""
    if invite.created_by_id is None:
        return True
    return (
        creator is not None and creator.is_active and invite.role in INVITABLE_ROLES[creator.role]
    )


def _invitable_by(actor: Staff) -> frozenset[Role]:
    require_active(actor)
    roles = INVITABLE_ROLES[actor.role]
    if not roles:
        raise Forbidden(f"{actor.role} may not invite")
    return roles


async def open_invite(session: AsyncSession, *, token: str, now: datetime) -> Invite:
    """The invite ``token`` names if it can still be redeemed at ``now``, else why not."""
    invite = await session.scalar(select(Invite).where(Invite.token == token))
    if invite is None:
        raise ValidationFailed("invite-unknown", field="token")
    if invite.used_at is not None:
        raise ValidationFailed("invite-used", field="token")
    if invite.revoked_at is not None:
        raise ValidationFailed("invite-revoked", field="token")
    creator = (
        None if invite.created_by_id is None else await session.get(Staff, invite.created_by_id)
    )
    if not creator_still_backs(invite, creator):
        raise ValidationFailed("invite-revoked", field="token")
    if invite.expires_at <= now:
        raise ValidationFailed("invite-expired", field="token")
    return invite


async def redeem_invite(
    session: AsyncSession,
    *,
    token: str,
    telegram_id: int,
    display_name: str,
    language: Language,
) -> Staff:
    """Join the team with an invite; the token then is spent."""
    if await staff_by_telegram_id(session, telegram_id) is not None:
        raise Conflict("already a member")
    now = utcnow()
    invite = await open_invite(session, token=token, now=now)
    staff = Staff(
        telegram_id=telegram_id,
        display_name=_checked_display_name(display_name),
        role=invite.role,
        language=language,
    )
    session.add(staff)
    await session.flush()
    spent = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
        .values(used_at=now, used_by_id=staff.id)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationFailed("invite-used", field="token")
    return staff


async def record_access_request(
    session: AsyncSession, *, telegram_id: int, name: str, username: str | None, now: datetime
) -> bool:
    """Note a stranger's request, at most once a day each; True if it was written, which is
    when the stranger is answered."""
    since = now - ACCESS_REQUEST_INTERVAL
    recent = await session.scalar(
        select(AccessRequest.id).where(
            AccessRequest.telegram_id == telegram_id, AccessRequest.requested_at > since
        )
    )
    if recent is not None:
        return False
    session.add(
        AccessRequest(
            telegram_id=telegram_id,
            name=_checked_display_name(name),
            username=username,
            requested_at=now,
        )
    )
    await session.flush()
    return True


def checked_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("time-zone-unknown", field="time_zone") from None
    if name not in available_timezones():
        raise ValidationFailed("time-zone-unknown", field="time_zone")
    return name


async def update_preferences(
    session: AsyncSession,
    *,
    actor: Staff,
    language: Language | None = None,
    time_zone: str | None = None,
    notifications: set[Notification] | None = None,
) -> Staff:
    require_active(actor)
    if language is not None:
        actor.language = language
    if time_zone is not None:
        actor.time_zone = checked_time_zone(time_zone)
    if notifications is not None:
        actor.notifications = sorted(n.value for n in notifications)
    await session.flush()
    return actor


async def list_staff(session: AsyncSession, *, actor: Staff) -> list[Staff]:
    require_role(actor, Role.ADMIN, Role.MANAGER)
    rows = await session.scalars(
        select(Staff).order_by(Staff.is_active.desc(), Staff.role, Staff.display_name)
    )
    return list(rows)


async def assignable_staff(session: AsyncSession, *, actor: Staff) -> list[Staff]:
    """The active people ``actor`` may hand a lead or a task to: those whose work they see
    (a manager in teams, their teammates)."""
    require_role(actor, Role.ADMIN, Role.MANAGER)
    rows = await session.scalars(
        select(Staff)
        .where(Staff.is_active.is_(True), visible_staff(actor))
        .order_by(Staff.role, Staff.display_name)
    )
    return list(rows)


async def change_role(session: AsyncSession, *, actor: Staff, staff_id: int, role: Role) -> Staff:
    require_role(actor, Role.ADMIN)
    staff = await get_staff(session, staff_id)
    old_role = staff.role
    if old_role == Role.ADMIN and role != Role.ADMIN:
        await _update_keeping_another_admin(session, staff, role=role)
    staff.role = role
    if role == Role.REP:
        # Only managers and admins head teams; the rep stays a member.
        await session.execute(update(Team).where(Team.head_id == staff.id).values(head_id=None))
    audit(
        session,
        actor=actor,
        entity="staff",
        entity_id=staff.id,
        field="role",
        old=old_role,
        new=role,
    )
    await session.flush()
    return staff


async def deactivate_staff(
    session: AsyncSession, *, actor: Staff, staff_id: int, reassign_to_id: int
) -> int:
    """Lock a leaver out at once and give their leads and open tasks to someone else.

    Returns how many leads moved.
    """
    require_role(actor, Role.ADMIN)
    leaver = await get_staff(session, staff_id)
    heir = await get_staff(session, reassign_to_id)
    if heir.id == leaver.id or not heir.is_active:
        raise ValidationFailed("heir-invalid", field="reassign_to_id")
    if leaver.role == Role.ADMIN:
        await _update_keeping_another_admin(session, leaver, is_active=False)
    leaver.is_active = False
    audit(
        session,
        actor=actor,
        entity="staff",
        entity_id=leaver.id,
        field="is_active",
        old=True,
        new=False,
    )
    moved = await _reassign_leads(session, actor=actor, leaver=leaver, heir=heir)
    await session.execute(
        update(Task)
        .where(Task.assignee_id == leaver.id, Task.done_at.is_(None))
        .values(assignee_id=heir.id)
    )
    await session.flush()
    return moved


async def _reassign_leads(
    session: AsyncSession, *, actor: Staff, leaver: Staff, heir: Staff
) -> int:
    lead_ids = list(await session.scalars(select(Lead.id).where(Lead.responsible_id == leaver.id)))
    if not lead_ids:
        return 0
    now = utcnow()
    await session.execute(
        update(Lead)
        .where(Lead.responsible_id == leaver.id)
        .values(responsible_id=heir.id, last_activity_at=now, version=Lead.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    session.add_all(
        Activity(
            kind=ActivityKind.ASSIGNMENT,
            lead_id=lead_id,
            author_id=actor.id,
            text=heir.display_name,
            created_at=now,
        )
        for lead_id in lead_ids
    )
    return len(lead_ids)


async def _update_keeping_another_admin(
    session: AsyncSession, admin: Staff, **values: object
) -> None:
    """Set ``values`` (a lesser role, or inactive) on ``admin`` only if another active admin
    remains, decided by the UPDATE itself.

    So two admins demoting or deactivating each other at the same moment leave one: on
    PostgreSQL every active admin's row is locked first, so the second waits for the first
    to commit and then counts again; SQLite ignores the lock but runs one writer at a time,
    and the statement counts under the write lock.
    """
    active_admins = (Staff.role == Role.ADMIN) & Staff.is_active.is_(True)
    await session.execute(
        select(Staff.id).where(active_admins).order_by(Staff.id).with_for_update()
    )
    other = aliased(Staff)
    another_admin = exists().where(
        other.role == Role.ADMIN, other.is_active.is_(True), other.id != admin.id
    )
    changed = await session.execute(
        update(Staff)
        .where(Staff.id == admin.id, another_admin)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationFailed("last-admin", field="role")


async def pending_access_requests(
    session: AsyncSession, *, actor: Staff, since: datetime
) -> list[AccessRequest]:
    require_role(actor, Role.ADMIN, Role.MANAGER)
    rows = await session.scalars(
        select(AccessRequest)
        .where(AccessRequest.requested_at >= since)
        .order_by(AccessRequest.requested_at.desc())
    )
    return list(rows)
