"""The board opens from the chat: a Mini App button on /pipeline and on the lead card when the
board has a public https address, and none without one."""

from __future__ import annotations

import re

import pytest
from aiogram import Bot
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import set_board_menu_button
from bot.delivery.sender import OutboxSender
from bot.settings import Settings
from crm.services.kanban import send_card_to_chat
from emulator import RunningEmulator
from tests.bot.conftest import Team, Telegram, settings_for
from tests.bot.test_search_and_customers import acting, add_lead, lead_id_titled

BOARD = "https://crm.example/miniapp/"


@pytest.fixture
def settings(emulator: RunningEmulator) -> Settings:
    return settings_for(emulator).model_copy(update={"public_url": "https://crm.example"})


async def test_pipeline_and_the_lead_card_open_the_board(telegram: Telegram, team: Team) -> None:
    board = await telegram.say(team.rep, "/pipeline")
    assert board.button("📋 Open the board")["web_app"] == {"url": BOARD}
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    title = re.search(r"#(\d+)", card.text or "")
    assert title is not None
    lead_id = title.group(1)
    assert card.button("📋 Open the board")["web_app"] == {"url": f"{BOARD}?lead={lead_id}"}


def test_the_board_has_an_address_only_over_https(emulator: RunningEmulator) -> None:
    plain = settings_for(emulator)
    assert plain.board_address is None
    assert plain.model_copy(update={"public_url": "http://crm.example"}).board_address is None
    own = plain.model_copy(update={"miniapp_url": "https://board.example/app/"})
    assert own.board_address == "https://board.example/app/"


async def test_open_in_chat_from_the_board_sends_the_chats_own_card(
    telegram: Telegram, team: Team, session: AsyncSession, sender: OutboxSender
) -> None:
    card = await add_lead(telegram, team, "/lead Olena +380671234567", by=team.rep)
    rep = await acting(session, team.rep)
    lead_id = await lead_id_titled(session, "Olena")
    await send_card_to_chat(session, actor=rep, lead_id=lead_id)
    await session.commit()
    chat = team.rep.user.id
    before = len(await telegram.control.messages(chat))
    sender.wake()
    sent = (await telegram.control.wait_for_messages(chat, before + 1))[-1]
    assert sent.text == card.text
    callbacks = [button.get("callback_data") for button in card.buttons if "web_app" not in button]
    assert [button.get("callback_data") for button in sent.buttons] == callbacks


async def test_the_menu_button_opens_the_board(
    telegram: Telegram, bot: Bot, translator: FluentRuntimeCore
) -> None:
    await set_board_menu_button(bot, translator, BOARD)
    assert await telegram.control.menu_button() == {
        "type": "web_app",
        "text": "Board",
        "web_app": {"url": BOARD},
    }
