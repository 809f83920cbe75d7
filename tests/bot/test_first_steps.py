"""Strangers, joining, quick add and the lead card, as people in Telegram see them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import AccessRequest, Lead
from emulator import SimulatedUser
from tests.bot.conftest import Team, Telegram


async def test_a_stranger_gets_one_polite_answer_and_nothing_else(
    telegram: Telegram, session: AsyncSession
) -> None:
    stranger = SimulatedUser(id=9_007_199_254_740_991, first_name="Eve", language_code="uk")

    reply = await telegram.say(stranger, "/pipeline")
    later = await telegram.send_and_expect_silence(stranger, "/lead Steal Everything")

    assert "9007199254740991" in (reply.text or "")
    assert "запрошення" in (reply.text or "")
    assert reply.reply_markup is None
    assert len(later) == 1
    assert await session.scalar(select(func.count()).select_from(AccessRequest)) == 1
    assert await session.scalar(select(func.count()).select_from(Lead)) == 0


async def test_quick_add_shows_the_card_with_the_name_escaped(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await telegram.say(team.rep, "/lead <b>Boss</b> & Co +380671234567 12000 UAH")

    assert card.text is not None
    assert "<b>Boss</b> & Co" in card.text
    assert "+380671234567" in card.text
    assert "UAH12,000.00" in card.text
    assert {button["text"] for button in card.buttons} >= {"Next stage ▶", "✅ Won", "❌ Lost"}
    lead = await session.scalar(select(Lead))
    assert lead is not None and lead.contact_name == "<b>Boss</b> & Co"


async def test_next_stage_edits_the_card_and_a_double_press_applies_once(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    card = await telegram.say(team.rep, "/lead Olena Petrenko +380671234567")

    next_stage = card.button("Next stage ▶")["callback_data"]

    # Two taps on the same keyboard, the second before the edited card arrives.
    first = await telegram.press_for_answer(team.rep, card, data=next_stage)
    second = await telegram.press_for_answer(team.rep, card, data=next_stage, forged=True)

    shown = await telegram.latest(team.rep)
    assert first is None
    assert second == "The lead was changed meanwhile: here is the latest card."
    assert "Stage: <b>Qualified</b>" in (shown.html or "")
    lead = await session.scalar(select(Lead))
    assert lead is not None and lead.stage.name == "Qualified"


async def test_a_forged_button_for_another_reps_lead_is_refused(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    theirs = await telegram.say(team.other_rep, "/lead Чужий Лід +380501112233")
    mine = await telegram.say(team.rep, "/lead Mine +380931112233")
    lead_id = (await session.scalars(select(Lead.id).order_by(Lead.id))).first()

    answer = await telegram.press_for_answer(team.rep, mine, data=f"ld:{lead_id}:n:1", forged=True)

    assert answer == "Not allowed"
    await session.rollback()
    lead = await session.get(Lead, lead_id)
    assert lead is not None and lead.stage.name == "New"
    assert theirs.text is not None and "Чужий Лід" in theirs.text


async def test_ukrainian_people_read_ukrainian(telegram: Telegram, team: Team) -> None:
    board = await telegram.say(team.manager, "/pipeline")

    assert board.text is not None and "0 лідів" in board.text
