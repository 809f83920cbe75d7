"""Flood limits: 429 with retry_after, what counts as a send, and the log of every 429."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from emulator import EmulatorClient, RateLimits, SimulatedUser, run_emulator
from emulator.limits import SendLimiter
from tests.emulator.conftest import TOKEN, make_bot


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_chat_allows_a_burst_then_about_one_message_a_second() -> None:
    clock = FakeClock()
    limiter = SendLimiter(RateLimits(per_chat_per_second=1, per_chat_burst=3), clock)

    assert [limiter.try_send(5) for _ in range(3)] == [None, None, None]
    assert limiter.try_send(5) == ("chat", 1)
    assert limiter.try_send(6) is None
    clock.now += 1
    assert limiter.try_send(5) is None
    assert limiter.try_send(5) == ("chat", 1)


def test_a_group_allows_twenty_messages_a_minute() -> None:
    clock = FakeClock()
    limiter = SendLimiter(RateLimits(per_chat_per_second=None), clock)

    assert all(limiter.try_send(-100) is None for _ in range(20))
    assert limiter.try_send(-100) == ("group", 3)


def test_the_bot_as_a_whole_sends_about_thirty_a_second() -> None:
    limiter = SendLimiter(RateLimits(per_chat_per_second=None), FakeClock())

    assert all(limiter.try_send(user_id) is None for user_id in range(1, 31))
    assert limiter.try_send(31) == ("bot", 1)


@pytest.fixture
async def tight() -> AsyncIterator[tuple[Bot, EmulatorClient]]:
    limits = RateLimits(
        per_chat_per_second=0.5, per_chat_burst=2, per_group_per_minute=2, per_group_burst=2
    )
    async with run_emulator(rate_limits=limits) as emulator:
        emulator.register_bot(TOKEN)
        bot = make_bot(emulator.base_url)
        async with EmulatorClient(emulator.base_url) as control:
            yield bot, control
        await bot.session.close()


async def test_sending_fast_to_one_chat_raises_retry_after(
    tight: tuple[Bot, EmulatorClient], alice: SimulatedUser, bohdan: SimulatedUser
) -> None:
    bot, control = tight
    await control.start_chat(alice)
    await control.start_chat(bohdan)

    first = await bot.send_message(alice.id, "1")
    await bot.send_message(alice.id, "2")
    with pytest.raises(TelegramRetryAfter) as limited:
        await bot.send_message(alice.id, "3")
    await bot.send_message(bohdan.id, "other chats are not affected")
    await bot.edit_message_text("edits do not count", chat_id=alice.id, message_id=first.message_id)

    assert limited.value.retry_after == 2
    [hit] = await control.rate_limit_hits()
    assert (hit.chat_id, hit.method, hit.limit, hit.retry_after) == (
        alice.id,
        "sendMessage",
        "chat",
        2,
    )


async def test_group_chats_have_a_per_minute_limit(
    tight: tuple[Bot, EmulatorClient], alice: SimulatedUser
) -> None:
    bot, control = tight
    await control.create_group(-100123, "Sales team")
    await control.send_text(alice, "hi all", chat_id=-100123)

    await bot.send_message(-100123, "1")
    await bot.send_message(-100123, "2")
    with pytest.raises(TelegramRetryAfter) as limited:
        await bot.send_message(-100123, "3")

    assert limited.value.retry_after == 30
    assert [hit.limit for hit in await control.rate_limit_hits()] == ["group"]


async def test_a_well_behaved_bot_never_trips_a_limit(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    await bot.send_message(alice.id, "one reply")

    assert await control.rate_limit_hits() == []
