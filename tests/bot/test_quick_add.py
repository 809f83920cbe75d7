"""/lead in one message, as reps type it: read as typed, or, when it reads more than one way,
shown as read with buttons to put it right, and nothing created until the rep says so."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import Lead
from tests.bot.conftest import Team, Telegram


async def leads_stored(
    session_factory: async_sessionmaker[AsyncSession],
) -> list[tuple[str, str | None, Decimal | None]]:
    """Title, phone and value of every lead, as committed."""
    async with session_factory() as session:
        leads = await session.scalars(select(Lead).order_by(Lead.id))
        return [(lead.title, lead.phone, lead.value) for lead in leads]


async def test_the_messages_from_the_issue_are_read_as_typed(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    studio = await telegram.say(team.rep, "/lead Studio 54 +380671234567 12000 UAH")
    roman = await telegram.say(team.rep, "/lead Roman Bondar +380 (50) 111-22-33 12 000 UAH")
    olena = await telegram.say(team.other_rep, "/lead Олена 093 123 45 67 12 000,50 грн")

    assert studio.text is not None and studio.text.startswith("📇 Studio 54 ·")
    assert "UAH12,000.00" in studio.text
    assert roman.text is not None and roman.text.startswith("📇 Roman Bondar ·")
    assert "+380501112233" in roman.text
    assert olena.text is not None and olena.text.startswith("📇 Олена ·")
    assert await leads_stored(session_factory) == [
        ("Studio 54", "+380671234567", Decimal("12000.00")),
        ("Roman Bondar", "+380501112233", Decimal("12000.00")),
        ("Олена", "+380931234567", Decimal("12000.50")),
    ]


async def test_a_message_that_reads_two_ways_is_shown_and_created_only_once_confirmed(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    question = await telegram.say(team.rep, "/lead Studio 54 100 UAH")
    nothing_yet = await leads_stored(session_factory)
    other_reading = await telegram.press(team.rep, question, "💰 UAH100.00")
    before = len(await telegram.control.messages(team.rep.user.id))
    answered = await telegram.press(team.rep, other_reading, "✅ Create")
    [card] = (await telegram.control.messages(team.rep.user.id))[before:]
    create_again = question.button("✅ Create")["callback_data"]
    stale = await telegram.press_for_answer(team.rep, answered, data=create_again, forged=True)

    assert question.text == (
        "🤔 I am not sure I read that right. This is how I read it:\n"
        "👤 Name: Studio\n📞 Phone: —\n✉️ E-mail: —\n💰 Amount: UAH54,100.00\n\n"
        "If that is wrong, tap the right reading below. Nothing is saved until you tap Create."
    )
    assert [b["text"] for b in question.buttons] == ["💰 UAH100.00", "✅ Create", "✖️ Cancel"]
    assert nothing_yet == []
    assert other_reading.text is not None
    assert "👤 Name: Studio 54\n" in other_reading.text
    assert "💰 Amount: UAH100.00" in other_reading.text
    assert [b["text"] for b in other_reading.buttons] == [
        "💰 UAH54,100.00",
        "✅ Create",
        "✖️ Cancel",
    ]
    assert answered.text is not None and answered.text.endswith("✓ Read this way.")
    assert answered.buttons == []
    assert card.text is not None and card.text.startswith("📇 Studio 54 ·")
    assert stale == "This question is out of date. Send /lead again."
    assert await leads_stored(session_factory) == [("Studio 54", None, Decimal("100.00"))]


async def test_cancel_creates_nothing_and_the_question_is_in_the_reps_language(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    question = await telegram.say(team.other_rep, "/lead Студія 54 +380671234567")
    cancelled = await telegram.press(team.other_rep, question, "✖️ Скасувати")

    assert question.text is not None
    assert question.text.startswith("🤔 Не впевнений, що правильно зрозумів.")
    assert "👤 Ім’я: Студія 54\n📞 Телефон: +380671234567\n" in question.text
    assert [b["text"] for b in question.buttons][1:] == ["✅ Створити", "✖️ Скасувати"]
    assert cancelled.text is not None
    assert cancelled.text.endswith("✖️ Скасовано: лід не створено.")
    assert cancelled.buttons == []
    assert await session.scalar(select(func.count()).select_from(Lead)) == 0


async def test_an_amount_above_the_largest_is_refused_and_nothing_is_created(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    refusal = await telegram.say(team.rep, "/lead Huge +380671234567 92 233 720 368 547 758 UAH")

    assert refusal.text == (
        "That amount is too large: a deal or an order can be worth at most 10,000,000,000."
    )
    assert await session.scalar(select(func.count()).select_from(Lead)) == 0
