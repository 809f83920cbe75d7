"""Creating leads from a phone: the step-by-step wizard, a forwarded message or a shared contact
card as a head start, and the warning about leads that already have the contact."""

from __future__ import annotations

from collections.abc import Awaitable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, LeadSource
from emulator import SentMessage, SimulatedUser
from handlers.leads.wizard_keyboards import (
    CreateAnyway,
    PickSource,
    PickStage,
    SkipStep,
    WizardStep,
)
from tests.bot.conftest import Person, Team, Telegram

LARGEST_ID = 2**63 - 1


async def replies(
    telegram: Telegram, person: Person, action: Awaitable[object], count: int = 1
) -> list[SentMessage]:
    """The ``count`` messages the bot sends to the person after ``action``."""
    before = len(await telegram.control.messages(person.user.id))
    await action
    sent = await telegram.control.wait_for_messages(person.user.id, before + count)
    return sent[before : before + count]


async def type_in(
    telegram: Telegram, person: Person, text: str, count: int = 1
) -> list[SentMessage]:
    return await replies(telegram, person, telegram.control.send_text(person.user, text), count)


async def press_on(
    telegram: Telegram, person: Person, prompt: SentMessage, button: str
) -> SentMessage:
    """Press a button of the prompt and return the bot's next message."""
    [answer] = await replies(telegram, person, telegram.press(person, prompt, button))
    return answer


async def lead_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Lead)) or 0


async def only_lead(session: AsyncSession) -> Lead:
    [lead] = (await session.scalars(select(Lead))).all()
    return lead


