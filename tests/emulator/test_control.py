"""The control API itself: several bots, raw updates, lookups and reset."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from emulator import ControlApiError, EmulatorClient, RunningEmulator, SimulatedUser
from tests.emulator.conftest import make_bot

SECOND_TOKEN = "777:second-bot-token"


async def test_several_bots_are_told_apart_by_bot_id(
    emulator: RunningEmulator, bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.register_bot(SECOND_TOKEN, username="support_bot")
    second = make_bot(emulator.base_url, SECOND_TOKEN)
    try:
        async with EmulatorClient(emulator.base_url, bot_id=777) as second_control:
            await second_control.start_chat(alice)
            await second.send_message(alice.id, "support here")

            assert (await second.get_me()).username == "support_bot"
            assert [m.text for m in await second_control.messages(alice.id)] == ["support here"]
        with pytest.raises(ControlApiError, match="pass bot_id"):
            await control.messages(alice.id)
    finally:
        await second.session.close()


async def test_raw_updates_are_queued_with_an_update_id(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    member_update = {
        "my_chat_member": {
            "chat": alice.private_chat(),
            "from": alice.to_api(),
            "date": 0,
            "old_chat_member": {"status": "member", "user": alice.to_api()},
            "new_chat_member": {"status": "kicked", "user": alice.to_api(), "until_date": 0},
        }
    }

    update_id = await control.post_update(member_update)

    [update] = await bot.get_updates()
    assert update.update_id == update_id
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(ControlApiError, match="exactly one known update field"):
        await control.post_update({"nonsense": {}})


async def test_group_messages_and_single_message_lookup(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.create_group(-100500, "Sales", username="sales_team")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Claim", callback_data="claim:1")]]
    )

    await control.send_text(alice, "new lead in the group", chat_id=-100500)
    sent = await bot.send_message("@sales_team", "Who takes it?", reply_markup=markup)
    stored = await control.message(-100500, sent.message_id)

    assert stored.button("Claim") == {"text": "Claim", "callback_data": "claim:1"}
    everything = await control.messages(-100500, include_user_messages=True)
    assert [message.from_bot for message in everything] == [False, True]


async def test_reset_forgets_chats_but_keeps_bots(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    await bot.send_message(alice.id, "before reset")

    await control.reset()

    assert await control.messages(alice.id) == []
    assert await bot.get_updates() == []
    assert (await bot.get_me()).username == "crm_test_bot"
