"""Receiving updates: getUpdates long polling, webhooks, and a real aiogram Dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.methods import SendMessage
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import EmulatorClient, RunningEmulator, SimulatedUser
from tests.emulator.conftest import TOKEN

WebhookHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def webhook_receiver(handler: WebhookHandler) -> AsyncIterator[str]:
    """A local HTTP server standing in for the bot's webhook; yields its URL."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


async def poll_in_background(emulator: RunningEmulator, bot: Bot) -> asyncio.Task[list[Update]]:
    """Start a long getUpdates call and return once the emulator is holding it."""
    queue = emulator.state.bots[TOKEN].updates
    polls_before = queue.polls_started
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    assert await queue.changed.wait_for(lambda: queue.polls_started > polls_before, 2)
    return poll


async def test_long_polling_returns_as_soon_as_an_update_arrives(
    emulator: RunningEmulator, bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = await poll_in_background(emulator, bot)

    posted = await control.send_text(alice, "I'd like a quote")
    [update] = await poll

    assert loop.time() - started < 2
    assert update.update_id == posted.update_id
    assert update.message is not None and update.message.text == "I'd like a quote"


async def test_offset_confirms_earlier_updates(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.send_text(alice, "one")
    await control.send_text(alice, "two")

    first = await bot.get_updates()
    again = await bot.get_updates()
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    after = await bot.get_updates(offset=first[-1].update_id + 1)

    assert [update.update_id for update in again] == [update.update_id for update in first]
    assert [update.update_id for update in rest] == [first[1].update_id]
    assert after == []


async def test_a_second_poller_terminates_the_first(emulator: RunningEmulator, bot: Bot) -> None:
    first = await poll_in_background(emulator, bot)

    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first


async def test_allowed_updates_filter_what_is_queued(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])

    posted = await control.send_text(alice, "ignored")

    assert posted.update_id is None
    assert await bot.get_updates() == []


class Inbox:
    """What a test webhook received, and a way to wait until it received enough."""

    def __init__(self) -> None:
        self.items: list[tuple[str | None, dict[str, Any]]] = []
        self._changed = asyncio.Condition()

    async def record(self, request: web.Request) -> None:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        item = (secret, await request.json())
        async with self._changed:
            self.items.append(item)
            self._changed.notify_all()

    async def wait_for(self, count: int, max_wait: float = 2.0) -> None:
        async with asyncio.timeout(max_wait), self._changed:
            await self._changed.wait_for(lambda: len(self.items) >= count)


async def test_webhook_set_blocks_get_updates_and_receives_posts(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    inbox = Inbox()

    async def hook(request: web.Request) -> web.Response:
        await inbox.record(request)
        return web.json_response({})

    async with webhook_receiver(hook) as url:
        assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()

        await control.send_text(alice, "first")
        await control.send_text(alice, "second")
        await inbox.wait_for(2)

        assert (await bot.get_webhook_info()).url == url
        assert await bot.delete_webhook()
    assert [secret for secret, _ in inbox.items] == ["s3cret-Token_1"] * 2
    assert [body["message"]["text"] for _, body in inbox.items] == ["first", "second"]
    assert await bot.get_updates() == []


async def test_failed_deliveries_are_retried(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    inbox = Inbox()

    async def flaky_hook(request: web.Request) -> web.Response:
        await inbox.record(request)
        return web.Response(status=500 if len(inbox.items) == 1 else 200)

    async with webhook_receiver(flaky_hook) as url:
        await bot.set_webhook(url)
        await control.send_text(alice, "please retry")
        await control.send_text(alice, "next")
        await inbox.wait_for(3)
        webhook = await control.webhook()

    [first, retried, _] = [body["update_id"] for _, body in inbox.items]
    assert first == retried
    assert webhook is not None
    assert [attempt["delivered"] for attempt in webhook["attempts"][:2]] == [False, True]
    assert "500" in webhook["attempts"][0]["error"]


async def test_a_method_in_the_webhook_response_is_executed(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    async def replying_hook(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "pong"})

    async with webhook_receiver(replying_hook) as url:
        await bot.set_webhook(url)
        await control.send_text(alice, "ping")
        [reply] = await control.wait_for_messages(alice.id, 1, timeout=2)

    assert reply.text == "pong"


async def test_aiogram_webhook_handler_answering_in_the_response(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    router = Router(name="webhook-echo")

    @router.message(F.text)
    async def echo(message: Message) -> SendMessage:
        return message.answer(f"Echo: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    handler = SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token="hook-secret"
    )

    async with webhook_receiver(handler.handle) as url:
        await bot.set_webhook(url, secret_token="hook-secret")
        await control.send_text(alice, "over the webhook")
        [reply] = await control.wait_for_messages(alice.id, 1, timeout=3)

    assert reply.text == "Echo: over the webhook"
    assert await control.api_errors() == []


async def test_webhooks_must_be_https_unless_local(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="An HTTPS URL must be provided"):
        await bot.set_webhook("http://crm.example/hook")
    with pytest.raises(TelegramBadRequest, match="ports 80, 88, 443 or 8443"):
        await bot.set_webhook("https://crm.example:8080/hook")


async def test_a_dispatcher_polls_the_emulator_end_to_end(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    router = Router(name="echo")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data="again")]]
        )
        await message.answer(f"You said: <b>{message.text}</b>", reply_markup=markup)

    @router.callback_query(F.data == "again")
    async def again(query: CallbackQuery) -> None:
        await query.answer("Done")
        if isinstance(query.message, Message):
            await query.message.edit_text("Said again")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=1, handle_signals=False, close_bot_session=False
        )
    )
    try:
        await control.send_text(alice, "hello")
        [reply] = await control.wait_for_messages(alice.id, 1, timeout=3)
        callback_id = await control.press_button(alice, reply, text="Again")
        answer = await control.wait_for_callback_answer(callback_id, timeout=3)
        edited = await control.wait_for_edit(reply, timeout=3)
    finally:
        await dispatcher.stop_polling()
        await polling

    assert (reply.text, reply.entities[0]["type"]) == ("You said: hello", "bold")
    assert answer.text == "Done"
    assert edited.text == "Said again"
    assert await control.rate_limit_hits() == []
