"""The bot end to end: the real dispatcher polling the local Bot API emulator over HTTP,
on a real database, with simulated people typing and pressing buttons."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram_i18n.cores import FluentRuntimeCore
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.registry import RENDERERS
from bot.delivery.sender import OutboxSender
from bot.factory import FLOW_KEYS, create_bot, create_dispatcher
from bot.i18n import create_translator
from bot.pacing import SendPacer
from bot.settings import Settings
from crm.models import Language, Role, Staff
from emulator import (
    EmulatorClient,
    RateLimits,
    RunningEmulator,
    SentMessage,
    SimulatedUser,
    run_emulator,
)
from tests.conftest import migrated_database_url
from tests.emulator.conftest import LocalAiohttpSession

TOKEN = "7000000001:CRM-test-token"
BOT_USERNAME = "team_crm_bot"
REDIS_URL = os.environ.get("TEST_REDIS_URL")
# Each database with one FSM storage: the embedded pair and the scale-out pair.
STACKS = [
    pytest.param(("sqlite", "memory"), id="sqlite-memory"),
    pytest.param(
        ("postgres", "redis"), id="postgres-redis", marks=[pytest.mark.postgres, pytest.mark.redis]
    ),
]
# People type and tap at human speed; the per-chat burst lets a test do the same quickly.
HUMAN_PACE = RateLimits(per_chat_burst=50)
SETTLE_TIMEOUT = 10


@dataclass(frozen=True)
class Person:
    user: SimulatedUser
    staff: Staff | None


@dataclass
class Telegram:
    """What a person sees in their chat with the bot, and what they can do there."""

    control: EmulatorClient
    emulator: RunningEmulator

    async def say(self, person: Person | SimulatedUser, text: str) -> SentMessage:
        """Send a message and return the bot's reply."""
        user = person.user if isinstance(person, Person) else person
        before = len(await self.control.messages(user.id))
        await self.control.send_text(user, text)
        reply = (await self.control.wait_for_messages(user.id, before + 1))[before]
        await self.settled()
        return reply

    async def settled(self) -> None:
        """Wait until the bot has finished every update sent so far, its transaction committed:
        polling (one update at a time here) asks for more only when the last one is done."""
        (bot_state,) = self.emulator.state.bots.values()
        async with asyncio.timeout(SETTLE_TIMEOUT):
            # The update queue signals nothing when the bot confirms updates; look often.
            while bot_state.updates.has_pending():  # noqa: ASYNC110
                await asyncio.sleep(0.005)

    async def send_and_expect_silence(self, user: SimulatedUser, text: str) -> list[SentMessage]:
        await self.control.send_text(user, text)
        await self.settled()
        return await self.control.messages(user.id)

    async def press(
        self, person: Person, message: SentMessage, button: str, *, forged: str | None = None
    ) -> SentMessage:
        """Press a button (by its text) and return the message once the bot changed it."""
        callback_id = await self.control.press_button(
            person.user,
            message,
            text=None if forged else button,
            callback_data=forged,
            forged=forged is not None,
        )
        await self.control.wait_for_callback_answer(callback_id)
        await self.settled()
        return await self.control.message(message.chat_id, message.message_id)

    async def press_for_answer(
        self, person: Person, message: SentMessage, *, data: str, forged: bool = False
    ) -> str | None:
        callback_id = await self.control.press_button(
            person.user, message, callback_data=data, forged=forged
        )
        answer = await self.control.wait_for_callback_answer(callback_id)
        await self.settled()
        return answer.text

    async def latest(self, person: Person) -> SentMessage:
        return (await self.control.messages(person.user.id))[-1]

    async def rate_limit_hits(self) -> int:
        return len(await self.control.rate_limit_hits())


@dataclass(frozen=True)
class Team:
    admin: Person
    manager: Person
    rep: Person
    other_rep: Person


def settings_for(emulator: RunningEmulator) -> Settings:
    return Settings(
        bot_token=SecretStr(TOKEN),
        telegram_api_url=emulator.base_url,
        admin_ids=[],
        database_url="unused",
    )


