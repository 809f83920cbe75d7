"""The default pipeline and stages are named in each reader's language; a name an admin typed
reads as typed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Stage
from tests.bot.conftest import Team, Telegram


async def test_each_reader_reads_the_default_stages_in_their_language(
    telegram: Telegram, team: Team
) -> None:
    ukrainian_card = await telegram.say(team.other_rep, "/lead Оксана +380501112233")
    english_card = await telegram.say(team.rep, "/lead Olena +380671234567")
    # Not the manager: told of each new lead, their chat is busy.
    board = await telegram.say(team.other_rep, "/pipeline")
    found = await telegram.say(team.other_rep, "/find Оксана")

    assert "Статус: <b>Новий</b>" in (ukrainian_card.html or "")
    assert "Stage: <b>New</b>" in (english_card.html or "")
    assert (board.text or "").startswith("📊 Продажі")
    assert [button["text"] for button in board.buttons] == [
        "Новий (1)",
        "Кваліфікований (0)",
        "Пропозиція (0)",
        "Виграно (0)",
        "Програно (0)",
    ]
    assert "· Новий ·" in (found.text or "")


async def test_a_renamed_default_stage_reads_as_typed_in_every_language(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    stages = await telegram.say(team.admin, "/stages")
    stage_card = await telegram.press(team.admin, stages, "1. New (0)")
    await telegram.press(team.admin, stage_card, "✏️ Rename")
    renamed = await telegram.say(team.admin, "Вхідні")

    ukrainian_card = await telegram.say(team.other_rep, "/lead Оксана +380501112233")
    english_card = await telegram.say(team.rep, "/lead Olena +380671234567")
    board = await telegram.say(team.other_rep, "/pipeline")

    assert (renamed.text or "").startswith("🧩 Вхідні (1 of 5)")
    assert "Статус: <b>Вхідні</b>" in (ukrainian_card.html or "")
    assert "Stage: <b>Вхідні</b>" in (english_card.html or "")
    assert [button["text"] for button in board.buttons][:2] == ["Вхідні (1)", "Кваліфікований (0)"]
    renamed_stage = await session.scalar(select(Stage).where(Stage.name == "Вхідні"))
    assert renamed_stage is not None and renamed_stage.code is None
