"""A stage's leads page by page from where the last page ended, and searches too short for
the search index answered, as people in Telegram see them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, utcnow
from crm.schemas import LeadDraft
from crm.services.leads import create_lead
from tests.bot.conftest import Team, Telegram
from tests.bot.test_search_and_customers import acting, inline_answer, lead_buttons

LEADS = 10


async def test_a_stage_pages_forward_and_back_latest_activity_first(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    rep = await acting(session, team.rep)
    for number in range(LEADS):
        lead = await create_lead(
            session,
            actor=rep,
            draft=LeadDraft(contact_name=f"Lead {number}"),
            allow_duplicate=True,
        )
        await session.execute(
            update(Lead)
            .where(Lead.id == lead.id)
            .values(last_activity_at=utcnow() - timedelta(hours=LEADS - number))
        )
    await session.commit()

    board = await telegram.say(team.rep, "/pipeline")
    first = await telegram.press(team.rep, board, f"New ({LEADS})")
    first_buttons = lead_buttons(first)
    second = await telegram.press(team.rep, first, "Next ›")
    second_buttons = lead_buttons(second)
    back = await telegram.press(team.rep, second, "‹ Previous")

    assert first.text is not None and "10 leads, page 1 of 2" in first.text
    assert first_buttons == [f"Lead {n}" for n in range(9, 1, -1)]
    assert second.text is not None and "page 2 of 2" in second.text
    assert second_buttons == ["Lead 1", "Lead 0"]
    assert "Next ›" not in [button["text"] for button in second.buttons]
    assert back.text is not None and "page 1 of 2" in back.text
    assert lead_buttons(back) == first_buttons
    assert "‹ Previous" not in [button["text"] for button in back.buttons]


async def test_a_search_shorter_than_three_characters_is_answered_not_run(
    telegram: Telegram, team: Team
) -> None:
    english = await telegram.say(team.rep, "/find ol")
    ukrainian = await telegram.say(team.manager, "/find ол")
    inline = await inline_answer(telegram, team.rep, "ol")

    assert english.text == (
        "Send at least 3 characters of a name or e-mail, the last digits of a phone, or a #tag."
    )
    assert ukrainian.text == (
        "Надішліть щонайменше 3 символи імені чи e-mail, останні цифри телефону або #тег."
    )
    assert inline["results"] == []
