"""Teams: what admins may change, and that a change of membership is seen on the next read."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import Forbidden, ValidationFailed
from crm.models import Lead, OutboxMessage, Role, Staff, Team, TeamMember, utcnow
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services import teams
from crm.services.access import may_see_lead
from crm.services.cards import lead_card
from crm.services.leads import assign_lead, create_lead
from crm.services.search import latest_leads
from crm.services.staff import change_role
from crm.services.tasks import create_task
from tests.crm.conftest import Team as People


async def kyiv_office(session: AsyncSession, people: People) -> Team:
    """The manager heads Kyiv with the rep; the other rep is in no team."""
    team = await teams.create_team(session, actor=people.admin, name="Kyiv office")
    await teams.add_member(session, actor=people.admin, team_id=team.id, staff_id=people.rep.id)
    await teams.set_head(session, actor=people.admin, team_id=team.id, staff_id=people.manager.id)
    await session.commit()
    return team


async def lead_of(session: AsyncSession, owner: Staff, title: str) -> Lead:
    lead = await create_lead(session, actor=owner, draft=LeadDraft(title=title))
    await commit_with_notifications(session)
    return lead


async def told_about(session: AsyncSession, lead: Lead) -> set[int]:
    rows = await session.scalars(select(OutboxMessage))
    return {m.recipient_id for m in rows if m.payload.get("lead_id") == lead.id}


async def test_a_team_manager_sees_the_team_and_leaving_it_takes_effect_on_the_next_read(
    session: AsyncSession, team: People
) -> None:
    office = await kyiv_office(session, team)
    mine = await lead_of(session, team.rep, "Kyiv deal")
    elsewhere = await lead_of(session, team.other_rep, "Lviv deal")

    seen_before = {lead.title for lead in await latest_leads(session, actor=team.manager, limit=9)}
    told_before = await told_about(session, mine), await told_about(session, elsewhere)
    await teams.remove_member(session, actor=team.admin, team_id=office.id, staff_id=team.rep.id)
    await session.commit()
    seen_after = {lead.title for lead in await latest_leads(session, actor=team.manager, limit=9)}

    assert seen_before == {"Kyiv deal"}
    assert told_before == ({team.admin.id, team.manager.id}, {team.admin.id})
    assert seen_after == set()
    with pytest.raises(Forbidden):
        await lead_card(session, actor=team.manager, lead_id=mine.id)


async def test_deleting_the_last_team_makes_its_manager_company_wide_again(
    session: AsyncSession, team: People
) -> None:
    office = await kyiv_office(session, team)
    elsewhere = await lead_of(session, team.other_rep, "Lviv deal")
    hidden = await may_see_lead(session, actor=team.manager, lead_id=elsewhere.id)

    name = await teams.delete_team(session, actor=team.admin, team_id=office.id)
    await session.commit()

    assert (hidden, name) == (False, "Kyiv office")
    assert await may_see_lead(session, actor=team.manager, lead_id=elsewhere.id)
    assert await session.scalar(select(TeamMember.staff_id)) is None


async def test_someone_in_two_teams_is_seen_by_the_managers_of_both(
    session: AsyncSession, team: People
) -> None:
    second_manager = Staff(telegram_id=3003, display_name="Lviv head", role=Role.MANAGER)
    session.add(second_manager)
    await kyiv_office(session, team)
    lviv = await teams.create_team(session, actor=team.admin, name="Lviv office")
    await teams.set_head(session, actor=team.admin, team_id=lviv.id, staff_id=second_manager.id)
    await teams.add_member(session, actor=team.admin, team_id=lviv.id, staff_id=team.rep.id)
    await session.commit()
    both = await lead_of(session, team.rep, "Shared rep's deal")
    lviv_only = await lead_of(session, second_manager, "Lviv head's deal")

    assert await told_about(session, both) == {team.admin.id, team.manager.id, second_manager.id}
    assert await may_see_lead(session, actor=team.manager, lead_id=both.id)
    assert await may_see_lead(session, actor=second_manager, lead_id=both.id)
    # Teammates through the rep are not teammates of each other's teams.
    assert not await may_see_lead(session, actor=team.manager, lead_id=lviv_only.id)


async def test_a_team_manager_hands_leads_and_tasks_only_within_the_team(
    session: AsyncSession, team: People
) -> None:
    await kyiv_office(session, team)
    mine = await lead_of(session, team.rep, "Kyiv deal")

    with pytest.raises(Forbidden):
        await assign_lead(
            session, actor=team.manager, lead_id=mine.id, responsible_id=team.other_rep.id
        )
    with pytest.raises(Forbidden):
        await create_task(
            session,
            actor=team.manager,
            title="Call",
            due_at=utcnow(),
            assignee_id=team.other_rep.id,
        )

    assert (await session.get(Lead, mine.id, populate_existing=True)).responsible_id == team.rep.id


async def test_only_admins_change_teams_and_bad_input_changes_nothing(
    session: AsyncSession, team: People
) -> None:
    office = await kyiv_office(session, team)

    with pytest.raises(Forbidden):
        await teams.add_member(
            session, actor=team.manager, team_id=office.id, staff_id=team.other_rep.id
        )
    with pytest.raises(Forbidden):
        await teams.create_team(session, actor=team.rep, name="Rogue")
    failures = []
    for name in ("   ", "x" * 65, " kyiv  OFFICE "):
        with pytest.raises(ValidationFailed) as failure:
            await teams.create_team(session, actor=team.admin, name=name)
        failures.append(failure.value.code)
    with pytest.raises(ValidationFailed) as rep_head:
        await teams.set_head(session, actor=team.admin, team_id=office.id, staff_id=team.rep.id)

    view = await teams.team_view(session, actor=team.manager, team_id=office.id)
    assert failures == ["team-name-empty", "team-name-too-long", "team-name-taken"]
    assert rep_head.value.code == "team-head-invalid"
    assert [team.name for team in await session.scalars(select(Team))] == ["Kyiv office"]
    assert (view.head, [p.display_name for p in view.members]) == (
        team.manager,
        ["Марина Коваль", "Тарас Мельник"],
    )


async def test_a_head_made_a_rep_no_longer_heads_the_team_but_stays_in_it(
    session: AsyncSession, team: People
) -> None:
    office = await kyiv_office(session, team)

    await change_role(session, actor=team.admin, staff_id=team.manager.id, role=Role.REP)
    await session.commit()

    view = await teams.team_view(session, actor=team.admin, team_id=office.id)
    assert view.head is None
    assert [person.display_name for person in view.members] == ["Марина Коваль", "Тарас Мельник"]