@pytest.fixture
def settings(emulator: RunningEmulator) -> Settings:
    """The dispatcher's settings; a test module overrides this to set, say, ``ADMIN_IDS``."""
    return settings_for(emulator)


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> tuple[str, str]:
    database, storage = request.param
    return database, storage


@pytest.fixture
def database_url(stack: tuple[str, str], request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrated_database_url(stack[0], request, tmp_path)


@pytest.fixture
async def storage(stack: tuple[str, str]) -> AsyncIterator[BaseStorage]:
    if stack[1] == "memory":
        yield MemoryStorage()
        return
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("TEST_REDIS_URL must be set in CI: Redis tests may not be skipped")
        pytest.skip("TEST_REDIS_URL is not set: Redis FSM storage tests skipped")
    from aiogram.fsm.storage.redis import RedisStorage

    redis_storage = RedisStorage.from_url(REDIS_URL, key_builder=FLOW_KEYS)
    await redis_storage.redis.flushdb()
    yield redis_storage
    await redis_storage.close()


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(rate_limits=HUMAN_PACE) as running:
        running.register_bot(TOKEN, username=BOT_USERNAME)
        yield running


@pytest.fixture
def pacer() -> SendPacer:
    """The bot keeps to the emulator's limits as it keeps to Telegram's."""
    return SendPacer(per_chat_burst=HUMAN_PACE.per_chat_burst)


@pytest.fixture
async def bot(emulator: RunningEmulator, pacer: SendPacer) -> AsyncIterator[Bot]:
    bot = create_bot(settings_for(emulator), session_class=LocalAiohttpSession, pacer=pacer)
    yield bot
    await bot.session.close()


@pytest.fixture(scope="session")
def translator() -> FluentRuntimeCore:
    """Loaded once: compiling the Fluent files takes longer than most tests."""
    return create_translator()


@pytest.fixture
def sender(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
    pacer: SendPacer,
) -> OutboxSender:
    return OutboxSender(bot, session_factory, translator, RENDERERS, pacer=pacer)


@pytest.fixture
def dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    translator: FluentRuntimeCore,
    sender: OutboxSender,
    pacer: SendPacer,
) -> Dispatcher:
    return create_dispatcher(
        settings,
        session_factory=session_factory,
        outbox=sender,
        translator=translator,
        storage=storage,
        pacer=pacer,
    )


@pytest.fixture
async def telegram(
    emulator: RunningEmulator, bot: Bot, dispatcher: Dispatcher, sender: OutboxSender
) -> AsyncIterator[Telegram]:
    async with EmulatorClient(emulator.base_url) as control:
        sending = asyncio.create_task(sender.run())
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                polling_timeout=1,
                handle_signals=False,
                close_bot_session=False,
                handle_as_tasks=False,
            )
        )
        yield Telegram(control=control, emulator=emulator)
        await dispatcher.stop_polling()
        await polling
        sender.stop()
        await sending
        assert await control.rate_limit_hits() == [], "the bot tripped Telegram's rate limits"


async def join(
    session: AsyncSession, telegram: Telegram, user: SimulatedUser, role: Role, language: Language
) -> Person:
    # Working around the clock, so what they are told is not held for their working hours.
    staff = Staff(
        telegram_id=user.id,
        display_name=user.first_name,
        role=role,
        language=language,
        work_starts=time(0, 0),
        work_ends=time(0, 0),
    )
    session.add(staff)
    await session.commit()
    await telegram.say(user, "/start")
    return Person(user, staff)


@pytest.fixture
async def team(telegram: Telegram, session: AsyncSession) -> Team:
    return Team(
        admin=await join(
            session, telegram, SimulatedUser(id=501, first_name="Ada"), Role.ADMIN, Language.EN
        ),
        manager=await join(
            session,
            telegram,
            SimulatedUser(id=502, first_name="Марина", language_code="uk"),
            Role.MANAGER,
            Language.UK,
        ),
        rep=await join(
            session, telegram, SimulatedUser(id=503, first_name="Taras"), Role.REP, Language.EN
        ),
        other_rep=await join(
            session,
            telegram,
            SimulatedUser(id=504, first_name="Оля", language_code="uk"),
            Role.REP,
            Language.UK,
        ),
    )
