"""Teams (a branch, an office): admins make them, name a head and choose the members.

What a team changes is who sees what, and that rule lives in :mod:`crm.services.access`:
here only the memberships are kept. The head is always one of the members, so the rule
reads memberships alone; a person may be in several teams.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotFound, ValidationFailed
from crm.models import Role, Staff, Team, TeamMember
from crm.services.access import require_role
from crm.services.timeline import audit

NAME_MAX = 64
HEAD_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True, slots=True)
class TeamSummary:
    team: Team
    member_count: int


@dataclass(frozen=True, slots=True)
class TeamView:
    team: Team
    head: Staff | None
    # By name; the head among them.
    members: list[Staff]


async def list_teams(session: AsyncSession, *, actor: Staff) -> list[TeamSummary]:
    """Every team with its number of members, by name; admins and managers look."""
    require_role(actor, Role.ADMIN, Role.MANAGER)
    rows = await session.execute(
        select(Team, func.count(TeamMember.staff_id))
        .outerjoin(TeamMember, TeamMember.team_id == Team.id)
        .group_by(Team.id)
        .order_by(Team.name, Team.id)
    )
    return [TeamSummary(team, count) for team, count in rows]


async def team_view(session: AsyncSession, *, actor: Staff, team_id: int) -> TeamView:
    require_role(actor, Role.ADMIN, Role.MANAGER)
    team = await _get_team(session, team_id)
    members = await session.scalars(
        select(Staff)
        .join(TeamMember, TeamMember.staff_id == Staff.id)
        .where(TeamMember.team_id == team.id)
        .order_by(Staff.display_name, Staff.id)
    )
    shown = list(members)
    head = next((person for person in shown if person.id == team.head_id), None)
    return TeamView(team=team, head=head, members=shown)


async def candidates(
    session: AsyncSession, *, actor: Staff, team_id: int, heads: bool
) -> list[Staff]:
    """Who could join the team (active people not in it), or lead it (``heads``: its active
    managers and admins, members or not)."""
    require_role(actor, Role.ADMIN)
    team = await _get_team(session, team_id)
    query = select(Staff).where(Staff.is_active.is_(True))
    if heads:
        query = query.where(Staff.role.in_(HEAD_ROLES))
    else:
        in_team = select(TeamMember.staff_id).where(TeamMember.team_id == team.id)
        query = query.where(Staff.id.not_in(in_team))
    return list(await session.scalars(query.order_by(Staff.display_name, Staff.id)))


async def create_team(session: AsyncSession, *, actor: Staff, name: str) -> Team:
    require_role(actor, Role.ADMIN)
    team = Team(name=await _checked_name(session, name))
    session.add(team)
    await session.flush()
    audit(session, actor=actor, entity="team", entity_id=team.id, field="name", old=None, new=name)
    return team


async def delete_team(session: AsyncSession, *, actor: Staff, team_id: int) -> str:
    """Delete the team and its memberships; its leads stay with their people, now seen by
    whoever sees those people otherwise. Returns the team's name."""
    require_role(actor, Role.ADMIN)
    team = await _get_team(session, team_id)
    name = team.name
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    await session.delete(team)
    audit(session, actor=actor, entity="team", entity_id=team_id, field="name", old=name, new=None)
    await session.flush()
    return name


async def add_member(session: AsyncSession, *, actor: Staff, team_id: int, staff_id: int) -> Team:
    """Add an active person; adding someone already in the team changes nothing."""
    require_role(actor, Role.ADMIN)
    team = await _get_team(session, team_id)
    person = await session.get(Staff, staff_id)
    if person is None or not person.is_active:
        raise ValidationFailed("team-member-invalid", field="staff_id")
    await _join(session, actor, team, person)
    await session.flush()
    return team


async def remove_member(
    session: AsyncSession, *, actor: Staff, team_id: int, staff_id: int
) -> Team:
    """Take someone out of the team (the head too: the team then has none). The next read
    by the team's manager no longer holds their leads."""
    require_role(actor, Role.ADMIN)
    team = await _get_team(session, team_id)
    removed = await session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.staff_id == staff_id)
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise ValidationFailed("team-member-invalid", field="staff_id")
    if team.head_id == staff_id:
        team.head_id = None
    audit(
        session,
        actor=actor,
        entity="team",
        entity_id=team.id,
        field="member",
        old=staff_id,
        new=None,
    )
    await session.flush()
    return team


async def set_head(session: AsyncSession, *, actor: Staff, team_id: int, staff_id: int) -> Team:
    """Make an active manager or admin the team's head, and a member if not yet one."""
    require_role(actor, Role.ADMIN)
    team = await _get_team(session, team_id)
    person = await session.get(Staff, staff_id)
    if person is None or not person.is_active or person.role not in HEAD_ROLES:
        raise ValidationFailed("team-head-invalid", field="staff_id")
    await _join(session, actor, team, person)
    audit(
        session,
        actor=actor,
        entity="team",
        entity_id=team.id,
        field="head",
        old=team.head_id,
        new=person.id,
    )
    team.head_id = person.id
    await session.flush()
    return team


async def _join(session: AsyncSession, actor: Staff, team: Team, person: Staff) -> None:
    if await session.get(TeamMember, (team.id, person.id)) is not None:
        return
    session.add(TeamMember(team_id=team.id, staff_id=person.id))
    audit(
        session,
        actor=actor,
        entity="team",
        entity_id=team.id,
        field="member",
        old=None,
        new=person.id,
    )


async def _get_team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team {team_id}")
    return team


async def _checked_name(session: AsyncSession, name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("team-name-empty", field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed("team-name-too-long", field="name", details={"limit": NAME_MAX})
    taken = await session.scalars(select(Team.name))
    if any(other.casefold() == name.casefold() for other in taken):
        raise ValidationFailed("team-name-taken", field="name")
    return name
