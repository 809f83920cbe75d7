"""Input at the edges, as people in Telegram meet it: the largest deals still add up on the
board, a date in the year 9999 is refused where it is typed, a /find of 4,050 characters gets
an answer."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import Lead, Staff, Task
from tests.bot.conftest import Team, Telegram

TOO_FAR = "That date is too far ahead. Pick one within the next 10 years."


async def test_two_deals_at_the_largest_value_leave_the_board_working_for_everyone(
    telegram: Telegram, team: Team, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await telegram.say(team.rep, "/lead Big One +380671234567 10 000 000 000 UAH")
    await telegram.say(team.rep, "/lead Big Two +380501234567 10 000 000 000 UAH")
    refusal = await telegram.say(team.rep, "/lead Bigger +380931234567 92233720368547758 UAH")

    boards = {
        person.user.first_name: await telegram.say(person, "/pipeline")
        for person in (team.admin, team.manager, team.rep, team.other_rep)
    }
    stages = await telegram.say(team.admin, "/stages")

    assert refusal.text is not None and refusal.text.startswith("That amount is too large")
    for name in ("Ada", "Taras"):
        assert "UAH20,000,000,000.00" in (boards[name].text or ""), name
    assert "20\u00a0000\u00a0000\u00a0000,00\u00a0₴" in (boards["Марина"].text or "")
    assert (boards["Оля"].text or "").startswith("📊")
    assert (stages.text or "").startswith("🧩 Stages of the Sales pipeline")
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Lead)) == 2


async def test_a_task_in_the_year_9999_is_refused_and_the_card_opens_in_tokyo(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    """31.12.9999 23:59 in Kyiv is already the year 10000 in Tokyo, where the manager is."""
    manager = Staff.telegram_id == team.manager.user.id
    await session.execute(update(Staff).where(manager).values(time_zone="Asia/Tokyo"))
    await session.commit()
    card = await telegram.say(team.rep, "/lead Olena +380671234567")
    await telegram.press(team.rep, card, "⏰ Task")
    await telegram.press(team.rep, card, "🗓 Other time…")

    refusal = await telegram.say(team.rep, "31.12.9999 23:59")
    still_asked = await telegram.say(team.rep, "31.12.9999")
    await telegram.say(team.rep, "tomorrow 10:00")
    saved = await telegram.say(team.rep, "Call back")
    found = await telegram.say(team.manager, "/find Olena")
    opened = await telegram.press(team.manager, found, "Olena")

    assert refusal.text == TOO_FAR
    assert still_asked.text == TOO_FAR
    assert saved.text is not None and saved.text.startswith("⏰ Task saved: Call back")
    assert opened.text is not None and opened.text.startswith("📇 Olena ·")
    assert await session.scalar(select(func.count()).select_from(Task)) == 1


async def test_an_expected_close_date_in_the_year_9999_is_refused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await telegram.say(team.rep, "/lead Olena +380671234567")
    await telegram.press(team.rep, card, "✏️ Edit")
    await telegram.press(team.rep, card, "Expected close date")

    refusal = await telegram.say(team.rep, "31.12.9999")

    assert refusal.text == TOO_FAR
    assert await session.scalar(select(Lead.expected_close_on)) is None


async def test_a_4050_character_find_gets_a_short_answer(telegram: Telegram, team: Team) -> None:
    too_long = await telegram.say(team.rep, "/find " + "Olena Petrenko " * 270)
    nothing = await telegram.say(team.rep, "/find " + "<b>x</b>" * 30)

    assert too_long.text == (
        "That is too long to search for. Send part of a name, a phone or an e-mail."
    )
    assert nothing.text is not None and "«<b>x</b><b>x</b>" in nothing.text
    assert len(nothing.text) < 200
