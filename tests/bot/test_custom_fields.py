"""/fields as an admin uses it, and custom fields on the lead card as a rep fills them: from
the edit screen, and when a stage move asks for one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import FieldDefinition, FieldKind, Lead, Stage
from crm.services.fields import FieldDraft, define_field
from emulator import SentMessage
from tests.bot.conftest import Person, Team, Telegram
from tests.bot.test_deal import current_rows, the_lead
from tests.bot.test_export import staff_of
from tests.bot.test_import import send_file
from tests.bot.test_lead_creation import lead_count, press_on, type_in
from tests.bot.test_search_and_customers import add_lead


async def test_an_admin_defines_a_choice_field_required_from_a_stage(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    menu = await telegram.say(team.admin, "/fields")
    await telegram.press(team.admin, menu, "➕ New field")
    too_long = await telegram.say(team.admin, "x" * 101)
    await telegram.say(team.admin, "Size")
    kinds = await telegram.say(team.admin, "Розмір")
    await telegram.press(team.admin, kinds, "🔘 Choice")
    no_choices = await telegram.say(team.admin, " , ,")
    stages = await telegram.say(team.admin, "S, M, L")
    qualified_button = stages.button("Qualified")["callback_data"]
    saved = await telegram.press(team.admin, stages, "Qualified")
    again = await telegram.press_for_answer(team.admin, saved, data=qualified_button, forged=True)

    (field,) = await current_rows(session, select(FieldDefinition))
    qualified = await session.scalar(select(Stage).where(Stage.code == "qualified"))
    assert menu.text is not None and "No custom fields yet." in menu.text
    assert too_long.text == "That is too long: at most 100 characters."
    assert no_choices.text == "Send at least one choice, separated by commas."
    assert saved.text is not None and saved.text.startswith("✅ Field «Size» saved.")
    assert "• Size / Розмір: 🔘 Choice, required from «Qualified» on" in saved.text
    assert again == "This field was already saved or dropped. Send /fields to start again."
    assert (field.label_en, field.label_uk, field.kind, field.choices) == (
        "Size",
        "Розмір",
        FieldKind.CHOICE,
        ["S", "M", "L"],
    )
    assert qualified is not None and field.required_from_stage_id == qualified.id


async def test_a_rep_and_a_manager_may_not_define_fields(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    refused = await telegram.say(team.rep, "/fields")
    also_refused = await telegram.say(team.manager, "/fields")
    forged = await telegram.press_for_answer(team.manager, also_refused, data="cfn", forged=True)

    assert refused.text == "Not allowed"
    assert forged == "Немає доступу"
    assert await current_rows(session, select(FieldDefinition)) == []


async def test_next_stage_asks_for_the_required_field_and_the_answer_moves_the_lead(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    qualified = await session.scalar(select(Stage.id).where(Stage.code == "qualified"))
    admin = await staff_of(session, team.admin)
    draft = FieldDraft("Budget", "Бюджет", FieldKind.NUMBER, required_from_stage_id=qualified)
    await define_field(session, actor=admin, draft=draft)
    await define_field(session, actor=admin, draft=FieldDraft("Paid", "Оплата", FieldKind.YES_NO))
    await session.commit()
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)

    await telegram.press(team.rep, card, "Next stage ▶")
    question = await telegram.latest(team.rep)
    unreadable = await telegram.say(team.rep, "a lot")
    moved = await telegram.say(team.rep, "2 500")
    edit = await telegram.press(team.rep, moved, "✏️ Edit")
    await telegram.press(team.rep, edit, "Paid")
    yes_no = await telegram.latest(team.rep)
    answered = await telegram.press(team.rep, yes_no, "Yes")
    card_after = await telegram.latest(team.rep)
    stale = await telegram.press_for_answer(
        team.rep, yes_no, data=yes_no.button("No")["callback_data"]
    )

    lead: Lead = await the_lead(session)
    assert question.text is not None and "This stage needs «Budget» filled in." in question.text
    assert unreadable.text is not None and unreadable.text.startswith("That is not a number.")
    assert moved.text is not None and "▫️ Budget: 2500" in moved.text
    assert answered.text == yes_no.text
    assert card_after.text is not None and "▫️ Paid: Yes" in card_after.text
    assert stale is not None and "changed" in stale
    assert (lead.stage_id, lead.custom_fields) == (qualified, {"budget": "2500", "paid": "yes"})


async def test_a_file_with_a_custom_field_column_fills_the_field(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    admin = await staff_of(session, team.admin)
    await define_field(session, actor=admin, draft=FieldDraft("Budget", "Бюджет", FieldKind.NUMBER))
    await session.commit()
    content = "Contact,Бюджет\nOlena,1 500\nPetro,lots\n".encode()

    asked = await send_file(telegram, team.rep, "leads.csv", content)
    mapping = await telegram.press(team.rep, asked, "💼 Leads")
    report = await telegram.press(team.rep, mapping, "✅ Check the rows")
    await telegram.press(team.rep, report, "⬆️ Import the valid rows (1)")

    lead: Lead = await the_lead(session)
    assert mapping.text is not None and "• Бюджет → Budget" in mapping.text
    assert report.text is not None and "row 3, Бюджет" in report.text
    assert lead.custom_fields == {"budget": "1500"}


async def define_required_fields(session: AsyncSession, team: Team) -> dict[str, int]:
    """Size (a choice) required from Qualified, Budget (a number) from New, Contract (text)
    from Proposal; the stages' ids by code."""
    rows = await session.execute(select(Stage.code, Stage.id))
    stages = {code: stage_id for code, stage_id in rows if code}
    admin = await staff_of(session, team.admin)
    for draft in (
        FieldDraft("Size", "Розмір", FieldKind.CHOICE, ("S", "M", "L"), stages["qualified"]),
        FieldDraft("Budget", "Бюджет", FieldKind.NUMBER, required_from_stage_id=stages["new"]),
        FieldDraft("Contract", "Договір", FieldKind.TEXT, (), stages["proposal"]),
    ):
        await define_field(session, actor=admin, draft=draft)
    await session.commit()
    return stages


