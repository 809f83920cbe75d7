"""From the user's side: how long a person waits for the bot's reply to a command and to a
button, over HTTP through the emulator, against a minimal aiogram bot that answers each with
one sendMessage, in the same run and the same emulator.

Both bots poll the emulator as they would poll Telegram; the control API posts what a
person does and waits for what the bot shows. Thirty people take turns, each in their own
chat, as the bots keep to Telegram's pace of about a message a second per chat. The CRM
bot's command is ``/find`` among 100,000 leads, its button opens a lead found (the card
replaces the list); the minimal bot answers ``/find`` and the press with one sendMessage
each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiogram import Bot, Dispatcher, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bot import NoSender, percentile
from bench.report import Measurement
from bot.factory import create_bot, create_dispatcher
from bot.i18n import create_translator
from bot.settings import Settings
from crm.db import create_session_factory
from crm.models import Role, Staff
from emulator import EmulatorClient, RunningEmulator, SentMessage, SimulatedUser, run_emulator

CRM_TOKEN = "4242:BENCH-crm"
BARE_TOKEN = "4343:BENCH-bare"
REPLIES = 200
WARMUP = 10
RATIO_TARGET = 3.0
# A person sends about one message a second at most, and the bot keeps to Telegram's limit of
# about one a second per chat: the rounds go round this many people, each in their own chat.
PEOPLE = 30
BENCH_TELEGRAM_ID_BASE = 77_000_000
# Parts of names and companies of the demo data (crm.seeding): each finds leads to open.
FIND_TEXTS = ["олена", "петрен", "шевчен", "бондар", "smith", "taylor", "будсерв", "coffee"]


class Again(CallbackData, prefix="again"):
    """The minimal bot's one button."""


def bare_dispatcher() -> Dispatcher:
    """A minimal aiogram bot: one sendMessage for a message and one for a press."""
    router = Router()

    @router.message()
    async def reply(message: Message) -> None:
        keyboard = InlineKeyboardBuilder()
        keyboard.button(text="again", callback_data=Again())
        await message.answer("ok", reply_markup=keyboard.as_markup())

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        if isinstance(query.message, Message):
            await query.message.answer("pressed")

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    return dispatcher


@asynccontextmanager
async def polling(dispatcher: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    task = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=1, handle_signals=False, close_bot_session=True
        )
    )
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await task


class Person:
    """A person in their chat with one bot, through the control API: each call is timed
    from the update posted to the reply shown."""

    def __init__(self, control: EmulatorClient, user: SimulatedUser) -> None:
        self.control = control
        self.user = user
        self.seen = 0

    async def command(self, text: str) -> tuple[float, SentMessage]:
        started = time.perf_counter()
        await self.control.send_text(self.user, text)
        shown = await self._next_message()
        return (time.perf_counter() - started) * 1000, shown

    async def press_for_new_message(self, message: SentMessage, data: str) -> float:
        started = time.perf_counter()
        await self.control.press_button(self.user, message, callback_data=data)
        await self._next_message()
        return (time.perf_counter() - started) * 1000

    async def press_for_edit(self, message: SentMessage, data: str) -> float:
        started = time.perf_counter()
        await self.control.press_button(self.user, message, callback_data=data)
        await self.control.wait_for_edit(message)
        return (time.perf_counter() - started) * 1000

    async def _next_message(self) -> SentMessage:
        self.seen += 1
        return (await self.control.wait_for_messages(self.user.id, self.seen))[-1]


Round = Callable[[Person, int], Awaitable[tuple[float, float]]]


async def timed_rounds(people: list[Person], one_round: Round) -> tuple[list[float], list[float]]:
    """Command and button latencies of ``REPLIES`` rounds after ``WARMUP`` untimed ones, the
    people taking turns."""
    commands, buttons = [], []
    for number in range(WARMUP + REPLIES):
        command_ms, button_ms = await one_round(people[number % len(people)], number)
        if number >= WARMUP:
            commands.append(command_ms)
            buttons.append(button_ms)
    return commands, buttons


