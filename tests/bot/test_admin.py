"""/stages and /team, as admins, managers and reps see them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, ActivityKind, Lead, Role, Staff, Stage, StageKind
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from crm.services.pipelines import delete_stage
from emulator import SentMessage
from handlers.admin.stage_screens import (
    AddStage,
    ClearIdleDays,
    DeleteStage,
    DeleteTargets,
    MoveStage,
    SetProbability,
    SetStageKind,
    StageScreen,
    StagesPage,
    StageView,
)
from handlers.admin.team_screens import (
    ChangeRole,
    Deactivate,
    HeirPage,
    PersonView,
    RoleChoice,
    TeamPage,
)
from tests.bot.conftest import Person, Team, Telegram

LARGEST_ID = 2**63 - 1
CALLBACK_DATA_LIMIT = 64


async def stages_in_order(session: AsyncSession) -> list[Stage]:
    """The stages as the bot left them."""
    query = select(Stage).order_by(Stage.position).execution_options(populate_existing=True)
    return list(await session.scalars(query))


async def stage_named(session: AsyncSession, name: str) -> Stage:
    stage = next((s for s in await stages_in_order(session) if s.name == name), None)
    assert stage is not None, f"no stage {name!r}"
    return stage


async def give_leads(session: AsyncSession, owner: Staff, *names: str) -> list[int]:
    """New leads of ``owner``, in the first stage; their ids."""
    leads = [
        await create_lead(session, actor=owner, draft=LeadDraft(contact_name=name))
        for name in names
    ]
    await session.commit()
    return [lead.id for lead in leads]


async def open_stage(telegram: Telegram, admin: Person, button: str) -> SentMessage:
    stages = await telegram.say(admin, "/stages")
    return await telegram.press(admin, stages, button)


async def press_for_alert(
    telegram: Telegram, person: Person, message: SentMessage, button: str
) -> str | None:
    """Press a button whose press is refused: the answer is an alert, the message stays."""
    data = message.button(button)["callback_data"]
    return await telegram.press_for_answer(person, message, data=data)


async def test_the_stage_list_shows_kind_probability_idle_days_and_leads(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None
    await give_leads(session, team.rep.staff, "Olena")

    stages = await telegram.say(team.admin, "/stages")

    assert stages.text is not None
    assert stages.text.splitlines() == [
        "🧩 Stages of the Sales pipeline",
        "1. New — open · 10% · ⏳ after 3 days without activity · 1 lead",
        "2. Qualified — open · 30% · ⏳ after 7 days without activity · 0 leads",
        "3. Proposal — open · 60% · ⏳ after 7 days without activity · 0 leads",
        "4. Won — won · 100% · ⏳ off · 0 leads",
        "5. Lost — lost · 0% · ⏳ off · 0 leads",
    ]
    assert [button["text"] for button in stages.buttons] == [
        "1. New (1)",
        "2. Qualified (0)",
        "3. Proposal (0)",
        "4. Won (0)",
        "5. Lost (0)",
        "➕ Add a stage",
    ]


async def test_an_admin_adds_renames_and_moves_a_stage_in_place(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    stages = await telegram.say(team.admin, "/stages")
    prompt = await telegram.press(team.admin, stages, "➕ Add a stage")
    added = await telegram.say(team.admin, "<b>Demo</b> & call")

    assert prompt.message_id == stages.message_id
    assert prompt.text == "Send the name of the new stage."
    assert added.text is not None and added.text.startswith("🧩 <b>Demo</b> & call (6 of 6)")
    assert (await stages_in_order(session))[-1].name == "<b>Demo</b> & call"

    await telegram.press(team.admin, added, "✏️ Rename")
    renamed = await telegram.say(team.admin, "Demo call")
    for _ in range(3):
        moved = await telegram.press(team.admin, renamed, "🔼 Up")

    assert renamed.text is not None and renamed.text.startswith("🧩 Demo call (6 of 6)")
    assert moved.text is not None and moved.text.startswith("🧩 Demo call (3 of 6)")
    assert [stage.name for stage in await stages_in_order(session)] == [
        "New",
        "Qualified",
        "Demo call",
        "Proposal",
        "Won",
        "Lost",
    ]


async def test_probability_and_idle_days_by_button_or_typed_and_bad_input_changes_nothing(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await open_stage(telegram, team.admin, "2. Qualified (0)")
    picker = await telegram.press(team.admin, card, "🎯 Probability")
    by_button = await telegram.press(team.admin, picker, "⬜ 50%")
    await telegram.press(team.admin, by_button, "🎯 Probability")
    too_high = await telegram.say(team.admin, "150")
    not_a_number = await telegram.say(team.admin, "a lot")

    assert "Win probability: 50%" in (by_button.text or "")
    assert too_high.text == "The probability must be a whole number from 0 to 100."
    assert not_a_number.text == too_high.text
    assert (await stage_named(session, "Qualified")).probability == 50

    typed = await telegram.say(team.admin, "75")
    await telegram.press(team.admin, typed, "⏳ Idle alert")
    idle_typed = await telegram.say(team.admin, "5")
    idle_prompt = await telegram.press(team.admin, idle_typed, "⏳ Idle alert")
    switched_off = await telegram.press(team.admin, idle_prompt, "🔕 Switch the alert off")

    assert "Win probability: 75%" in (typed.text or "")
    assert "Idle alert: after 5 days without activity" in (idle_typed.text or "")
    assert "Idle alert: off" in (switched_off.text or "")
    qualified = await stage_named(session, "Qualified")
    assert (qualified.probability, qualified.idle_days) == (75, None)


async def test_deleting_a_stage_with_leads_moves_them_first_with_timeline_entries(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None
    lead_ids = await give_leads(session, team.rep.staff, "Olena", "Petro")
    new = await stage_named(session, "New")
    qualified = await stage_named(session, "Qualified")

    card = await open_stage(telegram, team.admin, "1. New (2)")
    targets = await telegram.press(team.admin, card, "🗑 Delete")
    deleted = await telegram.press(team.admin, targets, "Qualified")

    assert "There are 2 leads in it. Choose the stage to move them to" in (targets.text or "")
    assert [button["text"] for button in targets.buttons] == [
        "Qualified",
        "Proposal",
        "Won",
        "Lost",
        "« Back",
    ]
    assert deleted.text is not None
    assert deleted.text.startswith("🗑 The stage “New” is deleted.")
    assert deleted.buttons[0]["text"] == "1. Qualified (2)"
    assert "New" not in [stage.name for stage in await stages_in_order(session)]
    stages_now = await session.scalars(select(Lead.stage_id).where(Lead.id.in_(lead_ids)))
    assert set(stages_now) == {qualified.id}
    moves = list(
        await session.scalars(
            select(Activity).where(
                Activity.kind == ActivityKind.STAGE_CHANGE, Activity.lead_id.in_(lead_ids)
            )
        )
    )
    assert sorted(move.lead_id or 0 for move in moves) == sorted(lead_ids)
    assert {(move.to_stage_id, move.text) for move in moves} == {(qualified.id, new.name)}


async def test_an_empty_stage_is_deleted_on_confirmation(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await open_stage(telegram, team.admin, "3. Proposal (0)")
    confirm = await telegram.press(team.admin, card, "🗑 Delete")
    deleted = await telegram.press(team.admin, confirm, "🗑 Yes, delete")

    assert "Delete this stage? There are no leads in it." in (confirm.text or "")
    assert (deleted.text or "").startswith("🗑 The stage “Proposal” is deleted.")
    assert [stage.name for stage in await stages_in_order(session)] == [
        "New",
        "Qualified",
        "Won",
        "Lost",
    ]


async def test_the_last_open_stage_can_be_neither_deleted_nor_closed(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.admin.staff is not None
    for name in ("Qualified", "Proposal"):
        stage = await stage_named(session, name)
        await delete_stage(session, actor=team.admin.staff, stage_id=stage.id)
    await session.commit()

    card = await open_stage(telegram, team.admin, "1. New (0)")
    confirm = await telegram.press(team.admin, card, "🗑 Delete")
    refused_delete = await press_for_alert(telegram, team.admin, confirm, "🗑 Yes, delete")
    kinds = await telegram.press(team.admin, confirm, "« Back")
    kinds = await telegram.press(team.admin, kinds, "🏷 Kind")
    refused_kind = await press_for_alert(telegram, team.admin, kinds, "⬜ won")

    assert refused_delete == "The pipeline needs at least one open stage."
    assert refused_kind == refused_delete
    new = await stage_named(session, "New")
    assert new.kind == StageKind.OPEN
    assert [stage.name for stage in await stages_in_order(session)] == ["New", "Won", "Lost"]


async def test_reps_and_managers_may_not_touch_stages_and_reps_not_see_the_team(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    new = await stage_named(session, "New")

    rep_stages = await telegram.say(team.rep, "/stages")
    rep_team = await telegram.say(team.rep, "/team")
    manager_stages = await telegram.say(team.manager, "/stages")
    forged_kind = await telegram.press_for_answer(
        team.rep, rep_stages, data=f"stk:{new.id}:won", forged=True
    )
    forged_delete = await telegram.press_for_answer(
        team.manager, manager_stages, data=f"std:{new.id}:", forged=True
    )

    assert (rep_stages.text, rep_team.text) == ("Not allowed", "Not allowed")
    assert manager_stages.text == "Немає доступу"
    assert (forged_kind, forged_delete) == ("Not allowed", "Немає доступу")
    stages = await stages_in_order(session)
    assert [(stage.name, stage.kind) for stage in stages][:1] == [("New", StageKind.OPEN)]
    assert len(stages) == 5


async def test_deactivating_a_rep_hands_their_leads_to_the_heir_and_locks_them_out(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None and team.other_rep.staff is not None
    lead_ids = await give_leads(session, team.rep.staff, "Olena", "Petro")
    leaver_id, heir_id = team.rep.staff.id, team.other_rep.staff.id

    people = await telegram.say(team.admin, "/team")
    card = await telegram.press(team.admin, people, "Taras")
    heirs = await telegram.press(team.admin, card, "🚫 Switch access off")
    done = await telegram.press(team.admin, heirs, "Оля")
    locked_out = await telegram.say(team.rep, "/pipeline")

    assert (people.text or "").splitlines() == [
        "👥 Team: 4 people",
        "• Ada — admin",
        "• Марина — manager",
        "• Taras — sales rep",
        "• Оля — sales rep",
    ]
    assert [button["text"] for button in heirs.buttons] == ["Ada", "Марина", "Оля", "« Back"]
    assert done.text is not None
    assert done.text.startswith("🚫 Access switched off. 2 leads now belong to Оля.")
    assert "Access: switched off" in done.text
    assert [button["text"] for button in done.buttons] == ["« Back"]
    assert locked_out.text == (
        "Your access to this CRM has been switched off. Ask an admin if this is a mistake."
    )
    session.expire_all()
    leaver = await session.get(Staff, leaver_id)
    assert leaver is not None and not leaver.is_active
    owners = await session.scalars(select(Lead.responsible_id).where(Lead.id.in_(lead_ids)))
    assert set(owners) == {heir_id}
    handovers = await session.scalars(
        select(Activity.text).where(Activity.kind == ActivityKind.ASSIGNMENT)
    )
    assert list(handovers) == ["Оля", "Оля"]


async def test_an_admin_changes_a_role_but_not_the_last_admins_and_a_manager_only_looks(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    people = await telegram.say(team.admin, "/team")
    card = await telegram.press(team.admin, people, "Taras")
    roles = await telegram.press(team.admin, card, "🔁 Change role")
    promoted = await telegram.press(team.admin, roles, "⬜ manager")
    own_card = await telegram.press(team.admin, await telegram.say(team.admin, "/team"), "Ada")
    own_roles = await telegram.press(team.admin, own_card, "🔁 Change role")
    refused = await press_for_alert(telegram, team.admin, own_roles, "⬜ sales rep")

    manager_view = await telegram.say(team.manager, "/team")
    manager_card = await telegram.press(team.manager, manager_view, "Taras")

    assert [button["text"] for button in roles.buttons] == [
        "⬜ admin",
        "⬜ manager",
        "✅ sales rep",
        "« Back",
    ]
    assert "Role: manager" in (promoted.text or "")
    assert refused == "The team needs at least one admin."
    assert (manager_view.text or "").startswith("👥 Команда: 4 людини")
    assert "Роль: менеджер" in (manager_card.text or "")
    assert [button["text"] for button in manager_card.buttons] == ["« Назад"]
    roles_now = dict((await session.execute(select(Staff.display_name, Staff.role))).all())
    assert roles_now["Taras"] == Role.MANAGER
    assert roles_now["Ada"] == Role.ADMIN


async def test_a_long_team_is_shown_page_by_page(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    session.add_all(
        Staff(telegram_id=700 + number, display_name=f"Rep {number:02}", role=Role.REP)
        for number in range(9)
    )
    await session.commit()

    first = await telegram.say(team.admin, "/team")
    first_buttons = [button["text"] for button in first.buttons]
    second = await telegram.press(team.admin, first, "Next ›")

    assert "Page 1 of 2" in (first.text or "")
    assert len(first_buttons) == 9 and first_buttons[-1] == "Next ›"
    assert "Page 2 of 2" in (second.text or "")
    assert [button["text"] for button in second.buttons] == [
        "Rep 06",
        "Rep 07",
        "Rep 08",
        "Taras",
        "Оля",
        "‹ Previous",
    ]


def test_every_button_fits_telegrams_callback_limit_with_the_largest_ids() -> None:
    buttons = [
        StagesPage(page=LARGEST_ID),
        StageView(stage_id=LARGEST_ID, screen=StageScreen.PROBABILITY),
        MoveStage(stage_id=LARGEST_ID, offset=-1),
        SetStageKind(stage_id=LARGEST_ID, kind=StageKind.LOST),
        SetProbability(stage_id=LARGEST_ID, probability=100),
        ClearIdleDays(stage_id=LARGEST_ID),
        DeleteTargets(stage_id=LARGEST_ID, page=LARGEST_ID),
        DeleteStage(stage_id=LARGEST_ID, move_leads_to=LARGEST_ID),
        AddStage(),
        TeamPage(page=LARGEST_ID),
        PersonView(staff_id=LARGEST_ID),
        RoleChoice(staff_id=LARGEST_ID),
        ChangeRole(staff_id=LARGEST_ID, role=Role.MANAGER),
        HeirPage(staff_id=LARGEST_ID, page=LARGEST_ID),
        Deactivate(staff_id=LARGEST_ID, heir_id=LARGEST_ID),
    ]

    assert max(len(button.pack().encode()) for button in buttons) <= CALLBACK_DATA_LIMIT