async def test_the_wizard_asks_for_the_fields_its_start_stage_requires(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    stages = await define_required_fields(session, team)
    rep = team.rep
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "Olena")
    _, value_prompt = await type_in(telegram, rep, "+380671234567", count=2)
    source_prompt = await press_on(telegram, rep, value_prompt, "⏭ Skip")
    stage_prompt = await press_on(telegram, rep, source_prompt, "⏭ Skip")
    size_question = await press_on(telegram, rep, stage_prompt, "Qualified")
    budget_question = await press_on(telegram, rep, size_question, "M")
    refused = await telegram.say(rep, "a lot")
    leads_before_the_answer = await lead_count(session)
    card = await telegram.say(rep, "2 500")

    lead: Lead = await the_lead(session)
    assert size_question.text is not None and "Send the value of «Size»." in size_question.text
    assert [b["text"] for b in size_question.buttons] == ["S", "M", "L"]
    answered = await telegram.control.message(rep.user.id, size_question.message_id)
    assert (answered.text or "").endswith("✓ M") and answered.buttons == []
    assert budget_question.text is not None and "«Budget»" in budget_question.text
    assert refused.text is not None and refused.text.startswith("That is not a number.")
    assert leads_before_the_answer == 0
    assert card.text is not None and "▫️ Budget: 2500" in card.text and "▫️ Size: M" in card.text
    assert (lead.stage_id, lead.custom_fields) == (
        stages["qualified"],
        {"size": "M", "budget": "2500"},
    )


async def skip_to_the_first_field(telegram: Telegram, rep: Person, name: str) -> SentMessage:
    """A wizard answering only the name: the lead starts in the first stage."""
    await telegram.say(rep, "/lead")
    await telegram.say(rep, name)
    _, prompt = await type_in(telegram, rep, "⏭ Skip", count=2)
    for _ in range(3):  # value, source, stage
        prompt = await press_on(telegram, rep, prompt, "⏭ Skip")
    return prompt


async def test_cancel_leaves_no_lead_and_a_later_stages_field_is_not_asked(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    stages = await define_required_fields(session, team)
    budget_question = await skip_to_the_first_field(telegram, team.rep, "Petro")
    cancelled = await telegram.say(team.rep, "/cancel")
    leads_after_cancel = await lead_count(session)
    budget_question_again = await skip_to_the_first_field(telegram, team.rep, "Petro")
    card = await telegram.say(team.rep, "100")

    lead: Lead = await the_lead(session)
    assert budget_question.text is not None and "«Budget»" in budget_question.text
    assert cancelled.text == "Cancelled."
    assert leads_after_cancel == 0
    assert budget_question_again.text == budget_question.text
    assert card.text is not None and "Petro" in card.text
    assert (lead.stage_id, lead.custom_fields) == (stages["new"], {"budget": "100"})