async def test_every_step_answered_creates_the_lead_and_shows_its_card(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    name_prompt = await telegram.say(rep, "/lead")
    contact_prompt = await telegram.say(rep, "Olena Petrenko")
    saved, value_prompt = await type_in(telegram, rep, "067 123 45 67", count=2)
    source_prompt = await telegram.say(rep, "12 000,50 usd")
    stage_prompt = await press_on(telegram, rep, source_prompt, "WhatsApp")
    card = await press_on(telegram, rep, stage_prompt, "Qualified")

    assert "What is the client's name?" in (name_prompt.text or "")
    assert contact_prompt.reply_markup is not None
    assert contact_prompt.reply_markup["keyboard"] == [
        [{"text": "📱 Share contact", "request_contact": True}],
        [{"text": "⏭ Skip"}],
    ]
    assert saved.text == "✓ +380671234567"
    assert saved.reply_markup == {"remove_keyboard": True}
    assert "without a currency it is UAH" in (value_prompt.text or "")
    shown = await telegram.control.message(rep.user.id, stage_prompt.message_id)
    assert (shown.text or "").endswith("✓ Qualified") and shown.buttons == []
    assert "Olena Petrenko" in (card.text or "") and "Stage: Qualified" in (card.text or "")
    lead = await only_lead(session)
    assert lead.contact_name == "Olena Petrenko"
    assert lead.phone == "+380671234567"
    assert (lead.value_minor, lead.currency) == (1_200_050, "USD")
    assert lead.source == LeadSource.WHATSAPP
    assert lead.stage.name == "Qualified"
    assert rep.staff is not None and lead.responsible_id == rep.staff.id


async def test_skipped_steps_leave_the_defaults(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    name_prompt = await telegram.say(rep, "/lead")
    await press_on(telegram, rep, name_prompt, "⏭ Skip")
    refused = await telegram.say(rep, "⏭ Skip")
    saved, value_prompt = await type_in(telegram, rep, "+380931112233", count=2)
    source_prompt = await press_on(telegram, rep, value_prompt, "⏭ Skip")
    stage_prompt = await press_on(telegram, rep, source_prompt, "⏭ Skip")
    card = await press_on(telegram, rep, stage_prompt, "⏭ Skip")

    assert refused.text == "A lead needs at least a name, a phone or an e-mail."
    assert saved.text == "✓ +380931112233"
    skipped = await telegram.control.message(rep.user.id, name_prompt.message_id)
    assert (skipped.text or "").endswith("⏭ Skipped") and skipped.buttons == []
    assert "+380931112233" in (card.text or "")
    lead = await only_lead(session)
    assert (lead.title, lead.contact_name) == ("+380931112233", None)
    assert (lead.value_minor, lead.currency) == (None, "UAH")
    assert lead.source == LeadSource.MANUAL
    assert lead.stage.name == "New"


async def test_the_contact_step_is_skipped_with_its_reply_button(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "Walk-in client")
    skipped, value_prompt = await type_in(telegram, rep, "⏭ Skip", count=2)

    assert skipped.text == "⏭ Skipped"
    assert skipped.reply_markup == {"remove_keyboard": True}
    assert "What is the deal worth?" in (value_prompt.text or "")
    assert await lead_count(session) == 0


async def test_sharing_ones_own_contact_takes_the_phone_but_not_the_name(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "Olena")
    shared = telegram.control.send_contact(rep.user, "380501234567", user_id=rep.user.id)
    saved, value_prompt = await replies(telegram, rep, shared, count=2)
    await skip_to_the_card(telegram, rep, value_prompt)

    assert saved.text == "✓ +380501234567"
    assert saved.reply_markup == {"remove_keyboard": True}
    lead = await only_lead(session)
    assert (lead.contact_name, lead.phone) == ("Olena", "+380501234567")


async def test_someone_elses_contact_card_gives_the_name_when_none_was_typed(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    name_prompt = await telegram.say(rep, "/lead")
    await press_on(telegram, rep, name_prompt, "⏭ Skip")
    card = telegram.control.send_contact(
        rep.user, "+380631234567", first_name="Ірина", last_name="Коваль", user_id=777_000
    )
    _, value_prompt = await replies(telegram, rep, card, count=2)
    await skip_to_the_card(telegram, rep, value_prompt)

    lead = await only_lead(session)
    assert (lead.contact_name, lead.phone) == ("Ірина Коваль", "+380631234567")


async def skip_to_the_card(telegram: Telegram, person: Person, value_prompt: SentMessage) -> None:
    """Skip value, source and stage."""
    prompt = value_prompt
    for _ in range(3):
        prompt = await press_on(telegram, person, prompt, "⏭ Skip")


async def test_a_contact_card_sent_outside_the_wizard_starts_a_draft(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    shared = telegram.control.send_contact(
        rep.user, "380661234567", first_name="Ірина", last_name="Коваль"
    )
    [value_prompt] = await replies(telegram, rep, shared)
    stage_prompt = await press_on(telegram, rep, value_prompt, "⏭ Skip")
    card = await press_on(telegram, rep, stage_prompt, "New")

    assert (value_prompt.text or "").startswith(
        "➕ New lead from Telegram\n👤 Ірина Коваль\n📞 +380661234567\n\n💰 What is the deal worth?"
    )
    assert "Which stage" in (stage_prompt.text or "")
    assert "Source: Telegram" in (card.text or "")
    lead = await only_lead(session)
    assert (lead.contact_name, lead.phone) == ("Ірина Коваль", "+380661234567")
    assert lead.source == LeadSource.TELEGRAM


async def test_a_forwarded_message_starts_a_draft_with_the_sender_and_their_words(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    customer = SimulatedUser(id=9_001, first_name="Marta", last_name="Shevchenko")
    forwarded = telegram.control.send_text(
        rep.user, "Hi! How much is the oak table?", forward_from=customer
    )
    [contact_prompt] = await replies(telegram, rep, forwarded)
    _, value_prompt = await type_in(telegram, rep, "Marta@Example.com", count=2)
    stage_prompt = await press_on(telegram, rep, value_prompt, "⏭ Skip")
    await press_on(telegram, rep, stage_prompt, "⏭ Skip")

    assert (contact_prompt.text or "").startswith("➕ New lead from Telegram\n👤 Marta Shevchenko")
    assert "phone or e-mail" in (contact_prompt.text or "")
    lead = await only_lead(session)
    assert (lead.contact_name, lead.email) == ("Marta Shevchenko", "marta@example.com")
    assert lead.source == LeadSource.TELEGRAM
    assert lead.source_detail == "Hi! How much is the oak table?"


async def test_a_long_message_from_a_hidden_sender_is_cut_for_the_source_detail(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    forwarded = telegram.control.send_text(
        rep.user, "word " * 100, forward_sender_name="<i>Anon</i> & Co"
    )
    [contact_prompt] = await replies(telegram, rep, forwarded)
    _, value_prompt = await type_in(telegram, rep, "+380671234567", count=2)
    stage_prompt = await press_on(telegram, rep, value_prompt, "⏭ Skip")
    await press_on(telegram, rep, stage_prompt, "⏭ Skip")

    assert "👤 <i>Anon</i> & Co" in (contact_prompt.text or "")
    assert "&lt;i&gt;Anon&lt;/i&gt; &amp; Co" in (contact_prompt.html or "")
    lead = await only_lead(session)
    assert lead.contact_name == "<i>Anon</i> & Co"
    assert lead.source_detail is not None
    assert len(lead.source_detail) == 200 and lead.source_detail.endswith("…")


async def test_a_wrong_answer_is_refused_and_the_step_asked_again(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "Olena")
    wrong_phone = await telegram.say(rep, "12345")
    count_after_wrong_phone = await lead_count(session)
    saved, _ = await type_in(telegram, rep, "+380671234567", count=2)
    wrong_amount = await telegram.say(rep, "a lot")
    wrong_currency = await telegram.say(rep, "500 XYZ")
    source_prompt = await telegram.say(rep, "500 eur")

    assert (wrong_phone.text or "").startswith("That is not a phone number I can use.")
    assert count_after_wrong_phone == 0
    assert saved.text == "✓ +380671234567"
    assert wrong_amount.text == "Send the amount as a number, e.g. 12000 or 12 000,50."
    assert (wrong_currency.text or "").startswith("I do not know that currency.")
    assert "Where did the client come from?" in (source_prompt.text or "")
    assert await lead_count(session) == 0


async def test_html_in_a_typed_name_is_shown_as_typed(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "<b>Boss</b> & Co")
    _, value_prompt = await type_in(telegram, rep, "+380671234567", count=2)
    await skip_to_the_card(telegram, rep, value_prompt)

    card = await telegram.latest(rep)
    assert "<b>Boss</b> & Co" in (card.text or "")
    assert "&lt;b&gt;Boss&lt;/b&gt; &amp; Co" in (card.html or "")
    assert (await only_lead(session)).contact_name == "<b>Boss</b> & Co"


async def test_cancel_in_the_middle_writes_nothing_and_old_buttons_say_so(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "Olena")
    _, value_prompt = await type_in(telegram, rep, "+380671234567", count=2)
    cancelled = await telegram.say(rep, "/cancel")
    skip = value_prompt.button("⏭ Skip")["callback_data"]
    stale = await telegram.press_for_answer(rep, value_prompt, data=skip)
    again = await telegram.say(rep, "/cancel")

    assert cancelled.text == "Cancelled."
    assert stale == "That step is already behind you."
    assert again.text == "There is nothing to cancel."
    assert await lead_count(session) == 0


async def test_quick_add_of_a_known_phone_offers_the_existing_lead(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead Olena Petrenko +380671234567")
    warning = await telegram.say(rep, "/lead Olena P. 0671234567")
    opened = await telegram.press(rep, warning, "📇 Open it")

    assert (warning.text or "").startswith("⚠️ A lead with this phone or e-mail already exists:")
    assert "Olena Petrenko" in (warning.text or "")
    assert [button["text"] for button in warning.buttons] == ["📇 Open it", "➕ Create anyway"]
    assert (opened.text or "").startswith("📇 Olena Petrenko")
    assert await lead_count(session) == 1


async def test_create_anyway_pressed_twice_creates_one_linked_lead(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = team.rep
    await telegram.say(rep, "/lead Olena Petrenko +380671234567")
    await telegram.say(rep, "/lead")
    await telegram.say(rep, "Olena, second order")
    await type_in(telegram, rep, "0671234567", count=2)
    source_prompt = await telegram.say(rep, "900")
    stage_prompt = await press_on(telegram, rep, source_prompt, "⏭ Skip")
    warning = await press_on(telegram, rep, stage_prompt, "⏭ Skip")
    create_anyway = warning.button("➕ Create anyway")["callback_data"]

    card = await telegram.press(rep, warning, "➕ Create anyway")
    second = await telegram.press_for_answer(rep, warning, data=create_anyway, forged=True)

    assert "Olena, second order" in (card.text or "")
    assert "⚠️ Another lead has the same phone or e-mail." in (card.text or "")
    assert second == "Already done: this draft was used or replaced."
    assert await lead_count(session) == 2
    first, newer = (await session.scalars(select(Lead).order_by(Lead.id))).all()
    assert newer.duplicate_of_id == first.id
    assert (newer.contact_name, newer.value_minor) == ("Olena, second order", 90_000)


async def test_a_rep_learns_only_whose_the_duplicate_is(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    theirs = telegram.control.send_text(team.other_rep.user, "/lead Чужий Лід +380501112233")
    # Managers hear of every new lead; that notice must be in before the warning is awaited.
    [notice] = await replies(telegram, team.manager, theirs)

    for_rep = await telegram.say(team.rep, "/lead Mine 0501112233")
    for_manager = await telegram.say(team.manager, "/lead Дубль +380501112233")

    assert for_rep.text == (
        "⚠️ A lead with this phone or e-mail already exists:\n"
        "• A lead with this contact belongs to Оля."
    )
    assert [button["text"] for button in for_rep.buttons] == ["➕ Create anyway"]
    assert (notice.text or "").startswith("🆕 Новий лід")
    assert "Чужий Лід" in (for_manager.text or "")
    assert "Лід із таким телефоном чи e-mail уже є" in (for_manager.text or "")
    assert [button["text"] for button in for_manager.buttons] == [
        "📇 Відкрити",
        "➕ Створити все одно",
    ]
    assert await lead_count(session) == 1


async def test_ukrainian_people_are_asked_in_ukrainian(telegram: Telegram, team: Team) -> None:
    manager = team.manager
    name_prompt = await telegram.say(manager, "/lead")
    contact_prompt = await telegram.say(manager, "Олена")
    wrong_phone = await telegram.say(manager, "12345")

    assert "Як звати клієнта?" in (name_prompt.text or "")
    assert [button["text"] for button in name_prompt.buttons] == ["⏭ Пропустити"]
    assert "Телефон або e-mail клієнта?" in (contact_prompt.text or "")
    assert contact_prompt.reply_markup is not None
    assert contact_prompt.reply_markup["keyboard"][0][0]["text"] == "📱 Надіслати контакт"
    assert (wrong_phone.text or "").startswith("Не вдається розпізнати номер.")


def test_callback_data_fits_telegrams_limit_with_the_largest_ids() -> None:
    packed = [
        CreateAnyway(duplicate_of=LARGEST_ID).pack(),
        PickStage(stage_id=LARGEST_ID).pack(),
        *(PickSource(source=source).pack() for source in LeadSource),
        *(SkipStep(step=step).pack() for step in WizardStep),
    ]

    assert max(len(data.encode()) for data in packed) <= 64
