"""/rules through the real dispatcher: an admin builds a rule by buttons, sees the dry run,
saves, switches, reorders and deletes; anyone else's press, forged or not, changes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.sender import OutboxSender
from crm.automation.admin import create_rule
from crm.automation.runner import RuleRunner
from crm.automation.spec import (
    AddTag,
    AssignInTeam,
    NotifyPerson,
    NotifyTeam,
    ResponsibleInTeam,
    RuleSpec,
    SendWebhook,
    Trigger,
    When,
)
from crm.models import Rule, TeamMember, Webhook
from crm.models import Team as Branch
from crm.notifications import commit_with_notifications
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from handlers.admin.rule_screens import BuildPick, Picked, RuleDelete, RuleSwitch
from tests.bot.conftest import Team, Telegram

CALLBACK_DATA_LIMIT = 64
LARGEST_ID = 2**63 - 1


async def rules_in_order(session: AsyncSession) -> list[Rule]:
    query = select(Rule).order_by(Rule.position).execution_options(populate_existing=True)
    return list(await session.scalars(query))


async def test_an_admin_builds_a_rule_by_buttons_sees_the_dry_run_and_saves_it(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None
    await create_lead(session, actor=team.rep.staff, draft=LeadDraft(contact_name="Olena"))
    await commit_with_notifications(session)

    listing = await telegram.say(team.admin, "/rules")
    assert listing.text is not None and listing.text.startswith("Automation rules: 0")
    screen = await telegram.press(team.admin, listing, "➕ New rule")
    screen = await telegram.press(team.admin, screen, "A lead is created")
    assert screen.text == "A lead from which source?"
    screen = await telegram.press(team.admin, screen, "Any")
    screen = await telegram.press(team.admin, screen, "➕ Action")
    screen = await telegram.press(team.admin, screen, "Add a tag")
    home = await telegram.say(team.admin, "#VIP")
    assert home.text is not None and "add the tag #vip" in home.text
    await telegram.press(team.admin, home, "Next: name it ›")
    preview = await telegram.say(team.admin, "Tag every lead")
    assert preview.text is not None
    assert "In the last 30 days it would have matched 1 lead:" in preview.text
    assert "• Olena (#" in preview.text

    card = await telegram.press(team.admin, preview, "✅ Save the rule")

    assert card.text is not None and card.text.startswith("⚙️ Tag every lead\n✅ On")
    (rule,) = await rules_in_order(session)
    assert (rule.name, rule.enabled, rule.trigger) == ("Tag every lead", True, "lead_created")
    assert RuleSpec.model_validate(rule.spec).actions == (AddTag(tag="vip"),)


async def test_round_robin_and_a_task_are_picked_by_buttons(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None and team.other_rep.staff is not None
    listing = await telegram.say(team.admin, "/rules")
    screen = await telegram.press(team.admin, listing, "➕ New rule")
    screen = await telegram.press(team.admin, screen, "A lead is idle N days in its stage")
    screen = await telegram.press(team.admin, screen, "3 days")
    screen = await telegram.press(team.admin, screen, "➕ Action")
    screen = await telegram.press(team.admin, screen, "Assign in turn")
    screen = await telegram.press(team.admin, screen, "⬜ Taras")
    screen = await telegram.press(team.admin, screen, "⬜ Оля")
    screen = await telegram.press(team.admin, screen, "✔️ Done")
    screen = await telegram.press(team.admin, screen, "➕ Action")
    screen = await telegram.press(team.admin, screen, "Task for the responsible")
    screen = await telegram.press(team.admin, screen, "in 24 hours")

    assert screen.text is not None
    assert "A lead is idle 3 days in its stage" in screen.text
    assert "1. assign in turn: Taras, Оля" in screen.text
    assert "2. a task for the responsible, due in 24 hours (outside quiet hours)" in screen.text


async def test_a_team_and_a_webhook_are_picked_by_buttons(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None
    branch = Branch(name="Київ")
    hook = Webhook(url="https://example.com/crm", secret="whsec_c2VjcmV0", events=[])
    session.add_all([branch, hook])
    await session.flush()
    session.add(TeamMember(team_id=branch.id, staff_id=team.rep.staff.id))
    await session.commit()

    listing = await telegram.say(team.admin, "/rules")
    screen = await telegram.press(team.admin, listing, "➕ New rule")
    screen = await telegram.press(team.admin, screen, "A lead is won")
    screen = await telegram.press(team.admin, screen, "➕ Condition")
    screen = await telegram.press(team.admin, screen, "Responsible's team")
    assert screen.text == "The responsible is in the team:"
    screen = await telegram.press(team.admin, screen, "Київ")
    for menu, choice in (
        ("Assign in turn within a team", "Київ"),
        ("Notify a team", "Київ"),
        ("Send a webhook", "https://example.com/crm"),
    ):
        screen = await telegram.press(team.admin, screen, "➕ Action")
        screen = await telegram.press(team.admin, screen, menu)
        screen = await telegram.press(team.admin, screen, choice)
    # A team that does not exist is no button's: a forged press is refused.
    forged = BuildPick(picked=Picked.THEN_NOTIFY_TEAM, value=branch.id + 1).pack()
    refused = await telegram.press_for_answer(team.admin, screen, data=forged, forged=True)
    await telegram.press(team.admin, screen, "Next: name it ›")
    preview = await telegram.say(team.admin, "Won in Kyiv")
    await telegram.press(team.admin, preview, "✅ Save the rule")

    assert refused == "That team no longer exists."
    assert screen.text is not None
    assert "responsible is in the team Київ" in screen.text
    assert "1. assign in turn within the team Київ" in screen.text
    assert "2. notify the team Київ" in screen.text
    assert "3. send to the webhook https://example.com/crm" in screen.text
    (rule,) = await rules_in_order(session)
    spec = RuleSpec.model_validate(rule.spec)
    assert spec.conditions == (ResponsibleInTeam(team_id=branch.id),)
    assert spec.actions == (
        AssignInTeam(team_id=branch.id),
        NotifyTeam(team_id=branch.id),
        SendWebhook(webhook_id=hook.id),
    )


async def test_bad_typed_input_is_answered_and_changes_nothing(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    listing = await telegram.say(team.admin, "/rules")
    screen = await telegram.press(team.admin, listing, "➕ New rule")
    screen = await telegram.press(team.admin, screen, "A lead is won")
    screen = await telegram.press(team.admin, screen, "➕ Condition")
    await telegram.press(team.admin, screen, "Value range")

    refused = await telegram.say(team.admin, "5000-100")

    assert refused.text == "Type the range as two amounts with a dash, e.g. 1000-5000."
    accepted = await telegram.say(team.admin, "100-5000")
    assert accepted.text is not None and "value from 100 to 5 000" in accepted.text
    # A task due in a million hours is no button's: a forged press is refused.
    forged = BuildPick(picked=Picked.THEN_TASK, value=1_000_000).pack()
    refused_press = await telegram.press_for_answer(team.admin, accepted, data=forged, forged=True)
    assert refused_press == "That choice is not available any more."
    assert await rules_in_order(session) == []


async def make_rules(session: AsyncSession, team: Team, *names: str) -> list[Rule]:
    assert team.admin.staff is not None
    spec = RuleSpec(when=When(trigger=Trigger.LEAD_WON), actions=(AddTag(tag="won"),))
    rules = [
        await create_rule(session, actor=team.admin.staff, name=name, spec=spec) for name in names
    ]
    await session.commit()
    return rules


async def test_rules_are_switched_reordered_and_deleted_by_their_buttons(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await make_rules(session, team, "First", "Second")

    listing = await telegram.say(team.admin, "/rules")
    card = await telegram.press(team.admin, listing, "✅ 2. Second")
    card = await telegram.press(team.admin, card, "⏸ Switch off")
    assert card.text is not None and "⏸ Off" in card.text
    card = await telegram.press(team.admin, card, "⬆️ Earlier")
    assert [(r.name, r.enabled) for r in await rules_in_order(session)] == [
        ("Second", False),
        ("First", True),
    ]
    question = await telegram.press(team.admin, card, "🗑 Delete")
    listing = await telegram.press(team.admin, question, "🗑 Yes, delete")

    assert listing.text is not None and listing.text.startswith("Automation rules: 1")
    assert [r.name for r in await rules_in_order(session)] == ["First"]


async def test_a_forged_press_from_a_non_admin_changes_nothing(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    (rule,) = await make_rules(session, team, "Guarded")
    rep_rules = await telegram.say(team.rep, "/rules")
    manager_rules = await telegram.say(team.manager, "/rules")

    switch = await telegram.press_for_answer(
        team.rep, rep_rules, data=RuleSwitch(rule_id=rule.id, enabled=False).pack(), forged=True
    )
    delete = await telegram.press_for_answer(
        team.manager,
        manager_rules,
        data=RuleDelete(rule_id=rule.id, confirmed=True).pack(),
        forged=True,
    )

    assert (rep_rules.text, manager_rules.text) == ("Not allowed", "Немає доступу")
    assert (switch, delete) == ("Not allowed", "Немає доступу")
    assert [(r.name, r.enabled) for r in await rules_in_order(session)] == [("Guarded", True)]


async def test_a_rules_notice_opens_the_lead_whose_timeline_says_what_the_rule_did(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    sender: OutboxSender,
) -> None:
    assert team.admin.staff is not None and team.rep.staff is not None
    spec = RuleSpec(
        when=When(trigger=Trigger.LEAD_CREATED),
        actions=(AddTag(tag="hot"), NotifyPerson(staff_id=team.rep.staff.id)),
    )
    await create_rule(session, actor=team.admin.staff, name="Hot <leads>", spec=spec)
    await session.commit()
    await telegram.say(team.rep, "/lead Olena +380671234567")
    before = len(await telegram.control.messages(team.rep.user.id))

    assert await RuleRunner(session_factory, sender).run_due() == 1
    notice = (await telegram.control.wait_for_messages(team.rep.user.id, before + 1))[before]
    card = await telegram.press(team.rep, notice, "📇 Open lead")

    assert notice.text == "🔔 Rule “Hot <leads>”: Olena"
    assert card.text is not None and "by rule “Hot <leads>”" in card.text


def test_every_rules_button_fits_telegram_with_the_largest_ids() -> None:
    for data in (
        RuleSwitch(rule_id=LARGEST_ID, enabled=False),
        RuleDelete(rule_id=LARGEST_ID, confirmed=True),
        BuildPick(picked=Picked.THEN_NOTIFY_TEAM, value=LARGEST_ID),
    ):
        assert len(data.pack().encode()) <= CALLBACK_DATA_LIMIT
