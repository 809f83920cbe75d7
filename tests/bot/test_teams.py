"""/teams, as admins, managers and reps see it, through the real dispatcher."""

from __future__ import annotations

from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import reader_of
from bot.delivery.notifications import render_lead_news
from crm.models import OutboxMessage, Role, Staff, TeamMember
from crm.models import Team as TeamRow
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services import teams
from crm.services.leads import create_lead
from handlers.admin.teams_screens import PickMember, PickPurpose, TeamDelete
from tests.bot.conftest import Team, Telegram

LARGEST_ID = 2**63 - 1
CALLBACK_DATA_LIMIT = 64


async def memberships(session: AsyncSession) -> dict[str, list[int]]:
    session.expire_all()
    teams = list(await session.scalars(select(TeamRow)))
    rows = list(await session.scalars(select(TeamMember)))
    return {
        team.name: sorted(row.staff_id for row in rows if row.team_id == team.id) for team in teams
    }


async def test_an_admin_makes_a_team_adds_a_member_and_names_the_head(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None and team.manager.staff is not None
    rep_id, manager_id = team.rep.staff.id, team.manager.staff.id
    empty = await telegram.say(team.admin, "/teams")
    prompt = await telegram.press(team.admin, empty, "➕ New team")
    card = await telegram.say(team.admin, "Kyiv <office>")
    picker = await telegram.press(team.admin, card, "➕ Add a member")
    added = await telegram.press(team.admin, picker, "Taras")
    heads = await telegram.press(team.admin, added, "⭐ Choose the head")
    headed = await telegram.press(team.admin, heads, "Марина")

    assert (empty.text or "").startswith("🏢 Teams: 0\nNo teams yet, so every manager")
    assert prompt.text == "Send the name of the new team (a branch or an office)."
    assert (card.text or "").splitlines() == [
        "🏢 Kyiv <office>",
        "Head: nobody yet",
        "No members yet.",
    ]
    assert [button["text"] for button in picker.buttons] == [
        "Ada",
        "Taras",
        "Марина",
        "Оля",
        "« Back",
    ]
    assert (added.text or "").startswith("✅ Taras joined the team.")
    # Only managers and admins may head a team.
    assert [button["text"] for button in heads.buttons] == ["Ada", "Марина", "« Back"]
    assert (headed.text or "").splitlines() == [
        "⭐ Марина heads the team.",
        "",
        "🏢 Kyiv <office>",
        "Head: Марина",
        "2 members:",
        "• Taras — sales rep",
        "• ⭐ Марина — manager",
    ]
    assert await memberships(session) == {"Kyiv <office>": sorted([rep_id, manager_id])}
    row = await session.scalar(select(TeamRow))
    assert row is not None and row.head_id == manager_id


async def test_a_taken_or_empty_name_is_refused_and_the_question_stays(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    listed = await telegram.press(
        team.admin, await telegram.say(team.admin, "/teams"), "➕ New team"
    )
    await telegram.say(team.admin, "Kyiv office")
    again = await telegram.say(team.admin, "/teams")
    await telegram.press(team.admin, again, "➕ New team")
    taken = await telegram.say(team.admin, "  KYIV   office ")
    other = await telegram.say(team.admin, "Lviv office")

    assert listed.text == "Send the name of the new team (a branch or an office)."
    assert taken.text == "There is a team with this name already. Send another name."
    assert (other.text or "").startswith("🏢 Lviv office")
    assert sorted(await memberships(session)) == ["Kyiv office", "Lviv office"]


async def test_a_manager_only_looks_a_forged_admin_press_changes_nothing_and_reps_are_refused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.other_rep.staff is not None
    card = await telegram.say(team.admin, "/teams")
    await telegram.press(team.admin, card, "➕ New team")
    await telegram.say(team.admin, "Kyiv office")
    team_id = await session.scalar(select(TeamRow.id))
    assert team_id is not None

    manager_list = await telegram.say(team.manager, "/teams")
    manager_card = await telegram.press(team.manager, manager_list, "Kyiv office")
    forged_add = await telegram.press_for_answer(
        team.manager,
        manager_card,
        data=PickMember(
            team_id=team_id, staff_id=team.other_rep.staff.id, purpose=PickPurpose.ADD
        ).pack(),
        forged=True,
    )
    forged_delete = await telegram.press_for_answer(
        team.manager,
        manager_card,
        data=TeamDelete(team_id=team_id, confirmed=True).pack(),
        forged=True,
    )
    rep_teams = await telegram.say(team.rep, "/teams")

    assert [button["text"] for button in manager_list.buttons] == ["Kyiv office"]
    assert (manager_card.text or "").startswith("🏢 Kyiv office\nКерівник: ще не призначений")
    assert [button["text"] for button in manager_card.buttons] == ["« Назад"]
    assert (forged_add, forged_delete) == ("Немає доступу", "Немає доступу")
    assert rep_teams.text == "Not allowed"
    assert await memberships(session) == {"Kyiv office": []}


def test_every_teams_button_fits_telegrams_callback_limit() -> None:
    for purpose in PickPurpose:
        data = PickMember(team_id=LARGEST_ID, staff_id=LARGEST_ID, purpose=purpose).pack()
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert len(TeamDelete(team_id=LARGEST_ID, confirmed=True).pack()) <= CALLBACK_DATA_LIMIT


async def test_news_written_before_a_rep_left_the_team_is_not_sent_to_its_manager(
    session: AsyncSession, translator: FluentRuntimeCore
) -> None:
    admin = Staff(telegram_id=801, display_name="Ada", role=Role.ADMIN)
    manager = Staff(telegram_id=802, display_name="Марина", role=Role.MANAGER)
    rep = Staff(telegram_id=803, display_name="Taras", role=Role.REP)
    session.add_all([admin, manager, rep])
    await session.flush()
    office = await teams.create_team(session, actor=admin, name="Kyiv office")
    await teams.set_head(session, actor=admin, team_id=office.id, staff_id=manager.id)
    await teams.add_member(session, actor=admin, team_id=office.id, staff_id=rep.id)
    await create_lead(session, actor=rep, draft=LeadDraft(title="Olena"))
    await commit_with_notifications(session)
    news = {m.recipient_id: m for m in await session.scalars(select(OutboxMessage))}

    await teams.remove_member(session, actor=admin, team_id=office.id, staff_id=rep.id)
    await session.commit()
    for_manager = await render_lead_news(session, reader_of(manager, translator), news[manager.id])
    for_admin = await render_lead_news(session, reader_of(admin, translator), news[admin.id])

    assert sorted(news) == sorted([admin.id, manager.id])
    assert for_manager is None
    assert for_admin is not None and "Olena" in for_admin.text