async def bare_round(person: Person, number: int) -> tuple[float, float]:
    command_ms, reply = await person.command(f"/find {FIND_TEXTS[number % len(FIND_TEXTS)]}")
    button_ms = await person.press_for_new_message(reply, Again().pack())
    return command_ms, button_ms


async def crm_round(person: Person, number: int) -> tuple[float, float]:
    """``/find`` a name fragment, then open the first lead found."""
    command_ms, found = await person.command(f"/find {FIND_TEXTS[number % len(FIND_TEXTS)]}")
    first_lead = found.buttons[0]["callback_data"]
    button_ms = await person.press_for_edit(found, first_lead)
    return command_ms, button_ms


async def bench_managers(engine: AsyncEngine) -> list[SimulatedUser]:
    """``PEOPLE`` managers of the CRM, added once."""
    telegram_ids = range(BENCH_TELEGRAM_ID_BASE, BENCH_TELEGRAM_ID_BASE + PEOPLE)
    async with create_session_factory(engine)() as session:
        known = set(
            await session.scalars(
                select(Staff.telegram_id).where(Staff.telegram_id.in_(telegram_ids))
            )
        )
        session.add_all(
            Staff(telegram_id=i, display_name=f"Bench {i}", role=Role.MANAGER)
            for i in telegram_ids
            if i not in known
        )
        await session.commit()
    return [SimulatedUser(id=i, first_name=f"Bench {i}") for i in telegram_ids]


async def measure_replies(engine: AsyncEngine, size: int) -> list[Measurement]:
    users = await bench_managers(engine)
    async with run_emulator() as emulator:
        print(f"[sqlite] replies over HTTP: {REPLIES} rounds per bot ...", flush=True)
        bare = await _rounds(emulator, BARE_TOKEN, users, bare_dispatcher(), bare_round)
        crm_dispatcher = _crm_dispatcher(engine, emulator)
        crm = await _rounds(emulator, CRM_TOKEN, users, crm_dispatcher, crm_round)
    return [
        _row(f"reply to /find over HTTP, {size:,} leads", crm[0], bare[0]),
        _row(f"reply to a button (open card) over HTTP, {size:,} leads", crm[1], bare[1]),
    ]


async def _rounds(
    emulator: RunningEmulator,
    token: str,
    users: list[SimulatedUser],
    dispatcher: Dispatcher,
    one_round: Round,
) -> tuple[list[float], list[float]]:
    bot_id = emulator.register_bot(token).id
    bot = create_bot(_settings(token, emulator))
    async with (
        polling(dispatcher, bot),
        EmulatorClient(emulator.base_url, bot_id=bot_id) as control,
    ):
        return await timed_rounds([Person(control, user) for user in users], one_round)


def _settings(token: str, emulator: RunningEmulator) -> Settings:
    return Settings(
        bot_token=SecretStr(token), telegram_api_url=emulator.base_url, database_url="unused"
    )


def _crm_dispatcher(engine: AsyncEngine, emulator: RunningEmulator) -> Dispatcher:
    return create_dispatcher(
        _settings(CRM_TOKEN, emulator),
        session_factory=create_session_factory(engine),
        outbox=NoSender(),
        translator=create_translator(),
        storage=MemoryStorage(),
    )


def _row(name: str, measured: list[float], baseline: list[float]) -> Measurement:
    p50, bare_p50 = percentile(measured, 0.5), percentile(baseline, 0.5)
    return Measurement(
        f"{name}: p50 (p99 {percentile(measured, 0.99):.1f} ms, "
        f"minimal bot's p99 {percentile(baseline, 0.99):.1f} ms)",
        "sqlite",
        p50,
        "ms",
        bare_p50,
        "minimal aiogram bot, one sendMessage, p50",
        f"<= {RATIO_TARGET:.0f}x baseline",
        p50 <= RATIO_TARGET * bare_p50,
    )
